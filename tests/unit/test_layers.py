"""Layers: local folders on the module path after the code, with Lambda's limits."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.errors import InvalidParameterValueException
from pytest_lambda.layers import UNZIPPED_LIMIT
from pytest_lambda.template import TemplateError, load_template

RUNTIME = f"python3.{sys.version_info.minor}"
HANDLER = """
import sys
import common, only_one, only_two

def handler(event, context):
    return {"path": sys.path[:4], "common": common.VALUE, "one": only_one.VALUE,
            "two": only_two.VALUE}
"""


def _layers(tmp_path: Path) -> tuple[Path, Path, Path]:
    code, one, two = tmp_path / "code", tmp_path / "one", tmp_path / "two"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    (one / "python").mkdir(parents=True)
    (one / "python" / "common.py").write_text("VALUE = 'one'\n")
    (one / "python" / "only_one.py").write_text("VALUE = 1\n")
    site = two / "python" / "lib" / RUNTIME / "site-packages"
    site.mkdir(parents=True)
    (site / "common.py").write_text("VALUE = 'two'\n")
    (site / "only_two.py").write_text("VALUE = 2\n")
    return code, one, two


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_layers_follow_the_code_on_the_path(tmp_path: Path, isolation: str) -> None:
    """python/lib/python3.X/site-packages, then python/, after the code; later layers win."""
    code, one, two = _layers(tmp_path)
    with LambdaFunction("app.handler", code_dir=code, runtime=RUNTIME, isolation=isolation,
                        layers=[one, two]) as fn:
        r = fn.invoke({})
    assert r.payload == {
        "path": [str(code), str(two / "python" / "lib" / RUNTIME / "site-packages"),
                 str(two / "python"), str(one / "python")],
        "common": "two", "one": 1, "two": 2}


def test_without_the_layer_its_modules_are_missing(tmp_path: Path) -> None:
    """The layer's modules come from the layer: without it, Init fails to import them."""
    code, one, _ = _layers(tmp_path)
    r = LambdaFunction("app.handler", code_dir=code, layers=[one]).invoke({})
    assert r.error is not None
    assert r.error["errorMessage"] == "Unable to import module 'app': No module named 'only_two'"


def test_more_than_five_layers_is_refused(tmp_path: Path) -> None:
    """Lambda's limit of five layers, with its message."""
    folders = []
    for i in range(6):
        folders.append(tmp_path / f"l{i}")
        folders[-1].mkdir()
    with pytest.raises(InvalidParameterValueException, match="Cannot reference more than 5 "):
        LambdaFunction("app.handler", code_dir=tmp_path, layers=folders)


def test_layer_arn_without_content_says_how_to_point_at_a_folder(tmp_path: Path) -> None:
    """A published layer ARN cannot be imported: the error names the local-folder fix."""
    arn = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"
    with pytest.raises(InvalidParameterValueException) as info:
        LambdaFunction("app.handler", code_dir=tmp_path, layers=[arn])
    assert "no local content" in str(info.value)
    assert "layers=['path/to/layer']" in str(info.value)


def test_unzipped_size_limit_counts_code_and_layers(tmp_path: Path) -> None:
    """250 MB unzipped, function and layers together, with the API's message."""
    layer = tmp_path / "big"
    (layer / "python").mkdir(parents=True)
    with open(layer / "python" / "blob.bin", "wb") as f:
        f.truncate(UNZIPPED_LIMIT)  # sparse: the size counts, the disk is not used
    with pytest.raises(InvalidParameterValueException,
                       match="Unzipped size must be smaller than 262144000 bytes"):
        LambdaFunction("app.handler", code_dir=tmp_path / "big" / "python", layers=[layer])


def test_not_packaged_folders_do_not_count(tmp_path: Path) -> None:
    """A .venv in the code folder is not part of the unzipped size."""
    venv = tmp_path / ".venv"
    venv.mkdir()
    with open(venv / "huge.bin", "wb") as f:
        f.truncate(UNZIPPED_LIMIT + 1)
    layer = tmp_path / "layer"
    layer.mkdir()
    assert LambdaFunction("app.handler", code_dir=tmp_path, layers=[layer]).config.layers


SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/shared/
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Ref Shared
        - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7
"""


def _sam(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "layers" / "shared" / "python").mkdir(parents=True)
    (tmp_path / "layers" / "pt").mkdir()
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(SAM))
    return path


def test_sam_layer_arn_needs_a_local_folder(tmp_path: Path) -> None:
    """A template's layer ARN without local content names parameter_overrides as the fix."""
    pytest.importorskip("yaml")
    fn = load_template(_sam(tmp_path)).function("Fn")
    with pytest.raises(TemplateError, match=r"parameter_overrides=.*'path/to/layer'"):
        fn.kwargs()


def test_sam_layers_resolve_to_local_folders(tmp_path: Path) -> None:
    """!Ref to a LayerVersion is its ContentUri; an ARN maps through parameter_overrides."""
    pytest.importorskip("yaml")
    arn = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"
    fn = load_template(_sam(tmp_path), parameter_overrides={arn: "layers/pt"}).function("Fn")
    assert fn.kwargs()["layers"] == [str(tmp_path / "layers" / "shared"),
                                     str(tmp_path / "layers" / "pt")]
    assert fn.kwargs(layers=[])["layers"] == []


@pytest.mark.parametrize("with_layers", ["true", "false"])
def test_optional_layers_chosen_by_a_condition(tmp_path: Path, with_layers: str) -> None:
    """``!If [Cond, <layer>, !Ref AWS::NoValue]`` (an entry, or the whole list): the branch the
    condition picks, and no entry for AWS::NoValue, as CloudFormation drops it. Before, the
    function could not load ("entry <object object at 0x...> is not a layer ARN")."""
    (tmp_path / "src").mkdir()
    (tmp_path / "layers" / "shared" / "python").mkdir(parents=True)
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(f"""\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          WithLayers: {{Type: String, Default: "{with_layers}"}}
        Conditions:
          Layered: !Equals [!Ref WithLayers, "true"]
        Resources:
          Shared:
            Type: AWS::Serverless::LayerVersion
            Properties: {{ContentUri: layers/shared/}}
          Entry:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Layers:
                - !If [Layered, !Ref Shared, !Ref AWS::NoValue]
          Whole:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Layers: !If [Layered, [!Ref Shared], !Ref AWS::NoValue]
        """))
    template = load_template(path)
    expected = [str(tmp_path / "layers" / "shared")] if with_layers == "true" else []
    assert template.function("Entry").kwargs()["layers"] == expected
    assert template.function("Whole").kwargs()["layers"] == expected


def test_serverless_layers_section(tmp_path: Path) -> None:
    """serverless.yml: {Ref: <Name>LambdaLayer} is the layers section's path."""
    pytest.importorskip("yaml")
    (tmp_path / "deps-layer" / "python").mkdir(parents=True)
    path = tmp_path / "serverless.yml"
    path.write_text(textwrap.dedent("""
        service: orders
        provider: {name: aws, runtime: python3.12}
        layers:
          my-deps: {path: deps-layer}
        functions:
          api:
            handler: app.handler
            layers: [{Ref: MyDashdepsLambdaLayer}]
    """))
    fn = load_template(path).function("api")
    assert fn.kwargs()["layers"] == [str(tmp_path / "deps-layer")]
    assert os.path.isdir(fn.kwargs()["layers"][0])


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_a_layer_uploaded_as_it_is_keeps_its_top_level_modules_out_of_reach(
        tmp_path: Path, isolation: str) -> None:
    """A SAM LayerVersion without a BuildMethod, or a serverless.yml layer, is zipped as it is:
    a module at its top level lands in /opt, not on the runtime's path, so importing it fails
    as on Lambda (it passed). With a BuildMethod, ``sam build`` puts the folder in python/:
    importable. A layer's other folders (bin/) are still there."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import importlib, os, sys\n"
        "def handler(event, context):\n"
        "    try:\n"
        "        return importlib.import_module(event['module']).WHERE\n"
        "    except ImportError as error:\n"
        "        return str(error)\n")
    for name in ("plain", "built"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}_helper.py").write_text(f"WHERE = '{name}'\n")
    (tmp_path / "plain" / "bin").mkdir()
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Plain:
            Type: AWS::Serverless::LayerVersion
            Properties: {ContentUri: plain/}
          Built:
            Type: AWS::Serverless::LayerVersion
            Properties: {ContentUri: built/}
            Metadata: {BuildMethod: python3.12}
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Layers: [!Ref Plain, !Ref Built]
        """))
    kwargs = load_template(path).function("Fn").kwargs()
    assert os.path.isdir(os.path.join(kwargs["layers"][0], "bin"))
    with LambdaFunction(**{**kwargs, "runtime": f"python3.{sys.version_info[1]}"},
                        isolation=isolation) as fn:
        assert fn.invoke({"module": "plain_helper"}).payload == (
            "No module named 'plain_helper'")
        assert fn.invoke({"module": "built_helper"}).payload == "built"


def test_the_requirements_layer_of_serverless_python_requirements(tmp_path: Path) -> None:
    """``{Ref: PythonRequirementsLambdaLayer}`` with serverless-python-requirements' ``layer:
    true``: the service's requirements, the test environment's here as in the plugin's other
    modes; it could not resolve ("not a parameter or resource"). Without the plugin it still
    cannot."""
    pytest.importorskip("yaml")
    text = textwrap.dedent("""
        service: reqs
        plugins: [serverless-python-requirements]
        custom: {pythonRequirements: {layer: true}}
        provider: {name: aws, runtime: python3.12}
        functions:
          api:
            handler: app.handler
            layers: [{Ref: PythonRequirementsLambdaLayer}]
    """)
    path = tmp_path / "serverless.yml"
    path.write_text(text)
    assert load_template(path).function("api").kwargs()["layers"] == []
    path.write_text(text.replace("plugins: [serverless-python-requirements]\n", ""))
    with pytest.raises(TemplateError, match="PythonRequirementsLambdaLayer"):
        load_template(path).function("api").kwargs()


def test_pythonpath_entries_map_lambdas_folders() -> None:
    """/var/task and $LAMBDA_TASK_ROOT are the code directory, relative entries are under it,
    the runtime's and /opt folders are left out, duplicates once."""
    from pytest_lambda.layers import pythonpath_entries

    code = Path("/work/app")
    assert pythonpath_entries("/var/runtime:/var/task/vendored:/var/task", code) == [
        "/work/app/vendored", "/work/app"]
    assert pythonpath_entries("$LAMBDA_TASK_ROOT/lib:lib:/opt/python:/srv/x:lib", code) == [
        "/work/app/lib", "/srv/x"]
    assert pythonpath_entries(None, code) == pythonpath_entries("", code) == []


@pytest.mark.parametrize("isolation", ["in-process", "process"])
def test_the_functions_own_pythonpath_is_on_its_path(tmp_path: Path, isolation: str) -> None:
    """A function that vendors its dependencies and sets PYTHONPATH (the Serverless Framework's
    vendored pattern) imports them, as the runtime's interpreter starts with that path; the
    variable itself is the function's, unchanged."""
    (tmp_path / "vendored" / "mylib").mkdir(parents=True)
    (tmp_path / "vendored" / "mylib" / "__init__.py").write_text("NAME = 'vendored'\n")
    (tmp_path / "app.py").write_text(
        "import os, mylib\n"
        "def handler(event, context):\n"
        "    return [mylib.NAME, os.environ['PYTHONPATH']]\n")
    value = "/var/runtime:/var/task/vendored"
    with LambdaFunction("app.handler", code_dir=tmp_path, isolation=isolation,
                        environment={"PYTHONPATH": value}) as fn:
        assert fn.invoke({}).payload == ["vendored", value]
    with LambdaFunction("app.handler", code_dir=tmp_path, isolation=isolation) as plain:
        error = plain.invoke({}).payload
        assert error["errorType"] == "Runtime.ImportModuleError"


def test_a_layers_extensions_are_named_as_not_run(tmp_path: Path) -> None:
    """Lambda starts a layer's extensions/* during Init; they are not run here, and the
    function's notes say so (the session summary prints them) instead of nothing."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return 1\n")
    layer = tmp_path / "layer"
    (layer / "extensions").mkdir(parents=True)
    (layer / "extensions" / "secrets-cache").write_text("#!/bin/sh\n")
    with LambdaFunction("app.handler", code_dir=code, layers=[layer]) as fn:
        assert fn.invoke({}).payload == 1
        assert any("extensions/secrets-cache" in note and "not run" in note
                   for note in fn.notes)
