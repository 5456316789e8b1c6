"""The house's tooling: pinned linters, one version, the pre-commit hooks, and a Makefile in
which nothing a developer types installs system packages unasked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from secret_scan import main as scan_main

import spapi_docs_helpers

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
HOOKS = {hook["id"]: hook for repo in PRE_COMMIT["repos"] for hook in repo["hooks"]}


def _extra(name: str) -> dict:
    """The installed distribution's requirements of extra ``name``, by package name."""
    found = {}
    for line in requires("spapi-docs-helpers") or []:
        requirement = Requirement(line)
        if requirement.marker is not None and requirement.marker.evaluate({"extra": name}):
            found[requirement.name.lower()] = requirement
    return found


# --------------------------------------------------------------------------- pins


def test_every_lint_tool_is_pinned_to_one_version():
    lint = _extra("lint")
    assert {"ruff", "mypy"} <= set(lint)
    for name, requirement in lint.items():
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{name} is not pinned exactly: {requirement}"


def test_ruff_is_not_also_a_test_dependency():
    """One pin: the test extra must not bring a second, looser ruff."""
    assert "ruff" not in _extra("test")


@pytest.mark.parametrize("hook", ["ruff-check", "ruff-format"])
def test_pre_commit_runs_the_same_ruff_as_make_lint(hook):
    (pinned,) = _extra("lint")["ruff"].specifier
    assert HOOKS[hook]["additional_dependencies"] == [f"ruff=={pinned.version}"]


def test_the_version_is_written_once():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^dynamic = \[.*"version".*\]$', project, flags=re.M)
    assert not re.search(r"^version\s*=", project, flags=re.M)
    assert 'version = { attr = "spapi_docs_helpers.__version__" }' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", spapi_docs_helpers.__version__)


# --------------------------------------------------------------------------- secret scan

LEAKED = "Atzr|IwEBIFAKEFAKEFAKEFAKEFAKE-fake_value"


def test_the_secret_hook_scans_notebooks_and_pages():
    hook = HOOKS["secret-shapes"]
    assert hook["entry"] == "python tests/secret_scan.py"
    pattern = re.compile(hook["files"])
    assert pattern.search("notebooks/02-lwa-exchange.ipynb")
    assert pattern.search("docs/credentials.md")
    assert not pattern.search("spapi_docs_helpers/mock/_samples.py")


def test_the_secret_scan_stops_a_pasted_token_and_does_not_show_it(tmp_path, capsys):
    notebook = tmp_path / "pasted.ipynb"
    notebook.write_text(f'{{\n "cells": [],\n "source": "token = {LEAKED!r}"\n}}\n')
    assert scan_main([str(notebook)]) == 1
    out = capsys.readouterr().out
    assert f"{notebook}:3: a token- or key-shaped value, Atzr…({len(LEAKED)} chars)" in out
    assert LEAKED not in out and LEAKED[5:17] not in out


def test_the_secret_scan_passes_masked_values_and_awss_documented_examples(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text(
        "Shown as `Atzr|IwEB…(412 chars)`.\n"
        "| `aws_access_key` | `AKIAIOSFODNN7EXAMPLE` |\n"
        "| `aws_secret_key` | `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY` |\n"
    )
    assert scan_main([str(page)]) == 0
    assert capsys.readouterr().out == ""


def test_a_url_path_is_no_aws_secret_key_but_a_pasted_one_is():
    from secret_scan import find_secrets

    url = "https://sellingpartnerapi-na.amazon.com/sellers/v1/marketplaceParticipations"
    assert find_secrets(url) == []
    key = "Zq7PLxT3mK9vR2wY5nB8cF1hJ4gD6sA0eUoIiQ+/"
    assert find_secrets(f"aws_secret_key: {key}") == [key]


def test_the_secret_scan_names_a_file_it_cannot_read(tmp_path, capsys):
    assert scan_main([str(tmp_path / "missing.md")]) == 1
    assert "missing.md: cannot be read" in capsys.readouterr().out


def test_the_committed_notebooks_and_pages_pass_the_secret_scan(capsys):
    files = [
        *sorted(ROOT.glob("notebooks/*.ipynb")),
        *sorted(ROOT.glob("tests/notebooks/*.ipynb")),
        *sorted(ROOT.glob("docs/**/*.md")),
        ROOT / "README.md",
    ]
    assert len(files) > 10
    status = scan_main([str(path) for path in files])
    assert status == 0, capsys.readouterr().out


# --------------------------------------------------------------------------- Makefile


# What a make that runs these tests (`make test`) hands its children: its command-line
# variables (`make PYTHON=... test`) would override the ones a test sets or leaves out.
_MAKE_INHERITED = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


def _make(*arguments: str, without: tuple = ()) -> str:
    """What ``make ARGUMENTS`` prints (run with ``-n``, nothing runs), with none of the
    variables of a make this test runs under, nor those named in ``without``."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    dropped = {*_MAKE_INHERITED, *without}
    done = subprocess.run(
        [make, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={key: value for key, value in os.environ.items() if key not in dropped},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _dry_run(target: str) -> str:
    """What ``make TARGET`` would run, every prerequisite included (nothing runs)."""
    return _make("-n", "-B", target, f"PYTHON={sys.executable}")


def _makes_venvs(system_python: str) -> bool:
    """The Makefile's rule for its default interpreter, asked of ``system_python`` itself."""
    try:
        done = subprocess.run(
            [
                system_python,
                "-c",
                "import sys, ensurepip, venv; print(sys.version_info >= (3, 10))",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:  # no such interpreter
        return False
    return done.stdout.strip() == "True"


@pytest.mark.parametrize("system_python", ["/usr/bin/python3", "/nonexistent/python3"])
def test_the_venv_is_made_from_the_system_python_when_it_can_make_one(system_python):
    """Without PYTHON, .venv comes from the system's (optimised) python3 if it is 3.10 or newer
    and has venv and ensurepip; else from python3 on PATH."""
    shown = _make("-n", "-B", "install", f"SYSTEM_PYTHON={system_python}", without=("PYTHON",))
    [made] = [line for line in shown.splitlines() if " -m venv " in line]
    wanted = system_python if _makes_venvs(system_python) else "python3"
    assert made.split()[0] == wanted, made
    assert made.endswith(" .venv"), made


def test_a_venv_made_with_another_interpreter_is_made_again(tmp_path):
    """The stamp alone is not enough: .venv records which interpreter made it, and is made
    anew (cleared) by another one; a newer pyproject.toml alone updates it in place."""
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".made-with").write_text("/opt/one/python3\n", encoding="utf-8")
    stamp = venv / ".installed"
    stamp.touch()  # newer than pyproject.toml
    same = _make("-n", "install", f"VENV={venv}", "PYTHON=/opt/one/python3")
    assert "-m venv" not in same, same
    other = _make("-n", "install", f"VENV={venv}", "PYTHON=/opt/two/python3")
    assert f"/opt/two/python3 -m venv --clear {venv}" in other
    assert "--clear" in other
    os.utime(stamp, (0, 0))  # older than pyproject.toml: the same interpreter updates it
    updated = _make("-n", "install", f"VENV={venv}", "PYTHON=/opt/one/python3")
    assert f"/opt/one/python3 -m venv {venv}" in updated
    assert "--clear" not in updated


@pytest.mark.parametrize(
    "target", ["all", "install", "html", "doctor", "test", "check", "lint", "notebooks", "bench"]
)
def test_no_target_a_developer_types_installs_system_packages(target):
    assert "apt-get" not in _dry_run(target)


def test_the_browser_is_installed_only_when_asked_for():
    """The dry run can see apt-get: `make chromium` (CI's .ci/run calls it) has it."""
    assert "apt-get" in _dry_run("chromium")
    assert "make chromium" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_make_check_leaves_out_the_browser_nbval_and_the_site_build():
    command = _dry_run("check")
    assert '-m "not browser and not slow"' in command
    assert "-p no:nbval" in command
    assert "mypy" in command and "ruff check" in command


# --------------------------------------------------------------------------- test order


def test_the_longest_first_order_names_files_that_exist(request):
    """A renamed file would silently drop out of the order `make test` hands files out in."""
    here = str(ROOT / "tests" / "conftest.py")
    [conftest] = [
        plugin
        for plugin in request.config.pluginmanager.get_plugins()
        if getattr(plugin, "__file__", None) == here
    ]
    assert len(conftest._LONGEST_FIRST) > 10
    assert [name for name in conftest._LONGEST_FIRST if not (ROOT / name).is_file()] == []


# --------------------------------------------------------------------------- the leak check


def test_the_leak_check_finds_a_piece_of_a_secret_in_any_text(assert_no_leak):
    secret = "Atzr|IwEB-fake-refresh-token-value-0123456789"
    shown = ["nothing here", {"fix": f"paste …{secret[10:24]}… again"}]
    with pytest.raises(AssertionError, match="a piece of a secret"):
        assert_no_leak(shown, secret)
    assert_no_leak(["nothing here", {"fix": "Atzr|IwEB… (46 characters)"}], secret)


def test_the_leak_check_sees_no_piece_across_two_texts(assert_no_leak):
    # Every 12-character piece of this secret holds the separator the check joins texts with.
    secret = "xxxxxx\0yyyyyyyyyy"
    assert_no_leak(["abc xxxxxx", "yyyyyyyyyy def"], secret)
    with pytest.raises(AssertionError):
        assert_no_leak(["abc xxxxxx\0yyyyyyyyyy def"], secret)


def test_make_test_runs_the_browser_tests_in_one_worker_and_every_other_file_alone(request):
    """`--dist loadfile`, with tests/browser/ handed out as one file (tests/conftest.py)."""
    if not request.config.pluginmanager.hasplugin("xdist"):
        pytest.skip("pytest-xdist is off here (-p no:xdist): nothing calls its scheduler hook")

    class AsMakeTest:  # the options of `make test`, over this session's own
        def __init__(self, config):
            self._config = config

        def getvalue(self, name):
            return {"dist": "loadfile", "tx": ["4*popen"]}.get(name) or self._config.getvalue(name)

        def __getattr__(self, name):
            return getattr(self._config, name)

    config = AsMakeTest(request.config)
    scheduler = request.config.hook.pytest_xdist_make_scheduler(config=config, log=None)
    scope = scheduler._split_scope
    browser = {
        scope(f"tests/browser/{name}::test_x")
        for name in ("test_site.py", "test_site_reader.py", "test_consent_in_browser.py")
    }
    assert len(browser) == 1
    assert scope("tests/test_rotation.py::test_x[a]") == "tests/test_rotation.py"
    assert scope("notebooks/05-troubleshooting-tour.ipynb::Cell 3") == (
        "notebooks/05-troubleshooting-tour.ipynb"
    )
