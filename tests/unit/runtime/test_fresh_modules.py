"""Each execution environment imports every non-shared module fresh; shared ones are one copy."""

from __future__ import annotations

import _imp
import importlib
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.runtime.modules import ModuleMirror, SharedModules

if TYPE_CHECKING:
    from conftest import CodeWriter

LIB = """
import uuid
TOKEN = uuid.uuid4().hex
"""


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A module outside the code folder, on the test process's path, like a venv library."""

    def make(name: str) -> str:
        folder = tmp_path / "site"
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.py").write_text(textwrap.dedent(LIB))
        monkeypatch.syspath_prepend(str(folder))
        monkeypatch.delitem(sys.modules, name, raising=False)
        return name

    yield make


def test_mirror_follows_appended_names_without_rescanning() -> None:
    """New entries at the end of the dictionary are found without a full rescan."""
    mirror = ModuleMirror()
    module = sys.modules[__name__]
    fake = {"os": module, "mylib": module}
    mirror.sync(fake)
    assert mirror.private == {"mylib"} and mirror.rescans == 0
    fake["mylib.sub"] = fake["boto3"] = module
    mirror.sync(fake)
    assert mirror.private == {"mylib", "mylib.sub"} and mirror.rescans == 0


def test_mirror_rescans_after_a_deletion() -> None:
    """A deletion makes the count disagree, and one rescan puts the mirror right."""
    mirror = ModuleMirror()
    module = sys.modules[__name__]
    fake = {"json": module, "gone": module, "kept": module}
    mirror.sync(fake)
    del fake["gone"]
    fake["added"] = module
    mirror.sync(fake)
    assert mirror.private == {"kept", "added"} and mirror.known == set(fake)
    assert mirror.rescans == 1


def test_shared_list_covers_stdlib_machinery_and_mock_layer() -> None:
    """The standard library, pytest, this plugin and the mock layer are shared; others are not."""
    shared = SharedModules(["pydantic"])
    for name in ("json", "os.path", "_pytest.python", "pytest_lambda.runtime", "botocore.client",
                 "moto", "requests", "freezegun.api", "pydantic.main", "pytest_cov"):
        assert name in shared, name
    for name in ("aws_lambda_powertools", "app", "yaml", "pydantic_core"):
        assert name not in shared, name


def test_library_imported_by_the_test_is_fresh_in_each_environment(
        code: CodeWriter, library: Any) -> None:
    """A library the test imported first is imported again by every cold start."""
    name = library("freshlib")
    ours = importlib.import_module(name)
    root = code(app=f"import {name}\ndef handler(e, c):\n    return {name}.TOKEN\n")
    fn = LambdaFunction("app.handler", code_dir=root)
    first, warm = fn.invoke({}).payload, fn.invoke({}).payload
    fn.cold_start()
    again = fn.invoke({}).payload
    assert first == warm and len({ours.TOKEN, first, again}) == 3
    assert sys.modules[name] is ours


def test_shared_modules_option_shares_the_test_copy(code: CodeWriter, library: Any) -> None:
    """A module named in shared_modules is the test process's copy in every environment."""
    name = library("sharedlib")
    ours = importlib.import_module(name)
    root = code(app=f"import {name}\ndef handler(e, c):\n    return {name}.TOKEN\n")
    fn = LambdaFunction("app.handler", code_dir=root, shared_modules=[name])
    assert fn.invoke({}).payload == ours.TOKEN


def test_shared_module_first_imported_by_a_handler_stays(code: CodeWriter, library: Any) -> None:
    """A shared module the handler imports first is the one the test gets afterwards."""
    name = library("firstlib")
    root = code(app=f"import {name}\ndef handler(e, c):\n    return {name}.TOKEN\n")
    token = LambdaFunction("app.handler", code_dir=root, shared_modules=[name]).invoke({}).payload
    assert token == importlib.import_module(name).TOKEN


def test_handler_module_imported_at_collection_is_reimported(code: CodeWriter,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """The handler's own module, imported by the test first, runs again at every Init."""
    root = code(collected=LIB + "def handler(e, c):\n    return TOKEN\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, "collected", raising=False)
    ours = importlib.import_module("collected")
    fn = LambdaFunction("collected.handler", code_dir=root)
    assert fn.invoke({}).payload != ours.TOKEN
    assert sys.modules["collected"] is ours


def test_c_extension_that_refuses_a_second_load_is_shared(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """An extension that cannot load twice is shared, with a one-line note in the log."""
    core = pytest.importorskip("pydantic_core._pydantic_core")
    real = _imp.create_dynamic

    def refuse(spec: Any, *args: Any) -> Any:
        if spec.name == core.__name__:
            raise ImportError("cannot load module more than once per process")
        return real(spec, *args)

    monkeypatch.setattr(_imp, "create_dynamic", refuse)
    root = code(app="import pydantic_core._pydantic_core as core\n"
                    "def handler(e, c):\n    return id(core)\n")
    r = LambdaFunction("app.handler", code_dir=root).invoke({})
    assert r.payload == id(core)
    notes = [m for m in r.init_logs.messages if "sharing the C extension" in m]
    assert notes == [f"pytest-aws-lambda: sharing the C extension {core.__name__!r} with the "
                     "test process: it cannot be imported twice in one process (cannot load "
                     "module more than once per process)\n"]


def test_c_extension_refusal_without_an_earlier_copy_fails_init(
        code: CodeWriter, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no copy loaded before, the refusal is the environment's import error."""
    core = pytest.importorskip("pydantic_core._pydantic_core")
    name = core.__name__
    saved = {k: v for k, v in sys.modules.items() if k.startswith("pydantic_core")}
    real = _imp.create_dynamic

    def refuse(spec: Any, *args: Any) -> Any:
        if spec.name == name:
            raise ImportError("refused")
        return real(spec, *args)

    monkeypatch.setattr(_imp, "create_dynamic", refuse)
    monkeypatch.setattr("pytest_lambda.runtime.extensions.EXTENSIONS.loaded", {})
    for key in saved:
        monkeypatch.delitem(sys.modules, key)
    root = code(app="import pydantic_core\ndef handler(e, c):\n    return 1\n")
    r = LambdaFunction("app.handler", code_dir=root).invoke({})
    assert r.error is not None and r.error["errorMessage"] == (
        "Unable to import module 'app': refused")


def test_a_blocking_none_entry_comes_back(code: CodeWriter, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    """A ``None`` entry in sys.modules (an import blocked on purpose) is put back after Init."""
    monkeypatch.setitem(sys.modules, "blocked_by_test", None)
    root = code(app="def handler(e, c):\n    return 1\n")
    assert LambdaFunction("app.handler", code_dir=root).invoke({}).payload == 1
    assert "blocked_by_test" in sys.modules and sys.modules["blocked_by_test"] is None


def test_max_memory_used_includes_a_library_the_test_imported_first(
        code: CodeWriter, library: Any, tmp_path: Path) -> None:
    """The library's import is part of Init again, so its memory is in Max Memory Used."""
    name = library("heavylib")
    (tmp_path / "site" / f"{name}.py").write_text(
        "BLOCK = bytearray(48 * 1024 * 1024)\nfor i in range(0, len(BLOCK), 4096):\n"
        "    BLOCK[i] = 1\n")
    importlib.import_module(name)
    root = code(app=f"import {name}\ndef handler(e, c):\n    return 1\n")
    r = LambdaFunction("app.handler", code_dir=root, memory_size=512).invoke({})
    assert r.report is not None and r.report.max_memory_used_mb >= 40 + 45


def test_lazy_imports_of_a_fresh_package_are_fresh_too(
        code: CodeWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package that registers plugins by importing them lazily (as Pillow's ``Image.open``
    does) finds them in its own registry, even when the test process imported the plugins
    first into its copy of the package."""
    package = tmp_path / "site" / "imgkit"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "registry.py").write_text(
        "OPENERS = {}\n"
        "def open_kind(kind):\n"
        "    if kind not in OPENERS:\n"
        "        __import__(f'imgkit.plugin_{kind}')  # lazy, at first use\n"
        "    return OPENERS[kind]()\n")
    (package / "plugin_png.py").write_text(
        "from imgkit import registry\nregistry.OPENERS['png'] = lambda: 'png opened'\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in [n for n in sys.modules if n.startswith("imgkit")]:
        monkeypatch.delitem(sys.modules, name)
    for name in ("imgkit", "imgkit.registry", "imgkit.plugin_png"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    # The test process uses the library first: its registry has the plugin loaded.
    test_registry = importlib.import_module("imgkit.registry")
    assert test_registry.open_kind("png") == "png opened"
    app = code(app="from imgkit import registry\n"
                   "def handler(event, context):\n    return registry.open_kind('png')\n")
    with LambdaFunction("app.handler", code_dir=app) as fn:
        assert [fn.invoke({}).payload for _ in range(2)] == ["png opened"] * 2
    assert sys.modules["imgkit.registry"] is test_registry
    for name in ("imgkit", "imgkit.registry", "imgkit.plugin_png"):
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_handler_module_named_like_an_unloaded_stdlib_module_is_the_functions(
        code: CodeWriter) -> None:
    """On Lambda the runtime has not imported ``code`` when it loads the handler, so
    ``code.handler`` is the function's code.py; the test process keeps its standard-library
    ``code`` before, between and after the phases. A name the runtime has loaded (``json``)
    is the standard library's there too: HandlerNotFound, as on Lambda."""
    import code as stdlib_code

    root = code(code="import json\nCOUNT = 0\ndef handler(e, c):\n"
                     "    global COUNT\n    COUNT += 1\n    return {'own': True, 'n': COUNT}\n",
                json="def handler(e, c):\n    return 'never'\n")
    with LambdaFunction("code.handler", code_dir=root) as fn:
        assert fn.invoke({}).raise_for_error().payload == {"own": True, "n": 1}
        assert sys.modules["code"] is stdlib_code
        assert fn.invoke({}).payload == {"own": True, "n": 2}  # warm: the same copy
        assert sys.modules["code"] is stdlib_code
    with LambdaFunction("json.handler", code_dir=root) as shadowed:
        result = shadowed.invoke({})
    assert result.payload["errorType"] == "Runtime.HandlerNotFound"
    assert sys.modules["code"] is stdlib_code and sys.modules["json"].__name__ == "json"
