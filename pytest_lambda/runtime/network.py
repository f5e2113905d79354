"""Refuse outbound connections to anything but loopback while a handler initialises or runs.

``NetworkGuard`` patches the ``socket`` module's resolver functions and the connecting methods of
``socket.socket`` while at least one guard is active, and puts the exact original attributes back
when the last one exits. Libraries that mock at the HTTP layer (responses, moto) never reach a
socket, so they keep working.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, NamedTuple

__all__ = ["NetworkBlockedError", "NetworkGuard"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
# Families whose traffic never leaves the machine (or needs privileges we don't guard against)
# are let through; only Internet sockets are checked.
_INET_FAMILIES = frozenset({socket.AF_INET, socket.AF_INET6})
#: The X-Ray daemon's address in every Lambda execution environment (the reserved variable
#: ``AWS_XRAY_DAEMON_ADDRESS``, AWS docs "Defined runtime environment variables"; this value as
#: read in a deployed function). Tracing SDKs (the X-Ray SDK, Powertools Tracer) send their
#: segments there as UDP datagrams and never wait for an answer: the daemon is part of the
#: environment, so a guarded datagram to it is accepted and dropped instead of refused.
XRAY_DAEMON = ("169.254.79.129", 2000)
_MAX_RESOLVED = 256
_MODULE_NAMES = ("getaddrinfo", "gethostbyname", "gethostbyname_ex")
# sendmsg does not exist on Windows.
_METHOD_NAMES = tuple(
    name for name in ("connect", "connect_ex", "sendto", "sendmsg") if hasattr(socket.socket, name)
)
_MISSING = object()

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class NetworkBlockedError(RuntimeError):
    """A handler tried to reach a host that is neither loopback nor allowed.

    Deliberately not an ``OSError``: HTTP clients would wrap an ``OSError`` into a generic
    connection error and retry it, hiding the host and the fix.
    """

    def __init__(
        self, host: str, port: int | str | None = None, function_name: str | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.function_name = function_name
        target = f"[{host}]" if ":" in host else host
        if port is not None:
            target = f"{target}:{port}"
        source = f" from function '{function_name}'" if function_name else ""
        if host.rstrip(".").endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")):
            # Allowing it would send the test to real AWS: point at the mock instead.
            fix = ("This is real AWS: run the code under moto (the lambda_aws fixture or "
                   "mock_aws) in the test process; a process worker (isolation='process') "
                   "is not reached by moto there, so run it in-process or point it at a moto "
                   "server with AWS_ENDPOINT_URL. moto answers the AWS SDKs and `requests` "
                   "only: a request sent with urllib3, urllib or http.client (a custom "
                   "resource's PUT to its pre-signed ResponseURL, say) is not mocked even "
                   "under it; patch that call in the test.")
        else:
            fix = (f'Mock the service (moto), or allow the host with '
                   f'@pytest.mark.lambda_network(allow=["{host}"]) or the ini option '
                   f"lambda_network_allow.")
        super().__init__(
            f"pytest-aws-lambda blocked a connection to {target}{source}: tests must not reach "
            f"the network. {fix}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # The default pickling would call __init__ with the message as the host; errors cross
        # process boundaries (xdist, the process backend), so rebuild from the real fields.
        return (type(self), (self.host, self.port, self.function_name))


def _parse_ip(host: str) -> _Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_local_ip(ip: _Address) -> bool:
    # The unspecified address (0.0.0.0, ::) is routed to the local host by the kernel.
    if ip.is_loopback or ip.is_unspecified:
        return True
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped is not None and (mapped.is_loopback or mapped.is_unspecified)


def _is_local(host: str) -> bool:
    # Exact matching only: a name that merely starts like a loopback address
    # ("127.0.0.1.nip.io") is a DNS name like any other, and is resolved by a real lookup.
    if host.lower() in _LOOPBACK_NAMES:
        return True
    ip = _parse_ip(host.partition("%")[0])
    return ip is not None and _is_local_ip(ip)


def _as_port(port: object) -> int | None:
    if isinstance(port, int):
        return port
    if isinstance(port, bytes):
        port = port.decode("ascii", "replace")
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return None


def _as_host(host: object) -> str:
    if isinstance(host, bytes):
        return host.decode("ascii", "replace")
    return str(host)


class _Rule(NamedTuple):
    name: str | None
    suffix: str | None
    network: _Network | None
    port: int | None

    def matches(self, host: str, ip: _Address | None, port: int | None) -> bool:
        if self.port is not None and port is not None and port != self.port:
            return False
        if ip is not None:
            return self.network is not None and ip in self.network
        if self.name is not None:
            return host == self.name
        return self.suffix is not None and host.endswith(self.suffix)


def _parse_rule(entry: str) -> _Rule:
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError(
            f"lambda_network allow entries must be non-empty host strings, not {entry!r}"
        )
    text = entry.strip().lower()
    port: int | None = None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = _parse_port(entry, rest.removeprefix(":"))
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _parse_port(entry, port_text)
    else:
        host = text
    if "/" in host:
        try:
            return _Rule(None, None, ipaddress.ip_network(host, strict=False), port)
        except ValueError:
            raise ValueError(
                f"lambda_network allow entry {entry!r} is not a valid CIDR network "
                f"(e.g. '10.0.0.0/8')"
            ) from None
    ip = _parse_ip(host)
    if ip is not None:
        return _Rule(None, None, ipaddress.ip_network(ip), port)
    if host.startswith("*."):
        return _Rule(None, host[1:].rstrip("."), None, port)
    return _Rule(host.rstrip("."), None, None, port)


def _parse_port(entry: str, text: str) -> int:
    if text.isdigit() and 0 < int(text) < 65536:
        return int(text)
    raise ValueError(
        f"lambda_network allow entry {entry!r} has an invalid port {text!r}; "
        f"use 'host' or 'host:443'"
    )


class _Policy(NamedTuple):
    allow_all: bool
    rules: tuple[_Rule, ...]

    def allows(self, host: str, port: int | None) -> bool:
        if self.allow_all:
            return True
        host = host.lower().rstrip(".")
        ip = _parse_ip(host.partition("%")[0])
        return any(rule.matches(host, ip, port) for rule in self.rules)


def _compile(allow: Sequence[str] | bool) -> _Policy:
    if isinstance(allow, bool):
        return _Policy(allow, ())
    if isinstance(allow, str | bytes):
        raise TypeError(
            f"lambda_network allow must be a list of hosts or True, not the string {allow!r}; "
            f"write allow=[{allow!r}]"
        )
    return _Policy(False, tuple(_parse_rule(entry) for entry in allow))


def check_allow(allow: object, argument: str = "network_allow") -> None:
    """Refuse an allow list the guard could not use, naming ``argument``: a ``ValueError`` or
    ``TypeError`` when the function is made, not at its first invocation."""
    if isinstance(allow, bool):
        return
    if allow is None or isinstance(allow, str | bytes) or not isinstance(
            allow, list | tuple | set | frozenset):
        raise TypeError(
            f"{argument}={allow!r} is not valid: pass a list of hosts (a name, '*.domain', an "
            "IP address, a CIDR network, each optionally with ':port'), e.g. "
            f"{argument}=['api.example.com'], or True to allow every host.")
    for entry in allow:
        try:
            _parse_rule(entry)
        except ValueError as exc:
            reason = str(exc).removeprefix(f"lambda_network allow entry {entry!r} ")
            raise ValueError(f"{argument} entry {entry!r} {reason}" if reason != str(exc)
                             else f"{argument}: {exc}") from None


class _Entry(NamedTuple):
    thread: int
    guard: NetworkGuard


class _SocketPatch:
    """The process-wide patch of the ``socket`` module shared by all active guards.

    The socket module is process-global, so its patch state has to be too: one reference count
    (the active entries) under one lock, however many guards and threads there are.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # Replaced, never mutated, so checks on other threads read a consistent snapshot
        # without taking the lock.
        self.entries: tuple[_Entry, ...] = ()
        self.saved: list[tuple[object, str, object]] = []
        self.real: dict[str, Callable[..., Any]] = {}
        self.resolved: dict[str, str] = {}

    def push(self, guard: NetworkGuard) -> None:
        entry = _Entry(threading.get_ident(), guard)
        with self.lock:
            if not self.entries:
                self._install()
            self.entries = (*self.entries, entry)

    def pop(self, guard: NetworkGuard) -> None:
        thread = threading.get_ident()
        with self.lock:
            entries = self.entries
            last = entries[-1]
            if last.guard is guard and last.thread == thread:
                entries = entries[:-1]
            else:
                entries = self._without(entries, guard, thread)
            self.entries = entries
            if not entries:
                self._uninstall()

    @staticmethod
    def _without(
        entries: tuple[_Entry, ...], guard: NetworkGuard, thread: int
    ) -> tuple[_Entry, ...]:
        # Guards on several threads exit in any order; a guard exited on another thread than
        # it was entered on loses its newest entry.
        same = [i for i, entry in enumerate(entries) if entry.guard is guard]
        index = next((i for i in reversed(same) if entries[i].thread == thread), same[-1])
        return entries[:index] + entries[index + 1 :]

    def _install(self) -> None:
        real, saved = self.real, self.saved
        for name in _MODULE_NAMES:
            real[name] = value = socket.__dict__[name]
            saved.append((socket, name, value))
            setattr(socket, name, _PATCHES[name])
        cls = socket.socket
        for name in _METHOD_NAMES:
            real[name] = getattr(cls, name)
            # Inherited methods are restored by deleting our override, not by copying them in.
            saved.append((cls, name, cls.__dict__.get(name, _MISSING)))
            setattr(cls, name, _PATCHES[name])

    def _uninstall(self) -> None:
        for target, name, value in reversed(self.saved):
            if value is _MISSING:
                delattr(target, name)
            else:
                setattr(target, name, value)
        self.saved.clear()
        self.resolved.clear()

    def remember(self, name: str, addresses: Sequence[str]) -> None:
        """Remember which name the addresses came from, to name it when they are refused."""
        with self.lock:
            resolved = self.resolved
            for address in addresses:
                if len(resolved) >= _MAX_RESOLVED:
                    del resolved[next(iter(resolved))]
                resolved[address] = name

    def policies(self, entries: tuple[_Entry, ...]) -> list[_Policy]:
        # Per thread: an invocation's own guards decide. A thread with no guard of its own
        # (one the handler started, or another test's helper) gets the union of all active ones.
        thread = threading.get_ident()
        own = [entry.guard.policy for entry in entries if entry.thread == thread]
        return own or [entry.guard.policy for entry in entries]

    def function_name(self, entries: tuple[_Entry, ...]) -> str | None:
        thread = threading.get_ident()
        for entry in reversed(entries):
            if entry.thread == thread:
                return entry.guard.function_name
        names = {entry.guard.function_name for entry in entries}
        return names.pop() if len(names) == 1 else None

    def check_name(self, host: str, port: object) -> None:
        """Refuse a lookup or connection to a host name (or IP) that is not local or allowed."""
        if _is_local(host):
            return
        entries = self.entries
        number = _as_port(port)
        if not entries or any(p.allows(host, number) for p in self.policies(entries)):
            return
        shown = number if number is not None or port is None else _as_host(port)
        raise NetworkBlockedError(host, shown, self.function_name(entries))

    def check_address(self, sock: socket.socket, address: Any) -> None:
        """Refuse a connection or datagram to a non-local, non-allowed socket address."""
        if sock.family not in _INET_FAMILIES or not isinstance(address, tuple) or len(address) < 2:
            return
        host, port = _as_host(address[0]), address[1]
        if _is_local(host) or host == "":
            return
        entries = self.entries
        number = _as_port(port)
        if not entries:
            return
        policies = self.policies(entries)
        name = self.resolved.get(host)
        if any(p.allows(host, number) for p in policies):
            return
        if name is not None and any(p.allows(name, number) for p in policies):
            return
        raise NetworkBlockedError(name or host, number, self.function_name(entries))

    def check_lookup(self, host: object, port: object = None) -> str | None:
        """Check a resolver call; return the name to remember its results under, if any."""
        if host is None:
            return None
        name = _as_host(host)
        if _parse_ip(name.partition("%")[0]) is not None:
            # A numeric host needs no DNS; the connection to it is checked instead.
            return None
        self.check_name(name, port)
        return None if _is_local(name) else name.lower()


_PATCH = _SocketPatch()


def _getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    name = _PATCH.check_lookup(host, port)
    results = _PATCH.real["getaddrinfo"](host, port, *args, **kwargs)
    if name is not None:
        _PATCH.remember(name, [str(result[4][0]) for result in results])
    return results


def _gethostbyname(host: Any) -> Any:
    name = _PATCH.check_lookup(host)
    address = _PATCH.real["gethostbyname"](host)
    if name is not None:
        _PATCH.remember(name, [address])
    return address


def _gethostbyname_ex(host: Any) -> Any:
    name = _PATCH.check_lookup(host)
    result = _PATCH.real["gethostbyname_ex"](host)
    if name is not None:
        _PATCH.remember(name, list(result[2]))
    return result


def _connect(sock: socket.socket, address: Any) -> Any:
    _PATCH.check_address(sock, address)
    return _PATCH.real["connect"](sock, address)


def _connect_ex(sock: socket.socket, address: Any) -> Any:
    _PATCH.check_address(sock, address)
    return _PATCH.real["connect_ex"](sock, address)


def _to_xray_daemon(sock: socket.socket, address: Any) -> bool:
    """A datagram for the environment's X-Ray daemon, sent while a guard is active."""
    return (bool(_PATCH.entries) and sock.type == socket.SOCK_DGRAM
            and isinstance(address, tuple) and len(address) >= 2
            and address[1] == XRAY_DAEMON[1] and _as_host(address[0]) == XRAY_DAEMON[0])


def _sendto(sock: socket.socket, data: Any, *args: Any) -> Any:
    if args:
        if _to_xray_daemon(sock, args[-1]):
            return memoryview(data).nbytes  # delivered to the (emulated) daemon
        _PATCH.check_address(sock, args[-1])
    return _PATCH.real["sendto"](sock, data, *args)


def _sendmsg(sock: socket.socket, buffers: Any, *args: Any) -> Any:
    if len(args) >= 3 and args[2] is not None:
        if _to_xray_daemon(sock, args[2]):
            return sum(memoryview(b).nbytes for b in buffers)
        _PATCH.check_address(sock, args[2])
    return _PATCH.real["sendmsg"](sock, buffers, *args)


_PATCHES: dict[str, Callable[..., Any]] = {
    "getaddrinfo": _getaddrinfo,
    "gethostbyname": _gethostbyname,
    "gethostbyname_ex": _gethostbyname_ex,
    "connect": _connect,
    "connect_ex": _connect_ex,
    "sendto": _sendto,
    "sendmsg": _sendmsg,
}


class NetworkGuard:
    """Refuse connections to anything but loopback and ``allow`` while the ``with`` block runs.

    ``allow`` takes host names (exact, case-insensitive, or ``*.example.com`` for any
    subdomain), IP addresses, CIDR networks, each optionally with ``:port``; ``True`` allows
    everything. Guards nest and may be active on several threads at once: a thread inside a
    guard is held to the allow lists of its own active guards, any other thread to the union
    of all active guards. A guard object can be reused and entered re-entrantly.
    """

    __slots__ = ("function_name", "policy")

    def __init__(self, allow: Sequence[str] | bool = (), function_name: str | None = None) -> None:
        self.policy = _compile(allow)
        self.function_name = function_name

    def __repr__(self) -> str:
        allow = True if self.policy.allow_all else len(self.policy.rules)
        return f"NetworkGuard(allow={allow}, function_name={self.function_name!r})"

    def __enter__(self) -> NetworkGuard:
        _PATCH.push(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _PATCH.pop(self)
