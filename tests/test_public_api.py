"""The public names, and what the offline check costs at start-up (no requests, no boto3)."""

from __future__ import annotations

import inspect
import os
from importlib.metadata import version

import pytest
from _python import python_json

import spapi_docs_helpers


def test_all_is_sorted_and_unique():
    names = spapi_docs_helpers.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("name", spapi_docs_helpers.__all__)
def test_every_public_name_resolves(name):
    value = getattr(spapi_docs_helpers, name)
    assert value is not None
    # Callables and classes say where they live; constants need not.
    if callable(value):
        assert value.__module__.startswith("spapi_docs_helpers.")


def test_dir_is_exactly_all():
    assert dir(spapi_docs_helpers) == spapi_docs_helpers.__all__


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        spapi_docs_helpers.no_such_name  # noqa: B018


def test_the_old_name_of_the_sp_api_error_still_works_for_one_release():
    with pytest.warns(DeprecationWarning, match="use SellingPartnerApiError"):
        old = spapi_docs_helpers.SpApiError
    assert old is spapi_docs_helpers.SellingPartnerApiError
    # The old name is answered, never advertised.
    assert "SpApiError" not in spapi_docs_helpers.__all__
    with pytest.warns(DeprecationWarning):
        from spapi_docs_helpers import SpApiError
    assert issubclass(SpApiError, spapi_docs_helpers.CheckError)


def test_version_matches_the_installed_distribution():
    assert spapi_docs_helpers.__version__ == version("spapi-docs-helpers")


# What one offline check imports, measured in a fresh interpreter.
PROBE = r"""
import io, json, sys
from contextlib import redirect_stdout
import spapi_docs_helpers._cli as cli
from spapi_docs_helpers import check_offline
report = check_offline()
with redirect_stdout(io.StringIO()):
    status = cli.main(["check", "--offline", "--format", "json"])
heavy = ["requests", "boto3", "botocore", "yaml", "sp_api", "spapi", "httpx", "urllib3",
         "logging", "shutil", "typing", "dataclasses", "inspect"]
json.dump({"loaded": [m for m in heavy if m in sys.modules], "status": status,
           "ok": report.ok}, sys.stdout)
"""


def _imports(env_extra=None):
    return python_json(PROBE, env={**os.environ, **(env_extra or {})})


def test_offline_check_without_a_file_imports_no_heavy_library():
    result = _imports({"LWA_APP_ID": "amzn1.sp.solution.fake", "LWA_CLIENT_SECRET": "x"})
    assert result["status"] == 1 and not result["ok"]
    assert result["loaded"] == []


def test_offline_check_with_a_file_imports_yaml_only(config_file):
    config_file("default:\n  lwa_app_id: a\n")
    result = _imports()
    assert result["loaded"] == ["yaml"]


# --------------------------------------------------------------------------- types


def _unannotated(function) -> list:
    """The parameters (and ``return``) of ``function`` that carry no annotation."""
    signature = inspect.signature(function)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name not in ("self", "cls") and parameter.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def _public_callables(name):
    """``(label, function)`` of a public name: the function, or each public method and
    property of the class (``__init__`` included) that the package defines."""
    value = getattr(spapi_docs_helpers, name)
    if inspect.isfunction(value):
        yield name, value
        return
    if not inspect.isclass(value):
        return  # a constant: mypy infers its type
    for klass in value.__mro__:
        if not klass.__module__.startswith("spapi_docs_helpers"):
            continue
        for attribute, member in vars(klass).items():
            if attribute.startswith("_") and attribute != "__init__":
                continue
            if isinstance(member, property):
                member = member.fget
            elif isinstance(member, (classmethod, staticmethod)):
                member = member.__func__
            if inspect.isfunction(member):
                yield f"{name}.{attribute}", member


@pytest.mark.parametrize("name", spapi_docs_helpers.__all__)
def test_every_public_name_is_annotated(name):
    """The public surface is typed in full (py.typed ships): every parameter and return."""
    missing = {
        label: _unannotated(function)
        for label, function in _public_callables(name)
        if _unannotated(function)
    }
    assert not missing, missing
