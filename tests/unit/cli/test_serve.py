"""``pytest-lambda serve``: a real loopback HTTP server in front of a template's APIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pytest_lambda import cli

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.hello
      Runtime: RUNTIME
      CodeUri: .
      Events:
        Get: {Type: HttpApi, Properties: {Path: "/hello/{name}", Method: GET}}
        Login: {Type: HttpApi, Properties: {Path: "/login", Method: POST}}
        Both: {Type: HttpApi, Properties: {Path: "/both", Method: GET}}
        Rest: {Type: Api, Properties: {Path: "/both", Method: GET}}
"""


def test_serve_answers_real_http_requests(tmp_path: Path) -> None:
    """A real HTTP client reaches the function through the server; its log is printed. SIGTERM
    stops it as Ctrl-C does: its functions' /tmp folders are removed (they were left behind)."""
    pytest.importorskip("moto")
    temp = tmp_path / "temp"
    temp.mkdir()
    (tmp_path / "app.py").write_text(
        "def hello(event, context):\n    print('serving', event['rawPath'])\n"
        "    if event['rawPath'] == '/login':\n"
        "        return {'statusCode': 200, 'cookies': ['session=alice'], 'body': 'in'}\n"
        "    return {'hello': event['pathParameters']['name'],"
        " 'cookies': event.get('cookies', [])}\n")
    (tmp_path / "template.yaml").write_text(
        TEMPLATE.replace("RUNTIME", f"python3.{sys.version_info.minor}"))
    server = subprocess.Popen(
        [sys.executable, "-m", "pytest_lambda.cli", "serve", "--template",
         str(tmp_path / "template.yaml"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(temp)})
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("Serving "), first + (server.stderr.read() if server.stderr
                                                      else "")
        base = first.split(" on ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(f"{base}/hello/world", timeout=60) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
            assert json.loads(response.read()) == {"hello": "world", "cookies": []}
        # One client's cookie is not sent on another client's request (no shared jar).
        login = urllib.request.Request(f"{base}/login", data=b"", method="POST")
        with urllib.request.urlopen(login, timeout=60) as response:
            assert response.headers["Set-Cookie"] == "session=alice"
        with urllib.request.urlopen(f"{base}/hello/bob", timeout=60) as response:
            assert json.loads(response.read()) == {"hello": "bob", "cookies": []}
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/nothing", timeout=60)
        assert missing.value.code == 404
        assert json.loads(missing.value.read()) == {"message": "Not Found"}
        # Two APIs route /both: which one a request means is not known without --api.
        with pytest.raises(urllib.error.HTTPError) as misdirected:
            urllib.request.urlopen(f"{base}/both", timeout=60)
        assert misdirected.value.code == 421
        message = json.loads(misdirected.value.read())["message"]
        assert message.startswith("GET /both matches routes of 2 APIs: ServerlessHttpApi")
        assert message.endswith("Here: serve one API with --api NAME.")
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    assert "serving /hello/world" in err and "REPORT RequestId: " in err
    assert server.returncode == 0, err
    assert list(temp.iterdir()) == []


def test_serve_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    """The server is for local use: a public address is a usage error."""
    assert cli.main(["serve", "--template", str(tmp_path / "t.yaml"), "--host",
                     "0.0.0.0"]) == 2
    assert "is not a loopback address" in capsys.readouterr().err


def test_serve_refuses_a_port_out_of_range_and_an_unknown_api(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A bad --port or --api is a usage error (exit 2, one line), not an OverflowError or a
    KeyError traceback."""
    assert cli.main(["serve", "--template", str(tmp_path / "t.yaml"), "--port", "99999"]) == 2
    assert "--port 99999 is not a port: use 0-65535" in capsys.readouterr().err
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return {'statusCode': 200}\n")
    (tmp_path / "t.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n"
        "      Handler: app.handler\n      Runtime: python3.12\n      Events:\n"
        "        Get: {Type: HttpApi, Properties: {Path: /, Method: get}}\n")
    assert cli.main(["serve", "--template", str(tmp_path / "t.yaml"), "--api", "Nope"]) == 2
    assert "--api 'Nope': no API 'Nope'" in capsys.readouterr().err


@pytest.mark.parametrize(("setup", "argv", "message"), [
    ("[]", ["--report", "REPORT"], "is not a --lambda-report file"),
    ("{}", ["--report", "REPORT"], "is not a --lambda-report file"),
    ("{", ["--report", "REPORT"], "is not JSON"),
    (None, ["--template", "MISSING/t.yaml"], "t.yaml does not exist"),
    (None, ["--template", "T", "--fail-under", "80", "--data-file", "MISSING/.coverage"],
     "/.coverage' does not exist"),
    (None, ["--template", "T", "--rcfile", "MISSING/.coveragerc"],
     "/.coveragerc' does not exist"),
    ("not a database", ["--template", "T", "--fail-under", "80", "--data-file", "REPORT"],
     "--data-file"),
])
def test_coverage_usage_errors_exit_2_with_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, setup: str | None,
        argv: list[str], message: str) -> None:
    """Bad files given to ``pytest-lambda coverage`` are usage errors naming the option (a
    list report, a missing template or data file and a data file that is no coverage data
    were tracebacks; a missing --rcfile was ignored)."""
    report = tmp_path / "r.json"
    if setup is not None:
        report.write_text(setup)
    (tmp_path / "app.py").write_text("def handler(e, c):\n    return 1\n")
    template = tmp_path / "t.yaml"
    template.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                        "    Type: AWS::Serverless::Function\n    Properties:\n"
                        "      CodeUri: .\n      Handler: app.handler\n"
                        "      Runtime: python3.12\n")
    argv = [str(report) if a == "REPORT" else str(template) if a == "T"
            else a.replace("MISSING", str(tmp_path / "missing")) for a in argv]
    assert cli.main(["coverage", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pytest-lambda coverage: error: ") and message in err, err
