"""What a discarded environment left open fails no later test (its process ends on Lambda)."""

from __future__ import annotations

import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

APP = """
import asyncio, socket

CONFIG = open(__file__)                                      # a file read at Init, kept open
EMITTER = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # as X-Ray's UDP emitter keeps one
LOOP = asyncio.new_event_loop()                              # a loop made at Init, never closed
LATER = []

def handler(event, context):
    LATER.append(open(__file__))                             # one opened in the invoke phase
    return "ok"

def cyclic(event, context):
    held = {"socket": socket.socket(socket.AF_INET, socket.SOCK_DGRAM)}
    held["itself"] = held                                    # garbage only a collection frees
    return "ok"
"""

TESTS = """
import gc
import pytest
from pytest_lambda import LambdaFunction

@pytest.mark.parametrize("how", ["closed", "cold_start"])
def test_invoke(how):
    fn = LambdaFunction("app.handler", code_dir=".")
    assert fn.invoke({}).payload == "ok"
    if how == "closed":
        fn.close()
    else:
        fn.cold_start()  # the next invocation is cold: this environment is discarded

def test_later():
    gc.collect()

def test_garbage_of_a_live_environment():
    with LambdaFunction("app.cyclic", code_dir=".") as fn:
        assert fn.invoke({}).payload == "ok"
        gc.collect()  # the invocation's garbage, an open socket in a cycle, is freed here

def test_the_tests_own_leak_still_warns():
    gc.collect()  # the discarded environments' leftovers are gone by now
    gc.collect()
    with pytest.warns(ResourceWarning, match="unclosed file"):
        leaked = open(__file__)
        del leaked
        gc.collect()
"""


def test_leftovers_of_a_discarded_environment_fail_no_later_test(
        pytester: pytest.Pytester) -> None:
    """Under ``filterwarnings = error`` the file, socket and event loop a handler kept open
    warned when a later collection freed them: each an unraisable ``ResourceWarning``, which
    failed ``test_later``, a test that never touched the function. On Lambda the environment's
    process ends silently. So does an invocation's garbage that a collection in the test frees
    while the function is alive (the runtime ignores ``ResourceWarning``). A leak of the test's
    own still warns once no function is left."""
    pytester.makeini("[pytest]\nfilterwarnings =\n    error\n")
    pytester.makepyfile(app=APP, test_it=textwrap.dedent(TESTS))
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0")
    result.assert_outcomes(passed=5)


def test_what_is_left_at_exit_is_not_warned_about(pytester: pytest.Pytester) -> None:
    """A function alive when the test process exits is freed as the interpreter shuts down,
    outside any collection: X-Ray's socket printed ``sys:1: ResourceWarning: unclosed
    <socket.socket ...>`` as each pytest-xdist worker ended."""
    pytester.makepyfile(app=APP, keep=textwrap.dedent("""
        from pytest_lambda import LambdaFunction

        FUNCTION = LambdaFunction("app.handler", code_dir=".")  # never closed
        assert FUNCTION.invoke({}).payload == "ok"
    """))
    result = pytester.run(sys.executable, "-W", "always", "keep.py")
    assert result.ret == 0, result.stderr.str()
    assert "ResourceWarning" not in result.stderr.str()
