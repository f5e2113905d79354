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
PY_ERRORS = ("py-raise-*", "py-marshal-error", "py-init-*")
PY_INIT_FAILURES = ("py-init-import-error", "py-init-syntax-error", "py-init-handler-not-found",
                    "py-init-malformed-handler", "py-init-builtin-conflict",
                    "py-init-module-keyerror")
NODE_CALLBACKS = ("node-callback-string", "node-callback-error", "node-callback-success")

RULES: tuple[Rule, ...] = (
    Rule("py-json-timestamp",
         "JSON-format logging records: ours stamp milliseconds ('…T00:00:00.000Z'); the client "
         "writes second precision ('…T00:00:00Z') [_capture._JsonFormatter.format]",
         _cases("py-print-logging", "py-init-output", "py-logging-exception",
                "py-marshal-error", *PY_INIT_FAILURES, variants=JSON)),
    Rule("py-json-key-order",
         "JSON record with exception info: ours put requestId right after logger; the client "
         "orders timestamp, level, message, logger, stackTrace, errorType, errorMessage, "
         "requestId, location [_capture._JsonFormatter.format]",
         _cases("py-logging-exception", variants=JSON)),
    Rule("py-error-newline",
         "the '[ERROR] <type>: <message>\\nTraceback (most recent call last):…' frame ends "
         "with '\\n' in ours; the client's frame has no trailing newline "
         "[_capture.LogSink.runtime_error]",
         _cases(*PY_ERRORS, variants=("text",))),
    Rule("py-json-error-newline",
         "the JSON error record ({\"timestamp\", \"level\": \"ERROR\", \"errorMessage\", …}) "
         "ends with '\\n' in ours; the client's frame has none [_capture.LogSink.runtime_error]",
         _cases(*PY_ERRORS, variants=JSON)),
    Rule("py-carets",
         "stackTrace entries (payload, [ERROR] frame, JSON error record) carry Python 3.11+ "
         "caret lines under the source line ('    ^^^^^^^^', '~~~~~~^^^^^^'); the client "
         "formats (file, line, name, text) tuples, which have none [handler.user_stack]",
         _cases("py-raise-chain", "py-raise-mid-line", "py-init-module-keyerror")),
    Rule("py-ascii",
         "python3.11: error payload and JSON error record keep non-ASCII as raw UTF-8 "
         "('naïve'); the client (simplejson, ensure_ascii before python3.12) writes "
         "'na\\u00efve' [function.LambdaFunction result: _marshal.encode_event; "
         "_capture.LogSink.runtime_error]",
         _cases("py-raise-unicode")),
    Rule("py-lambda-warning",
         "init failure: ours log 'LAMBDA_WARNING: Unhandled exception. The most likely cause "
         "is an issue in the function code.'; the client logs the whole paragraph ('… However, "
         "in rare cases, a Lambda runtime update … see "
         "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\\r') "
         "[runtime.ExecutionEnvironment._init_warning]",
         _cases(*PY_INIT_FAILURES)),
    Rule("node22-callback-warning",
         "nodejs22.x: ours log the WARN 'AWS Lambda plans to remove support for callback-based "
         "function handlers starting with Node.js 24…' at init; aws-lambda-ric 3.3.0 (the npm "
         "release) logs nothing. Kept: the managed nodejs22.x runtime does log it (captured "
         "CloudWatch line in aws-solutions-library-samples/qnabot-on-aws#828) "
         "[node/runtime3.js CALLBACK_WARNING]",
         _cases(*NODE_CALLBACKS, runtimes=("nodejs22.x",))),
    Rule("node22-entry-frames",
         "nodejs22.x init error thrown before the runtime's first await (a malformed handler "
         "name): the client's stack ends in Node's ESM entry frames ('at ModuleJob.run "
         "(node:internal/modules/esm/module_job:…)', 'at async onImport.tracePromise.__proto__', "
         "'at async asyncRunEntryPointWithESMLoader'), because /var/runtime/index.mjs is the "
         "process's main ES module; ours end at the runtime's top-level frame 'at "
         "file:///var/runtime/index.mjs:…'. Kept: our runtime is not the main module "
         "[node/runtime3.js start]",
         _cases("node-init-malformed-handler", runtimes=("nodejs22.x",))),
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
    ("node-callback-error", "nodejs22.x", "json"): "I",
    ("node-callback-error", "nodejs22.x", "json-debug"): "I",
    ("node-callback-error", "nodejs22.x", "text"): "I",
    ("node-callback-string", "nodejs22.x", "json"): "I",
    ("node-callback-string", "nodejs22.x", "json-debug"): "I",
    ("node-callback-string", "nodejs22.x", "text"): "I",
    ("node-callback-success", "nodejs22.x", "json"): "I",
    ("node-callback-success", "nodejs22.x", "json-debug"): "I",
    ("node-callback-success", "nodejs22.x", "text"): "I",
    ("node-init-malformed-handler", "nodejs22.x", "json"): "LPR",
    ("node-init-malformed-handler", "nodejs22.x", "json-debug"): "LPR",
    ("node-init-malformed-handler", "nodejs22.x", "text"): "LPR",
    ("py-init-builtin-conflict", "python3.11", "json"): "L",
    ("py-init-builtin-conflict", "python3.11", "json-debug"): "L",
    ("py-init-builtin-conflict", "python3.11", "text"): "L",
    ("py-init-handler-not-found", "python3.11", "json"): "L",
    ("py-init-handler-not-found", "python3.11", "json-debug"): "L",
    ("py-init-handler-not-found", "python3.11", "text"): "L",
    ("py-init-import-error", "python3.11", "json"): "L",
    ("py-init-import-error", "python3.11", "json-debug"): "L",
    ("py-init-import-error", "python3.11", "text"): "L",
    ("py-init-malformed-handler", "python3.11", "json"): "L",
    ("py-init-malformed-handler", "python3.11", "json-debug"): "L",
    ("py-init-malformed-handler", "python3.11", "text"): "L",
    ("py-init-module-keyerror", "python3.11", "json"): "LPR",
    ("py-init-module-keyerror", "python3.11", "json-debug"): "LPR",
    ("py-init-module-keyerror", "python3.11", "text"): "LPR",
    ("py-init-output", "python3.11", "json"): "IV",
    ("py-init-output", "python3.11", "json-debug"): "IV",
    ("py-init-syntax-error", "python3.11", "json"): "L",
    ("py-init-syntax-error", "python3.11", "json-debug"): "L",
    ("py-init-syntax-error", "python3.11", "text"): "L",
    ("py-logging-exception", "python3.11", "json"): "V",
    ("py-logging-exception", "python3.11", "json-debug"): "V",
    ("py-marshal-error", "python3.11", "json"): "V",
    ("py-marshal-error", "python3.11", "json-debug"): "V",
    ("py-marshal-error", "python3.11", "text"): "V",
    ("py-print-logging", "python3.11", "json"): "V",
    ("py-print-logging", "python3.11", "json-debug"): "V",
    ("py-raise-chain", "python3.11", "json"): "PRV",
    ("py-raise-chain", "python3.11", "json-debug"): "PRV",
    ("py-raise-chain", "python3.11", "text"): "PRV",
    ("py-raise-empty", "python3.11", "json"): "V",
    ("py-raise-empty", "python3.11", "json-debug"): "V",
    ("py-raise-empty", "python3.11", "text"): "V",
    ("py-raise-message", "python3.11", "json"): "V",
    ("py-raise-message", "python3.11", "json-debug"): "V",
    ("py-raise-message", "python3.11", "text"): "V",
    ("py-raise-mid-line", "python3.11", "json"): "PRV",
    ("py-raise-mid-line", "python3.11", "json-debug"): "PRV",
    ("py-raise-mid-line", "python3.11", "text"): "PRV",
    ("py-raise-unicode", "python3.11", "json"): "RV",
    ("py-raise-unicode", "python3.11", "json-debug"): "RV",
    ("py-raise-unicode", "python3.11", "text"): "RV",
}
