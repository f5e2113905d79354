"""Resources SAM generates, referenced by the ids SAM documents (SAM developer guide,
"Generated CloudFormation resources"): the values a function gets name what lambda_app made."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest.importorskip("moto")

from pytest_lambda.templates.app import Application

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.12, CodeUri: ., Handler: app.handler}
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: mybus}
  OnEvents:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        OnBus:
          Type: CloudWatchEvent
          Properties: {EventBusName: !Ref Bus, Pattern: {source: [shop]}}
        OnDefault:
          Type: EventBridgeRule
          Properties: {Pattern: {source: [other]}}
        Get: {Type: Api, Properties: {Path: /x, Method: get}}
  Api2:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1}
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          RULE: !Ref OnEventsOnBus
          DEFAULT_RULE: !Ref OnEventsOnDefault
          RULE_ARN: !GetAtt OnEventsOnBus.Arn
          ROLE: !Ref OnEventsRole
          ROLE_ARN: !GetAtt OnEventsRole.Arn
          API: !Ref ServerlessRestApi
          STAGE: !Ref ServerlessRestApiProdStage
          STAGE2: !Ref Api2v1Stage
"""


def test_generated_ids_resolve_to_what_was_made(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\n"
        "def handler(event, context):\n"
        "    return {k: v for k, v in os.environ.items() if k.isupper() and '_' not in k[:1]}\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent(TEMPLATE))
    with Application(tmp_path / "template.yaml") as app:
        env = app.function("Reader").invoke({}).payload
        bus, rule = env["RULE"].split("|")  # CloudFormation's Ref of a rule on a custom bus
        assert bus == "mybus"
        events = app.client("events")
        assert rule in [r["Name"] for r in events.list_rules(EventBusName="mybus")["Rules"]]
        assert env["DEFAULT_RULE"] in [r["Name"] for r in events.list_rules()["Rules"]]
        assert env["RULE_ARN"].endswith(f":rule/mybus/{rule}")
        assert env["ROLE"] == "OnEventsRole"
        assert env["ROLE_ARN"] == "arn:aws:iam::123456789012:role/OnEventsRole"
        assert (env["STAGE"], env["STAGE2"]) == ("Prod", "v1")
        response = app.http.get("/Prod/x")
        assert response.invocation is not None
        event = response.invocation.event_payload
        assert env["API"].encode() in event


CONDITIONAL = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Environment: {Type: String, Default: dev}
Conditions:
  IsNotProd: !Not [!Equals [!Ref Environment, prod]]
Resources:
  DebugQueue:
    Type: AWS::SQS::Queue
    Condition: IsNotProd
  Debug:
    Type: AWS::Serverless::Function
    Condition: IsNotProd
    Properties:
      Runtime: python3.12
      CodeUri: .
      Handler: app.handler
      Events:
        All: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop]}}}
  Always:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: .
      Handler: app.handler
      Environment:
        Variables:
          QUEUE: !If [IsNotProd, !Ref DebugQueue, none]
"""


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_resources_whose_condition_is_false_are_not_created(tmp_path: Path,
                                                           environment: str) -> None:
    """CloudFormation ignores a resource whose Condition is false: no function, queue or
    rule is made for it."""
    (tmp_path / "app.py").write_text(
        "import os\ndef handler(event, context):\n    return os.environ['QUEUE']\n")
    (tmp_path / "template.yaml").write_text(CONDITIONAL)
    with Application(tmp_path / "template.yaml",
                     parameter_overrides={"Environment": environment}) as app:
        queues = [q for q in app.client("sqs").list_queues().get("QueueUrls", [])
                  if q.endswith("/DebugQueue")]
        rules = app.client("events").list_rules()["Rules"]
        made = "Debug" in app.functions
        assert made == (environment == "dev")
        assert (len(queues), len(rules)) == ((1, 1) if made else (0, 0))
        queue = app.function("Always").invoke({}).payload
        assert queue == (queues[0] if made else "none")


FOR_EACH = """\
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Queues: {Type: CommaDelimitedList, Default: "alpha,beta-2"}
Resources:
  Fn::ForEach::Queues:
    - Name
    - !Ref Queues
    - "&{Name}Queue":
        Type: AWS::SQS::Queue
        Properties: {QueueName: !Sub "q-${Name}"}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: .
      Handler: app.handler
      Environment:
        Variables:
          ALPHA: !Ref alphaQueue
          BETA: !GetAtt beta2Queue.QueueName
          Fn::ForEach::Vars:
            - Name
            - [ONE, TWO]
            - "X_${Name}": "value-${Name}"
"""


def test_fn_for_each_is_expanded(tmp_path: Path) -> None:
    """``Fn::ForEach`` (the AWS::LanguageExtensions transform) makes one resource per value:
    ``&{Name}`` without its non-alphanumeric characters in the key, ``${Name}`` in strings."""
    (tmp_path / "app.py").write_text(
        "import os\ndef handler(event, context):\n"
        "    return [os.environ['ALPHA'], os.environ['BETA'], os.environ['X_TWO']]\n")
    (tmp_path / "template.yaml").write_text(FOR_EACH)
    with Application(tmp_path / "template.yaml") as app:
        alpha, beta, two = app.function("Fn").invoke({}).payload
        assert alpha.endswith("/q-alpha") and beta == "q-beta-2"
        assert two == "value-TWO"  # a loop inside a resource's properties
        urls = app.client("sqs").list_queues()["QueueUrls"]
        assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["q-alpha", "q-beta-2"]


PARAMETERS = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  TableParam: {Type: "AWS::SSM::Parameter::Value<String>", Default: /app/table}
  Subnets: {Type: CommaDelimitedList, Default: "a, b,c"}
  Ports: {Type: "List<Number>", Default: "80,443"}
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: .
      Handler: app.handler
      Environment:
        Variables:
          TABLE: !Ref TableParam
          SUBNETS: !Join ["|", !Ref Subnets]
          PORTS: !Join ["|", !Ref Ports]
          STAGE: !Ref Stage
"""


def test_parameters_are_passed_as_cloudformation_passes_them(tmp_path: Path) -> None:
    """An SSM parameter type gives the value in Parameter Store (not its name); list types
    are split, overrides too; a value AllowedValues refuses is refused."""
    from pytest_lambda.service.aws import MockedAws

    (tmp_path / "app.py").write_text(
        "import os\ndef handler(event, context):\n"
        "    return [os.environ[k] for k in ('TABLE', 'SUBNETS', 'PORTS', 'STAGE')]\n")
    path = tmp_path / "template.yaml"
    path.write_text(PARAMETERS)
    with MockedAws("us-east-1") as aws:
        with Application(path, aws=aws) as app:
            assert "Fn" in app.failed
            assert "Parameter Store under '/app/table'" in str(app.failed["Fn"])
        aws.client("ssm").put_parameter(Name="/app/table", Value="orders", Type="String")
        with Application(path, aws=aws, parameter_overrides={"Subnets": "x,y"}) as app:
            assert app.function("Fn").invoke({}).payload == ["orders", "x|y", "80|443", "dev"]
        with Application(path, aws=aws, parameter_overrides={"Stage": "test"}) as app:
            assert "AllowedValues ['dev', 'prod'] refuse" in str(app.failed["Fn"])


def test_a_resource_name_override_is_the_name_it_is_made_under(tmp_path: Path) -> None:
    """``parameter_overrides={"Table": "orders-test"}`` changes what ``!Ref Table`` gives, and
    the table is made under that name, so the function finds it."""
    (tmp_path / "app.py").write_text(
        "import os\ndef handler(event, context):\n"
        "    return [os.environ['TB'], os.environ['QU']]\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Table:
            Type: AWS::Serverless::SimpleTable
          Queue:
            Type: AWS::SQS::Queue
            Properties: {QueueName: jobs}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: .
              Handler: app.handler
              Environment: {Variables: {TB: !Ref Table, QU: !Ref Queue}}
        """))
    with Application(tmp_path / "template.yaml",
                     parameter_overrides={"Table": "orders-test", "Queue": "jobs-test"}) as app:
        table, queue = app.function("Fn").invoke({}).payload
        assert table == "orders-test"
        assert app.client("dynamodb").list_tables()["TableNames"] == ["orders-test"]
        assert app.client("sqs").list_queues()["QueueUrls"] == [queue]
        assert queue.endswith("/jobs-test")


def test_two_stacks_with_the_same_rule_ids_keep_their_own_rules(tmp_path: Path) -> None:
    """CloudFormation names a generated rule after its stack (``<stack>-<Fn><Event>-<suffix>``):
    two applications with the same logical ids on one embedded AWS each get the events, and
    closing one leaves the other's rule."""
    import json

    from pytest_lambda.service.aws import MockedAws

    text = textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: .
              Handler: app.handler
              Events:
                Orders: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop]}}}
        """)
    for name in ("orders", "warehouse"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(
            f"def handler(event, context):\n    return {name!r}\n")
        (tmp_path / name / "template.yaml").write_text(text)
    entry = {"Source": "shop", "DetailType": "t", "Detail": json.dumps({})}
    with MockedAws("us-east-1") as aws, \
            Application(tmp_path / "orders" / "template.yaml", aws=aws) as orders:
        with Application(tmp_path / "warehouse" / "template.yaml", aws=aws) as warehouse:
            aws.client("events").put_events(Entries=[entry])
            assert [r.payload for r in orders.drain()] == ["orders"]
            assert [r.payload for r in warehouse.drain()] == ["warehouse"]
        aws.client("events").put_events(Entries=[entry])
        assert [r.payload for r in orders.drain()] == ["orders"]


def test_parameter_constraints_and_ssm_overrides(tmp_path: Path) -> None:
    """AllowedPattern, lengths and a Number's range are CloudFormation's checks too; an
    override of an SSM-typed parameter names the stored parameter (sam deploy's form) or, when
    none is stored under it, is the value."""
    from pytest_lambda.service.aws import MockedAws

    (tmp_path / "app.py").write_text(
        "import os\ndef handler(event, context):\n    return os.environ['VALUE']\n")
    path = tmp_path / "template.yaml"
    for declared, override, expected in (
            ("{Type: String, AllowedPattern: '[a-z]+', Default: abc}", "ABC", "AllowedPattern"),
            ("{Type: String, MaxLength: 3, Default: abc}", "abcd", "MaxLength 3"),
            ("{Type: Number, MinValue: 1, MaxValue: 9, Default: 5}", "10", "MaxValue 9"),
            ("{Type: Number, Default: 5}", "five", "is not a number"),
            ("{Type: 'AWS::SSM::Parameter::Value<String>', Default: /a}", "/b", "from-ssm"),
            ("{Type: 'AWS::SSM::Parameter::Value<String>', Default: /a}", "direct", "direct")):
        path.write_text(textwrap.dedent(f"""\
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Value: {declared}
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: .
                  Handler: app.handler
                  Environment: {{Variables: {{VALUE: !Ref Value}}}}
            """))
        with MockedAws("us-east-1") as aws:
            aws.client("ssm").put_parameter(Name="/b", Value="from-ssm", Type="String")
            with Application(path, aws=aws, parameter_overrides={"Value": override}) as app:
                if "Fn" in app.failed:
                    assert expected in str(app.failed["Fn"]), declared
                else:
                    assert app.function("Fn").invoke({}).payload == expected, declared


def test_serverless_resource_conditions(tmp_path: Path) -> None:
    """serverless.yml ``resources.Conditions`` decide its resources, as CloudFormation does."""
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    path = tmp_path / "serverless.yml"
    path.write_text(textwrap.dedent("""\
        service: shop
        provider: {name: aws, runtime: python3.12}
        functions:
          fn: {handler: app.handler}
        resources:
          Conditions:
            IsProd: !Equals ["${sls:stage}", prod]
          Resources:
            ProdQueue:
              Type: AWS::SQS::Queue
              Condition: IsProd
            AnyQueue:
              Type: AWS::SQS::Queue
        """))
    with Application(path) as app:
        assert sorted(app.resources) == ["AnyQueue"]


def test_a_functions_generated_url_resolves_to_the_host_it_is_served_on(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\ndef handler(event, context):\n"
        "    return [os.environ.get('URL'), event['requestContext']['domainName']]\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: .
              Handler: app.handler
              FunctionUrlConfig: {AuthType: NONE}
              Environment: {Variables: {URL: !GetAtt FnUrl.FunctionUrl}}
        """))
    with Application(tmp_path / "template.yaml") as app:
        url, domain = app.http.for_api(app.function("Fn").name).get("/").json()
        assert url == f"https://{domain}/"
