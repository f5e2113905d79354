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
NODE_CALLBACKS = ("node-callback-string", "node-callback-error", "node-callback-success")

RULES: tuple[Rule, ...] = (
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
    Rule("py-response-refused-traceback",
         "a response over 6 MB: the Runtime API refuses it (413) and the client's native "
         "layer logs 'LAMBDA_RUNTIME Failed to post handler success response' (ours too), then "
         "its process ends on the uncaught RuntimeError, whose traceback runs through the "
         "client's own source lines (runpy, awslambdaric __main__, bootstrap, "
         "lambda_runtime_client): ours logs no traceback. Kept: reproducing it means the "
         "client's source text [runtime/inprocess.py invoke]",
         _cases("py-response-too-large")),
    Rule("py-log-error-crash-traceback",
         "an error message with a lone surrogate, logged raw (the text format; JSON from "
         "python3.12 on): the client's sink fails to encode its [ERROR] line and the process "
         "ends (Runtime.ExitError, as ours) on the UnicodeEncodeError, whose traceback runs "
         "through the client's own source lines; ours logs its last line only. Kept: "
         "reproducing it means the client's source text [runtime/inprocess.py _log_report]",
         _cases("py-raise-surrogate")),
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
    **{("py-response-too-large", f"python3.{minor}", variant): "V"
       for minor in (11, 12, 13, 14) for variant in ("text", "json", "json-debug")},
    ("py-raise-surrogate", "python3.11", "text"): "V",
    **{("py-raise-surrogate", f"python3.{minor}", variant): "V"
       for minor in (12, 13, 14) for variant in ("text", "json", "json-debug")},
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
}
