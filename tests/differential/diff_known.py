"""Known differences between pytest-aws-lambda and the real runtime interface clients.

Each rule names one difference, with the module of pytest_lambda that produces our side, and
the cases it applies to. ``OBSERVED`` lists, for every case that differs today, the aspects
it differs in. Such a case is marked ``xfail(strict=True)`` with its rules as the reason:
when a fix lands the case passes, strict xfail turns it red, and its entry here is updated.
A case that differs in other aspects than ``OBSERVED`` says fails outright, so a new
difference cannot hide behind a known one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Key = tuple[str, str, str]  # (case id, runtime, variant id)

ASPECT_CODES = {"E": "function error", "P": "payload (parsed)", "R": "payload (raw bytes)",
                "I": "init log", "V": "invocation log", "L": "init and invocation log"}


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    applies: Callable[[Key], bool]


def _cases(*ids: str, runtimes: tuple[str, ...] = (), variants: tuple[str, ...] = (),
           ) -> Callable[[Key], bool]:
    def match(key: Key) -> bool:
        case, runtime, variant = key
        return ((case in ids or any(i.endswith("*") and case.startswith(i[:-1]) for i in ids))
                and (not runtimes or runtime in runtimes)
                and (not variants or variant in variants))
    return match


def _any(*matchers: Callable[[Key], bool]) -> Callable[[Key], bool]:
    return lambda key: any(m(key) for m in matchers)


JSON = ("json", "json-debug")
NODE_INIT_FAILURES = ("node-init-*",)
NODE_CALLBACKS = ("node-callback-string", "node-callback-error", "node-callback-success")

RULES: tuple[Rule, ...] = (
    Rule("node-stack",
         "Node stack traces (payload trace, Invoke Error / Uncaught Exception records, "
         "console.error(err)) end in pytest-aws-lambda's worker frames (worker.js invokeLegacy/"
         "invokeAwait/dispatch/loadUserApp, Socket and stream internals) where the client shows "
         "its own: 3.x 'at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:…)', "
         "4.x 'BufferedInvokeProcessor.processInvoke … async ignition' [node/worker.js]",
         _cases("node-console-error-err", "node-throw-sync", "node-throw-async",
                "node-throw-custom", "node-throw-empty", "node-throw-string",
                "node-callback-string", "node-callback-error", "node-context-fail",
                "node-context-done", "node-context-succeed", *NODE_INIT_FAILURES,
                *NODE_CALLBACKS)),
    Rule("node-compact-payload",
         "Node error payloads are not compact JSON: ours '{\"errorType\": \"Error\", "
         "\"errorMessage\": …}'; the client's JSON.stringify gives '{\"errorType\":\"Error\","
         "\"errorMessage\":…}' [function.LambdaFunction result: _marshal.encode_event]",
         _any(_cases("node-throw-*", "node-callback-string", "node-callback-error",
                     "node-context-fail", "node-context-done", *NODE_INIT_FAILURES),
              _cases("node-callback-success", "node-context-succeed",
                     runtimes=("nodejs24.x",)))),
    Rule("node-json-newline",
         "Node JSON-format console records end with '\\n' in ours; the client's frames do "
         "not [node/worker.js]",
         _cases("node-*", variants=JSON)),
    Rule("node-json-invoke-error",
         "Node JSON format: ours log the function error as the text message 'Invoke Error "
         "\\t{…}'; the client's message is the error object {\"errorType\", \"errorMessage\", "
         "\"stackTrace\", \"name\", <own props>} [node/worker.js]",
         _any(_cases("node-throw-*", "node-context-fail", "node-context-done",
                     variants=JSON),
              _cases("node-callback-string", "node-callback-error",
                     runtimes=("nodejs22.x",), variants=JSON),
              _cases("node-context-succeed", runtimes=("nodejs24.x",), variants=JSON))),
    Rule("node22-callback-warning",
         "nodejs22.x: ours log the WARN 'AWS Lambda plans to remove support for callback-based "
         "function handlers starting with Node.js 24…' at init; aws-lambda-ric 3.3.0 logs "
         "nothing [node/worker.js CALLBACK_WARNING]",
         _cases(*NODE_CALLBACKS, runtimes=("nodejs22.x",))),
    Rule("node24-init-error",
         "nodejs24.x init failure: the client logs '<time>\\t-\\tERROR\\tInit Error \\t{…, "
         "\"name\", \"stack\"}' and Node's unhandled-rejection report on stderr "
         "('node:internal/process/promises:394', the stack, 'Node.js v24.x'); ours log "
         "'<time>\\tundefined\\tERROR\\tUncaught Exception \\t{…}' and no report "
         "[node/worker.js init]",
         _cases(*NODE_INIT_FAILURES, *NODE_CALLBACKS, runtimes=("nodejs24.x",))),
    Rule("node24-require-stack",
         "nodejs24.x ImportModuleError: the client's 'Require stack:' lists only "
         "'- /var/task/index.js'; ours add '- /var/runtime/index.mjs' (the 3.x text) "
         "[node/worker.js]",
         _cases("node-init-missing-module", runtimes=("nodejs24.x",))),
    Rule("node24-syntax-trace",
         "nodejs24.x UserCodeSyntaxError: the client's trace is Node's SyntaxError stack "
         "('/var/task/index.js:3', the source line, the caret, 'SyntaxError: …', loader "
         "frames); ours 'Runtime.UserCodeSyntaxError: SyntaxError: …' [node/worker.js]",
         _cases("node-init-syntax-error", runtimes=("nodejs24.x",))),
)


def known(key: Key) -> tuple[list[Rule], frozenset[str]]:
    """The rules that apply to ``key`` and the aspects it is known to differ in."""
    codes = OBSERVED.get(key, "")
    aspects = frozenset(ASPECT_CODES[c] for c in codes)
    rules = [rule for rule in RULES if rule.applies(key)] if codes else []
    if codes and not rules:
        raise AssertionError(f"{key} is listed in OBSERVED but no rule describes it")
    return rules, aspects


#: Observed aspects of every case that differs today, as (case, runtime, variant): codes
#: (P payload parsed, R payload raw bytes, I init log, V invocation log, L init and
#: invocation log of a failed init, E function error). Regenerate after a fix.
OBSERVED: dict[Key, str] = {
    ("node-callback-error", "nodejs22.x", "json"): "IPRV",
    ("node-callback-error", "nodejs22.x", "json-debug"): "IPRV",
    ("node-callback-error", "nodejs22.x", "text"): "IPRV",
    ("node-callback-error", "nodejs24.x", "json"): "LPR",
    ("node-callback-error", "nodejs24.x", "json-debug"): "LPR",
    ("node-callback-error", "nodejs24.x", "text"): "LPR",
    ("node-callback-string", "nodejs22.x", "json"): "IRV",
    ("node-callback-string", "nodejs22.x", "json-debug"): "IRV",
    ("node-callback-string", "nodejs22.x", "text"): "IRV",
    ("node-callback-string", "nodejs24.x", "json"): "LPR",
    ("node-callback-string", "nodejs24.x", "json-debug"): "LPR",
    ("node-callback-string", "nodejs24.x", "text"): "LPR",
    ("node-callback-success", "nodejs22.x", "json"): "IV",
    ("node-callback-success", "nodejs22.x", "json-debug"): "IV",
    ("node-callback-success", "nodejs22.x", "text"): "I",
    ("node-callback-success", "nodejs24.x", "json"): "LPR",
    ("node-callback-success", "nodejs24.x", "json-debug"): "LPR",
    ("node-callback-success", "nodejs24.x", "text"): "LPR",
    ("node-console-error-err", "nodejs22.x", "json"): "V",
    ("node-console-error-err", "nodejs22.x", "json-debug"): "V",
    ("node-console-error-err", "nodejs22.x", "text"): "V",
    ("node-console-error-err", "nodejs24.x", "json"): "V",
    ("node-console-error-err", "nodejs24.x", "json-debug"): "V",
    ("node-console-error-err", "nodejs24.x", "text"): "V",
    ("node-console-methods", "nodejs22.x", "json"): "V",
    ("node-console-methods", "nodejs22.x", "json-debug"): "V",
    ("node-console-methods", "nodejs24.x", "json"): "V",
    ("node-console-methods", "nodejs24.x", "json-debug"): "V",
    ("node-context-done", "nodejs22.x", "json"): "RV",
    ("node-context-done", "nodejs22.x", "json-debug"): "RV",
    ("node-context-done", "nodejs22.x", "text"): "RV",
    ("node-context-done", "nodejs24.x", "json"): "PRV",
    ("node-context-done", "nodejs24.x", "json-debug"): "PRV",
    ("node-context-done", "nodejs24.x", "text"): "PRV",
    ("node-context-fail", "nodejs22.x", "json"): "PRV",
    ("node-context-fail", "nodejs22.x", "json-debug"): "PRV",
    ("node-context-fail", "nodejs22.x", "text"): "PRV",
    ("node-context-fail", "nodejs24.x", "json"): "PRV",
    ("node-context-fail", "nodejs24.x", "json-debug"): "PRV",
    ("node-context-fail", "nodejs24.x", "text"): "PRV",
    ("node-context-succeed", "nodejs24.x", "json"): "PRV",
    ("node-context-succeed", "nodejs24.x", "json-debug"): "PRV",
    ("node-context-succeed", "nodejs24.x", "text"): "PRV",
    ("node-init-handler-not-found", "nodejs22.x", "json"): "LPR",
    ("node-init-handler-not-found", "nodejs22.x", "json-debug"): "LPR",
    ("node-init-handler-not-found", "nodejs22.x", "text"): "LPR",
    ("node-init-handler-not-found", "nodejs24.x", "json"): "LPR",
    ("node-init-handler-not-found", "nodejs24.x", "json-debug"): "LPR",
    ("node-init-handler-not-found", "nodejs24.x", "text"): "LPR",
    ("node-init-malformed-handler", "nodejs22.x", "json"): "LPR",
    ("node-init-malformed-handler", "nodejs22.x", "json-debug"): "LPR",
    ("node-init-malformed-handler", "nodejs22.x", "text"): "LPR",
    ("node-init-malformed-handler", "nodejs24.x", "json"): "LPR",
    ("node-init-malformed-handler", "nodejs24.x", "json-debug"): "LPR",
    ("node-init-malformed-handler", "nodejs24.x", "text"): "LPR",
    ("node-init-missing-module", "nodejs22.x", "json"): "LPR",
    ("node-init-missing-module", "nodejs22.x", "json-debug"): "LPR",
    ("node-init-missing-module", "nodejs22.x", "text"): "LPR",
    ("node-init-missing-module", "nodejs24.x", "json"): "LPR",
    ("node-init-missing-module", "nodejs24.x", "json-debug"): "LPR",
    ("node-init-missing-module", "nodejs24.x", "text"): "LPR",
    ("node-init-syntax-error", "nodejs22.x", "json"): "LPR",
    ("node-init-syntax-error", "nodejs22.x", "json-debug"): "LPR",
    ("node-init-syntax-error", "nodejs22.x", "text"): "LPR",
    ("node-init-syntax-error", "nodejs24.x", "json"): "LPR",
    ("node-init-syntax-error", "nodejs24.x", "json-debug"): "LPR",
    ("node-init-syntax-error", "nodejs24.x", "text"): "LPR",
    ("node-init-throw", "nodejs22.x", "json"): "LPR",
    ("node-init-throw", "nodejs22.x", "json-debug"): "LPR",
    ("node-init-throw", "nodejs22.x", "text"): "LPR",
    ("node-init-throw", "nodejs24.x", "json"): "LPR",
    ("node-init-throw", "nodejs24.x", "json-debug"): "LPR",
    ("node-init-throw", "nodejs24.x", "text"): "LPR",
    ("node-throw-async", "nodejs22.x", "json"): "PRV",
    ("node-throw-async", "nodejs22.x", "json-debug"): "PRV",
    ("node-throw-async", "nodejs22.x", "text"): "PRV",
    ("node-throw-async", "nodejs24.x", "json"): "PRV",
    ("node-throw-async", "nodejs24.x", "json-debug"): "PRV",
    ("node-throw-async", "nodejs24.x", "text"): "PRV",
    ("node-throw-custom", "nodejs22.x", "json"): "PRV",
    ("node-throw-custom", "nodejs22.x", "json-debug"): "PRV",
    ("node-throw-custom", "nodejs22.x", "text"): "PRV",
    ("node-throw-custom", "nodejs24.x", "json"): "PRV",
    ("node-throw-custom", "nodejs24.x", "json-debug"): "PRV",
    ("node-throw-custom", "nodejs24.x", "text"): "PRV",
    ("node-throw-empty", "nodejs22.x", "json"): "PRV",
    ("node-throw-empty", "nodejs22.x", "json-debug"): "PRV",
    ("node-throw-empty", "nodejs22.x", "text"): "PRV",
    ("node-throw-empty", "nodejs24.x", "json"): "PRV",
    ("node-throw-empty", "nodejs24.x", "json-debug"): "PRV",
    ("node-throw-empty", "nodejs24.x", "text"): "PRV",
    ("node-throw-string", "nodejs22.x", "json"): "RV",
    ("node-throw-string", "nodejs22.x", "json-debug"): "RV",
    ("node-throw-string", "nodejs22.x", "text"): "RV",
    ("node-throw-string", "nodejs24.x", "json"): "RV",
    ("node-throw-string", "nodejs24.x", "json-debug"): "RV",
    ("node-throw-string", "nodejs24.x", "text"): "RV",
    ("node-throw-sync", "nodejs22.x", "json"): "PRV",
    ("node-throw-sync", "nodejs22.x", "json-debug"): "PRV",
    ("node-throw-sync", "nodejs22.x", "text"): "PRV",
    ("node-throw-sync", "nodejs24.x", "json"): "PRV",
    ("node-throw-sync", "nodejs24.x", "json-debug"): "PRV",
    ("node-throw-sync", "nodejs24.x", "text"): "PRV",
}
