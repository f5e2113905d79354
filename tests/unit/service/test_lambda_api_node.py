"""Node.js handlers reach lambda_aws's moto and in-process functions through the loopback
endpoint (AWS_ENDPOINT_URL), the way the AWS SDK for JavaScript v3 sends requests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.service.account import Account
from pytest_lambda.service.aws import MockedAws

if TYPE_CHECKING:
    from conftest import CodeWriter

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")

#: A signed-looking request with Node's own http module: the endpoint routes by the SigV4
#: credential scope, as an SDK signs it (moto checks no signature).
RAW = """
const http = require("http");
function call(method, path, body, headers) {
  const url = new URL(process.env.AWS_ENDPOINT_URL + path);
  const auth = "AWS4-HMAC-SHA256 Credential=" + process.env.AWS_ACCESS_KEY_ID +
    "/20240101/" + process.env.AWS_REGION + "/lambda/aws4_request, SignedHeaders=host, " +
    "Signature=0";
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers: {authorization: auth, ...headers}}, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({status: res.statusCode, headers: res.headers,
                                   body: Buffer.concat(chunks).toString()}));
    });
    req.on("error", reject);
    req.end(body);
  });
}
exports.handler = async (event, context) => {
  const before = context.getRemainingTimeInMillis();
  const sync = await call("POST", "/2015-03-31/functions/worker/invocations",
                          JSON.stringify({n: 3}), {"x-amz-log-type": "Tail"});
  const queued = await call("POST", "/2015-03-31/functions/worker/invocations",
                            JSON.stringify({n: 4}), {"x-amz-invocation-type": "Event"});
  const missing = await call("GET", "/2015-03-31/functions/nothing/configuration");
  return {sync: sync.status, body: JSON.parse(sync.body),
          version: sync.headers["x-amz-executed-version"],
          tail: Buffer.from(sync.headers["x-amz-log-result"], "base64").toString(),
          queued: queued.status, missing: missing.status, missingBody: missing.body,
          spent: before - context.getRemainingTimeInMillis()};
};
"""

SDK = """
const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
exports.handler = async () => {
  const out = await new LambdaClient({}).send(new InvokeCommand({
    FunctionName: "worker", Payload: Buffer.from(JSON.stringify({n: 5}))}));
  return {status: out.StatusCode, body: JSON.parse(Buffer.from(out.Payload).toString())};
};
"""

WORKER = """
def handler(event, context):
    print("worker", event["n"])
    return {"doubled": event["n"] * 2}
"""


@pytest.fixture
def aws() -> Iterator[MockedAws]:
    """moto with the Lambda API installed."""
    with MockedAws("us-east-1") as mocked:
        yield mocked


def test_node_handler_invokes_an_in_process_function(aws: MockedAws, code: CodeWriter) -> None:
    """A Node.js handler's Lambda API calls run the Python function in-process."""
    root = code(worker=WORKER)
    (root / "app.js").write_text(RAW)
    account = Account()
    caller = LambdaFunction("app.handler", name="caller", runtime="nodejs20.x",
                            code_dir=root, account=account, timeout=30)
    worker = LambdaFunction("worker.handler", code_dir=root, account=account)
    try:
        result = caller.invoke({}).raise_for_error()
        body = result.payload
        assert (body["sync"], body["body"], body["version"]) == (200, {"doubled": 6}, "$LATEST")
        assert body["tail"].splitlines()[1] == "worker 3"
        assert (body["queued"], body["missing"]) == (202, 404), body["missingBody"]
        [queued] = account.drain()
        assert queued.payload == {"doubled": 8}
        assert worker.metrics.sum("Invocations") == 2
    finally:
        caller.close()
        worker.close()


@pytest.mark.skipif(not os.environ.get("PYTEST_LAMBDA_AWS_SDK_JS"),
                    reason="set PYTEST_LAMBDA_AWS_SDK_JS to a node_modules folder holding "
                           "@aws-sdk/client-lambda")
def test_node_sdk_v3_invoke(aws: MockedAws, code: CodeWriter) -> None:
    """The AWS SDK for JavaScript v3's InvokeCommand reaches the in-process function."""
    root = code(worker=WORKER)
    (root / "app.js").write_text(SDK)
    (root / "node_modules").symlink_to(Path(os.environ["PYTEST_LAMBDA_AWS_SDK_JS"]))
    account = Account()
    caller = LambdaFunction("app.handler", name="caller", runtime="nodejs20.x",
                            code_dir=root, account=account, timeout=30)
    worker = LambdaFunction("worker.handler", code_dir=root, account=account)
    try:
        assert caller.invoke({}).raise_for_error().payload == {
            "status": 200, "body": {"doubled": 10}}
    finally:
        caller.close()
        worker.close()


#: The real AWS host over https (as the SDK v3 SQS client sends to a QueueUrl's host, and the
#: SDK v2 ignores AWS_ENDPOINT_URL): it must reach lambda_aws's moto, not AWS.
REAL_HOST = """
const https = require("https");
exports.handler = async () => {
  const auth = "AWS4-HMAC-SHA256 Credential=" + process.env.AWS_ACCESS_KEY_ID +
    "/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0";
  return await new Promise((resolve, reject) => {
    const req = https.request("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/" +
        "worker/invocations", {method: "POST", headers: {authorization: auth}}, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({status: res.statusCode,
                                   body: JSON.parse(Buffer.concat(chunks).toString()),
                                   sawGuardSettings: "PYTEST_LAMBDA_NETWORK" in process.env}));
    });
    req.on("error", reject);
    req.end(JSON.stringify({n: 7}));
  });
};
"""


def test_requests_to_aws_hosts_reach_the_tests_moto(aws: MockedAws, code: CodeWriter) -> None:
    """Under lambda_aws a request to a real AWS host (https) goes to the loopback endpoint,
    so it reaches the in-process function instead of AWS; the guard's settings are not in
    the handler's environment."""
    root = code(worker=WORKER)
    (root / "app.js").write_text(REAL_HOST)
    account = Account()
    caller = LambdaFunction("app.handler", name="caller", runtime="nodejs20.x",
                            code_dir=root, account=account, timeout=30)
    worker = LambdaFunction("worker.handler", code_dir=root, account=account)
    try:
        assert caller.invoke({}).raise_for_error().payload == {
            "status": 200, "body": {"doubled": 14}, "sawGuardSettings": False}
    finally:
        caller.close()
        worker.close()


CONNECT = """
const net = require("net");
exports.handler = async (event) => new Promise((resolve) => {
  const socket = net.connect({host: event.host, port: 443});
  socket.setTimeout(300, () => { socket.destroy(); resolve({timedOut: true}); });
  socket.on("error", (e) => resolve({name: e.name, message: e.message}));
  socket.on("connect", () => { socket.destroy(); resolve({connected: true}); });
});
"""


def test_node_handlers_are_network_guarded(code: CodeWriter) -> None:
    """A Node.js handler's connection to a host that is neither loopback nor allowed fails
    with the guard's message (naming host, port and function); an AWS host outside lambda_aws
    is refused with the AWS advice; an allowed address is let through to the network."""
    root = code()
    (root / "app.js").write_text(CONNECT)
    with LambdaFunction("app.handler", name="guarded", runtime="nodejs20.x",
                        code_dir=root) as fn:
        out = fn.invoke({"host": "203.0.113.5"}).raise_for_error().payload
        assert out["name"] == "NetworkBlockedError"
        assert out["message"].startswith("pytest-aws-lambda blocked a connection to "
                                         "203.0.113.5:443 from function 'guarded'")
        aws_host = fn.invoke({"host": "sqs.us-east-1.amazonaws.com"}).payload
        assert "This is real AWS" in aws_host["message"]
    with LambdaFunction("app.handler", runtime="nodejs20.x", code_dir=root,
                        network_allow=["203.0.113.0/24"]) as allowed:
        out = allowed.invoke({"host": "203.0.113.5"}).raise_for_error().payload
        assert out.get("name") != "NetworkBlockedError"
