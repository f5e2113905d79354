"""The documentation's Python samples, executed as a reader would run them.

Each page gets a small project: the handler files its samples name (a sample whose first line is
``# src/greeter.py`` is such a file itself), and a prelude that defines what a fragment assumes
(``fn``, ``event``, ``r``...). A sample with ``def test_`` is a test file, run by pytest in that
project; any other sample runs as the body of a test after the prelude. Every sample runs: a
page shows concrete values, never an elided body or argument a reader could not run.

The events page's samples are executed by ``tests/unit/events/test_events_docs.py``. Pages not in
``PAGES`` yet are listed in ``NOT_EXECUTED``: a new page with samples must join one or the other.
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
SAMPLE = re.compile(r"```python\n(.*?)```", re.S)
FILE_HEADER = re.compile(r"#\s*((?:src|tests|lambda)/[\w/.-]+\.(?:py|js))\s*$")

INI = "[pytest]\nlambda_code_dir = src\n"
EXAMPLES = DOCS.parent / "examples"
EXAMPLE_INI = (
    "[pytest]\nlambda_template = template.yaml\nlambda_code_dir = src\nlambda_region = us-east-1\n"
)

ECHO = """
def handler(event, context):
    if isinstance(event, dict) and event.get("bad"):
        raise ValueError("bad order")
    return {"ok": True, "event": event}
"""


@dataclass
class Page:
    """How to run one page's samples."""

    files: dict[str, str] = field(default_factory=dict)
    prelude: str = ""
    #: More set-up for one sample (by its index on the page), after the prelude.
    before: dict[int, str] = field(default_factory=dict)
    ini: str = INI
    #: An example repository (under examples/) whose template and code the page's samples use.
    example: str = ""
    #: The page's samples run Node.js handlers: skipped where no ``node`` is installed.
    needs_node: bool = False


#: The application the application page's samples describe: a queue feeding a loader that
#: writes to a table, and an HTTP API behind a Lambda authorizer.
APPLICATION_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.12, CodeUri: src/}
Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  OrdersQueue:
    Type: AWS::SQS::Queue
  Loader:
    Type: AWS::Serverless::Function
    Properties:
      Handler: loader.handler
      Environment: {Variables: {TABLE: !Ref OrdersTable}}
      Events:
        Orders: {Type: SQS, Properties: {Queue: !GetAtt OrdersQueue.Arn}}
  OrdersHttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: TokenCheck
        Authorizers:
          TokenCheck:
            FunctionArn: !GetAtt Authorizer.Arn
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization]}
  Authorizer:
    Type: AWS::Serverless::Function
    Properties: {Handler: auth.handler}
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.get
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref OrdersHttpApi, Path: "/orders/{id}",
                                          Method: GET}}
"""

PAGES: dict[str, Page] = {
    "getting-started.md": Page(
        files={
            "src/slow.py": "import time\n\ndef handler(event, context):\n    time.sleep(5)\n",
            "src/orders/__init__.py": "",
            "src/orders/api.py": "def handler(event, context):\n    return {'statusCode': 200}\n",
            "src/bad.py": "def handler(event, context):\n    raise ValueError('bad order')\n",
        },
        prelude="""
            from pytest_lambda import LambdaFunction
            fn = LambdaFunction("bad.handler", code_dir="src")
            r = LambdaFunction("greeter.handler", code_dir="src").invoke({})
        """,
    ),
    "index.md": Page(files={"src/app.py": ECHO}),
    "invocation.md": Page(
        files={"src/app.py": ECHO},
        prelude="""
            from pytest_lambda import LambdaFunction
            fn = LambdaFunction("app.handler", code_dir="src")
            other_function = LambdaFunction("app.handler", code_dir="src", name="other")
            event = {"order": 1}
        """,
        before={0: """
            fn.publish_version()
            fn.create_alias("live", "1")
            fn.add_permission(principal="s3.amazonaws.com", statement_id="s3",
                              source_arn="arn:aws:s3:::uploads",
                              source_account="123456789012")
        """},
    ),
    "how-to/timeouts.md": Page(files={"src/app.py": """
        import time

        def handler(event, context):
            if event.get("slow"):
                time.sleep(5)
            hog = bytearray(event.get("size_mb", 0) * 1024 * 1024)
            return len(hog)
    """}),
    "how-to/cold-starts.md": Page(files={"src/app.py": ECHO}),
    "runtime.md": Page(prelude="""
        from pytest_lambda import LambdaFunction
        r = LambdaFunction("app.handler", code_dir="src").invoke({"body": "a: 1"})
        assert r.payload == {"a": 1}, r.payload
    """),
    "node.md": Page(ini="[pytest]\n", needs_node=True, files={"lambda/index.js": """
        exports.handler = async (event, context) => {
          console.log("order", event.orderId);
          return { orderId: event.orderId };
        };
    """}),
}

PAGES.update({
    "how-to/powertools.md": Page(files={"src/app.py": """
        from aws_lambda_powertools import Logger, Metrics
        from aws_lambda_powertools.metrics import MetricUnit

        logger = Logger()
        metrics = Metrics()

        @metrics.log_metrics
        @logger.inject_lambda_context
        def handler(event, context):
            logger.info("order placed")
            metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)
            return {"order": event["order"]}
    """}),
    "lambda-api.md": Page(
        files={"src/app.py": """
            import json
            import boto3

            client = boto3.client("lambda")

            def fanout(event, context):
                client.invoke(FunctionName="audit", InvocationType="Event",
                              Payload=json.dumps(event))
                out = client.invoke(FunctionName="resize", Payload=json.dumps(event))
                return json.loads(out["Payload"].read())

            def resize(event, context):
                return {"thumb": "thumbs/" + event.get("key", "none")}

            def audit(event, context):
                print("audited", event)
        """},
    ),
    "network.md": Page(),
    "sources.md": Page(
        files={"src/app.py":
               "def handler(event, context):\n    return len(event.get('Records', []))\n"},
    ),
    "how-to/test-an-api.md": Page(
        example="orders",
        files={"src/api.py": """
            import json

            def handler(event, context):
                return {"statusCode": 200, "headers": {"content-type": "application/json"},
                        "body": json.dumps({"item": event["path"].rsplit("/", 1)[-1]})}
        """},
    ),
    "observability.md": Page(files={"src/app.py": """
        import json
        import time

        def handler(event, context):
            print(f"order {event['id']} received")
            print(json.dumps({"level": "INFO", "order": {"id": event["id"]}}))
            print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
                {"Namespace": "Shop", "Dimensions": [["service"]],
                 "Metrics": [{"Name": "Orders", "Unit": "Count"}]}]},
                "service": "orders", "Orders": 1}))
    """}),
    "how-to/queue-consumer.md": Page(example="etl"),
    "how-to/stream-consumer.md": Page(example="stream-analytics"),
    "application.md": Page(
        ini=EXAMPLE_INI,
        files={
            "template.yaml": APPLICATION_TEMPLATE,
            "src/api.py": """
                import json

                def handler(event, context):
                    item = event["rawPath"].rsplit("/", 1)[-1]
                    return {"statusCode": 200, "body": json.dumps({"item": item})}
            """,
            "src/loader.py": """
                import json
                import os

                import boto3

                table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

                def handler(event, context):
                    for record in event["Records"]:
                        table.put_item(Item={"id": json.loads(record["body"])["id"]})
            """,
            "src/orders.py": """
                import json

                def get(event, context):
                    body = {"id": event["pathParameters"]["id"],
                            "expand": event["queryStringParameters"]["expand"]}
                    return {"statusCode": 200, "headers": {"content-type": "application/json"},
                            "body": json.dumps(body)}
            """,
            "src/auth.py": """
                def handler(event, context):
                    return {"isAuthorized": event["headers"].get("authorization") == "token"}
            """,
        },
    ),
    "how-to/migrate.md": Page(
        ini=INI + "pythonpath = src\n",
        files={"src/app.py": "def handler(event, context):\n    return {'x': event['x'] * 2}\n"},
    ),
    "templates.md": Page(
        ini="[pytest]\nlambda_template = template.yaml\n",
        files={
            "src/app.py": """
                import os

                def create(event, context):
                    return {"orderId": event["orderId"], "table": os.environ.get("TABLE")}
            """,
            "template.yaml": """
                AWSTemplateFormatVersion: "2010-09-09"
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  CreateOrder:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: app.create
                      CodeUri: src/
                      Runtime: python3.12
            """,
            "serverless.yml": """
                service: orders
                provider:
                  name: aws
                  runtime: python3.12
                functions:
                  create:
                    handler: src/app.create
            """,
        },
    ),
})

#: Pages whose samples are still only parsed (tests/unit/test_docs.py), not run.
NOT_EXECUTED: set[str] = set()


#: Fragments create functions the page never closes (a reader's session ends anyway): the
#: runner closes them, so no worker or environment outlives its test.
_CLOSE = """
def _close(namespace):
    from pytest_lambda import LambdaFunction

    for value in namespace.values():
        if isinstance(value, LambdaFunction):
            value.close()
"""


def _samples(page: str) -> list[str]:
    return SAMPLE.findall((DOCS / page).read_text())


def test_every_page_with_samples_is_executed_or_listed() -> None:
    """A page with Python samples is run here, by the events tests, or listed as not run."""
    names = (str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    pages = {name for name in names if _samples(name)}
    assert pages == set(PAGES) | NOT_EXECUTED | {"events.md"}
    assert not set(PAGES) & NOT_EXECUTED


def _project(pytester: pytest.Pytester, page: str, spec: Page) -> int:
    """Write the page's project and its samples as test files; how many tests they hold."""
    if spec.example:
        source = EXAMPLES / spec.example
        shutil.copytree(source / "src", pytester.path / "src")
        shutil.copy(source / "template.yaml", pytester.path / "template.yaml")
        pytester.makeini(EXAMPLE_INI)
    else:
        pytester.makeini(spec.ini)
        pytester.mkdir("src")  # the default lambda_code_dir, even for a page with no handler
    for path, text in spec.files.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    tests = 0
    fragments = []
    for index, sample in enumerate(_samples(page)):
        header = FILE_HEADER.match(sample.splitlines()[0])
        if header is not None:
            target = pytester.path / header[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(sample)
            tests += sample.count("\ndef test_")
        elif re.search(r"^def test_", sample, re.M):
            name = f"test_sample_{index}.py"
            pytester.path.joinpath(name).write_text(f"import pytest\n\n{sample}")
            tests += len(re.findall(r"^def test_", sample, re.M))
        else:
            fragments.append((index, sample))
    prelude = textwrap.dedent(spec.prelude)
    body = ["import pytest\n", _CLOSE]
    for index, sample in fragments:
        setup = prelude + textwrap.dedent(spec.before.get(index, ""))
        body.append(textwrap.dedent(f"""
            def test_fragment_{index}():
                namespace = {{}}
                try:
                    exec(compile({setup!r}, "prelude", "exec"), namespace)
                    exec(compile({sample!r}, "{page} sample {index}", "exec"), namespace)
                finally:
                    _close(namespace)
        """))
    if not fragments and prelude:  # the page's files, used as the prelude shows
        body.append(f"def test_prelude():\n    namespace = {{}}\n"
                    f"    exec(compile({prelude!r}, 'prelude', 'exec'), namespace)\n"
                    f"    _close(namespace)\n")
    if len(body) > 2:
        pytester.path.joinpath("test_fragments.py").write_text("\n".join(body))
    return tests + len(body) - 2


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_samples_run(pytester: pytest.Pytester, page: str) -> None:
    """Every sample of the page runs and its assertions hold."""
    if PAGES[page].needs_node and not (os.environ.get("PYTEST_LAMBDA_NODE")
                                       or shutil.which("node")):
        pytest.skip("the page's samples run Node.js handlers and no `node` is installed")
    expected = _project(pytester, page, PAGES[page])
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    assert result.ret == 0, result.stdout.str()[-4000:]
    result.assert_outcomes(passed=expected)
