"""The rules of the package's rooms and imports, checked on its source (architecture.md).

* Imports go at the top. One inside a function must buy something: in a module the offline
  check loads, only a module the offline check does not load (its ``sys.modules``, measured
  here in a fresh interpreter as ``tests/test_public_api.py`` does); in any other module,
  only the heavy libraries (requests, urllib3, boto3, botocore, PyYAML, ruamel.yaml), the
  package modules that bring the network stack, the mock, and the notebook renderings.
* The service modules are "request, parse, typed result": they import neither the
  credential chain nor the exceptions, nor the steps built on them.
* Findings are made in the rooms whose rules they are, the verdicts on answers in
  ``_diagnose``; a new room that makes findings is a decision for architecture.md.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from _python import python_json

import spapi_docs_helpers

PACKAGE = Path(spapi_docs_helpers.__file__).parent
NAME = "spapi_docs_helpers"
MODULES = sorted(path for path in PACKAGE.glob("*.py"))

# Lazy in every module: what costs a start-up dearly, or belongs to the network stack, the
# mock or the notebooks.
HEAVY = ("requests", "urllib3", "boto3", "botocore", "yaml", "ruamel", "socks")
LAZY_PACKAGE_MODULES = tuple(
    f"{NAME}.{name}"
    for name in (
        *("_transport", "_deadline", "_diagnose", "_lwa", "_sts", "_spapi", "_steps"),
        *("mock", "_html"),
    )
)

# json only once the list is made: the probe must not count its own imports.
PROBE = r"""
import io, sys
from contextlib import redirect_stdout
import spapi_docs_helpers._cli as cli
from spapi_docs_helpers import check_offline
check_offline()
with redirect_stdout(io.StringIO()):
    cli.main(["check", "--offline"])
loaded = sorted(sys.modules)
import json
json.dump(loaded, sys.stdout)
"""


@pytest.fixture(scope="module")
def offline_modules() -> frozenset:
    """Every module one offline check has loaded (the CLI's and the function's way)."""
    environ = {
        **os.environ,
        "LWA_APP_ID": "amzn1.application-oa2-client.fake",
        "LWA_CLIENT_SECRET": "x",
    }
    return frozenset(python_json(PROBE, env=environ))


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The absolute names of the modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        base = NAME + ("." + base if base else "")
    if node.module is None:  # `from . import x`: x may be a module of the package
        return [f"{base}.{alias.name}" for alias in node.names]
    return [base]


def _function_imports(path: Path):
    """``(line, imported module)`` of every import inside a function of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for name in _imported(node):
                        yield node.lineno, name


def _within(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _buys_nothing(module: str, imported: str, offline: frozenset) -> bool:
    if module in offline:
        # `from . import __version__` names an attribute of the package, always loaded.
        return imported in offline or imported == f"{NAME}.__version__"
    return not _within(imported, HEAVY + LAZY_PACKAGE_MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_a_lazy_import_buys_something(path, offline_modules):
    module = NAME if path.name == "__init__.py" else f"{NAME}.{path.stem}"
    wasted = [
        f"{path.name}:{line} imports {imported}"
        for line, imported in _function_imports(path)
        if _buys_nothing(module, imported, offline_modules)
    ]
    assert not wasted, "imports that belong at the top:\n" + "\n".join(wasted)


def test_the_rule_sees_a_lazy_import_that_buys_nothing(offline_modules, tmp_path):
    lazy = tmp_path / "example.py"
    lazy.write_text("def f():\n    from ._redaction import mask\n    import yaml\n")
    found = [name for _, name in _function_imports(lazy)]
    assert found == [f"{NAME}._redaction", "yaml"]
    # _redaction is loaded by the offline check anyway; yaml is not, and is heavy.
    assert _buys_nothing(f"{NAME}._doctor", f"{NAME}._redaction", offline_modules)
    assert not _buys_nothing(f"{NAME}._doctor", "yaml", offline_modules)
    assert _buys_nothing(f"{NAME}._stores", "json", offline_modules)
    assert not _buys_nothing(f"{NAME}._stores", "boto3", offline_modules)


def _top_imports(path: Path) -> set:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name in _imported(node)
    }


@pytest.mark.parametrize("service", ["_lwa", "_sts", "_spapi"])
def test_a_service_module_is_request_parse_typed_result(service):
    imported = _top_imports(PACKAGE / f"{service}.py")
    for room in ("_sources", "_errors", "_steps"):
        assert f"{NAME}.{room}" not in imported, f"{service} imports {room}"


# The rooms that make findings (`entry(code).finding(...)`), each for the rules it holds.
FINDING_ROOMS = {
    "_diagnose": "the verdict on every answer of a service, and on the settings of the machine",
    "_formats": "the shape of each credential",
    "_sources": "where the credentials come from",
    "_config_file": "what credentials.yml holds",
    "_near_miss": "what a name or a key was meant to be",
    "_authorize": "the consent flow's inputs, refused before anything is sent",
    "_stores": "a store that refuses to write",
    "_init": "a stored account the library would not read",
    "_rotation": "the rotation flow's own states: unfinished, a secret that never came, one LWA refused",
    "_queue": "what reading the notification queue does to its other consumers",
}


def _makes_findings(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "finding"
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "entry"
        ):
            return True
    return False


def test_findings_are_made_in_their_rooms_only():
    making = {path.stem for path in MODULES if _makes_findings(path)}
    assert making, "the search found no finding made anywhere"
    assert making <= set(FINDING_ROOMS), sorted(making - set(FINDING_ROOMS))
