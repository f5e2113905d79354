"""Functions loaded from SAM / CloudFormation templates and serverless.yml files."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda.template import (
    Template,
    TemplateError,
    UnknownFunctionError,
    function_from_template,
    load_template,
)

SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: orders service

Parameters:
  Stage:
    Type: String
    Default: test
    AllowedValues: [test, prod]
  Memory:
    Type: Number
    Default: 256
  Secret:
    Type: String
    NoEcho: true

Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]

Mappings:
  Levels:
    test: {Level: DEBUG}
    prod: {Level: WARN}

Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    MemorySize: !Ref Memory
    CodeUri: src/
    Tracing: Active
    Environment:
      Variables:
        STAGE: !Ref Stage
        TABLE: !Ref Table
        REGION_NAME: !Sub "${AWS::Region}"
        LOG_LEVEL: INFO

Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${Stage}-orders"
      BillingMode: PAY_PER_REQUEST
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic

  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.create
      FunctionName: create-order
      Timeout: 20
      Architectures: [arm64]
      LoggingConfig:
        LogFormat: JSON
        ApplicationLogLevel: !FindInMap [Levels, !Ref Stage, Level]
      Environment:
        Variables:
          LOG_LEVEL: DEBUG
          TABLE_ARN: !GetAtt Table.Arn
          QUEUE_URL: !Ref Queue
          TOPIC_ARN: !Ref Topic
          PROD: !If [IsProd, "yes", "no"]
          CANARY: !If [NotProd, !Ref AWS::NoValue, "on"]
          HOSTS: !Join [",", [a, !Select [1, !Split ["|", "x|y|z"]]]]
          LINK: !Sub
            - "${Name}/${Queue.Arn}/${!Literal}/${AWS::AccountId}/${AWS::StackName}"
            - Name: orders
          DEBUG: true
          RETRIES: 3
      Events:
        Api:
          Type: Api
          Properties: {Path: /orders, Method: post}

  ListOrders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.list_orders
      FunctionName: !Sub "${AWS::StackName}-list"
      EphemeralStorage: {Size: 1024}
      Tracing: PassThrough

  Notifier:
    Type: AWS::Serverless::Function
    Properties:
      Handler: notify.handler
      Runtime: nodejs20.x
      CodeUri: web

  Legacy:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.legacy
      Runtime: python3.11
      Code: src
      MemorySize: 1024
      TracingConfig: {Mode: Active}
      Environment:
        Variables:
          SECRET: !Ref Secret
          SHARED: !ImportValue shared-bus-arn
"""

SLS = """\
service: orders
frameworkVersion: '3'

custom:
  tableName: orders-${sls:stage}
  memory: 512
  tables:
    dev: dev-table
    prod: prod-table

provider:
  name: aws
  runtime: python3.12
  stage: ${opt:stage, 'dev'}
  region: eu-central-1
  memorySize: ${self:custom.memory}
  architecture: arm64
  tracing:
    lambda: true
  environment:
    TABLE: ${self:custom.tableName}
    STAGE: ${self:provider.stage}
    PICKED: ${self:custom.tables.${sls:stage}}
    HOME_DIR: ${env:PTL_TEMPLATE_HOME, '/nowhere'}
    QUEUE: !Ref Queue

functions:
  create:
    handler: handlers/api.create
    timeout: 20
    environment:
      REGION_NAME: ${aws:region}
      TABLE: override-${self:custom.tableName}
  report:
    handler: handlers/api.report
    name: nightly-report
    runtime: nodejs22.x
    memorySize: 2048
    architecture: x86_64
  secret:
    handler: handlers/api.secret
    environment:
      KEY: ${ssm:/orders/key}

resources:
  Resources:
    Queue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: ${self:service}-${sls:stage}-queue
"""

HANDLER = """\
import os

def create(event, context):
    return {
        "env": {k: os.environ.get(k) for k in event["keys"]},
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "region": os.environ["AWS_REGION"],
        "lambda_memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
    }
"""


def _write(folder: Path, name: str, text: str, *code_dirs: str) -> Path:
    for code_dir in code_dirs:
        (folder / code_dir).mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def _fix(key: str) -> str:
    """The end of a resolution error: how to give ``key`` locally."""
    return (f"Give the value locally: ini lambda_parameter_overrides = {key}=... (or "
            f"--lambda-parameter-override {key}=..., pytest-lambda --parameter-override, "
            f"parameter_overrides={{{key!r}: ...}} in Python; environment={{...}} for an "
            "environment variable).")


@pytest.fixture
def sam(tmp_path: Path) -> Path:
    """The SAM template above with its code folders."""
    return _write(tmp_path, "template.yaml", SAM, "src", "web")


@pytest.fixture
def sls(tmp_path: Path) -> Path:
    """The serverless.yml above with its handler folder."""
    return _write(tmp_path, "serverless.yml", SLS, "handlers")


def test_sam_functions_are_listed_in_template_order(sam: Path) -> None:
    """Every Serverless and plain Lambda function resource is loaded, other resources are not."""
    functions = load_template(sam)
    assert isinstance(functions, Template)
    assert functions.kind == "sam"
    assert list(functions) == ["CreateOrder", "ListOrders", "Notifier", "Legacy"]
    assert functions["CreateOrder"].function_name == "create-order"
    assert functions["CreateOrder"].logical_id == "CreateOrder"


def test_sam_globals_merge_under_function_properties(sam: Path) -> None:
    """Globals.Function fills in what a function leaves out; its own values win."""
    kw = load_template(sam)["CreateOrder"].kwargs()
    assert kw["handler"] == "app.create"
    assert kw["code_dir"] == str(sam.parent / "src")
    assert kw["runtime"] == "python3.12"
    assert kw["timeout"] == 20
    assert kw["memory_size"] == 256
    assert kw["tracing"] is True
    assert kw["architecture"] == "arm64"
    assert (kw["log_format"], kw["log_level"]) == ("JSON", "DEBUG")


def test_sam_environment_merges_key_by_key(sam: Path) -> None:
    """Global variables and the function's own are merged, the function's value winning."""
    env = load_template(sam)["CreateOrder"].kwargs()["environment"]
    assert env["STAGE"] == "test"
    assert env["LOG_LEVEL"] == "DEBUG"
    assert env["REGION_NAME"] == "us-east-1"
    assert load_template(sam)["ListOrders"].kwargs()["environment"]["LOG_LEVEL"] == "INFO"


def test_sam_resources_resolve_like_cloudformation(sam: Path) -> None:
    """``Ref`` / ``GetAtt`` of resources give CloudFormation's values for their local names."""
    env = load_template(sam, region="eu-west-1")["CreateOrder"].kwargs()["environment"]
    assert env["TABLE"] == "test-orders"
    assert env["TABLE_ARN"] == "arn:aws:dynamodb:eu-west-1:123456789012:table/test-orders"
    assert env["QUEUE_URL"] == "https://sqs.eu-west-1.amazonaws.com/123456789012/Queue"
    assert env["TOPIC_ARN"] == "arn:aws:sns:eu-west-1:123456789012:Topic"


def test_sam_intrinsic_functions(sam: Path) -> None:
    """Conditions, mappings, Join/Select/Split, Sub with variables and escapes all resolve."""
    env = load_template(sam)["CreateOrder"].kwargs()["environment"]
    assert env["PROD"] == "no"
    assert "CANARY" not in env
    assert env["HOSTS"] == "a,y"
    assert env["LINK"] == ("orders/arn:aws:sqs:us-east-1:123456789012:Queue/${Literal}/"
                           "123456789012/local")
    assert (env["DEBUG"], env["RETRIES"]) == ("true", "3")


def test_sam_parameter_overrides(sam: Path) -> None:
    """Overrides replace parameter defaults, pseudo parameters and resource names."""
    functions = load_template(sam, parameter_overrides={"Stage": "prod", "Memory": "512",
                                                        "Queue": "jobs"},
                              account_id="111122223333", stack_name="shop")
    kw = functions["CreateOrder"].kwargs()
    env = kw["environment"]
    assert (env["STAGE"], env["PROD"], env["CANARY"]) == ("prod", "yes", "on")
    assert env["TABLE"] == "prod-orders"
    assert env["QUEUE_URL"] == "https://sqs.us-east-1.amazonaws.com/111122223333/jobs"
    assert env["LINK"].endswith("/111122223333/shop")
    assert (kw["memory_size"], kw["log_level"], kw["account_id"]) == (512, "WARN", "111122223333")


def test_function_name_is_the_resolved_function_name_or_the_logical_id(sam: Path) -> None:
    """FunctionName is resolved (a computed one too, as !Ref gives it to other resources);
    without one the function is named by its logical id."""
    functions = load_template(sam, stack_name="shop")
    assert functions["ListOrders"].function_name == "shop-list"
    assert functions["ListOrders"].kwargs()["name"] == "shop-list"
    assert functions.function("create-order") is functions["CreateOrder"]
    assert functions["Notifier"].function_name == "Notifier"


def test_sam_defaults_and_ephemeral_storage(sam: Path) -> None:
    """Unset settings take Lambda's defaults; EphemeralStorage and PassThrough tracing map."""
    kw = load_template(sam)["ListOrders"].kwargs()
    assert (kw["ephemeral_storage"], kw["tracing"], kw["architecture"]) == (1024, False,
                                                                          "x86_64")
    assert (kw["log_format"], kw["log_level"], kw["log_group"]) == ("Text", None, None)


def test_node_functions_are_loaded(sam: Path) -> None:
    """A Node.js function loads too; the runtime decides later whether it can run it."""
    kw = load_template(sam)["Notifier"].kwargs()
    assert (kw["runtime"], kw["handler"]) == ("nodejs20.x", "notify.handler")
    assert kw["code_dir"] == str(sam.parent / "web")


def test_plain_cloudformation_function(sam: Path) -> None:
    """AWS::Lambda::Function takes Code as a local path and TracingConfig, without Globals."""
    kw = load_template(sam, parameter_overrides={"Secret": "s3cr3t",
                                                 "shared-bus-arn": "arn:bus"})["Legacy"].kwargs()
    assert (kw["runtime"], kw["memory_size"], kw["timeout"], kw["tracing"]) == (
        "python3.11", 1024, 3, True)
    assert kw["environment"] == {"SECRET": "s3cr3t", "SHARED": "arn:bus"}


def test_unresolvable_values_stop_only_their_function(sam: Path) -> None:
    """A parameter without Default fails the function that uses it, naming the fix."""
    functions = load_template(sam)
    with pytest.raises(TemplateError) as info:
        functions["Legacy"].kwargs()
    assert str(info.value) == (
        "template.yaml: cannot resolve Ref Secret in Legacy Environment.Variables.SECRET: "
        "parameter 'Secret' has no Default. " + _fix("Secret"))
    assert functions["CreateOrder"].kwargs()["name"] == "create-order"


def test_environment_argument_replaces_unresolvable_values(sam: Path) -> None:
    """``environment=`` is merged over the template's variables and skips resolving them."""
    kw = load_template(sam)["Legacy"].kwargs(environment={"SECRET": "x", "SHARED": "y"},
                                             timeout=9)
    assert kw["environment"] == {"SECRET": "x", "SHARED": "y"}
    assert kw["timeout"] == 9


def test_import_value_needs_an_override(sam: Path) -> None:
    """``Fn::ImportValue`` exists only in AWS; the error names the export to override."""
    with pytest.raises(TemplateError) as info:
        load_template(sam, parameter_overrides={"Secret": "s"})["Legacy"].kwargs()
    assert str(info.value) == (
        "template.yaml: cannot resolve Fn::ImportValue 'shared-bus-arn' in Legacy "
        "Environment.Variables.SHARED: its value exists only in a deployed stack. "
        + _fix("shared-bus-arn"))


def test_short_forms_parse_into_long_forms(tmp_path: Path) -> None:
    """Every YAML short-form tag becomes the dict CloudFormation's long form uses."""
    path = _write(tmp_path, "template.yaml", """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              Code: .
              Tags:
                a: !Ref X
                b: !GetAtt T.Arn
                c: !GetAtt [T, StreamArn]
                d: !Sub "x-${AWS::Region}"
                e: !If [C, 1, 2]
                f: !Join ["-", [a, b]]
                g: !Select [0, !GetAZs ""]
                h: !FindInMap [M, k, v]
                i: !ImportValue out
                j: !Equals [a, b]
                k: !Base64 text
                l: !Condition C
                m: !Split [",", "a,b"]
                n: !Cidr [10.0.0.0/16, 2, 8]
        """)
    tags = load_template(path)["Fn"].properties["Tags"]
    assert tags == {
        "a": {"Ref": "X"}, "b": {"Fn::GetAtt": ["T", "Arn"]},
        "c": {"Fn::GetAtt": ["T", "StreamArn"]}, "d": {"Fn::Sub": "x-${AWS::Region}"},
        "e": {"Fn::If": ["C", 1, 2]}, "f": {"Fn::Join": ["-", ["a", "b"]]},
        "g": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}, "h": {"Fn::FindInMap": ["M", "k", "v"]},
        "i": {"Fn::ImportValue": "out"}, "j": {"Fn::Equals": ["a", "b"]},
        "k": {"Fn::Base64": "text"}, "l": {"Condition": "C"},
        "m": {"Fn::Split": [",", "a,b"]}, "n": {"Fn::Cidr": ["10.0.0.0/16", 2, 8]},
    }


FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
"""


@pytest.mark.parametrize(("props", "message"), [
    ("      Runtime: python3.12\n",
     "template.yaml: resource Fn (AWS::Serverless::Function) has no Handler property (nor "
     "Globals.Function). Add Handler: app.handler to it."),
    ("      Handler: app.handler\n",
     "template.yaml: resource Fn (AWS::Serverless::Function) has no Runtime property (nor "
     "Globals.Function). Add Runtime: python3.12 to it."),
    ("      Handler: app.handler\n      Runtime: python3.12\n      CodeUri: s3://bucket/code.zip\n",
     "template.yaml: Fn's CodeUri is 's3://bucket/code.zip', code stored in S3; local code is "
     "needed. Point it at the folder that holds the handler (e.g. CodeUri: src/), or pass "
     "code_dir=."),
    ("      Handler: app.handler\n      Runtime: python3.12\n      CodeUri: {Bucket: b, Key: k}\n",
     "template.yaml: Fn's CodeUri is {'Bucket': 'b', 'Key': 'k'}, code stored in S3; local "
     "code is needed. Point it at the folder that holds the handler (e.g. CodeUri: src/), or "
     "pass code_dir=."),
    ("      Handler: index.handler\n      Runtime: python3.12\n      InlineCode: print(1)\n",
     "template.yaml: Fn has inline code (InlineCode); write it to a file and point CodeUri "
     "(SAM) or Code (CloudFormation) at its folder so the handler can be imported."),
    ("      Handler: app.handler\n      Runtime: python3.12\n      CodeUri: missing/\n",
     "template.yaml: Fn's code folder 'missing/' ({root}/missing) does not exist. Fix the "
     "path, relative to the template's folder."),
    ("      PackageType: Image\n      ImageUri: repo:latest\n",
     "template.yaml: Fn is a container image function (PackageType: Image): there is no "
     "image runtime here, only zip functions with local code run. Test the code the image "
     "runs as a zip function of the same runtime: lambda_function('<module.function of the "
     "image's CMD>', code_dir='<the image's code folder>', runtime='python3.X') "
     "(LambdaFunction(...) in Python)."),
    ("      Handler: app.handler\n      Runtime: python3.12\n      Timeout: soon\n",
     "template.yaml: Fn's Timeout is 'soon'; use a whole number."),
    ("      Handler: app.handler\n      Runtime: python3.12\n"
     "      Environment: {Variables: {A: !GetAtt Table.StreamArn}}\n",
     "template.yaml: cannot resolve Fn::GetAtt Table.StreamArn in Fn "
     "Environment.Variables.A: 'Table' is not a resource of the template. "
     + _fix("Table.StreamArn")),
])
def test_sam_function_errors(tmp_path: Path, props: str, message: str) -> None:
    """A function that cannot be built locally names the resource, property and fix."""
    path = _write(tmp_path, "template.yaml", FUNCTION + props)
    with pytest.raises(TemplateError) as info:
        load_template(path)["Fn"].kwargs()
    assert str(info.value) == message.replace("{root}", str(tmp_path))


def test_plain_cloudformation_function_without_code_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path, "template.yaml", """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Handler: index.handler
              Runtime: python3.12
        """)
    with pytest.raises(TemplateError, match="Fn has no Code property"):
        load_template(path)["Fn"].kwargs()


def test_plain_cloudformation_zipfile_is_refused(tmp_path: Path) -> None:
    """Inline ``Code.ZipFile`` cannot be imported, so it is refused with the fix."""
    path = _write(tmp_path, "template.yaml", """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Handler: index.handler
              Runtime: python3.12
              Code: {ZipFile: "def handler(e, c): pass"}
        """)
    with pytest.raises(TemplateError, match=r"^template.yaml: Fn has inline code \(ZipFile\); "):
        load_template(path)["Fn"].kwargs()


def test_unknown_function_lists_the_template_functions(sam: Path) -> None:
    """Asking for a missing function lists the ones the template defines."""
    with pytest.raises(UnknownFunctionError) as info:
        load_template(sam)["Orders"]
    assert str(info.value) == (
        f"no function named 'Orders' in {sam}; it defines: CreateOrder, ListOrders, Notifier, "
        "Legacy. Use one of those names (a logical id, or the deployed function name).")
    assert isinstance(info.value, KeyError)


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    """A YAML syntax error reports the file, line and column."""
    path = _write(tmp_path, "template.yaml", "Resources:\n  Fn:\n    Type: [a\n  B: c\n")
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert str(info.value) == (f"{path}, line 4, column 4: invalid YAML: expected ',' or ']', "
                               "but got ':'. Fix the syntax there.")


def test_unrecognised_file_and_missing_file(tmp_path: Path) -> None:
    """A file that is neither format, or no file at all, fails with what to do."""
    path = _write(tmp_path, "other.yaml", "name: x\n")
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert str(info.value) == (
        f"{path} is neither a SAM / CloudFormation template (no 'Resources') nor a "
        "serverless.yml (no 'service' and 'functions'). Point lambda_template at the file that "
        "defines your functions.")
    with pytest.raises(TemplateError) as info:
        load_template(tmp_path / "nope.yaml")
    assert str(info.value) == (f"template {tmp_path / 'nope.yaml'} does not exist. Check the "
                               "path (ini lambda_template is relative to the rootdir).")


def test_serverless_provider_defaults_and_overrides(sls: Path) -> None:
    """Provider settings apply to every function; a function's own settings win."""
    functions = load_template(sls)
    assert functions.kind == "serverless"
    create = functions["create"].kwargs()
    assert (create["handler"], create["code_dir"]) == ("handlers/api.create", str(sls.parent))
    assert (create["runtime"], create["memory_size"], create["timeout"]) == (
        "python3.12", 512, 20)
    assert (create["architecture"], create["tracing"], create["region"]) == (
        "arm64", True, "eu-central-1")
    report = functions["report"].kwargs()
    assert (report["runtime"], report["memory_size"], report["timeout"]) == (
        "nodejs22.x", 2048, 6)
    assert report["architecture"] == "x86_64"


def test_serverless_yml_is_read_as_the_framework_reads_it(tmp_path: Path) -> None:
    """serverless.yml with js-yaml 4's rules (YAML 1.2 core): ``yes``/``off`` and ``12:30``
    stay text, ``010`` is ten (they became true, false, 750 and 8); a SAM template keeps YAML
    1.1's reading, as CloudFormation's."""
    sls = _write(tmp_path, "serverless.yml", """\
        service: flags
        provider:
          name: aws
          runtime: python3.12
        functions:
          report:
            handler: app.handler
            environment:
              ENABLE_CACHE: yes
              DEBUG_MODE: off
              DAILY_AT: 12:30
              RETRIES: 010
              RATE: 1.5
              ON: true
    """)
    environment = load_template(sls)["report"].kwargs()["environment"]
    assert {k: environment[k] for k in ("ENABLE_CACHE", "DEBUG_MODE", "DAILY_AT", "RETRIES",
                                        "RATE", "ON")} == {
        "ENABLE_CACHE": "yes", "DEBUG_MODE": "off", "DAILY_AT": "12:30", "RETRIES": "10",
        "RATE": "1.5", "ON": "true"}


def test_serverless_environment_given_as_one_variable(tmp_path: Path) -> None:
    """``environment: ${file(./env.yml):${self:provider.stage}}`` or ``${self:custom.x}``: the
    Framework resolves a whole section too. It was read as no environment at all (the
    function ran on its defaults, silently); a variable that gives no mapping is refused."""
    (tmp_path / "env.yml").write_text("dev:\n  TABLE: orders-dev\nprod:\n  TABLE: orders\n")
    sls = _write(tmp_path, "serverless.yml", """\
        service: orders
        provider:
          name: aws
          runtime: python3.12
          environment: ${file(./env.yml):${self:provider.stage}}
        custom:
          workerEnv:
            QUEUE: jobs-${sls:stage}
          notAMap: just text
        functions:
          api:
            handler: app.handler
          worker:
            handler: app.handler
            environment: ${self:custom.workerEnv}
          broken:
            handler: app.handler
            environment: ${self:custom.notAMap}
    """)
    template = load_template(sls)
    assert template["api"].kwargs()["environment"] == {"TABLE": "orders-dev"}
    assert template["worker"].kwargs()["environment"] == {"TABLE": "orders-dev",
                                                          "QUEUE": "jobs-dev"}
    with pytest.raises(TemplateError, match=r"serverless.yml: functions.broken.environment is "
                                            r"'just text', not a mapping of names to values"):
        template["broken"].kwargs()


def test_serverless_function_logs_override_the_providers(tmp_path: Path) -> None:
    """A function's ``logs`` override ``provider.logs.lambda`` key by key, and ``logGroup`` is
    the function's log group (both were ignored: the provider's level applied and logs went to
    /aws/lambda/<name>); a systemLogLevel above INFO is listed as not emulated."""
    from pytest_lambda.templates.app import Application

    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    sls = _write(tmp_path, "serverless.yml", """\
        service: logs
        provider:
          name: aws
          runtime: python3.12
          logs:
            lambda:
              logFormat: JSON
              applicationLogLevel: WARN
              logGroup: /shared/logs
        functions:
          quiet:
            handler: app.handler
          loud:
            handler: app.handler
            logs:
              applicationLogLevel: DEBUG
              systemLogLevel: WARN
              logGroup: /loud/logs
    """)
    template = load_template(sls)
    quiet, loud = template["quiet"].kwargs(), template["loud"].kwargs()
    assert (quiet["log_format"], quiet["log_level"], quiet["log_group"]) == (
        "JSON", "WARN", "/shared/logs")
    assert (loud["log_format"], loud["log_level"], loud["log_group"]) == (
        "JSON", "DEBUG", "/loud/logs")
    with Application(sls) as app:
        assert any(u.startswith("functions.loud.logs.systemLogLevel (not emulated")
                   for u in app.unsupported)
        assert app.function("loud").log_group.name == "/loud/logs"


@pytest.mark.parametrize("plugin", [False, True])
def test_serverless_reads_the_services_dotenv_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plugin: bool) -> None:
    """``useDotenv: true`` (always from v4 on): ``.env.<stage>``, else ``.env``, feeds
    ``${env:...}``, a variable already set winning; serverless-dotenv-plugin also gives the
    files' variables (its include list) to every function. Both files were ignored: the
    fallbacks applied and the function lacked the variables."""
    monkeypatch.setenv("REGION_NAME", "from-the-shell")
    monkeypatch.delenv("MODE", raising=False)
    (tmp_path / ".env").write_text(
        "# settings\nexport MODE=fast\nAPI_KEY='abc 123'\nREGION_NAME=from-file\n"
        "SECRET=\"line\\nbreak\"  \nUNUSED=1 # comment\n")
    (tmp_path / ".env.prod").write_text("MODE=careful\n")
    lines = ["service: dotenv", 'frameworkVersion: "3"', "useDotenv: true",
             "provider:", "  name: aws", "  runtime: python3.12", "  environment:",
             "    MODE: ${env:MODE, 'slow'}", "    REGION_NAME: ${env:REGION_NAME}",
             "functions:", "  api:", "    handler: app.handler"]
    if plugin:
        lines += ["plugins: [serverless-dotenv-plugin]",
                  "custom: {dotenv: {include: [API_KEY, SECRET]}}"]
    sls = _write(tmp_path, "serverless.yml", "\n".join(lines) + "\n")
    environment = load_template(sls)["api"].kwargs()["environment"]
    expected = {"MODE": "fast", "REGION_NAME": "from-the-shell"}
    if plugin:
        expected |= {"API_KEY": "abc 123", "SECRET": "line\nbreak"}
    assert {k: v for k, v in environment.items() if k in (*expected, "UNUSED")} == expected
    prod = load_template(sls, stage="prod")["api"].kwargs()["environment"]
    assert prod["MODE"] == "careful"


def test_an_unknown_function_points_at_nested_applications(tmp_path: Path) -> None:
    """A function of a nested application's local template is not the parent's: the error
    names the nested templates to point at instead of only "no function named"."""
    sam = _write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Reports:
            Type: AWS::Serverless::Application
            Properties: {Location: ./nested.yaml}
          Api:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: .}
    """)
    with pytest.raises(UnknownFunctionError, match=r"it defines: Api\. .* nested applications "
                                                   r"are not loaded with it: Reports "
                                                   r"\(\./nested\.yaml\)"):
        load_template(sam).function("Reporter")


def test_an_esbuild_function_before_sam_build_names_the_build(tmp_path: Path) -> None:
    """A Node.js function with ``BuildMethod: esbuild`` whose handler has no JavaScript file
    yet (TypeScript entry points): refused naming sam build and the built template, not left
    to the runtime's "Cannot find module 'app'" on every invocation."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.ts").write_text("export const handler = async () => 1;\n")
    sam = _write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.handler, Runtime: nodejs20.x, CodeUri: src/}
            Metadata:
              BuildMethod: esbuild
              BuildProperties: {EntryPoints: [app.ts]}
    """)
    with pytest.raises(TemplateError, match=r"Fn is built by sam build with esbuild .* no "
                                            r"app\.js .* \.aws-sam/build/template\.yaml"):
        load_template(sam).function("Fn").kwargs()
    (tmp_path / "src" / "app.js").write_text("exports.handler = async () => 1;\n")
    assert load_template(sam).function("Fn").kwargs()["handler"] == "app.handler"


def test_a_bucket_without_a_name_is_named_in_lowercase(tmp_path: Path) -> None:
    """``!Ref`` of an AWS::S3::Bucket without BucketName: the lowercase name the application
    creates (S3 takes no capitals); ``lambda_function`` gave the logical id, ``UploadBucket``,
    a name AWS refuses but moto accepted."""
    sam = _write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          UploadBucket: {Type: AWS::S3::Bucket}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              CodeUri: .
              Environment:
                Variables: {BUCKET: !Ref UploadBucket, ARN: !GetAtt UploadBucket.Arn}
    """)
    environment = load_template(sam).function("Fn").kwargs()["environment"]
    assert environment["BUCKET"] == "uploadbucket"
    assert environment["ARN"] == "arn:aws:s3:::uploadbucket"


def test_a_function_whose_condition_is_false_says_so(tmp_path: Path) -> None:
    """A function CloudFormation does not create (its Condition is false) is named as such,
    with the condition, the parameters it reads and the fix; it was "no function named"."""
    sam = _write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Env: {Type: String, Default: dev}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
        Resources:
          Report:
            Type: AWS::Serverless::Function
            Condition: IsProd
            Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: .}
    """)
    with pytest.raises(UnknownFunctionError, match=(
            r"template.yaml: Report is not created: its Condition 'IsProd' is false for the "
            r"parameters given \(Env=dev\).*lambda_parameter_overrides = Env=")):
        load_template(sam).function("Report")
    assert load_template(sam, parameter_overrides={"Env": "prod"}).function("Report")


def test_an_unreadable_dotenv_file_is_named(tmp_path: Path) -> None:
    """A .env the Framework would read but that is not UTF-8 text stops the load naming it
    (a UnicodeDecodeError escaped)."""
    (tmp_path / ".env").write_bytes(b"KEY=\xff\xfe\n")
    sls = _write(tmp_path, "serverless.yml", "service: s\nuseDotenv: true\n"
                 "provider: {name: aws, runtime: python3.12}\n"
                 "functions: {api: {handler: app.handler}}\n")
    with pytest.raises(TemplateError, match=r"\.env: the Framework reads this dotenv file"):
        load_template(sls)


def test_serverless_names_follow_service_stage_function(sls: Path) -> None:
    """Functions are named ``<service>-<stage>-<function>`` unless they set ``name``."""
    functions = load_template(sls)
    assert [f.function_name for f in functions.values()] == [
        "orders-dev-create", "nightly-report", "orders-dev-secret"]
    assert load_template(sls, stage="prod")["create"].function_name == "orders-prod-create"
    assert functions.function("nightly-report") is functions["report"]


def test_serverless_variables(sls: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """self:, sls:, opt:, env: and aws: variables resolve, nested and with fallbacks."""
    env = load_template(sls)["create"].kwargs()["environment"]
    assert env == {
        "TABLE": "override-orders-dev", "STAGE": "dev", "PICKED": "dev-table",
        "HOME_DIR": "/nowhere", "REGION_NAME": "eu-central-1",
        "QUEUE": "https://sqs.eu-central-1.amazonaws.com/123456789012/orders-dev-queue",
    }
    monkeypatch.setenv("PTL_TEMPLATE_HOME", "/home/app")
    env = load_template(sls, stage="prod", region="us-west-2")["report"].kwargs()[
        "environment"]
    assert (env["TABLE"], env["STAGE"], env["PICKED"]) == ("orders-prod", "prod", "prod-table")
    assert env["HOME_DIR"] == "/home/app"
    assert env["QUEUE"] == "https://sqs.us-west-2.amazonaws.com/123456789012/orders-prod-queue"


def test_serverless_unresolvable_variable(sls: Path) -> None:
    """A variable only AWS can answer fails its function and names the override."""
    functions = load_template(sls)
    with pytest.raises(TemplateError) as info:
        functions["secret"].kwargs()
    assert str(info.value) == (
        "serverless.yml: cannot resolve ${ssm:/orders/key} in functions.secret environment.KEY: "
        "ssm: variables are looked up in AWS or other files, which a test cannot read. "
        + _fix("ssm:/orders/key"))
    fixed = load_template(sls, parameter_overrides={"ssm:/orders/key": "k1"})
    assert fixed["secret"].kwargs()["environment"]["KEY"] == "k1"


def test_serverless_option_without_fallback(tmp_path: Path) -> None:
    """``${opt:x}`` with no value and no fallback is an error naming the variable."""
    path = _write(tmp_path, "serverless.yml", """\
        service: svc
        provider: {name: aws, runtime: python3.12}
        functions:
          f:
            handler: app.handler
            environment: {MODE: "${opt:mode}"}
        """)
    with pytest.raises(TemplateError) as info:
        load_template(path)["f"].kwargs()
    assert str(info.value) == (
        "serverless.yml: cannot resolve ${opt:mode} in functions.f environment.MODE: it has no "
        "value and no fallback. " + _fix("opt:mode"))
    kw = load_template(path, parameter_overrides={"opt:mode": "fast"})["f"].kwargs()
    assert kw["environment"] == {"MODE": "fast"}
    assert (kw["memory_size"], kw["timeout"], kw["name"]) == (1024, 6, "svc-dev-f")


@pytest.mark.parametrize(("function", "message"), [
    ("  f:\n    runtime: python3.12\n",
     "serverless.yml: functions.f has no handler; add handler: handler.main (file handler.py, "
     "function main)."),
    ("  f:\n    handler: app.handler\n",
     "serverless.yml: functions.f has no runtime; set provider.runtime or "
     "functions.f.runtime (e.g. python3.12)."),
    ("  f:\n    handler: app.handler\n    runtime: python3.12\n    package: {artifact: f.zip}\n",
     "serverless.yml: functions.f is deployed from the prebuilt artifact 'f.zip'; local code "
     "is needed. Remove package.artifact or pass code_dir= pointing at the unpacked code."),
])
def test_serverless_function_errors(tmp_path: Path, function: str, message: str) -> None:
    """A serverless function that cannot be built names the function and the fix."""
    path = _write(tmp_path, "serverless.yml", "service: svc\nprovider: {name: aws}\n"
                                              "functions:\n" + function)
    with pytest.raises(TemplateError) as info:
        load_template(path)["f"].kwargs()
    assert str(info.value) == message


def _invoke(path: Path, name: str, keys: list[str], **overrides: Any) -> dict[str, Any]:
    with function_from_template(path, name, **overrides) as fn:
        result = fn.invoke({"keys": keys})
    assert result.function_error is None, result.payload
    payload: dict[str, Any] = result.payload
    return payload


def test_invoke_sam_function(sam: Path) -> None:
    """Environment, timeout, memory and name from the template reach the running handler."""
    (sam.parent / "src" / "app.py").write_text(HANDLER)
    seen = _invoke(sam, "CreateOrder", ["TABLE", "TABLE_ARN", "LOG_LEVEL", "STAGE"],
                   region="eu-west-1")
    assert seen["env"] == {
        "TABLE": "test-orders", "LOG_LEVEL": "DEBUG", "STAGE": "test",
        "TABLE_ARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/test-orders"}
    assert (seen["function_name"], seen["memory"], seen["lambda_memory"]) == (
        "create-order", "256", "256")
    assert 19_000 < seen["remaining"] <= 20_000
    assert seen["region"] == "eu-west-1"


def test_invoke_serverless_function_with_overrides(sls: Path) -> None:
    """A serverless.yml handler path runs; keyword overrides and extra variables apply."""
    (sls.parent / "handlers" / "api.py").write_text(HANDLER)
    seen = _invoke(sls, "create", ["TABLE", "EXTRA"], timeout=5, memory_size=1024,
                   environment={"EXTRA": "1"})
    assert seen["env"] == {"TABLE": "override-orders-dev", "EXTRA": "1"}
    assert (seen["function_name"], seen["memory"]) == ("orders-dev-create", "1024")
    assert 4_000 < seen["remaining"] <= 5_000
    assert seen["region"] == "eu-central-1"


def test_serverless_file_variables_read_yaml_and_json(tmp_path: Path) -> None:
    """``${file(x)}`` loads a whole file and ``${file(x):a.b}`` a value in it, YAML or JSON."""
    (tmp_path / "config.yml").write_text("dev:\n  table: orders-${sls:stage}\n")
    (tmp_path / "limits.json").write_text('{"timeout": 7}')
    path = _write(tmp_path, "serverless.yml", """\
        service: svc
        custom: ${file(./config.yml)}
        provider:
          name: aws
          runtime: python3.12
          timeout: ${file(./limits.json):timeout}
        functions:
          api:
            handler: app.handler
            environment:
              TABLE: ${self:custom.dev.table}
              MODE: ${file(./config.yml):dev.mode, 'fast'}
        """)
    kw = load_template(path)["api"].kwargs()
    assert kw["timeout"] == 7
    assert kw["environment"] == {"TABLE": "orders-dev", "MODE": "fast"}
    with_override = load_template(path, parameter_overrides={"file(./limits.json):timeout": 9})
    assert with_override["api"].kwargs()["timeout"] == 9


def test_serverless_file_variables_read_other_files_as_text(tmp_path: Path) -> None:
    """A ``${file(x)}`` that is not YAML or JSON is its text, as is; ``.tfstate`` is JSON."""
    key = "-----BEGIN PUBLIC KEY-----\r\nMFkw\n-----END PUBLIC KEY-----\n"
    (tmp_path / "public_key").write_bytes(key.encode())
    (tmp_path / "notes.txt").write_text("a: 1\n")
    (tmp_path / "state.tfstate").write_text('{"outputs": {"url": {"value": "https://x"}}}')
    path = _write(tmp_path, "serverless.yml", """\
        service: svc
        provider:
          name: aws
          runtime: python3.12
        functions:
          api:
            handler: app.handler
            environment:
              PEM: ${file(./public_key)}
              NOTES: prefix-${file(./notes.txt)}
              URL: ${file(./state.tfstate):outputs.url.value}
              MODE: ${file(./notes.txt):a, 'text has no keys'}
        """)
    assert load_template(path)["api"].kwargs()["environment"] == {
        "PEM": key, "NOTES": "prefix-a: 1\n", "URL": "https://x", "MODE": "text has no keys"}


def test_serverless_missing_file_variables_use_their_fallbacks(tmp_path: Path) -> None:
    """A missing file is null, as in the Framework, so the variable's next fallback is used."""
    (tmp_path / "config.yml").write_text("mode: shared\n")
    path = _write(tmp_path, "serverless.yml", """\
        service: svc
        provider:
          name: aws
          runtime: python3.12
        functions:
          api:
            handler: app.handler
            environment:
              MODE: ${file(./config.${sls:stage}.yml):mode, file(./config.yml):mode}
              NAME: ${file(./missing.yml), 'default'}
              CODE: ${file(./missing.js):x, env:NO_SUCH_VARIABLE_X, 'js'}
        """)
    assert load_template(path)["api"].kwargs()["environment"] == {
        "MODE": "shared", "NAME": "default", "CODE": "js"}


@pytest.mark.parametrize(("reference", "why"), [
    ("${file(./missing.yml)}", "missing.yml does not exist. Give the value locally"),
    ("${file(./config.yml):nope}", "config.yml has no value at nope. Give the value"),
    ("${file(./config.js):x}", "config.js is JavaScript, which the Serverless Framework runs"),
    ("${file(./key.pem):a.b}", "key.pem is read as plain text (only .yml, .yaml, .json and "
                               ".tfstate files have addresses), so it has no value at a.b"),
    ("${file(./a.yml):x, file(./config.yml):x}",
     "a.yml does not exist; ./config.yml has no value at x, and no fallback has a value"),
    ("${file(./bad.json)}", "bad.json is not valid JSON"),
])
def test_serverless_file_variables_that_cannot_resolve(tmp_path: Path, reference: str,
                                                       why: str) -> None:
    """A file variable with no value fails naming the variable and why, not as literal text."""
    (tmp_path / "config.yml").write_text("a: 1\n")
    (tmp_path / "config.js").write_text("module.exports = {x: 1}\n")
    (tmp_path / "key.pem").write_text("-----BEGIN-----\n")
    (tmp_path / "bad.json").write_text("{nope")
    path = _write(tmp_path, "serverless.yml", f"""\
        service: svc
        provider:
          name: aws
          runtime: python3.12
        functions:
          api:
            handler: app.handler
            environment:
              VALUE: {reference}
        """)
    with pytest.raises(TemplateError) as info:
        load_template(path)["api"].kwargs()
    assert reference in str(info.value) and why in str(info.value)


def test_async_invocation_settings_from_sam_and_serverless(tmp_path: Path) -> None:
    """EventInvokeConfig / DeadLetterQueue / ReservedConcurrentExecutions (SAM) and
    maximumRetryAttempts / destinations / onError / reservedConcurrency (serverless.yml)."""
    sam = _write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
              CodeUri: .
              ReservedConcurrentExecutions: 5
              DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
              EventInvokeConfig:
                MaximumRetryAttempts: 1
                MaximumEventAgeInSeconds: 600
                DestinationConfig:
                  OnFailure: {Type: SQS, Destination: !GetAtt Dlq.Arn}
          Dlq: {Type: AWS::SQS::Queue}
        """)
    kw = load_template(sam)["Fn"].kwargs()
    dlq = "arn:aws:sqs:us-east-1:123456789012:Dlq"
    assert (kw["maximum_retry_attempts"], kw["maximum_event_age_in_seconds"]) == (1, 600)
    assert kw["destination_config"] == {"OnFailure": {"Destination": dlq}}
    assert kw["dead_letter_config"] == {"TargetArn": dlq}
    assert kw["reserved_concurrent_executions"] == 5
    sls = _write(tmp_path, "serverless.yml", """\
        service: s
        provider: {name: aws, runtime: python3.12}
        functions:
          f:
            handler: app.handler
            maximumRetryAttempts: 0
            maximumEventAge: 120
            reservedConcurrency: 2
            onError: arn:aws:sns:us-east-1:123456789012:errors
            destinations:
              onSuccess: arn:aws:sqs:us-east-1:123456789012:ok
              onFailure: {arn: arn:aws:sqs:us-east-1:123456789012:ko, type: sqs}
        """)
    kw = load_template(sls)["f"].kwargs()
    assert (kw["maximum_retry_attempts"], kw["maximum_event_age_in_seconds"],
            kw["reserved_concurrent_executions"]) == (0, 120, 2)
    assert kw["dead_letter_config"] == {"TargetArn": "arn:aws:sns:us-east-1:123456789012:errors"}
    assert kw["destination_config"] == {
        "OnSuccess": {"Destination": "arn:aws:sqs:us-east-1:123456789012:ok"},
        "OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:ko"}}
    # A function of the service by its key is that function's ARN (the Framework's example).
    by_name = _write(tmp_path, "serverless.yml", """\
        service: s
        provider: {name: aws, runtime: python3.12, stage: qa}
        functions:
          f: {handler: app.handler, destinations: {onSuccess: g, onFailure: named}}
          g: {handler: app.handler}
          named: {handler: app.handler, name: custom-name}
        """)
    assert load_template(by_name)["f"].kwargs()["destination_config"] == {
        "OnSuccess": {"Destination": "arn:aws:lambda:us-east-1:123456789012:function:s-qa-g"},
        "OnFailure": {
            "Destination": "arn:aws:lambda:us-east-1:123456789012:function:custom-name"}}


def test_sam_referenceable_properties_and_api_ids(tmp_path: Path) -> None:
    """``!Ref MyApi.Stage`` / ``${MyApi.Stage}`` give the stage SAM creates, ``!Ref MyApi`` the
    API id its events carry, ``!Ref Fn.Alias`` the AutoPublishAlias ARN (SAM docs,
    "Referenceable properties"); unknown properties still fail naming the reference."""
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  RestApi:\n    Type: AWS::Serverless::Api\n    Properties: {StageName: s1}\n"
        "  Http:\n    Type: AWS::Serverless::HttpApi\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      AutoPublishAlias: live\n"
        "      Environment:\n        Variables:\n"
        "          STAGE: !Ref RestApi.Stage\n"
        "          HTTP_STAGE: !Ref Http.Stage\n"
        "          URL: !Sub 'https://${RestApi}.execute-api.${AWS::Region}.amazonaws.com/"
        "${RestApi.Stage}'\n"
        "          ALIAS: !Ref Fn.Alias\n"
        "  Bad:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      Environment: {Variables: {X: !Ref RestApi.Nothing}}\n")
    from pytest_lambda.templates.routes import api_id

    template = load_template(tmp_path / "template.yaml")
    env = template["Fn"].kwargs()["environment"]
    assert env["STAGE"] == "s1" and env["HTTP_STAGE"] == "$default"
    assert env["URL"] == f"https://{api_id('RestApi')}.execute-api.us-east-1.amazonaws.com/s1"
    assert env["ALIAS"] == "arn:aws:lambda:us-east-1:123456789012:function:Fn:live"
    with pytest.raises(TemplateError, match=r"Ref RestApi.Nothing"):
        template["Bad"].kwargs()


def test_code_uri_may_be_one_file_or_a_zip(tmp_path: Path) -> None:
    """A CodeUri naming one file is packaged alone (sam deploy zips it); a .zip is used as
    it is. The function's task root holds just that code."""
    import zipfile

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "function.py").write_text(
        "import os\ndef handler(e, c):\n"
        "    return sorted(os.listdir(os.environ['LAMBDA_TASK_ROOT']))\n")
    (tmp_path / "src" / "other.py").write_text("X = 1\n")
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        archive.writestr("pkg/__init__.py", "")
        archive.writestr("pkg/app.py", "def handler(e, c):\n    return 'zipped'\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function: {Runtime: python3.12}\n"
        "Resources:\n"
        "  One:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/function.py, Handler: function.handler}\n"
        "  Zipped:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: bundle.zip, Handler: pkg/app.handler}\n")
    from pytest_lambda import LambdaFunction

    template = load_template(tmp_path / "template.yaml")
    with LambdaFunction(**template["One"].kwargs()) as one, \
            LambdaFunction(**template["Zipped"].kwargs()) as zipped:
        assert one.invoke({}).raise_for_error().payload == ["function.py"]
        assert zipped.invoke({}).raise_for_error().payload == "zipped"
    assert load_template(tmp_path / "template.yaml")["One"].kwargs()["code_dir"] == \
        template["One"].kwargs()["code_dir"]


def test_libyaml_reads_templates_as_the_python_parser_does(tmp_path: Path) -> None:
    """Templates are parsed with libyaml when PyYAML has it: every example's template, and one
    with every short-form tag, anchors and YAML 1.1 scalars, reads the same as with the
    pure-Python parser; a syntax error still names the line."""
    yaml = pytest.importorskip("yaml")
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    from pytest_lambda.templates import yamlfile

    root = Path(__file__).resolve().parents[2] / "examples"
    tags = _write(tmp_path, "template.yaml", """\
        Parameters: {Stage: {Type: String, Default: dev}}
        Globals: &globals {Function: {Timeout: 0x1e, MemorySize: 1_024}}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: !Sub "${Stage}.handler"
              Role: !GetAtt Role.Arn
              Layers: [!Ref Layer, !ImportValue shared-layer]
              Environment: {Variables: {A: !Join [",", [a, b]], B: !Select [0, !Split [",", "x,y"]],
                                        C: yes, D: ~, E: 2001-12-14, F: 1e3, G: !Base64 x}}
              Tags: *globals
            Condition: !Equals [!Ref Stage, prod]
        """)
    paths = [tags, *sorted(root.glob("*/template.yaml")), *sorted(root.glob("*/serverless.yml"))]
    assert len(paths) > 5
    for path in paths:
        fast = yamlfile.read_yaml(path)
        slow = yaml.load(path.read_text(), Loader=yamlfile._loader(yaml.SafeLoader))
        assert fast == slow, path
    bad = _write(tmp_path, "bad.yaml", "Resources:\n  Fn: [a, b: c\n")
    with pytest.raises(TemplateError, match=r"bad.yaml, line \d+, column \d+: invalid YAML"):
        yamlfile.read_yaml(bad)


def test_serverless_generated_function_ids_resolve(tmp_path: Path) -> None:
    """``!GetAtt <Key>LambdaFunction.Arn`` / ``!Ref <Key>LambdaFunction`` name the Framework's
    function resources (``-`` as Dash, ``_`` as Underscore, the first letter upper-case)."""
    sls = _write(tmp_path, "serverless.yml", """\
        service: s
        provider: {name: aws, runtime: python3.12}
        functions:
          send-mail_now: {handler: app.handler}
          reader:
            handler: app.handler
            environment:
              TARGET: !GetAtt SendDashmailUnderscorenowLambdaFunction.Arn
              NAME: !Ref SendDashmailUnderscorenowLambdaFunction
        """)
    env = load_template(sls)["reader"].kwargs()["environment"]
    assert env == {
        "TARGET": "arn:aws:lambda:us-east-1:123456789012:function:s-dev-send-mail_now",
        "NAME": "s-dev-send-mail_now"}


def test_a_serverless_function_without_code_uri_takes_its_asset_path(tmp_path: Path) -> None:
    """No CodeUri but ``Metadata: aws:asset:path``: that folder, as ``sam local`` reads it
    (the folder of the template was taken, and the handler not found)."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "app.py").write_text("def handler(e, c):\n    return 'there'\n")
    path = _write(tmp_path, "template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              Runtime: python3.12
            Metadata:
              aws:asset:path: ./elsewhere
        """)
    assert Path(load_template(path)["Fn"].kwargs()["code_dir"]) == tmp_path / "elsewhere"
