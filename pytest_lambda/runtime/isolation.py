"""Process state an execution environment owns, swapped in for each phase and back out.

Lambda gives every execution environment its own process. In-process we emulate that by
swapping, around init and every invocation: ``os.environ`` (its data, or the code's own binding)
and the C environment with the time zone it gives, ``sys.path`` and ``sys.argv``, the handler's
modules in ``sys.modules``, the working directory, ``sys.stdout``/``sys.stderr``, the root
logger's level and handlers (the test's behind stand-ins, plus changes the code makes to other
loggers) and the handler registry, signal handlers and mask, the umask, recursion limit and
default socket timeout, and the process's exception hooks and logging factories. What the
handler changes persists in its environment (as on Lambda) and never reaches the test process.
"""

from __future__ import annotations

import _locale
import _signal  # type: ignore[import-not-found]  # signal.py's C module: no enum wrapping
import builtins
import contextlib
import copy
import gc
import importlib
import io
import itertools
import logging
import os
import signal
import socket
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from pytest_lambda.runtime.capture import LambdaLoggerHandler, LogSink, StreamWriter
from pytest_lambda.runtime.cenviron import CEnviron, EnvironData
from pytest_lambda.runtime.modules import TEST_MODULES, SharedModules
from pytest_lambda.runtime.outside import outside_sandbox
from pytest_lambda.runtime.self_signals import FUNCTION_THREADS

_Setter = Callable[..., Any]
_SIGALRM = int(signal.SIGALRM)
_SIG_BLOCK = int(signal.SIG_BLOCK)
_SIG_SETMASK = int(signal.SIG_SETMASK)
_MAIN_THREAD = threading.main_thread()
#: Process-wide hooks the code may replace: its own from phase to phase, the test's afterwards
#: (a replaced ``sys.unraisablehook`` took pytest's for the session; an OpenTelemetry-style
#: record factory wrapped itself once more at every cold start).
_HOOKS = ((sys, "excepthook"), (sys, "unraisablehook"), (sys, "displayhook"),
          (sys, "breakpointhook"), (threading, "excepthook"), (logging, "_logRecordFactory"),
          (logging, "_loggerClass"), (logging.Formatter, "converter"))
#: The runtime's own settings among them, before any user code: awslambdaric's logging set-up
#: makes every formatter's times UTC (``logging.Formatter.converter = time.gmtime``), so a
#: handler's own ``Formatter("%(asctime)s")`` shows UTC even when the function sets ``TZ``; and
#: the interpreter's own exception hooks, not the test runner's: a thread's uncaught exception
#: and an "Exception ignored in" (a failing ``__del__``) are written to stderr, the function's
#: log, as on Lambda. pytest's hooks turned them into warnings charged to the test (an error
#: under ``filterwarnings = error``) and the log missed them.
_RUNTIME_HOOKS = {0: sys.__excepthook__, 1: sys.__unraisablehook__,
                  4: threading.__excepthook__, len(_HOOKS) - 1: time.gmtime}


def _read_hooks() -> tuple[Any, ...]:
    """The values of :data:`_HOOKS`, in order (read directly: this runs twice per phase)."""
    return (sys.excepthook, sys.unraisablehook, sys.displayhook, sys.breakpointhook,
            threading.excepthook, logging._logRecordFactory,  # type: ignore[attr-defined]
            logging._loggerClass, logging.Formatter.converter)  # type: ignore[attr-defined]
_REAL_SHUTDOWN = logging.shutdown
_REAL_RELOAD = importlib.reload
_REAL_THREAD_START = threading.Thread.start


def _start_daemonic(thread: threading.Thread) -> None:
    """``Thread.start`` during a phase: a thread the function's code starts is a daemon.

    Lambda's runtime process never exits normally (it is frozen, then destroyed), so whether a
    thread is a daemon only matters to the process it runs in here: the test process, which
    would wait for a handler's never-ending non-daemon thread at exit, for good (the session
    hung after its last test).
    """
    with contextlib.suppress(RuntimeError):  # started already: start() says so below
        thread.daemon = True
    FUNCTION_THREADS.add(thread)
    _REAL_THREAD_START(thread)


_ORIGINAL_LOGGER_METHODS = (
    logging.Logger.setLevel, logging.Logger.addHandler, logging.Logger.removeHandler,
)
_ORIGINAL_CALL_HANDLERS = logging.Logger.callHandlers


class _EmptyStdin(io.StringIO):
    """``sys.stdin`` during a phase: nothing is ever written to the runtime's standard input,
    so a read finds the end at once (that Lambda's is ``/dev/null`` is UNVERIFIED; no capture
    shows a read blocking). In-process it was the test's (pytest's, which fails the read, or
    under ``-s`` the terminal, where the read blocked the session)."""

    name = "<stdin>"

    def fileno(self) -> int:
        """A descriptor reading nothing (``/dev/null``): the runtime's stdin has one, which
        ``select`` and ``os.read`` take; the test process's own fd 0 may be a terminal, where a
        read would block the session."""
        global _DEVNULL_FD
        if _DEVNULL_FD is None:
            _DEVNULL_FD = os.open(os.devnull, os.O_RDONLY)
        return _DEVNULL_FD

    @property
    def buffer(self) -> io.BufferedReader:
        """The binary stream under it, empty as it is (``sys.stdin.buffer.read()``)."""
        return io.BufferedReader(io.BytesIO(b""))

    def close(self) -> None:
        """Shared by every environment: closing it changes nothing."""


#: The descriptor :meth:`_EmptyStdin.fileno` gives, opened on first use, kept for the process.
_DEVNULL_FD: int | None = None


_EMPTY_STDIN = _EmptyStdin("")

#: A builtin the environment's code deleted (see ``ProcessState.builtins_changes``).
_GONE = object()


def _set_recursion_limit(limit: int) -> None:
    with contextlib.suppress(RecursionError):  # lower than this call's own depth
        sys.setrecursionlimit(limit)


def _stack_size() -> int:
    """The thread stack size (``threading.stack_size()`` reads it by setting it to 0)."""
    size = threading.stack_size()
    if size:
        threading.stack_size(size)
    return size


def _set_gc_threshold(thresholds: tuple[int, ...]) -> None:
    """``gc.set_threshold`` from what ``gc.get_threshold`` gave (a Lambda tuning tip raises
    them; ``(0, ...)`` turns automatic collection off: for the test session too, before)."""
    gc.set_threshold(*thresholds)


def _set_gc_enabled(enabled: bool) -> None:
    if enabled:
        gc.enable()
    else:
        gc.disable()


_LOCALE_ERROR: type[Exception] = getattr(_locale, "Error", Exception)  # locale.Error


def _locale_now() -> str:
    """The C library's locale, every category (``locale.setlocale(LC_ALL)``, which may be a
    composite of several); ``_set_locale`` takes it back as it is."""
    return str(_locale.setlocale(_locale.LC_ALL, None))


def _set_locale(value: str) -> None:
    with contextlib.suppress(_LOCALE_ERROR):  # what setlocale gave, it takes back
        _locale.setlocale(_locale.LC_ALL, value)


#: Interpreter settings the code may change (after the umask in ``ProcessState.limits``): its
#: own from phase to phase, the test's afterwards. A thread stack size of 32 kB set at Init made
#: a later test's thread pool crash the session; ``set_int_max_str_digits(0)`` and the switch
#: interval changed the test's interpreter; ``gc.disable()`` (a cold-start tuning tip) turned
#: off the test session's collector, and ``threading.settrace`` replaced coverage.py's hook
#: for every later thread of the session; ``locale.setlocale`` (a handler formatting amounts
#: or dates for a country) changed how every later test formats and parses them.
_SETTINGS: tuple[tuple[Callable[[], Any], Callable[[Any], Any]], ...] = (
    (sys.getrecursionlimit, _set_recursion_limit),
    (socket.getdefaulttimeout, socket.setdefaulttimeout),
    (_stack_size, threading.stack_size),
    (sys.getswitchinterval, sys.setswitchinterval),
    (sys.get_int_max_str_digits, sys.set_int_max_str_digits),
    (gc.get_threshold, _set_gc_threshold),
    (gc.isenabled, _set_gc_enabled),
    (threading.gettrace, threading.settrace),
    (threading.getprofile, threading.setprofile),
    (_locale_now, _set_locale),
)


def _read_settings() -> tuple[Any, ...]:
    return (sys.getrecursionlimit(), socket.getdefaulttimeout(), _stack_size(),
            sys.getswitchinterval(), sys.get_int_max_str_digits(), gc.get_threshold(),
            gc.isenabled(), threading.gettrace(), threading.getprofile(),
            _locale.setlocale(_locale.LC_ALL, None))


def _apply_settings(want: tuple[Any, ...], have: tuple[Any, ...]) -> None:
    """Set what differs: ``want`` and ``have`` are ``limits`` tuples (the umask first)."""
    for (_, setter), wanted, current in zip(_SETTINGS, want[1:], have[1:], strict=True):
        if wanted != current:
            setter(wanted)


def clear_logger_caches() -> None:
    """Empty every logger's cached ``isEnabledFor`` answers, as ``Manager._clear_cache`` does,
    touching only the caches that hold any (it is on every phase's way in and out, and a test
    process with boto3 and moto has hundreds of loggers: this takes about half the time)."""
    with logging._lock:  # type: ignore[attr-defined]  # the lock _clear_cache takes
        _clear_caches(logging.root.manager.loggerDict.values())
        logging.root._cache.clear()  # type: ignore[attr-defined]


def _clear_caches(loggers: Any) -> None:
    """Empty the non-empty ``_cache`` of each of ``loggers`` (a PlaceHolder has none).

    The same ``getattr(logger, "_cache", None)`` and truth test per logger, in the same order,
    as a loop over them makes, done in C (``map``, ``filter``): only caches holding answers
    reach Python code. The caller holds ``logging._lock``.
    """
    for cache in filter(None, map(getattr, loggers, _CACHE_NAME, _NONE)):
        cache.clear()


_CACHE_NAME = itertools.repeat("_cache")
_NONE = itertools.repeat(None)


def _time_zone() -> tuple[Any, ...]:
    """The C library's current time zone, as ``time`` last read it."""
    return (time.tzname, time.timezone, time.altzone, time.daylight)


#: The time zone TZ=":UTC" (what Lambda sets) gives.
_UTC = (("UTC", "UTC"), 0, 0, 0)
_UTC_VALUES = frozenset({b":UTC", b"UTC", b":UTC0", b"UTC0"})


class _TestHandler(logging.Handler):
    """Stands in, during a phase, for a handler the test process has on the root logger
    (pytest's caplog, report and ``log_file`` handlers): records that reach the root logger
    are handed to it (:func:`_call_handlers`), but it is not on the root logger, where the
    runtime's handler is the only one, as on Lambda: ``root.handlers[0].setFormatter(...)``
    and the "remove every root handler, then ``basicConfig``" idiom act on the function's
    handlers alone (the first formatted a pytest handler, the second left the function
    logging nowhere)."""

    def __init__(self, real: logging.Handler) -> None:
        super().__init__()
        self.real = real

    def handle(self, record: logging.LogRecord) -> Any:
        real = self.real
        if record.levelno >= real.level:
            return real.handle(record)
        return False

    def emit(self, record: logging.LogRecord) -> None:
        self.real.handle(record)


def _kept_bytes(kept: logging.LogRecord, record: logging.LogRecord) -> int:
    """At least what the test's handlers keep of the copy ``kept`` of ``record``: nothing if
    none holds on to it, else the copy, its attributes' table and the values the handlers'
    formatting added (its message, its time as text). pytest's log capture keeps every
    record."""
    if sys.getrefcount(kept) <= 2:  # this function's name and getrefcount's argument
        return 0
    size = sys.getsizeof(kept) + sys.getsizeof(kept.__dict__)
    original = record.__dict__
    for name, value in kept.__dict__.items():
        if original.get(name) is not value:
            size += sys.getsizeof(value)
    return size


#: The environments whose phase is running, innermost last (more than one when a function's
#: code invokes another in-process; one thread at a time holds PHASE_LOCK).
_ACTIVE: list[ProcessState] = []

#: One stand-in per test handler, made once (a Handler registers itself and makes a lock).
_STAND_INS: weakref.WeakKeyDictionary[logging.Handler, _TestHandler] = \
    weakref.WeakKeyDictionary()


def _call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
    """``Logger.callHandlers`` during a phase: the handlers on the way, as always (the root
    logger's are the function's), then the test's root handlers (their stand-ins) if the record
    reaches the root logger, so that caplog and pytest's log report see the function's records.
    """
    saved = _ACTIVE[-1]._saved if _ACTIVE else None
    original = saved.call_handlers if saved is not None else _ORIGINAL_CALL_HANDLERS
    original(self, record)
    if saved is None or not saved.test_handlers:
        return
    logger: logging.Logger | None = self
    while logger is not None and logger is not logging.root:
        if not logger.propagate:
            return
        logger = logger.parent
    if logger is None:  # a logger outside the hierarchy (logging.Logger("x")): no root
        return
    # What the test's handlers keep (pytest's log capture keeps every record and its text) is
    # the test process's, not the function's: a copy of the record, made and handled outside
    # the sandbox. Charged to the function, a handler logging 1,000 lines an invocation was
    # out of memory at its 74th invocation at 128 MB.
    block = outside_sandbox(timed=False)
    with block:
        kept = copy.copy(record)
        for handler in saved.test_handlers:
            try:
                handler.handle(kept)
            except Exception:  # the test's handler (pytest's re-raises): not the function's
                pass
        block.claimed = _kept_bytes(kept, record)


def freeze_outer_phases() -> None:
    """Before a nested phase reorders ``sys.modules`` (it takes modules out and puts them back
    at the end), each running phase records the names it began with, once: its exit then finds
    what it imported by name instead of by position."""
    modules = sys.modules
    for state in _ACTIVE:
        saved = state._saved
        if saved is not None and saved.modules_before is None:
            saved.modules_before = frozenset(itertools.islice(modules, saved.modules_len))


def _stand_in(real: logging.Handler) -> _TestHandler:
    handler = _STAND_INS.get(real)
    if handler is None:
        handler = _STAND_INS[real] = _TestHandler(real)
    elif handler.level or handler.filters or handler.formatter is not None:
        handler.level, handler.filters, handler.formatter = logging.NOTSET, [], None
    return handler


class PhaseHook(Protocol):
    """Something swapped in at the start of every phase and out at its end."""

    def enter(self) -> None: ...

    def exit(self) -> None: ...


def _encode(environ: dict[str, str]) -> dict[Any, Any]:
    encode = os.environ.encodekey
    value = os.environ.encodevalue
    return {encode(k): value(v) for k, v in environ.items()}


class _LoggerState:
    __slots__ = ("disabled", "handlers", "level", "propagate")

    def __init__(self, logger: logging.Logger) -> None:
        self.level = logger.level
        self.handlers = list(logger.handlers)
        self.propagate = logger.propagate
        self.disabled = logger.disabled

    def apply(self, logger: logging.Logger) -> None:
        """Give ``logger`` this state (the caller clears cached levels once for all)."""
        if logger.level != self.level:
            logger.level = self.level
        if logger.handlers != self.handlers:
            logger.handlers[:] = self.handlers
        if logger.propagate != self.propagate:
            logger.propagate = self.propagate
        if logger.disabled != self.disabled:
            logger.disabled = self.disabled


class _WatchedFlag:
    """``Logger.disabled`` / ``Logger.propagate`` during a phase: reads the logger's own value;
    a write first records the logger's state (``logging.config``'s ``dictConfig`` and
    ``fileConfig`` set ``disabled`` on every logger they do not configure: the test's, which
    stayed disabled for the rest of the session)."""

    __slots__ = ("default", "name", "remember")

    def __init__(self, name: str, default: bool, remember: Callable[[Any], None]) -> None:
        self.name, self.default, self.remember = name, default, remember

    def __get__(self, logger: Any, owner: Any = None) -> Any:
        if logger is None:
            return self
        return logger.__dict__.get(self.name, self.default)

    def __set__(self, logger: Any, value: Any) -> None:
        self.remember(logger)
        logger.__dict__[self.name] = value


_FLAGS = ("disabled", "propagate")


def _clear_caches_of(loggers: Any) -> None:
    """Empty the cached ``isEnabledFor`` answers of ``loggers`` only."""
    with logging._lock:  # type: ignore[attr-defined]
        _clear_caches(loggers)


class _Saved:
    """What the test process had before a phase began."""

    __slots__ = ("argv", "builtins", "bytecode", "call_handlers", "call_handlers_before", "cwd",
                 "environ",
                 "environ_data", "handler_list",
                 "handler_names", "hooks", "limits", "logger_originals", "logger_shadowed",
                 "logging_disable", "modules_before", "modules_len", "packages_hidden", "path",
                 "root_flags",
                 "root_handlers",
                 "root_level", "shadowed", "signal_mask", "signal_originals", "signal_touched",
                 "stderr", "stdin", "stdout", "test_handlers", "time_zone", "tls_factory")
    argv: list[str]
    builtins: dict[str, Any]
    call_handlers: Any
    call_handlers_before: Any
    time_zone: tuple[Any, ...]
    handler_list: list[Any]
    handler_names: dict[str, Any]
    hooks: tuple[Any, ...]
    limits: tuple[Any, ...]
    bytecode: bool
    cwd: str
    environ: Any
    environ_data: dict[Any, Any]
    logger_originals: dict[logging.Logger, _LoggerState]
    logger_shadowed: dict[str, Any]
    logging_disable: int
    modules_len: int
    #: The names in ``sys.modules`` when the phase began, taken only once a nested phase (an
    #: invocation the code makes of another in-process function) is about to reorder it.
    modules_before: frozenset[str] | None
    path: list[str]
    root_flags: tuple[bool, bool]
    root_handlers: list[logging.Handler]
    root_level: int
    shadowed: dict[str, ModuleType]
    packages_hidden: dict[str, ModuleType]
    signal_mask: set[Any]
    signal_originals: dict[Any, Any]
    signal_touched: set[int]
    stderr: Any
    stdin: Any
    stdout: Any
    tls_factory: Any
    test_handlers: list[logging.Handler]


class ProcessState:
    """The process-wide state of one execution environment."""

    def __init__(self, code_dir: Path, environ: dict[str, str], sink: LogSink,
                 root_level: int, children_environ: dict[str, str] | None = None,
                 phase_hooks: Sequence[PhaseHook] = (), extra_path: Sequence[str] = (),
                 shared: SharedModules | None = None) -> None:
        self.code_dir = str(code_dir)
        self.environ_data: dict[Any, Any] = EnvironData(_encode(environ))
        #: Variables only child processes get (the network guard's hook), not ``os.environ``.
        self.children_data = _encode(children_environ or {})
        #: What the environment's code rebound ``os.environ`` to (``os.environ = {...}``, a
        #: plain mapping from then on, as in its own process on Lambda); None: not rebound.
        self.environ_binding: Any = None
        # Layers come right after the function's code, as /opt/python... on Lambda.
        own = [self.code_dir, *extra_path]
        self.path = [*own, *(p for p in sys.path if p not in own)]
        #: What the runtime's interpreter was started with: the bootstrap script, no arguments
        #: (``/var/lang/bin/python3 /var/runtime/bootstrap.py``, the command line an exec
        #: wrapper receives), so a handler's argparse finds none of pytest's.
        self.argv = ["/var/runtime/bootstrap.py"]
        #: What every environment shares with the test process (the rest is imported fresh).
        self.shared = shared if shared is not None else SharedModules()
        self.modules: dict[str, ModuleType] = {}
        self._package_cache: set[str] = set()
        self._package_count = -1
        self.stdout = StreamWriter(sink, "<stdout>")
        self.stderr = StreamWriter(sink, "<stderr>")
        #: ``sys.stdout`` and ``sys.stderr`` during the environment's phases: the writers into
        #: its log, or what its code replaced them with.
        self.streams: tuple[Any, Any] = (self.stdout, self.stderr)
        self.log_handler = LambdaLoggerHandler(sink)
        self.root_level = root_level
        #: The root logger's ``disabled`` and ``propagate`` as the code left them (None: the
        #: test's).
        self.root_flags: tuple[bool, bool] | None = None
        self.root_handlers: list[logging.Handler] = [self.log_handler]
        self.logger_overrides: dict[logging.Logger, _LoggerState] = {}
        self.logging_disable = logging.NOTSET
        #: The environment's own registry of logging handlers (``logging._handlerList`` and
        #: ``_handlers``): ``logging.shutdown()`` and ``dictConfig`` close what is in it, not
        #: the test process's handlers.
        self.handler_list: list[Any] = []
        self.handler_names: dict[str, Any] = {}
        #: The process's umask and :data:`_SETTINGS` as the environment's code left them
        #: (None: as the test process has them).
        self.limits: tuple[Any, ...] | None = None
        #: ``ssl._create_default_https_context`` as the environment's code left it (None: the
        #: module's own, ``ssl.create_default_context``). The known "skip certificate checks"
        #: idiom replaces it with ``ssl._create_unverified_context``: in-process that turned
        #: certificate checks off for the whole test session.
        self.tls_factory: Any = None
        #: The signal handlers the environment's code installed, by signal number.
        self.signal_handlers: dict[int, Any] = {}
        #: What the environment's code changed in the builtins module (``gettext.install``'s
        #: ``_``, a replaced ``print``): name -> value, :data:`_GONE` for a name it deleted.
        #: In-process this was the test session's from then on (each function has its own
        #: interpreter on Lambda).
        self.builtins_changes: dict[str, Any] = {}
        #: The hooks of :data:`_HOOKS` as the environment's code left them (None: the test's,
        #: with :data:`_RUNTIME_HOOKS`, at its first phase).
        self.hooks: tuple[Any, ...] | None = None
        #: Loggers (and placeholders) created by this environment's code, kept out of the
        #: logging manager between phases.
        self.owned_loggers: dict[str, Any] = {}
        self._saved: _Saved | None = None
        self._c_environ = CEnviron()
        #: Further state swapped in for each phase (the file-system rules), in this order.
        self.phase_hooks = tuple(phase_hooks)
        self._build_patches()

    def hide_modules(self) -> dict[str, ModuleType]:
        """Take the test process's non-shared modules out of ``sys.modules`` (a cold start).

        Lambda imports the handler and every library it uses fresh in each new environment, so
        Init must not find the test process's copies (of the handler's own modules too, which a
        test may have imported at collection). Put them back with :meth:`restore_modules`.
        """
        freeze_outer_phases()
        hidden = TEST_MODULES.hide(self.shared)
        own = self.shared.own
        if own:  # the standard library's copies of names the function's code takes
            for name in [n for n in sys.modules if n.partition(".")[0] in own]:
                hidden[name] = sys.modules.pop(name)
        return hidden

    def restore_modules(self, hidden: dict[str, ModuleType]) -> None:
        """Put back what :meth:`hide_modules` took out."""
        TEST_MODULES.restore(hidden)

    def set_variable(self, key: bytes, value: bytes) -> None:
        """Set one of the function's environment variables between phases."""
        self._c_environ.set_variable(self.environ_data, key, value)

    def enter(self) -> None:
        """Swap this environment's state into the process."""
        s = _Saved()
        s.environ = os.environ
        s.environ_data = s.environ._data
        s.environ._data = self.environ_data
        if self.environ_binding is not None:
            setattr(os, "environ", self.environ_binding)  # noqa: B010 - a rebinding, not a clear
        # Children and C getenv() read the C-level environment: the function's, for the phase.
        self._c_environ.enter(s.environ_data, self.environ_data, self.children_data)
        # The C library's time zone follows TZ only when tzset() reads it: the function's
        # (":UTC" as Lambda sets it, or its own) for the phase, so that localtime() and
        # datetime.now() give the function's local time, not the test machine's.
        s.time_zone = _time_zone()
        if s.time_zone != _UTC or self.environ_data.get(b"TZ") not in _UTC_VALUES:
            time.tzset()
        s.path = sys.path
        sys.path = self.path
        s.argv = sys.argv
        sys.argv = self.argv
        # The task root, the layers and the runtime are read-only on Lambda: an import there
        # writes no compiled file (a __pycache__ in the code directory, as a handler listing it
        # would see, does not appear).
        s.bytecode = sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        # Process settings the code may change: its own from phase to phase, as in its own
        # process; the test's back afterwards.
        own = self.limits
        if own is None:  # the first phase: the process's own settings
            umask = os.umask(0o022)
            os.umask(umask)
            s.limits = (umask, *_read_settings())
        else:
            s.limits = (os.umask(own[0]), *_read_settings())
            _apply_settings(own, s.limits)
        s.hooks = _read_hooks()
        if self.hooks is None:  # the first phase: the test's, but for the runtime's own
            self.hooks = tuple(_RUNTIME_HOOKS.get(i, value) for i, value in enumerate(s.hooks))
        if self.hooks != s.hooks:
            for (owner, name), value in zip(_HOOKS, self.hooks, strict=True):
                setattr(owner, name, value)
        namespace = builtins.__dict__
        s.builtins = namespace.copy()
        for name, value in self.builtins_changes.items():
            if value is _GONE:
                namespace.pop(name, None)
            else:
                namespace[name] = value
        ssl: Any = sys.modules.get("ssl")
        s.tls_factory = None
        if ssl is not None:  # imported by now (only then can anyone have replaced it)
            s.tls_factory = ssl._create_default_https_context
            own_tls = self.tls_factory or ssl.create_default_context
            if own_tls is not s.tls_factory:
                ssl._create_default_https_context = own_tls
        modules = sys.modules
        freeze_outer_phases()
        s.modules_before = None
        # Between phases the environment's modules are out of sys.modules: any module there
        # under one of their names is the test process's own, to put back afterwards.
        own_modules = self.modules
        # Usually none: the keys' intersection (in C) is empty exactly when the comprehension
        # is, which otherwise keeps the order of this environment's modules.
        s.shadowed = ({k: modules[k] for k in own_modules if k in modules}
                      if own_modules.keys() & modules.keys() else {})
        # The test process's other modules of the packages this environment imported fresh
        # stay out too: a lazy import inside such a package must not return the test's copy.
        s.packages_hidden = (TEST_MODULES.hide_packages(self._packages(), self.modules)
                             if self.modules else {})
        modules.update(self.modules)
        s.modules_len = len(sys.modules)
        s.cwd = os.getcwd()
        if s.cwd != self.code_dir:
            os.chdir(self.code_dir)
        s.stdout, s.stderr, s.stdin = sys.stdout, sys.stderr, sys.stdin
        sys.stdin = _EMPTY_STDIN
        sys.stdout, sys.stderr = self.streams
        root = logging.root
        manager = root.manager
        s.root_level = root.level
        s.root_flags = (root.disabled, root.propagate)
        if self.root_flags is not None and self.root_flags != s.root_flags:
            root.disabled, root.propagate = self.root_flags
        s.root_handlers = root.handlers
        # pytest's own capture handlers stay (through stand-ins), so caplog still sees the
        # handler's records.
        outer = _ACTIVE[-1] if _ACTIVE else None
        if outer is not None and outer._saved is not None:
            # A nested phase (the function's code invoked another function in-process): the
            # test's handlers, not the outer function's (its runtime handler would have logged
            # the inner function's records into the outer's stream: two sandboxes on Lambda).
            s.test_handlers = outer._saved.test_handlers
        else:
            s.test_handlers = [_stand_in(h) for h in root.handlers
                               if h not in self.root_handlers]
        root.handlers = self.root_handlers
        module: Any = logging
        s.handler_list, s.handler_names = module._handlerList, module._handlers
        module._handlerList, module._handlers = self.handler_list, self.handler_names
        stale = root.level != self.root_level
        root.level = self.root_level
        s.logging_disable = manager.disable
        s.logger_originals = {}
        if self.logger_overrides:
            for logger, state in self.logger_overrides.items():
                s.logger_originals[logger] = _LoggerState(logger)
                state.apply(logger)
            stale = True
        if self.logging_disable != s.logging_disable:
            manager.disable = self.logging_disable
            stale = True
        s.logger_shadowed = {}
        owned = self.owned_loggers
        if owned:
            loggers = manager.loggerDict
            s.logger_shadowed = {k: loggers[k] for k in owned.keys() & loggers.keys()}
            loggers.update(owned)
        # Cached isEnabledFor answers: every logger's when the levels that decide them differ
        # from the test's; else only this environment's own loggers' (a test logger above one
        # of them may have changed level between phases). Once per edge, however many.
        if stale:
            clear_logger_caches()
        elif owned:
            _clear_caches_of(owned.values())
        # SIGALRM is the timeout's: whatever the code does with it, the test process's own
        # disposition comes back (not the timer's callback), and so does the signal mask.
        s.signal_originals = {}
        s.signal_touched = set()
        if threading.get_ident() == _MAIN_THREAD.ident:  # signals are the main thread's
            s.signal_originals[_SIGALRM] = _signal.getsignal(_SIGALRM)
            # The handlers its code installed (at Init, say: a SIGTERM clean-up, a SIGALRM
            # "answer before the timeout") are its own in every later phase, as in its
            # process; the timeout's own SIGALRM handler goes on top (Deadline.arm).
            for signum, handler in self.signal_handlers.items():
                if signum not in s.signal_originals:
                    s.signal_originals[signum] = _signal.getsignal(signum)
                if handler is not None:
                    _signal.signal(signum, handler)
        # The C functions: signal.py's wrappers convert every number to an enum member.
        s.signal_mask = _signal.pthread_sigmask(_SIG_BLOCK, ())
        self._patch(s)
        self._saved = s
        _ACTIVE.append(self)
        for hook in self.phase_hooks:
            hook.enter()

    def exit(self) -> None:
        """Record what the phase changed in this environment and restore the test process."""
        s = self._saved
        if s is None:
            return
        self._saved = None
        if _ACTIVE and _ACTIVE[-1] is self:
            _ACTIVE.pop()
        # Every step runs, whatever the code did to the state an earlier one restores (it may
        # have rebound os.environ, closed a stream, ...): the test process gets all of its state
        # back, and the first failure is raised afterwards.
        failed: BaseException | None = None
        for step in (self._exit_hooks, self._exit_builtins, self._exit_output,
                     self._exit_logging_state,
                     self._exit_cwd, self._exit_modules, self._exit_path, self._exit_environ,
                     self._exit_time_zone, self._exit_signals):
            try:
                step(s)
            except BaseException as exc:
                failed = failed or exc
        if failed is not None:
            raise failed

    def _exit_builtins(self, s: _Saved) -> None:
        """Keep what the code changed in the builtins module; give the test its own back."""
        namespace = builtins.__dict__
        saved = s.builtins
        if not self.builtins_changes and namespace == saved:
            return
        changes = {name: value for name, value in namespace.items()
                   if saved.get(name, _GONE) is not value}
        changes.update((name, _GONE) for name in saved.keys() - namespace.keys())
        self.builtins_changes = changes
        for name in changes:
            if name in saved:
                namespace[name] = saved[name]
            else:
                del namespace[name]

    def _exit_hooks(self, s: _Saved) -> None:
        for hook in reversed(self.phase_hooks):
            hook.exit()
        self._unpatch(s)

    def _exit_output(self, s: _Saved) -> None:
        # What the code put in place of sys.stdout/stderr (a prefixing or re-encoding wrapper,
        # colorama's) stays its own for the next phases, as in its own process; the writers
        # below it are flushed in any case.
        out, err = self.streams = (sys.stdout, sys.stderr)
        try:
            for wrapper in (out, err):
                if wrapper is not self.stdout and wrapper is not self.stderr \
                        and wrapper is not None:
                    try:
                        wrapper.flush()
                    except Exception:  # the code's object: it may not flush
                        pass
            self.stdout.flush()
            self.stderr.flush()
        finally:
            sys.stdout, sys.stderr, sys.stdin = s.stdout, s.stderr, s.stdin

    def _exit_logging_state(self, s: _Saved) -> None:
        stale = self._exit_logging(s)
        self._exit_loggers(s)
        if stale:
            clear_logger_caches()

    @staticmethod
    def _exit_cwd(s: _Saved) -> None:
        try:
            moved = os.getcwd() != s.cwd
        except OSError:  # the code removed the directory it moved to
            moved = True
        if moved:
            os.chdir(s.cwd)

    def _exit_path(self, s: _Saved) -> None:
        self.path = sys.path
        sys.path = s.path
        self.argv = sys.argv
        sys.argv = s.argv
        sys.dont_write_bytecode = s.bytecode
        self.limits = (os.umask(s.limits[0]), *_read_settings())
        _apply_settings(s.limits, self.limits)
        hooks = _read_hooks()
        self.hooks = hooks
        if hooks != s.hooks:
            for (owner, name), value in zip(_HOOKS, s.hooks, strict=True):
                setattr(owner, name, value)
        ssl: Any = sys.modules.get("ssl")
        if ssl is not None:
            self.tls_factory = current = ssl._create_default_https_context
            tests = s.tls_factory or ssl.create_default_context  # imported in the phase: its own
            if current is not tests:
                ssl._create_default_https_context = tests

    @staticmethod
    def _exit_time_zone(s: _Saved) -> None:
        if _time_zone() != s.time_zone:  # entering, or the code, set another one
            time.tzset()  # the test process's TZ is back in the environment

    def _exit_signals(self, s: _Saved) -> None:
        for signum in s.signal_touched:
            self.signal_handlers[signum] = _signal.getsignal(signum)
        for signum, handler in s.signal_originals.items():
            if handler is not None:  # None: set from C, cannot be put back from Python
                _signal.signal(signum, handler)
        _signal.pthread_sigmask(_SIG_SETMASK, s.signal_mask)

    def _exit_logging(self, s: _Saved) -> bool:
        """Put the test's logging configuration back; whether cached levels are stale."""
        root = logging.root
        self.root_handlers = root.handlers  # all the function's: the test's are not there
        root.handlers = s.root_handlers
        module: Any = logging
        module._handlerList, module._handlers = s.handler_list, s.handler_names
        self.root_level = root.level
        stale = root.level != s.root_level
        root.level = s.root_level
        self.root_flags = (root.disabled, root.propagate)
        if self.root_flags != s.root_flags:
            root.disabled, root.propagate = s.root_flags
            stale = True
        for logger, original in s.logger_originals.items():
            self.logger_overrides[logger] = _LoggerState(logger)
            original.apply(logger)
            stale = True
        self.logging_disable = root.manager.disable
        if root.manager.disable != s.logging_disable:
            root.manager.disable = s.logging_disable
            stale = True
        return stale

    def _exit_loggers(self, s: _Saved) -> None:
        """Take this environment's loggers out.

        Taking them out changes no test logger's answers (their caches are emptied when they
        come back in, see :meth:`enter`); what the phase did to the test's loggers' levels is
        undone, with the caches, by :meth:`_exit_logging`.
        """
        owned = self.owned_loggers
        if not owned:
            return
        loggers = logging.root.manager.loggerDict
        for name in owned:
            current = loggers.pop(name, None)
            if current is not None:
                owned[name] = current
        loggers.update(s.logger_shadowed)

    def _packages(self) -> set[str]:
        """The top-level packages this environment has its own copies of."""
        count = len(self.modules)
        if self._package_count != count:
            self._package_cache = {name.partition(".")[0] for name in self.modules}
            self._package_count = count
        return self._package_cache

    def _exit_modules(self, s: _Saved) -> None:
        modules = sys.modules
        before = s.modules_before
        if before is not None or len(modules) > s.modules_len:
            kept = []
            shared = self.shared
            if before is None:
                # Dict order is insertion order: modules imported in the phase come last, so
                # they are read from the end (not by skipping every older entry).
                new = list(itertools.islice(reversed(modules), len(modules) - s.modules_len))
            else:
                # A nested phase took modules out and put them back, at the end: the tail is
                # no longer what this phase imported (the test's own modules read as new were
                # kept by the environment and left the test process: a second copy on its next
                # import, whose classes differ from the first's).
                new = [name for name in reversed(modules) if name not in before]
            for name in reversed(new):
                if name in shared:  # the mock layer, the stdlib: the test process's from now on
                    kept.append(name)
                else:
                    self.modules[name] = modules[name]
            TEST_MODULES.add(kept)
        for name in self.modules:
            current = modules.pop(name, None)
            if current is not None:
                self.modules[name] = current
        modules.update(s.shadowed)
        if s.packages_hidden:
            TEST_MODULES.restore(s.packages_hidden)

    def _exit_environ(self, s: _Saved) -> None:
        if os.environ is not s.environ:  # the code rebound the name: keep its object
            self.environ_binding = os.environ
            setattr(os, "environ", s.environ)  # noqa: B010 - the name back, not a clear
        self.environ_data = s.environ._data
        s.environ._data = s.environ_data
        self._c_environ.exit()

    def _build_patches(self) -> None:
        """The stand-ins installed during phases, built once per environment."""
        set_level, add_handler, remove_handler = _ORIGINAL_LOGGER_METHODS
        owned = self.owned_loggers
        real_signal = signal.signal

        def remember(logger: logging.Logger) -> None:
            s = self._saved
            if s is not None and logger not in s.logger_originals \
                    and logger.name not in owned and logger is not logging.root \
                    and not self._created_in_phase(logger):
                s.logger_originals[logger] = _LoggerState(logger)

        def patched_set_level(logger: logging.Logger, level: Any) -> None:
            remember(logger)
            set_level(logger, level)

        def patched_add(logger: logging.Logger, hdlr: logging.Handler) -> None:
            remember(logger)
            add_handler(logger, hdlr)

        def patched_remove(logger: logging.Logger, hdlr: logging.Handler) -> None:
            remember(logger)
            remove_handler(logger, hdlr)

        def patched_signal(signum: Any, handler: Any) -> Any:
            s = self._saved
            if s is not None:
                if signum not in s.signal_originals:
                    s.signal_originals[signum] = _signal.getsignal(signum)
                with contextlib.suppress(TypeError, ValueError):
                    s.signal_touched.add(int(signum))
            return real_signal(signum, handler)

        def remember_flag(logger: Any) -> None:
            # Only the manager's loggers: not one being made (its __init__ sets both flags)
            # nor one made outside it, which the test process cannot have.
            name = getattr(logger, "name", None)
            if isinstance(name, str) and isinstance(logger, logging.Logger) \
                    and logging.root.manager.loggerDict.get(name) is logger:
                remember(logger)

        self._flags = tuple(_WatchedFlag(name, name == "propagate", remember_flag)
                            for name in _FLAGS)
        self._patches = (patched_set_level, patched_add, patched_remove, patched_signal)
        self._real_signal = real_signal

    def _patch(self, s: _Saved) -> None:
        """Record the first change the code makes to a pre-existing logger or signal."""
        set_level, add, remove, patched_signal = self._patches
        self._loggers_before = len(logging.root.manager.loggerDict)
        # The test's callHandlers is what _call_handlers calls: in a nested phase the outer
        # one's (what is in place now is the outer phase's own, which leads back here).
        outer = _ACTIVE[-1]._saved if _ACTIVE else None
        s.call_handlers_before = logging.Logger.callHandlers
        s.call_handlers = (outer.call_handlers if outer is not None
                           else s.call_handlers_before)
        logging.Logger.callHandlers = _call_handlers  # type: ignore[method-assign]
        logging.Logger.setLevel = set_level  # type: ignore[method-assign,assignment]
        logging.Logger.addHandler = add  # type: ignore[method-assign,assignment]
        logging.Logger.removeHandler = remove  # type: ignore[method-assign,assignment]
        signal.signal = patched_signal  # type: ignore[assignment]
        for flag in self._flags:
            setattr(logging.Logger, flag.name, flag)
        logging.shutdown = self._shutdown
        importlib.reload = self._reload
        threading.Thread.start = _start_daemonic  # type: ignore[method-assign,assignment]

    def _created_in_phase(self, logger: logging.Logger) -> bool:
        """Whether the running phase created ``logger`` (it becomes this environment's own at
        the phase's end, with whatever the code set on it: there is no original to keep)."""
        loggers = logging.root.manager.loggerDict
        if len(loggers) <= self._loggers_before:
            return False
        return any(loggers[name] is logger
                   for name in itertools.islice(loggers, self._loggers_before, None))

    def _reload(self, module: ModuleType) -> ModuleType:
        """``importlib.reload`` in a phase: ``logging`` is the test process's too.

        ``importlib.reload(logging)`` is a well-known Lambda idiom to get rid of the runtime's
        root handler before ``basicConfig``. Re-executing the module the test process shares
        gave the whole session a new root logger and manager: the test's loggers and caplog
        were cut off from each other for the rest of the session. What the idiom is after is
        done to the environment's logging instead: a root logger with no handlers at WARNING,
        nothing disabled (loggers made before it keep their own settings, where a real reload
        would leave them behind on the old root).
        """
        if self._saved is not None and module is sys.modules.get("logging"):
            root = logging.root
            root.handlers = []
            root.level = logging.WARNING
            root.manager.disable = logging.NOTSET
            clear_logger_caches()
            return module
        return _REAL_RELOAD(module)

    def _shutdown(self, handlerList: Any = None) -> None:
        """``logging.shutdown()`` in a phase: the environment's handlers (its default argument
        is the process's list, bound when logging was imported)."""
        _REAL_SHUTDOWN(self.handler_list if handlerList is None else handlerList)

    def _unpatch(self, s: _Saved) -> None:
        logging.Logger.callHandlers = s.call_handlers_before  # type: ignore[method-assign]
        logging.Logger.setLevel = _ORIGINAL_LOGGER_METHODS[0]  # type: ignore[method-assign]
        logging.Logger.addHandler = _ORIGINAL_LOGGER_METHODS[1]  # type: ignore[method-assign]
        logging.Logger.removeHandler = _ORIGINAL_LOGGER_METHODS[2]  # type: ignore[method-assign]
        signal.signal = self._real_signal
        for name in _FLAGS:
            if name in logging.Logger.__dict__:
                delattr(logging.Logger, name)
        logging.shutdown = _REAL_SHUTDOWN
        importlib.reload = _REAL_RELOAD
        threading.Thread.start = _REAL_THREAD_START  # type: ignore[method-assign]
        loggers = logging.root.manager.loggerDict
        if len(loggers) > self._loggers_before:
            for name in list(itertools.islice(loggers, self._loggers_before, None)):
                self.owned_loggers[name] = loggers[name]

    def discard(self) -> None:
        """Forget loggers this environment created (the environment is gone)."""
        for logger in self.owned_loggers.values():
            if isinstance(logger, logging.Logger):
                for h in list(logger.handlers):
                    if h is self.log_handler:
                        continue
                    try:
                        h.close()
                    except Exception:
                        pass
        self.owned_loggers.clear()
        clear_logger_caches()
        self.modules.clear()
