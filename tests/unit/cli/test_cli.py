"""The pytest-lambda CLI: generate-event end to end through main(argv) and a subprocess."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_lambda import cli
from pytest_lambda.events._catalog import CATALOG

RUNTIME = f"python3.{sys.version_info.minor}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_services(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a service the command lists every service."""
    code, out, _ = run(capsys, "generate-event")
    assert code == 0
    assert {"s3", "sqs", "apigateway", "dynamodb", "cognito"} <= set(out.split())


def test_lists_events_of_a_service(capsys: pytest.CaptureFixture[str]) -> None:
    """With only a service the command lists that service's events."""
    code, out, _ = run(capsys, "generate-event", "s3")
    assert code == 0 and "put" in out.split() and "delete" in out.split()


@pytest.mark.parametrize("entry", CATALOG, ids=[f"{e.service} {e.event}" for e in CATALOG])
def test_every_catalog_entry_prints_json(capsys: pytest.CaptureFixture[str], entry: object) -> None:
    """Every listed SERVICE EVENT prints a JSON event and exits 0."""
    code, out, err = run(capsys, "generate-event", entry.service, entry.event, "--seed", "1")  # type: ignore[attr-defined]
    assert code == 0, err
    assert json.loads(out)


def test_fields_override_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    """--field value pairs reach the factory, with JSON values parsed and str fields kept."""
    code, out, _ = run(
        capsys, "generate-event", "s3", "put", "--bucket", "photos", "--key", "123", "--size=99",
        "--region", "eu-west-1",
    )  # fmt: skip
    record = json.loads(out)["Records"][0]
    assert code == 0
    assert record["s3"]["bucket"]["name"] == "photos"
    assert record["s3"]["object"] == {**record["s3"]["object"], "key": "123", "size": 99}
    assert record["awsRegion"] == "eu-west-1"


def test_seed_makes_output_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    """The same --seed prints the same event twice."""
    first = run(capsys, "generate-event", "sqs", "receive-message", "--seed", "5")[1]
    assert first == run(capsys, "generate-event", "sqs", "receive-message", "--seed", "5")[1]


def test_unknown_event_lists_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown event name fails with exit 2 and lists the valid names."""
    code, _, err = run(capsys, "generate-event", "s3", "upload")
    assert code == 2
    assert "unknown event 'upload'" in err and "put" in err and "multipart-upload" in err


def test_unknown_service_lists_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown service fails with exit 2 and lists the services."""
    code, _, err = run(capsys, "generate-event", "s4")
    assert code == 2 and "sqs" in err


def test_bad_value_reports_argument(capsys: pytest.CaptureFixture[str]) -> None:
    """A value AWS could not send fails with the factory's message."""
    code, _, err = run(capsys, "generate-event", "apigateway", "aws-proxy", "--method", "FETCH")
    assert code == 2 and "method='FETCH'" in err


def test_unknown_field_lists_fields(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown --field fails and lists the event's fields."""
    code, _, err = run(capsys, "generate-event", "sns", "notification", "--topc", "x")
    assert code == 2 and "--topic" in err


def test_fields_option_lists_fields(capsys: pytest.CaptureFixture[str]) -> None:
    """--fields prints the event's field options."""
    code, out, _ = run(capsys, "generate-event", "sqs", "receive-message", "--fields")
    assert code == 0 and "--body" in out.split()


def test_fields_show_type_and_default(capsys: pytest.CaptureFixture[str]) -> None:
    """--fields shows each field's type and the default this event uses (fixed ones too)."""
    code, out, _ = run(capsys, "generate-event", "s3", "put", "--fields")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert code == 0
    assert lines["--bucket"] == '--bucket  str  (default: "my-bucket")'
    assert lines["--size"] == "--size  int  (default: 1024)"
    _, out, _ = run(capsys, "generate-event", "kinesis", "get-records", "--fields")
    assert "--partition-key" not in out  # kinesis_record forwards it; only its own fields listed
    assert "--data  str | bytes | dict[str, Any] | list[Any]  (default: " in out


def test_count_builds_an_sqs_batch(capsys: pytest.CaptureFixture[str]) -> None:
    """sqs receive-message --count N prints one event with N records carrying the body."""
    code, out, _ = run(
        capsys, "generate-event", "sqs", "receive-message", "--count", "3", "--body", "hi",
        "--seed", "1",
    )  # fmt: skip
    records = json.loads(out)["Records"]
    assert code == 0 and [r["body"] for r in records] == ["hi"] * 3
    assert len({r["messageId"] for r in records}) == 3


def test_count_with_fifo_queue(capsys: pytest.CaptureFixture[str]) -> None:
    """--count combines with other fields (a FIFO batch with increasing sequence numbers)."""
    code, out, _ = run(
        capsys, "generate-event", "sqs", "receive-message", "--count", "4", "--fifo", "true",
    )  # fmt: skip
    numbers = [int(r["attributes"]["SequenceNumber"]) for r in json.loads(out)["Records"]]
    assert code == 0 and numbers == sorted(numbers) and len(numbers) == 4


def test_count_is_refused_where_no_batch_exists(capsys: pytest.CaptureFixture[str]) -> None:
    """--count on an event without a batch form, or below 1, is a usage error naming the option."""
    code, _, err = run(capsys, "generate-event", "s3", "put", "--count", "2")
    assert code == 2 and "--count works only for" in err and "sqs receive-message" in err
    code, _, err = run(capsys, "generate-event", "sqs", "receive-message", "--count", "0")
    assert code == 2 and "--count 0" in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a subcommand the CLI prints help and exits 2."""
    code, out, _ = run(capsys)
    assert code == 2 and "generate-event" in out


def test_subcommand_table_is_extensible() -> None:
    """Subcommands come from a (name, register) table so others can add one line."""
    names = [name for name, _ in cli.SUBCOMMANDS]
    assert names[0] == "generate-event"
    assert callable(cli.lazy("json", "dumps"))


def test_subprocess_entry_point() -> None:
    """The module runs as a program and prints a valid event."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_lambda.cli",
            "generate-event",
            "kinesis",
            "get-records",
            "--seed",
            "2",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["Records"][0]["eventSource"] == "aws:kinesis"


def test_invoke_subcommand_prints_payload_and_log(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """``pytest-lambda invoke`` runs the handler once and prints its response and log."""
    (tmp_path / "app.py").write_text("def handler(e, c):\n    print('hi')\n"
                                     "    return {'got': e}\n")
    event = tmp_path / "event.json"
    event.write_text('{"x": 1}')
    code = cli.main(["invoke", "app.handler", "--code-dir", str(tmp_path), "--event", str(event),
                 "--log", "--env", "STAGE=test"])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == {"got": {"x": 1}}
    assert "hi" in err and "REPORT RequestId: " in err


def test_invoke_subcommand_reports_function_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A failing handler exits 1 and prints the runtime's error object."""
    (tmp_path / "bad.py").write_text("def handler(e, c):\n    raise ValueError('no')\n")
    assert cli.main(["invoke", "bad.handler", "--code-dir", str(tmp_path)]) == 1
    assert json.loads(capsys.readouterr().out)["errorType"] == "ValueError"


def test_invoke_subcommand_bad_config_is_usage_error(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid setting exits 2 with Lambda's validation message."""
    assert cli.main(["invoke", "app.handler", "--code-dir", str(tmp_path), "--memory", "5"]) == 2
    assert "at 'memorySize' failed to satisfy constraint" in capsys.readouterr().err


@pytest.mark.parametrize(("setup", "argv", "message"), [
    (None, ["--event", "missing.json"],
     "--event 'missing.json' cannot be read: No such file or directory"),
    (b"\xff\xfe{}", ["--event", "EVENT"], "is not UTF-8 text (byte 0: invalid start byte)"),
    (b"{nope", ["--event", "EVENT"], "is not JSON (Expecting property name"),
    (b'{"x": NaN}', ["--event", "EVENT"], "NaN and Infinity are not valid JSON"),
    (None, ["--env", "NOEQUALS"], "--env 'NOEQUALS' must be KEY=VALUE"),
    (None, ["--unknown-flag"], "unexpected arguments ['--unknown-flag']"),
    (None, ["--allow-host", "http://x.com/"], "--allow-host 'http://x.com/' has an invalid port"),
])
def test_invoke_usage_errors_exit_2_with_a_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        setup: bytes | None, argv: list[str], message: str) -> None:
    """Every usage error of ``invoke`` exits 2 with one message line, never a traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return e\n")
    if setup is not None:
        (tmp_path / "event.json").write_bytes(setup)
    argv = [str(tmp_path / "event.json") if a == "EVENT" else a for a in argv]
    assert cli.main(["invoke", "app.handler", "--isolation", "in-process", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pytest-lambda invoke: error: ") and message in err, err


def test_invoke_reports_a_handler_that_calls_os_exit(tmp_path: Path) -> None:
    """A handler calling os._exit(3) is reported as Runtime.ExitError, exit status 1."""
    (tmp_path / "app.py").write_text("import os\ndef handler(e, c):\n    os._exit(3)\n")
    out = subprocess.run(
        [sys.executable, "-m", "pytest_lambda.cli", "invoke", "app.handler", "--code-dir",
         str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    payload = json.loads(out.stdout)
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_invoke_a_template_function_with_command_line_overrides(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --template, HANDLER names a template function; its settings apply, options win."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os\ndef handler(e, c):\n"
        "    return [os.environ['TABLE'], os.environ['MODE'], c.memory_limit_in_mb,"
        " c.function_name, round(c.get_remaining_time_in_millis() / 1000)]\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Orders:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      MemorySize: 512\n      Timeout: 20\n"
        "      Environment:\n        Variables:\n          TABLE: !Ref Table\n"
        "          MODE: slow\n"
        "  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: orders\n")
    code = cli.main(["invoke", "Orders", "--template", str(tmp_path / "template.yaml"),
                     "--timeout", "5", "--env", "MODE=fast", "--isolation", "in-process"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out) == ["orders", "fast", "512", "Orders", 5]


def test_invoke_template_errors_are_usage_errors(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown template function exits 2 naming the functions the template defines."""
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Handler: app.handler\n      Code: .\n")
    assert cli.main(["invoke", "Nope", "--template", str(tmp_path / "template.yaml")]) == 2
    assert "no function named 'Nope'" in capsys.readouterr().err


def test_invoke_template_parameter_overrides(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """--parameter-override gives a parameter without Default and maps a published layer ARN
    to a local folder, as ini lambda_parameter_overrides does for the plugin."""
    layer_arn = "arn:aws:lambda:us-east-1:123456789012:layer:shared:3"
    (tmp_path / "layer" / "python").mkdir(parents=True)
    (tmp_path / "layer" / "python" / "shared.py").write_text("WHO = 'layer'\n")
    (tmp_path / "app.py").write_text(
        "import os, shared\ndef handler(e, c):\n    return [os.environ['TABLE'], shared.WHO]\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  TableName: {Type: String}\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: .\n      Handler: app.handler\n      Runtime: {RUNTIME}\n"
        f"      Layers: [{layer_arn}]\n"
        "      Environment: {Variables: {TABLE: !Ref TableName}}\n")
    template = str(tmp_path / "template.yaml")
    assert cli.main(["invoke", "Fn", "--template", template]) == 2
    assert "TableName" in capsys.readouterr().err
    code = cli.main(["invoke", "Fn", "--template", template, "--isolation", "in-process",
                     "--parameter-override", "TableName=orders",
                     "--parameter-override", f"{layer_arn}={tmp_path / 'layer'}"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out) == ["orders", "layer"]
    assert cli.main(["invoke", "Fn", "--template", template,
                     "--parameter-override", "TableName"]) == 2
    assert "--parameter-override 'TableName' is not KEY=VALUE" in capsys.readouterr().err
    assert cli.main(["invoke", "app.handler", "--parameter-override", "A=b"]) == 2
    assert "pass --template too" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node on PATH")
def test_invoke_a_node_handler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Node.js runtime runs index.handler in the node worker."""
    (tmp_path / "index.mjs").write_text(
        "export const handler = async (event) => ({node: true, got: event});\n")
    code = cli.main(["invoke", "index.handler", "--code-dir", str(tmp_path), "--runtime",
                     "nodejs22.x"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out) == {"node": True, "got": {}}


def test_invoke_under_moto(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--aws runs the handler against moto: its boto3 calls reach an empty mocked account."""
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(e, c):\n    s3 = boto3.client('s3')\n"
        "    s3.create_bucket(Bucket='made-here')\n"
        "    return [b['Name'] for b in s3.list_buckets()['Buckets']]\n")
    # The cold start imports boto3: not bounded by the default 3 s on a loaded machine.
    code = cli.main(["invoke", "app.handler", "--code-dir", str(tmp_path), "--aws",
                     "--timeout", "60"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out) == ["made-here"]
    assert cli.main(["invoke", "app.handler", "--code-dir", str(tmp_path), "--aws",
                     "--isolation", "process"]) == 2
    assert "drop --isolation process" in capsys.readouterr().err


def test_invoke_allow_host_reaches_the_function(tmp_path: Path) -> None:
    """--allow-host (repeatable) becomes the function's network allow-list."""
    from pytest_lambda.cli.invoke import _settings, register

    parser = argparse.ArgumentParser()
    register(parser)
    args = parser.parse_args(["app.handler", "--allow-host", "db.internal",
                              "--allow-host", "10.0.0.0/8"])
    handler, kwargs = _settings(args)
    assert handler == "app.handler"
    assert kwargs["network_allow"] == ["db.internal", "10.0.0.0/8"]
    assert (kwargs["isolation"], kwargs["code_dir"]) == ("process", ".")
def test_invoke_runtime_runs_on_that_python_or_notes_why_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--runtime`` picks the worker's Python version; in-process a mismatch is a note."""
    from pytest_lambda.runtime import interpreter

    other = "python3.12" if sys.version_info[:2] != (3, 12) else "python3.13"
    (tmp_path / "app.py").write_text(
        "import sys\ndef handler(event, context):\n    return list(sys.version_info[:2])\n")
    code, out, err = run(capsys, "invoke", "app.handler", "--code-dir", str(tmp_path),
                         "--runtime", other, "--isolation", "in-process")
    assert code == 0 and json.loads(out) == list(sys.version_info[:2])
    assert err.startswith(f"pytest-lambda invoke: note: {other} functions ran on Python ")
    found = interpreter.find(other)
    if found is None or found.is_current:
        pytest.skip(f"no {other} interpreter is installed")
    code, out, err = run(capsys, "invoke", "app.handler", "--code-dir", str(tmp_path),
                         "--runtime", other)
    assert (code, json.loads(out), err) == (0, list(found.version[:2]), "")


def test_a_reader_that_goes_away_is_not_a_traceback() -> None:
    """``pytest-lambda generate-event ... | head``: no BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest_lambda.cli", "generate-event", "sqs", "receive-message",
         "--count", "10000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


@pytest.mark.parametrize("node", ["missing", "bad-variable"])
def test_invoking_a_node_function_without_node_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        node: str) -> None:
    """No ``node`` on PATH, or PYTEST_LAMBDA_NODE naming no executable: one line naming what
    to do and exit status 2 (a usage error), not a traceback."""
    (tmp_path / "index.js").write_text("exports.handler = async () => 1;\n")
    if node == "missing":
        monkeypatch.delenv("PYTEST_LAMBDA_NODE", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
        expected = "no `node` executable is on PATH"
    else:
        monkeypatch.setenv("PYTEST_LAMBDA_NODE", str(tmp_path / "no-node"))
        expected = "PYTEST_LAMBDA_NODE="
    code = cli.main(["invoke", "index.handler", "--code-dir", str(tmp_path), "--runtime",
                     "nodejs22.x"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("pytest-lambda invoke: error: ") and expected in err
    assert "Traceback" not in err and err.count("\n") == 1
