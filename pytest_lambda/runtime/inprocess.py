"""The in-process backend: the handler runs in the test process, one phase at a time.

Everything a phase does to the process is undone by :class:`~.isolation.ProcessState`, and
only one phase runs at a time in the process (``lifecycle.PHASE_LOCK``: Lambda runs each
environment in its own process; in-process emulation serialises them instead).
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import importlib
import io
import logging
import os
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from typing import Any, Literal

from ..clock import real_perf
from ..config import FunctionConfig
from ..context import LambdaContext
from ..layers import layer_path, pythonpath_entries
from ..observe.logs import LogGroup
from . import faults, import_state
from .backend import InitResult, Outcome, Status, lambda_environ, new_log_stream_name
from .capture import APP_LOG_LEVEL_TO_PY, LogSink
from .childguard import child_variables
from .children import Children
from .client_frames import client_dir
from .event_loop import EventLoopState
from .exit_handlers import ExitHandlers
from .extensions import EXTENSIONS
from .filesystem import EnvironmentFiles
from .handler import (
    INIT_FAILURE_WARNING,
    FaultError,
    Handler,
    error_from_exception,
    load_handler,
    make_error,
)
from .interrupts import restore_handled
from .isolation import ProcessState
from .level_names import LevelNames
from .marshal import (
    SYNC_RESPONSE_LIMIT,
    MarshalError,
    PostFailure,
    decode_event,
    encode_response,
)
from .memory import (
    NOISE_BYTES,
    RUNTIME_BASELINE_MB,
    MemoryMeter,
    log_bytes,
    max_memory_used_mb,
    return_free_memory,
)
from .modules import SharedModules, shadowing_names
from .network import NetworkGuard
from .outside import Ledger, current_ledger, hook_moto
from .random_state import RandomState
from .resources import free_quietly, quiet_while_alive
from .sdk_session import SessionCredentials
from .self_signals import RuntimeStopped, SelfSignals, SignalledExit
from .shared_cost import ImportRecorder, chargeable_names, fresh_import_cost
from .stdlib_patches import StdlibPatches
from .timeout import Deadline, HandlerTimeout

#: logging's module lock (None if this Python's logging has none).
_MODULE_LOCK: Any = getattr(logging, "_lock", None)
if not hasattr(_MODULE_LOCK, "_is_owned"):
    _MODULE_LOCK = None


def _logging_locks(env_handlers: list[logging.Handler]) -> list[Any]:
    """logging's module lock and the locks of the handlers a phase's records go through."""
    locks: list[Any] = [_MODULE_LOCK, *(h.lock for h in (*logging.root.handlers, *env_handlers))]
    return [lock for lock in locks if lock is not None and hasattr(lock, "_is_owned")]


def release_leaked_locks(env_handlers: list[logging.Handler], module_held: bool) -> None:
    """Give back a logging lock the phase left held by this thread.

    A timeout is an exception raised anywhere in the handler's code; landing between
    ``_acquireLock()`` (or ``Handler.acquire()``) and its ``try:``, it leaves the lock held, and
    the next thread to log waits for it forever: the session hung in CI that way (an
    invocation from a thread, timed out). The thread that ran the phase still owns the lock
    here, so it can release it.
    """
    for lock in _logging_locks(env_handlers):
        if lock._is_owned() and not (module_held and lock is _MODULE_LOCK):
            lock._release_save()


def _exit_reason(exc: SystemExit) -> str:
    """How Lambda words the runtime's end by ``sys.exit`` or by a signal it sent itself."""
    if isinstance(exc, SignalledExit):
        return faults.exit_reason(int(exc.code))  # type: ignore[arg-type]
    return faults.system_exit_reason(exc.code)


def _runtime_report(exc: Exception, request_id: str,
                    runtime: str | None) -> dict[str, Any] | BaseException:
    """The runtime's error payload for ``exc``, or the exception that making it raised.

    awslambdaric builds the payload inside its ``except Exception:`` (``str(exc)``, the
    traceback): an exception whose ``__str__`` raises, or returns something else than a
    string, makes that fail outside any handler, and the runtime process ends ("exit status
    1", Runtime.ExitError). In-process the failure escaped ``invoke`` into the test.
    """
    try:
        return error_from_exception(exc, request_id, runtime)
    except Exception as failure:
        return failure


def _log_report(sink: LogSink, error: dict[str, Any]) -> BaseException | None:
    """Log an error report as the runtime's ``log_error`` does, before it posts the report;
    the exception that ends the runtime process if the line cannot be written (a lone
    surrogate in it, written raw: ``UnicodeEncodeError`` from the sink's UTF-8 encoding)."""
    try:
        sink.runtime_error(error)
    except UnicodeEncodeError as failure:
        return failure
    return None


def _release_interrupted(exc: BaseException) -> None:
    """Free what a timed-out phase left half-done, in the environment's context.

    The timeout can land between a context manager's ``__enter__`` and its ``with`` block
    (botocore's ``start_as_current_context`` sets a context variable, then yields): nothing
    closes that generator but its collection, which resets the variable with a token of the
    environment's context. Collected later, in the test's, that raised "ValueError: <Token> was
    created in a different Context", reported as an unraisable exception (an error under
    ``filterwarnings = error``). The interrupted frames are freed here instead.

    On Lambda a timed-out runtime is killed: no finalizer of the handler's objects runs, so
    nothing they print or warn is seen: it is discarded here (not the test's output, not its
    warnings or unraisable exceptions).
    """
    seen: set[int] = set()
    hook, streams = sys.unraisablehook, (sys.stdout, sys.stderr)
    try:
        sys.unraisablehook = _discard
        sys.stdout = sys.stderr = io.StringIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            while exc is not None and id(exc) not in seen:
                seen.add(id(exc))
                _end_interrupted_loops(exc.__traceback__)
                exc.__traceback__ = None
                exc = exc.__context__  # type: ignore[assignment]
            gc.collect(0)  # young cycles only: a full collection costs 100s of ms
    finally:
        sys.unraisablehook = hook
        sys.stdout, sys.stderr = streams


def _end_interrupted_loops(tb: Any) -> None:
    """Close the asyncio event loops a timed-out phase was running (``asyncio.run`` in the
    handler, say), silencing their pending tasks, as the runtime's end does on Lambda.

    The timeout interrupts ``asyncio.run``'s own clean-up too: its loop and pending tasks were
    left to a later garbage collection, which logged "Task was destroyed but it is pending!"
    to the test's stderr (at the session's end, or in a later test's output) and held the
    loop's selector and self-pipe open until then.
    """
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return
    loops: dict[int, Any] = {}
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            loop = getattr(value, "_loop", value)  # asyncio.Runner keeps it as _loop
            if isinstance(loop, asyncio.AbstractEventLoop):
                loops[id(loop)] = loop
        tb = tb.tb_next
    for loop in loops.values():
        with contextlib.suppress(Exception):
            for task in asyncio.all_tasks(loop):
                task._log_destroy_pending = False
            if not loop.is_closed():
                if loop.is_running():  # the timeout landed in run_forever's own clean-up
                    loop._thread_id = None
                loop.close()


def _discard(unraisable: Any) -> None:
    """An unraisable exception nobody would see (see _release_interrupted)."""


def _free_frames(exc: BaseException) -> None:
    """Drop the locals of the frames a failed phase's exception holds (its chain's too), while
    the environment is still in place: on Lambda the handler's objects are freed in the runtime
    process, so a finalizer's output goes to the function's log and its ResourceWarning meets
    the function's warning filters. Left to a later garbage collection (the traceback and our
    frames form a cycle), they ran in whichever test came next: its captured output, its
    environment, its ``filterwarnings = error``. The stack trace needs only the frames' code
    and line numbers, which stay."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        todo += [current.__context__, current.__cause__]
        todo += getattr(current, "exceptions", None) or ()


def _unawaited_warning(coroutine: types.CoroutineType[Any, Any, Any]) -> str | None:
    """Close an ``async def`` handler's coroutine (the runtime never awaits it) without
    Python's own warning, and say whether the runtime's would be shown under the code's
    warning filters (read during the phase): its name if so."""
    name = coroutine.__qualname__
    coroutine.close()
    message = f"coroutine '{name}' was never awaited"
    for action, text, category, module, _line in warnings.filters:
        if (issubclass(RuntimeWarning, category) and (text is None or text.match(message))
                and (module is None or module.match("awslambdaric.bootstrap"))):
            return None if action == "ignore" else name
    return name


def _crash_line(exc: BaseException) -> str:
    """The last line the interpreter prints for an exception that ends the runtime process."""
    try:
        text = str(exc)
    except Exception:
        text = "<exception str() failed>"  # what the interpreter prints then
    return f"{type(exc).__name__}: {text}\n" if text else f"{type(exc).__name__}\n"


#: How a phase's body ended (not a Status: the caller decides what each means for Lambda).
PhaseEnd = Literal["returned", "raised", "timed_out", "exited"]


class ExecutionEnvironment:
    """One emulated Lambda execution environment (the ``/var/task`` process), in-process."""

    def __init__(self, config: FunctionConfig, version: str, log_group: LogGroup, *,
                 new_id: Callable[[], str], network_allow: Any = (),
                 measure_memory: bool = True, log_stream_name: str | None = None,
                 tmp_dir: str | None = None, own_process: bool = False) -> None:
        self.config = config
        self.version = version
        self.log_stream_name = log_stream_name or new_log_stream_name(version, new_id)
        self.sink = LogSink(log_group.stream(self.log_stream_name),
                            json_format=config.log_format == "JSON", runtime=config.runtime,
                            app_log_level=config.log_level)
        self.handler: Handler | None = None
        self.initialized = False
        self.alive = True
        self._guard = NetworkGuard(network_allow, function_name=config.name)
        self._measure = measure_memory
        self._memory = MemoryMeter()
        self._retained = 0
        self._peak = 0
        #: Why a phase's handler could not be stopped in time in-process ("" if it could).
        self.not_stopped = ""
        #: A phase was stopped for growing far past its memory (Deadline.watch_memory).
        self.out_of_memory_stop = False
        #: An ``async def`` handler's coroutine, never awaited by the last invocation: its
        #: qualified name, if the runtime's warning about it is shown (see ``invoke``).
        self._unawaited: str | None = None
        root_level = logging.WARNING
        if config.log_level:
            root_level = APP_LOG_LEVEL_TO_PY[config.log_level]
        self.files = EnvironmentFiles(str(config.code_dir), config.ephemeral_storage, tmp_dir,
                                      tuple(str(layer) for layer in config.layers))
        environ = lambda_environ(config, version, self.log_stream_name)
        environ["TMPDIR"] = self.files.tmp_dir  # this environment's own /tmp
        children = child_variables(network_allow, config.name, environ)
        # The function's own PYTHONPATH comes first after its code, as the runtime's
        # interpreter starts with it; then the layers.
        layers = [*pythonpath_entries((config.environment or {}).get("PYTHONPATH"),
                                      config.code_dir),
                  *layer_path(config.layers, config.runtime)]
        shared = SharedModules(config.shared_modules,
                               own=shadowing_names([str(config.code_dir), *layers]))
        self._chargeable = chargeable_names(shared.names)
        self._event_loop = EventLoopState()
        #: The context variables of the environment's thread (decimal's context,
        #: ``structlog.contextvars``, OpenTelemetry's current span): its own from phase to
        #: phase, as in its own process, and never the test's or another environment's.
        self._context = contextvars.Context()
        self._random = RandomState()
        #: The processes its code starts, ended with it (a process worker's end ends them).
        self._children = Children() if not own_process else None
        # Its garbage, freed by the test process's collections, warns as it would on Lambda:
        # not at all (runtime/resources.py).
        quiet_while_alive(self)
        hooks: tuple[Any, ...] = (self.files, self._event_loop, ExitHandlers(shared),
                                  SessionCredentials(), self._random, StdlibPatches(shared),
                                  LevelNames())
        if self._children is not None:  # first in, last out: around the stdlib patches
            hooks = (self._children, *hooks)
        if not own_process:  # a process worker's signals to itself are real
            hooks += (SelfSignals(),)
        if config.package_check != "off":
            from .package_check import PackageCheck  # importlib.metadata: only when opted in

            hooks += (PackageCheck(config, [str(config.code_dir), *layers], shared),)
        if config.package_patterns:
            from .package_files import PackageFiles  # only for functions with package patterns

            # First: on sys.meta_path before the standard-library patch check looks at it.
            hooks = (PackageFiles(config.code_dir, config.package_patterns), *hooks)
        self.state = ProcessState(config.code_dir, environ, self.sink, root_level, children,
                                  phase_hooks=hooks, extra_path=layers, shared=shared)

    def _run_phase(self, seconds: float, body: Callable[[], Any]) -> tuple[PhaseEnd, Any, float]:
        """Run ``body`` with the environment swapped in, a deadline and the network guard.

        Returns how it ended, its value or exception, and the elapsed ms on the real clock.
        """
        deadline = Deadline(seconds)
        memory = self._memory if self._measure else None
        if memory is not None:
            # A safety net, not the verdict (that is the accounting below): past twice its
            # memory (at least its memory and 512 MB), a phase is certainly out of memory.
            size = self.config.memory_size
            deadline.watch_memory(max(2 * size, size + 512) * 1024)
        logged_from = len(self.sink.stream.events)
        hook_moto()  # moto's first use of a service is not the function's (runtime/outside.py)
        ledger = current_ledger()  # this thread's: looked up once per phase
        outside = ledger.snapshot()
        held = _MODULE_LOCK is not None and _MODULE_LOCK._is_owned()
        imports = import_state.snapshot()
        handled = sys.exc_info()[1]
        returned = stopped = False
        value: Any = None
        kind: PhaseEnd = "raised"
        pid = os.getpid()
        self.state.enter()
        started = real_perf()
        try:
            try:
                with self._guard:
                    if memory is not None:
                        memory.start()
                    try:
                        value = self._context.run(deadline.run, body)
                    except BaseException as exc:
                        if memory is not None:
                            if not isinstance(exc, HandlerTimeout | RuntimeStopped):
                                # The handler's objects its traceback holds (a large local
                                # of a frame that raised) are freed on Lambda once the error
                                # is reported: not memory the environment keeps.
                                _free_frames(exc)
                            self._account(memory.stop(), logged_from, ledger, outside)
                        raise
                    if memory is not None:
                        # The encoded response leaves the sandbox as the lines do (a test
                        # keeping its results kept it charged to the function).
                        sent = len(value) if isinstance(value, bytes) else 0
                        self._account(memory.stop(), logged_from, ledger, outside, sent)
                deadline.disarm()
                kind = "returned"
                returned = True
            except HandlerTimeout as exc:
                deadline.disarm()
                kind, value = "timed_out", exc
            except RuntimeStopped as exc:  # it stopped itself: Lambda times it out
                deadline.disarm()
                kind, value, stopped = "timed_out", exc, True
            except SystemExit as exc:
                deadline.disarm()
                kind, value = "exited", exc
            except KeyboardInterrupt:
                deadline.disarm()
                raise
            except BaseException as exc:
                deadline.disarm()
                kind, value = "raised", exc
        except HandlerTimeout as exc:
            # The timer fired between the handler's return and the disarm.
            deadline.disarm()
            kind, value = "timed_out", exc
        finally:
            if os.getpid() != pid:
                # A child the code forked (os.fork) came back out of the phase: on Lambda it is
                # a process of its own in the sandbox; here it would go on to run the rest of
                # the test session (or answer the test process in the worker's place).
                os._exit(0)
            elapsed = (real_perf() - started - (ledger.seconds - outside[2])
                       - (memory.spent if memory is not None else 0.0)) * 1000
            if memory is not None:  # interrupted before its own stop
                self._account(memory.stop(), logged_from, ledger, outside)
            if kind in ("raised", "exited") and isinstance(value, BaseException):
                _free_frames(value)
            self.state.exit()
            if not returned:  # stopped or failed: a lock may be left held (see below)
                release_leaked_locks(self.state.root_handlers, held)
                import_state.repair(imports)
        if stopped:
            elapsed = max(elapsed, seconds * 1000)
        if kind != "timed_out" and elapsed >= seconds * 1000:
            kind = "timed_out"  # it swallowed the timeout and ran on: Lambda had stopped it
        if deadline.not_stopped:
            self.not_stopped = deadline.not_stopped
        if deadline.memory_exceeded:
            # Stopped for its memory (see Deadline.watch_memory): out of memory, whatever the
            # accounting made of the phase it cut short.
            kind = "timed_out"
            self._peak = max(self._peak, (self.config.memory_size + 1 - RUNTIME_BASELINE_MB[
                "nodejs" if self.config.is_node else "python"]) << 20)
            self.out_of_memory_stop = True
        if kind == "timed_out" and isinstance(value, BaseException):
            # (A phase that returned after its deadline, its response encoded in our own code
            # where the timeout does not land, has no interrupted frames: its value is bytes.)
            self._context.run(_release_interrupted, value)
        restore_handled(handled)
        return kind, value, elapsed

    def _account(self, measured: tuple[int, int], logged_from: int, ledger: Ledger,
                 outside: tuple[int, int, float], sent: int = 0) -> None:
        """Charge a phase's memory to the environment, minus the plugin's copy of its logs
        and what was set aside outside the sandbox (``outside``: ``ledger``'s totals before).

        On Lambda output leaves the process; here the log stream keeps every line the phase
        wrote (and the caller the ``sent`` bytes of the response), so their size is taken off
        the figures (the lines' off both, the response's off what is retained), before the
        noise threshold: a phase that wrote lines into pages it found free gives them back.
        What the environment retains is signed (freeing memory gives it back) and never below
        zero.
        """
        retained, peak = measured
        if ledger.retained_kb != outside[0] or ledger.peak_kb != outside[1]:
            retained -= (ledger.retained_kb - outside[0]) * 1024
            peak = max(peak - (ledger.peak_kb - outside[1]) * 1024, 0)
        logs = log_bytes(self.sink.stream.events, logged_from)
        retained -= logs + sent
        if self._memory.floored:
            retained = max(retained, 0)
        peak = max(peak - logs, 0)
        if abs(retained) <= NOISE_BYTES:
            retained = 0
        if retained == 0 and peak == 0:
            return
        self._peak = max(self._peak, self._retained + peak)
        self._retained = max(self._retained + retained, 0)

    @property
    def max_memory_mb(self) -> int:
        family = "nodejs" if self.config.is_node else "python"
        return max_memory_used_mb(family, self._peak)

    def init(self, seconds: float, phase: str) -> InitResult:
        """Import the handler (the Init phase). Returns (error payload or None, ms, status)."""
        hidden = self.state.hide_modules()  # every library is imported fresh, as on Lambda
        importlib.invalidate_caches()
        if self._measure:
            self._memory.prepare(cold=True)  # what earlier tests freed is not its to reuse
        # Collections during Init see only what Init makes: one would otherwise free the
        # garbage of the test process and of earlier environments (their libraries' copies)
        # and take it off this environment's Max Memory Used. Everything older is frozen
        # (``gc.freeze``) until Init ends; whether the collector runs stays the code's choice
        # (``gc.disable()`` at import is a cold-start tuning tip).
        froze = gc.get_freeze_count() == 0  # not inside another environment's Init
        if froze:
            gc.freeze()
        # Shared libraries loaded before this Init cost it nothing here (runtime/shared_cost.py).
        loaded = ({n for n in self._chargeable if n in sys.modules}
                  if self._measure and not self.config.is_node else None)
        recorder = ImportRecorder() if loaded else None
        try:
            with EXTENSIONS.guard(hidden), recorder or contextlib.nullcontext():
                kind, value, elapsed = self._run_phase(
                    seconds, lambda: load_handler(self.config.handler))
        finally:
            self.state.restore_modules(hidden)
            if froze:
                gc.unfreeze()
        if recorder is not None and loaded:
            found = frozenset(n for n in recorder.names if n.partition(".")[0] in loaded)
            if found:
                cost = fresh_import_cost(found)  # loaded throughout: on the peak as well
                self._peak += cost
                self._retained += cost
        if kind == "returned":
            if self.max_memory_mb > self.config.memory_size:
                # Killed during Init for its memory, as a process worker is: the handler never
                # runs in this runtime (the invoke phase retries the init in a fresh one).
                return (faults.runtime_exit("", faults.KILLED, "Runtime.OutOfMemory"), elapsed,
                        "error")
            self.handler = value
            self.initialized = True
            return None, elapsed, "success"
        if kind == "timed_out" and self.out_of_memory_stop:
            return (faults.runtime_exit("", faults.KILLED, "Runtime.OutOfMemory"), elapsed,
                    "error")
        if kind == "timed_out":
            return None, elapsed, "timeout"
        if kind == "exited":
            # SystemExit passes the runtime's ``except Exception`` around the handler's
            # import: its process ends there, having logged nothing (awslambdaric 4.2.2
            # bootstrap.run; the platform's INIT_REPORT says how it ended).
            return faults.runtime_exit("", _exit_reason(value)), elapsed, "error"
        if isinstance(value, FaultError):
            error = make_error(value.message, value.error_type, value.trace, "")
        elif not isinstance(value, Exception):
            # The runtime loads the handler under ``except Exception``: another BaseException
            # ends its process, as in an invocation (see invoke).
            self.sink.emit(_crash_line(value))
            return faults.runtime_exit("", faults.system_exit_reason(1)), elapsed, "error"
        else:
            reported = _runtime_report(value, "", None)
            if isinstance(reported, BaseException):  # the runtime's own report failed
                self.sink.emit(_crash_line(reported))
                return faults.runtime_exit("", faults.system_exit_reason(1)), elapsed, "error"
            error = reported
        self._init_warning()
        crash = _log_report(self.sink, error)
        if crash is not None:
            self.sink.emit(_crash_line(crash))
            return faults.runtime_exit("", faults.system_exit_reason(1)), elapsed, "error"
        return error, elapsed, "error"

    def _init_warning(self) -> None:
        """The warning record the runtime logs (through ``logging``) before an init error."""
        record = logging.LogRecord(
            "root", logging.WARNING, __file__, 0, INIT_FAILURE_WARNING, None, None)
        self.state.log_handler.handle(record)

    def invoke(self, payload: bytes, context: LambdaContext, seconds: float,
               invoke_init_ms: float = 0.0) -> Outcome:
        """Run the handler once (the Invoke phase) and return what happened."""
        request_id = context.aws_request_id
        handler = self.handler
        assert handler is not None

        def call() -> Any:
            try:
                event = decode_event(payload)
            except ValueError as exc:
                raise FaultError("Runtime.UnmarshalError",
                                 f"Unable to unmarshal input: {exc}") from None
            result = handler(event, context)
            if type(result) is not types.CoroutineType:
                return encode_response(result, self.config.runtime)
            try:
                return encode_response(result, self.config.runtime)  # a MarshalError
            finally:
                self._unawaited = _unawaited_warning(result)

        remaining = max(seconds - invoke_init_ms / 1000, 0.001)
        if self._measure:
            self._memory.prepare()
        kind, value, elapsed = self._run_phase(remaining, call)
        duration = elapsed + invoke_init_ms
        reset = False
        error: dict[str, Any] | None = None
        error_type: str | None = None
        response = b""
        status: Status = "success"
        if kind == "returned":
            response = value
            if len(response) > SYNC_RESPONSE_LIMIT:
                error = faults.response_too_large(len(response))
                status, error_type, reset = "error", "Function.ResponseSizeTooLarge", True
                # The Runtime API answers 413; the client's native layer logs it, then its
                # process ends on the RuntimeError it raises (differential case
                # py-response-too-large; the traceback is a known difference).
                self.sink.emit(faults.response_refused_line())
        elif kind == "timed_out" and self.out_of_memory_stop:
            status, reset = "error", True  # reported as out of memory below
            error = faults.killed(request_id)
        elif kind == "timed_out":
            status, reset = "timeout", True
            # Lambda stopped it at the timeout: its Duration is the timeout, whatever time moto
            # spent serving it (taken off a finished phase's Duration, see outside.py).
            duration = seconds * 1000
            error = faults.timed_out(request_id, seconds)
        elif kind == "exited":
            if isinstance(value, PostFailure):
                self.sink.emit(_crash_line(value.error))
            elif value.code is not None and not isinstance(value.code, int):
                self.sink.emit(f"{value.code}\n")  # what the interpreter prints on exit
            error = faults.runtime_exit(request_id, _exit_reason(value))
            status, error_type, reset = "error", "Runtime.ExitError", True
        else:
            # The runtime's report of the error; a BaseException it does not catch ends its
            # process, and so does an exception its report fails on (see _runtime_report).
            crash: BaseException | None = None
            if isinstance(value, MarshalError):
                error = make_error(str(value), "Runtime.MarshalError", [], request_id)
            elif isinstance(value, FaultError):
                error = make_error(value.message, value.error_type, value.trace, request_id)
            elif isinstance(value, Exception):
                reported = _runtime_report(value, request_id, self.config.runtime)
                if isinstance(reported, BaseException):
                    crash = reported
                else:
                    error = reported
            else:
                crash = value
            if crash is None:
                assert error is not None
                crash = _log_report(self.sink, error)
            if crash is None:
                assert error is not None
                status, error_type = "failure", error["errorType"]
                if isinstance(value, MarshalError) and self._unawaited is not None:
                    self._warn_unawaited(self._unawaited)
            else:
                self.sink.emit(_crash_line(crash))
                error = faults.runtime_exit(request_id, faults.system_exit_reason(1))
                status, error_type, reset = "error", "Runtime.ExitError", True
        max_mb = self.max_memory_mb
        if max_mb > self.config.memory_size and status != "timeout":
            # The caller sees the runtime killed; the platform logs the reason (REPORT).
            error = faults.killed(request_id)
            status, error_type, reset = "error", "Runtime.OutOfMemory", True
        if reset:
            self.alive = False
        return Outcome(status=status, response=response, error=error, error_type=error_type,
                       duration_ms=duration, max_memory_mb=max_mb, reset=reset)

    def reset_for_retry(self) -> None:
        """Start init again from scratch, as after a runtime restart (suppressed init)."""
        self.state.modules.clear()
        self._random.restart()

    def set_trace_id(self, header: str) -> None:
        """Set ``_X_AMZN_TRACE_ID`` for the next invocation, as the runtime does per invoke."""
        self.state.set_variable(b"_X_AMZN_TRACE_ID", header.encode())

    def _warn_unawaited(self, name: str) -> None:
        """The runtime's stderr lines for the coroutine it never awaited: Python's warning,
        raised where the coroutine is freed, as ``handle_event_request`` returns into
        awslambdaric 4.2.2's ``run`` loop (bootstrap.py line 549), after the runtime has logged
        the MarshalError (the real client's output, run locally with an ``async def``
        handler)."""
        self._unawaited = None
        where = f"{client_dir(self.config.runtime)}/bootstrap.py"
        for line in (f"{where}:549: RuntimeWarning: coroutine '{name}' was never awaited\n",
                     "  handle_event_request(\n",
                     "RuntimeWarning: Enable tracemalloc to get the object allocation traceback\n"):
            self.sink.app(line)

    def keep_tmp(self) -> str | None:
        """Leave this environment's /tmp in place when it is discarded; returns its path."""
        return self.files.detach()

    def discard(self) -> None:
        # Over its memory size (a runaway allocation stopped at gigabytes, an Init past it):
        # on Lambda its process is gone with everything it held. Here its objects wait for a
        # full collection (cycles through its modules' globals), and what they free stays in
        # the C allocator: a test that stopped one left the test process 1.4 GB larger for
        # the rest of the session. Collected and given back now (rare: the cost of one full
        # collection).
        oversized = self._measure and self.max_memory_mb > self.config.memory_size
        self.alive = False
        self._memory.close()
        # What its code left open (a connection made at Init, an event loop) is freed without
        # a ResourceWarning, as the end of its process frees it on Lambda (runtime/resources.py).
        free_quietly(self, self.state.modules.values())
        if self._children is not None:
            self._children.end(self.state.owned_loggers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            self.state.discard()
            self.files.close()
            self._event_loop.close()
            self.handler = None
            if oversized:
                gc.collect()
                return_free_memory()
