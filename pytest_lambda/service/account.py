"""Concurrency: an account's limit, reserved concurrency, throttling and ``invoke_many``.

In-process environments run one phase at a time (``runtime.PHASE_LOCK``), so concurrency is
*accounted*, not parallel: a request takes a slot in its :class:`Account` before it waits for
the lock, and gives it back when it returns. Throttling follows from the slots held.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_lambda.config import DEFAULT_ACCOUNT, DEFAULT_REGION
from pytest_lambda.errors import InvalidParameterValueException, ResourceConflictException

from ..arn import Arn
from .async_queue import AsyncQueue

if TYPE_CHECKING:
    from pytest_lambda.function import LambdaFunction
    from pytest_lambda.result import InvokeResult
    from pytest_lambda.service.async_queue import VirtualClock

#: Lambda's default per-Region concurrency quota and the pool it keeps for unreserved functions.
DEFAULT_CONCURRENCY_LIMIT = 1000
DEFAULT_UNRESERVED_MINIMUM = 100

RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"


def _announce(fn: LambdaFunction) -> None:
    """Register ``fn`` with the installed Lambda API, if any. An API can only be installed once
    its module is imported, so a process that never imported it (most) does not pay for it."""
    api = sys.modules.get("pytest_lambda.service.lambda_api")
    if api is not None:
        api.announce(fn)


@dataclass(slots=True)
class Slot:
    """One unit of concurrency held by a running invocation."""

    account: Account
    function_name: str
    count: int
    released: bool = False

    def release(self) -> None:
        """Give the slot back (idempotent)."""
        if not self.released:
            self.released = True
            self.account._release(self.function_name)


class Account:
    """An AWS account in one Region: its concurrency quota and the functions in it.

    Functions given the same ``Account`` share its concurrency, its asynchronous-event queue
    (and virtual clock), and can name each other as destinations by ARN. A function created
    without ``account=`` gets an account of its own with Lambda's default quota.
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION, *,
                 concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT,
                 unreserved_minimum: int = DEFAULT_UNRESERVED_MINIMUM) -> None:
        for name, value in (("concurrency_limit", concurrency_limit),
                            ("unreserved_minimum", unreserved_minimum)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidParameterValueException(
                    f"Account({name}={value!r}): a whole number is expected, e.g. "
                    f"{name}=1000.")
        if not isinstance(account_id, str) or not account_id.isdigit() or len(account_id) != 12:
            raise InvalidParameterValueException(
                f"Account(account_id={account_id!r}): 12 digits in a str are expected, e.g. "
                "Account('123456789012').")
        if not isinstance(region, str):
            raise InvalidParameterValueException(
                f"Account(region={region!r}): a Region name is expected, e.g. 'us-east-1'.")
        if concurrency_limit < unreserved_minimum or unreserved_minimum < 0:
            raise InvalidParameterValueException(
                f"concurrency_limit ({concurrency_limit}) must be at least unreserved_minimum "
                f"({unreserved_minimum}), and both must be >= 0.")
        self.account_id = account_id
        self.region = region
        self.concurrency_limit = concurrency_limit
        self.unreserved_minimum = unreserved_minimum
        self._functions: dict[str, LambdaFunction] = {}
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._queue: AsyncQueue | None = None

    @property
    def queue(self) -> AsyncQueue:
        """The account's asynchronous-event queue (created on first use)."""
        if self._queue is None:
            self._queue = AsyncQueue(self)
        return self._queue

    @property
    def functions(self) -> dict[str, LambdaFunction]:
        """The functions registered in this account, by name."""
        return dict(self._functions)

    def register(self, fn: LambdaFunction) -> None:
        """Add ``fn`` (checks the name is free and its reserved concurrency fits)."""
        existing = self._functions.get(fn.name)
        if existing is not None and existing is not fn:
            raise ResourceConflictException(
                f"Function already exist: {fn.name}", advice="Each function in an Account "
                "needs its own name; pass name= to tell them apart.")
        self.check_reserved(fn.name, fn.config.reserved_concurrent_executions)
        self._functions[fn.name] = fn
        _announce(fn)  # visible to boto3's Lambda client while lambda_aws is active

    def unregister(self, fn: LambdaFunction) -> None:
        """Remove ``fn`` (when it is closed)."""
        if self._functions.get(fn.name) is fn:
            del self._functions[fn.name]

    def function(self, name_or_arn: str) -> LambdaFunction | None:
        """The registered function named by ``name_or_arn`` (a name or a, maybe qualified, ARN)."""
        name = name_or_arn
        if name_or_arn.startswith("arn:"):
            arn = Arn.parse(name_or_arn)
            if arn is None or arn.function_name is None or arn.account != self.account_id \
                    or arn.region != self.region:
                return None
            name = arn.function_name
        return self._functions.get(name)

    def reserved_total(self, excluding: str | None = None) -> int:
        """Concurrency reserved by the account's functions (except ``excluding``)."""
        return sum(fn.config.reserved_concurrent_executions or 0
                   for name, fn in self._functions.items() if name != excluding)

    @property
    def unreserved_concurrency(self) -> int:
        """``UnreservedConcurrentExecutions``: what functions without a reservation share."""
        return self.concurrency_limit - self.reserved_total()

    def check_reserved(self, function_name: str, value: int | None) -> None:
        """Refuse a reservation that would leave the unreserved pool below its minimum."""
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidParameterValueException(
                f"reserved concurrency {value!r} is not valid: pass a whole number >= 0 (or "
                "None to remove the reservation).")
        left = self.concurrency_limit - self.reserved_total(excluding=function_name) - value
        if left < self.unreserved_minimum:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                "UnreservedConcurrentExecution below its minimum value of "
                f"[{self.unreserved_minimum}].", advice=f"Account limit "
                f"{self.concurrency_limit}, already reserved by other functions "
                f"{self.reserved_total(function_name)}: reserve less, or give the Account a "
                "higher concurrency_limit.")

    def in_flight(self, function_name: str | None = None) -> int:
        """Slots held now by one function, or by the whole account."""
        with self._lock:
            if function_name is not None:
                return self._in_flight.get(function_name, 0)
            return sum(self._in_flight.values())

    def try_acquire(self, fn: LambdaFunction) -> Slot | str:
        """Take a slot for ``fn``, or return the throttle Reason when none is free."""
        reserved = fn.config.reserved_concurrent_executions
        with self._lock:
            mine = self._in_flight.get(fn.name, 0)
            if reserved is not None:
                if mine >= reserved:
                    return RESERVED_LIMIT
            else:
                unreserved_busy = sum(
                    n for name, n in self._in_flight.items()
                    if name not in self._functions
                    or self._functions[name].config.reserved_concurrent_executions is None)
                if unreserved_busy >= self.concurrency_limit - self.reserved_total():
                    return ACCOUNT_LIMIT
            self._in_flight[fn.name] = mine + 1
            return Slot(self, fn.name, mine + 1)

    def _release(self, function_name: str) -> None:
        with self._lock:
            left = self._in_flight.get(function_name, 0) - 1
            if left > 0:
                self._in_flight[function_name] = left
            else:
                self._in_flight.pop(function_name, None)

    def drain(self) -> list[InvokeResult]:
        """Run the account's asynchronous queue until it is empty (see ``AsyncQueue.drain``)."""
        return self.queue.drain()

    def advance(self, seconds: float) -> list[InvokeResult]:
        """Move the asynchronous queue's virtual clock forward, running what falls due."""
        return self.queue.advance(seconds)

    @property
    def clock(self) -> VirtualClock:
        """The virtual clock of the account's asynchronous queue (Lambda's delays cost no time)."""
        return self.queue.clock

    def __repr__(self) -> str:
        return (f"<Account {self.account_id} {self.region} limit={self.concurrency_limit} "
                f"functions={sorted(self._functions)}>")


def throttle_body(reason: str) -> dict[str, Any]:
    """The 429 body Lambda answers a throttled Invoke with."""
    return {"Reason": reason, "Type": "User", "message": "Rate Exceeded."}


def invoke_many(run: Callable[[int], Slot | str], finish: Callable[[int, Slot], InvokeResult],
                throttled: Callable[[int, str], InvokeResult], count: int,
                concurrency: int) -> list[InvokeResult]:
    """Send ``count`` requests in waves of ``concurrency`` simultaneous ones.

    Every request of a wave takes its slot (``run``) before any of them executes, as requests
    arriving together would (each admitted one in an environment of its own); those refused
    become throttled results. The admitted ones then run one after the other on the calling
    thread: one phase at a time runs in the process anyway (``PHASE_LOCK``), and on the main
    thread a timeout stops a handler blocked in a C call (on a pool's thread it could not: a
    handler stuck in ``socket.recv`` hung the session). The next wave starts when the whole
    wave has returned, which keeps the outcome reproducible.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidParameterValueException(
            f"concurrency must be a whole number >= 1, got {concurrency!r}.")
    results: list[InvokeResult | None] = [None] * count
    for start in range(0, count, concurrency):
        admitted: list[tuple[int, Slot]] = []
        for i in range(start, min(start + concurrency, count)):
            slot = run(i)
            if isinstance(slot, str):
                results[i] = throttled(i, slot)
            else:
                admitted.append((i, slot))
        for i, slot in admitted:
            results[i] = finish(i, slot)
    return [r for r in results if r is not None]

