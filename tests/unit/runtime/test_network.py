"""The network guard refuses non-loopback traffic; no test here lets a packet leave the machine.

Every test runs on top of ``lower``: fakes for the resolver and the connecting socket methods,
installed before any guard so the guard wraps them as "the real functions". The fakes pass
loopback traffic to the real socket layer and only record everything else, so even a broken
guard cannot send a packet to a non-loopback address.
"""

from __future__ import annotations

import ipaddress
import pickle
import re
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_lambda.runtime.network import XRAY_DAEMON, NetworkBlockedError, NetworkGuard

REAL_CONNECT = socket.socket.connect
REAL_GETADDRINFO = socket.getaddrinfo
TEST_NET = "192.0.2.10"  # RFC 5737 documentation range: never routed


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LowerLayer:
    """Recording stand-ins for the socket layer underneath the guard."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.calls: list[tuple[str, Any]] = []
        self.dns: dict[str, str] = {"localhost": "127.0.0.1"}
        self.originals = {
            name: socket.socket.__dict__.get(name) for name in ("connect", "connect_ex", "sendto")
        }
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(socket, "gethostbyname", self.gethostbyname)
        monkeypatch.setattr(socket, "gethostbyname_ex", self.gethostbyname_ex)
        monkeypatch.setattr(socket.socket, "connect", self.method("connect", REAL_CONNECT))
        monkeypatch.setattr(socket.socket, "connect_ex", self.method("connect_ex", None))
        monkeypatch.setattr(socket.socket, "sendto", self.method("sendto", None))

    def method(self, name: str, real: Callable[..., Any] | None) -> Callable[..., Any]:
        def fake(sock: socket.socket, *args: Any) -> Any:
            address = args[-1]
            if real is not None and _is_loopback(address[0]):
                return real(sock, *args)
            self.calls.append((name, address))
            return 0

        return fake

    def resolve(self, host: Any) -> str:
        host = host.decode() if isinstance(host, bytes) else host
        self.calls.append(("resolve", host))
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            return self.dns.get(host.lower(), TEST_NET)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host is None or _is_loopback(host):
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        address = self.resolve(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def gethostbyname(self, host: str) -> str:
        return self.resolve(host)

    def gethostbyname_ex(self, host: str) -> tuple[str, list[str], list[str]]:
        return host, [], [self.resolve(host)]

    def disarm(self) -> None:
        """Put the real socket layer back, for tests that check exact restoration."""
        self.monkeypatch.undo()


@pytest.fixture(autouse=True)
def lower(monkeypatch: pytest.MonkeyPatch) -> Iterator[LowerLayer]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        # A proxy would change which host the HTTP-client tests are refused for.
        monkeypatch.delenv(name, raising=False)
    yield LowerLayer(monkeypatch)


@pytest.fixture
def udp() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    yield sock
    sock.close()


@pytest.fixture
def tcp() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    yield sock
    sock.close()


def _message(target: str, host: str, function: str | None = None) -> str:
    source = f" from function '{function}'" if function else ""
    return (
        f"pytest-aws-lambda blocked a connection to {target}{source}: tests must not reach the "
        f"network. Mock the service (moto), or allow the host with @pytest.mark.lambda_network("
        f'allow=["{host}"]) or the ini option lambda_network_allow.'
    )


def test_error_message_names_host_port_function_and_fixes() -> None:
    """The message names host, port and function and says how to mock or allow."""
    error = NetworkBlockedError("api.example.com", 443, "orders")
    assert str(error) == (
        "pytest-aws-lambda blocked a connection to api.example.com:443 from "
        "function 'orders': tests must not reach the network. Mock the service (moto), or allow "
        'the host with @pytest.mark.lambda_network(allow=["api.example.com"]) or '
        "the ini option lambda_network_allow."
    )


def test_error_message_for_aws_never_suggests_allowing_it() -> None:
    """An AWS endpoint is real AWS: the fix is moto (and where it does not reach), never an
    allow list entry that would send the test to a real account."""
    error = str(NetworkBlockedError("sqs.us-east-1.amazonaws.com", 443, "orders"))
    assert "lambda_network(allow" not in error
    assert "This is real AWS: run the code under moto (the lambda_aws fixture or mock_aws)" in error
    assert "isolation='process'" in error


def test_error_message_without_function_or_port() -> None:
    """Without a function name or port the message leaves them out."""
    assert str(NetworkBlockedError("example.com")) == _message("example.com", "example.com")


def test_error_message_brackets_ipv6() -> None:
    """An IPv6 host is bracketed before its port, and given bare in the allow hint."""
    error = NetworkBlockedError("2001:db8::1", 443)
    assert str(error) == _message("[2001:db8::1]:443", "2001:db8::1")


def test_error_is_not_an_oserror_and_pickles() -> None:
    """The error is a RuntimeError (so HTTP clients neither wrap nor retry it) that pickles."""
    error = NetworkBlockedError("example.com", 443, "orders")
    assert not isinstance(error, OSError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.host, copy.port, copy.function_name, str(copy)) == (
        "example.com",
        443,
        "orders",
        str(error),
    )


def test_connect_to_non_loopback_is_refused(lower: LowerLayer, tcp: socket.socket) -> None:
    """connect() to a public address raises before reaching the socket layer."""
    with NetworkGuard(function_name="orders"), pytest.raises(NetworkBlockedError) as info:
        tcp.connect(("203.0.113.5", 443))
    assert str(info.value) == _message("203.0.113.5:443", "203.0.113.5", "orders")
    assert lower.calls == []


def test_connect_ex_to_non_loopback_is_refused(lower: LowerLayer, tcp: socket.socket) -> None:
    """connect_ex() raises instead of returning an error code, and never reaches the layer."""
    with NetworkGuard(), pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.5:80"):
        tcp.connect_ex(("203.0.113.5", 80))
    assert lower.calls == []


def test_sendto_to_non_loopback_is_refused(lower: LowerLayer, udp: socket.socket) -> None:
    """sendto() in both call forms is refused for a public address."""
    with NetworkGuard():
        with pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.5:53"):
            udp.sendto(b"x", ("203.0.113.5", 53))
        with pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.5:53"):
            udp.sendto(b"x", 0, ("203.0.113.5", 53))
    assert lower.calls == []


def test_datagrams_to_the_xray_daemon_are_accepted(lower: LowerLayer, udp: socket.socket) -> None:
    """The environment's X-Ray daemon takes tracing datagrams; its neighbours stay refused."""
    with NetworkGuard():
        assert udp.sendto(b"{\"format\": \"json\"}\n{}", XRAY_DAEMON) == 21
        assert udp.sendto(b"segment", 0, XRAY_DAEMON) == 7
        with pytest.raises(NetworkBlockedError, match=r"169\.254\.79\.129:2001"):
            udp.sendto(b"x", (XRAY_DAEMON[0], 2001))
        with pytest.raises(NetworkBlockedError, match=r"169\.254\.79\.130:2000"):
            udp.sendto(b"x", ("169.254.79.130", 2000))
    assert lower.calls == []


def test_sendmsg_to_non_loopback_is_refused(
    monkeypatch: pytest.MonkeyPatch, udp: socket.socket
) -> None:
    """sendmsg() with a destination address is refused for a public address."""
    if not hasattr(socket.socket, "sendmsg"):
        pytest.skip("sendmsg is not available on this platform")
    reached: list[object] = []
    monkeypatch.setattr(socket.socket, "sendmsg", lambda sock, *args: reached.append(args))
    with NetworkGuard(), pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.5:53"):
        udp.sendmsg([b"x"], [], 0, ("203.0.113.5", 53))
    with NetworkGuard():
        udp.sendmsg([b"x"])
    assert reached == [([b"x"],)]


def test_connect_to_host_name_is_refused(lower: LowerLayer, tcp: socket.socket) -> None:
    """connect() with a host name (resolved inside the C call) is refused by name."""
    with NetworkGuard(), pytest.raises(NetworkBlockedError, match=r"example\.com:80:"):
        tcp.connect(("example.com", 80))
    assert lower.calls == []


@pytest.mark.parametrize(
    ("call", "target"),
    [
        (lambda: socket.getaddrinfo("sqs.us-east-1.amazonaws.com", 443), "amazonaws.com:443"),
        (lambda: socket.getaddrinfo(b"sqs.us-east-1.amazonaws.com", "443"), "amazonaws.com:443"),
        (lambda: socket.getaddrinfo("sqs.us-east-1.amazonaws.com", "https"), "com:https"),
        (lambda: socket.getaddrinfo("sqs.us-east-1.amazonaws.com", None), "amazonaws.com:"),
        (lambda: socket.gethostbyname("sqs.us-east-1.amazonaws.com"), "amazonaws.com:"),
        (lambda: socket.gethostbyname_ex("sqs.us-east-1.amazonaws.com"), "amazonaws.com:"),
    ],
)
def test_dns_lookup_of_non_loopback_name_is_refused(
    lower: LowerLayer, call: Callable[[], object], target: str
) -> None:
    """Resolving a public name is refused, since the lookup itself would send a packet."""
    with NetworkGuard(), pytest.raises(NetworkBlockedError) as info:
        call()
    assert target in str(info.value)
    assert lower.calls == []


def test_numeric_lookup_passes_and_connect_is_checked(lower: LowerLayer) -> None:
    """getaddrinfo of an IP literal sends no packet, so only the connection is refused."""
    with NetworkGuard(), socket.socket() as sock:
        (*_, address) = socket.getaddrinfo("203.0.113.5", 443)[0]
        with pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.5:443"):
            sock.connect(address)
    assert lower.calls == [("resolve", "203.0.113.5")]


def test_real_loopback_connection_works() -> None:
    """A real connection to a listening socket on 127.0.0.1 goes through the guard."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with NetworkGuard(), socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            peer, _ = server.accept()
            with peer:
                client.sendall(b"ping")
                assert peer.recv(4) == b"ping"


def test_localhost_name_connection_works() -> None:
    """Resolving and connecting to 'localhost' is allowed."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with NetworkGuard(), socket.create_connection(("localhost", port), timeout=5):
            server.accept()[0].close()


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "0.0.0.0", "localhost"]
)
def test_local_addresses_reach_the_socket_layer(lower: LowerLayer, address: str) -> None:
    """Loopback, IPv4-mapped loopback and unspecified addresses are never refused."""
    udp = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM)
    with udp, NetworkGuard():
        udp.sendto(b"x", (address, 9))
    assert lower.calls == [("sendto", (address, 9))]


def test_unix_sockets_are_not_checked() -> None:
    """AF_UNIX sockets never leave the machine and are not checked."""
    left, right = socket.socketpair()
    with left, right, NetworkGuard():
        left.sendall(b"x")
        assert right.recv(1) == b"x"


@pytest.mark.parametrize(
    ("allow", "host", "port"),
    [
        (["example.com"], "example.com", 443),
        (["EXAMPLE.com."], "Example.COM", 443),
        (["*.example.com"], "api.example.com", 443),
        (["*.example.com"], "a.b.example.com", 80),
        (["203.0.113.5"], "203.0.113.5", 443),
        (["203.0.113.0/24"], "203.0.113.77", 443),
        (["2001:db8::/32"], "2001:db8::1", 443),
        (["203.0.113.5:443"], "203.0.113.5", 443),
        (["[2001:db8::1]:443"], "2001:db8::1", 443),
        (["example.com:443"], "example.com", 443),
        (True, "203.0.113.5", 25),
    ],
)
def test_allow_list_forms_let_the_connection_through(
    lower: LowerLayer, allow: list[str] | bool, host: str, port: int
) -> None:
    """Each allow-list form (host, wildcard, IP, CIDR, host:port, True) permits its target."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, NetworkGuard(allow=allow):
        sock.connect((host, port))
    assert lower.calls == [("connect", (host, port))]


@pytest.mark.parametrize(
    ("allow", "host", "port"),
    [
        (["example.com"], "api.example.com", 443),
        (["*.example.com"], "example.com", 443),
        (["*.example.com"], "badexample.com", 443),
        (["203.0.113.5"], "203.0.113.6", 443),
        (["203.0.113.0/24"], "198.51.100.1", 443),
        (["203.0.113.5:443"], "203.0.113.5", 80),
        (["example.com:443"], "example.com", 80),
        (False, "203.0.113.5", 443),
    ],
)
def test_allow_list_forms_refuse_everything_else(
    lower: LowerLayer, allow: list[str] | bool, host: str, port: int
) -> None:
    """An allow-list entry does not stretch to other hosts, subdomains, networks or ports."""
    with socket.socket() as sock, NetworkGuard(allow=allow), pytest.raises(NetworkBlockedError):
        sock.connect((host, port))
    assert lower.calls == []


def test_allowed_name_allows_connecting_to_its_resolved_address(lower: LowerLayer) -> None:
    """After an allowed name resolves, connecting to its address is allowed through the name."""
    lower.dns["api.example.com"] = "198.51.100.20"
    with NetworkGuard(allow=["*.example.com:443"]), socket.socket() as sock:
        ((*_, address),) = socket.getaddrinfo("api.example.com", 443)
        sock.connect(address)
    assert lower.calls == [
        ("resolve", "api.example.com"),
        ("connect", ("198.51.100.20", 443)),
    ]


def test_refused_address_is_named_by_the_host_it_resolved_from(lower: LowerLayer) -> None:
    """A refused connection to a resolved address names the host rather than the IP."""
    lower.dns["api.example.com"] = "198.51.100.20"
    with NetworkGuard(allow=["api.example.com:443"]), socket.socket() as sock:
        socket.gethostbyname("api.example.com")
        with pytest.raises(NetworkBlockedError) as info:
            sock.connect(("198.51.100.20", 80))
    assert str(info.value) == _message("api.example.com:80", "api.example.com")


def test_resolved_names_are_forgotten_after_the_last_guard(lower: LowerLayer) -> None:
    """The name map is cleared with the patches, so it cannot leak into the next test."""
    lower.dns["api.example.com"] = "198.51.100.20"
    with NetworkGuard(allow=["api.example.com"]):
        socket.gethostbyname_ex("api.example.com")
    with NetworkGuard(), socket.socket() as sock, pytest.raises(NetworkBlockedError) as info:
        sock.connect(("198.51.100.20", 443))
    assert info.value.host == "198.51.100.20"


@pytest.mark.parametrize(
    ("allow", "error", "match"),
    [
        ("example.com", TypeError, r"write allow=\['example.com'\]"),
        ([""], ValueError, "non-empty"),
        (["example.com:http"], ValueError, "invalid port 'http'"),
        (["example.com:70000"], ValueError, "invalid port '70000'"),
        (["10.0.0.0/33"], ValueError, "not a valid CIDR"),
    ],
)
def test_invalid_allow_lists_are_rejected(allow: Any, error: type[Exception], match: str) -> None:
    """A bare string, empty entry, bad port or bad network fails with a message that says so."""
    with pytest.raises(error, match=match):
        NetworkGuard(allow=allow)


def test_http_client_surfaces_the_error_unwrapped(lower: LowerLayer) -> None:
    """requests raises NetworkBlockedError itself, not a generic ConnectionError."""
    import requests

    with NetworkGuard(function_name="orders"), pytest.raises(NetworkBlockedError) as info:
        requests.get("https://sqs.us-east-1.amazonaws.com/", timeout=1)
    assert info.value.host == "sqs.us-east-1.amazonaws.com"
    assert info.value.port == 443
    assert lower.calls == []


def test_responses_mocks_keep_working() -> None:
    """requests under responses never opens a socket, so it works inside the guard."""
    import requests
    import responses

    with responses.RequestsMock() as mock, NetworkGuard():
        mock.get("https://example.com", body="mocked")
        assert requests.get("https://example.com", timeout=1).text == "mocked"


def test_moto_keeps_working(monkeypatch: pytest.MonkeyPatch, lower: LowerLayer) -> None:
    """boto3 under moto's mock_aws never opens a socket, so it works inside the guard."""
    import boto3
    import moto

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws(), NetworkGuard():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        messages = sqs.receive_message(QueueUrl=url)["Messages"]
    assert [message["Body"] for message in messages] == ["hello"]
    assert lower.calls == []


def test_boto3_without_moto_is_refused_naming_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, lower: LowerLayer
) -> None:
    """boto3 without moto is refused; botocore wraps the error but keeps its whole message."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import HTTPClientError

    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config = Config(retries={"max_attempts": 1})
    client = boto3.client("sqs", region_name="us-east-1", config=config)
    with NetworkGuard(function_name="orders"), pytest.raises(HTTPClientError) as info:
        client.list_queues()
    assert isinstance(info.value.__context__, NetworkBlockedError)
    endpoint = "sqs.us-east-1.amazonaws.com"
    assert str(NetworkBlockedError(endpoint, 443, "orders")) in str(info.value)
    assert lower.calls == []


def test_exact_originals_are_restored(lower: LowerLayer) -> None:
    """After exit socket.socket has no own connect again and the module has its real functions."""
    lower.disarm()
    before = dict(socket.socket.__dict__), dict(vars(socket))
    resolver = socket.getaddrinfo  # the suite's own DNS refusal (see tests/conftest.py)
    with NetworkGuard():
        assert socket.socket.connect is not REAL_CONNECT
        assert socket.getaddrinfo is not resolver
    assert "connect" not in socket.socket.__dict__
    assert socket.socket.connect is REAL_CONNECT
    assert socket.getaddrinfo is resolver
    assert (dict(socket.socket.__dict__), dict(vars(socket))) == before


def test_originals_are_restored_after_an_exception(lower: LowerLayer) -> None:
    """An exception inside the block still restores every original attribute."""
    lower.disarm()
    resolver = socket.getaddrinfo
    with pytest.raises(KeyError), NetworkGuard():
        raise KeyError("handler failed")
    assert socket.socket.connect is REAL_CONNECT
    assert socket.getaddrinfo is resolver
    assert socket.gethostbyname is socket.__dict__["gethostbyname"]


def test_patched_attributes_present_before_are_restored(lower: LowerLayer) -> None:
    """Attributes another tool patched before the guard are put back as they were."""
    fake_connect = socket.socket.__dict__["connect"]
    with NetworkGuard():
        assert socket.socket.__dict__["connect"] is not fake_connect
    assert socket.socket.__dict__["connect"] is fake_connect


def test_nested_guards_patch_once_and_restore_at_the_last_exit(lower: LowerLayer) -> None:
    """Only the outermost guard installs and removes the patches; inner guards add allowances."""
    stub = socket.socket.__dict__["connect"]
    with NetworkGuard() as outer:
        patched = socket.socket.__dict__["connect"]
        with NetworkGuard(allow=["203.0.113.5"]), socket.socket() as sock:
            assert socket.socket.__dict__["connect"] is patched
            sock.connect(("203.0.113.5", 443))
        assert socket.socket.__dict__["connect"] is patched
        with outer, socket.socket() as sock, pytest.raises(NetworkBlockedError):
            sock.connect(("203.0.113.5", 443))
    assert socket.socket.__dict__["connect"] is stub
    assert lower.calls == [("connect", ("203.0.113.5", 443))]


def test_threads_nest_guards_and_each_uses_its_own_allow_list(lower: LowerLayer) -> None:
    """Concurrent guards on threads keep per-thread allow lists; the last one out restores."""
    stub = socket.socket.__dict__["connect"]
    barrier = threading.Barrier(4)
    results: dict[str, list[str]] = {}

    def invoke(own: str, other: str) -> None:
        outcome = results.setdefault(own, [])
        with NetworkGuard(allow=[own], function_name=own):
            barrier.wait(timeout=5)
            for host in (own, other):
                with socket.socket() as sock:
                    try:
                        sock.connect((host, 443))
                        outcome.append(f"{host} ok")
                    except NetworkBlockedError as error:
                        outcome.append(f"{host} refused from {error.function_name}")
            barrier.wait(timeout=5)

    threads = [
        threading.Thread(target=invoke, args=("203.0.113.1", "203.0.113.2")),
        threading.Thread(target=invoke, args=("203.0.113.2", "203.0.113.1")),
        threading.Thread(target=invoke, args=("203.0.113.3", "203.0.113.1")),
    ]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=5)
    # This thread has no guard of its own, so the union of the active guards applies.
    with socket.socket() as sock:
        sock.connect(("203.0.113.2", 443))
    with socket.socket() as sock, pytest.raises(NetworkBlockedError) as info:
        sock.connect(("203.0.113.9", 443))
    assert info.value.function_name is None
    barrier.wait(timeout=5)
    for thread in threads:
        thread.join(timeout=5)
    assert results == {
        "203.0.113.1": ["203.0.113.1 ok", "203.0.113.2 refused from 203.0.113.1"],
        "203.0.113.2": ["203.0.113.2 ok", "203.0.113.1 refused from 203.0.113.2"],
        "203.0.113.3": ["203.0.113.3 ok", "203.0.113.1 refused from 203.0.113.3"],
    }
    assert socket.socket.__dict__["connect"] is stub
    assert all(
        address[0] in {"203.0.113.1", "203.0.113.2", "203.0.113.3"} for _, address in lower.calls
    )


def test_thread_without_guard_names_the_only_active_function(lower: LowerLayer) -> None:
    """A thread the handler started is refused in the name of the one active function."""
    errors: list[NetworkBlockedError] = []

    def worker() -> None:
        with socket.socket() as sock:
            try:
                sock.connect(("203.0.113.9", 443))
            except NetworkBlockedError as error:
                errors.append(error)

    with NetworkGuard(function_name="orders"):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=5)
    assert [error.function_name for error in errors] == ["orders"]
    assert lower.calls == []


def test_one_guard_object_can_be_entered_on_many_threads(lower: LowerLayer) -> None:
    """The same guard object entered concurrently on threads is counted once per entry."""
    guard = NetworkGuard(function_name="orders")
    stub = socket.socket.__dict__["connect"]
    barrier = threading.Barrier(3)

    def invoke() -> None:
        with guard:
            barrier.wait(timeout=5)
            barrier.wait(timeout=5)

    threads = [threading.Thread(target=invoke) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert socket.socket.__dict__["connect"] is stub


@pytest.mark.parametrize("host", ["127.0.0.1.nip.io", "127.example.com", "localhost.evil.com",
                                  "::1.example.com"])
def test_names_that_only_look_like_loopback_are_refused(lower: LowerLayer, host: str) -> None:
    """A name starting like a loopback address is looked up like any name: refused, no DNS."""
    with NetworkGuard(), pytest.raises(NetworkBlockedError, match=re.escape(host)):
        socket.getaddrinfo(host, 80)
    assert lower.calls == []  # refused before any lookup


@pytest.mark.parametrize(("allow", "error", "message"), [
    (5, TypeError, "network_allow=5 is not valid: pass a list of hosts"),
    (None, TypeError, "network_allow=None is not valid"),
    ("example.com", TypeError, "network_allow='example.com' is not valid"),
    (["http://x.com/"], ValueError, "network_allow entry 'http://x.com/' has an invalid port"),
    (["10.0.0.0/33"], ValueError, "network_allow entry '10.0.0.0/33' is not a valid CIDR"),
])
def test_a_bad_allow_list_is_refused_when_the_function_is_made(
        tmp_path: Any, allow: object, error: type[Exception], message: str) -> None:
    """``network_allow`` is checked by ``LambdaFunction`` itself, naming the argument (a
    bad one was accepted and failed at the first invocation: "'int' object is not iterable",
    or a worker that could not start)."""
    from pytest_lambda import LambdaFunction

    (tmp_path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    with pytest.raises(error, match=re.escape(message)):
        LambdaFunction("app.handler", code_dir=tmp_path, network_allow=allow)  # type: ignore[arg-type]
