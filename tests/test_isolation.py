"""The one clean machine (``spapi_docs_helpers.mock._isolation``): what it removes, where it
points the home, and that it gives everything back.

Every other test relies on it through ``isolated_machine`` (tests/conftest.py), so these
tests use explicit mappings and a ``pytest.MonkeyPatch`` of their own where they need to see
the machine from outside.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import spapi_docs_helpers._doctor as doctor
from spapi_docs_helpers._credentials import FIELDS
from spapi_docs_helpers._endpoints import ENDPOINT_VARIABLES
from spapi_docs_helpers._sources import ENV_NAMES, OTHER_KNOWN_VARIABLES
from spapi_docs_helpers.mock._isolation import (
    NOTEBOOK_HOME_PREFIX,
    clean_environ,
    home_environ,
    is_private,
    isolate_with,
    isolated_home,
    machine_environ,
    notebook_scenario,
)

# What a developer's shell may hold: each one a way the user's own set-up could leak in.
DEVELOPERS_OWN = {
    "LWA_APP_ID": "amzn1.application-oa2-client.mine",
    "lwa_client_secret": "lower-case near miss",
    "SP_API_REFRESH_TOKEN_production": "Atzr|mine",
    "SP_API_AWS_SECRET_ID": "my/secret",
    "PYTHON-SP-APIDIR": "/home/me/.sp-api",
    "SPAPI_LWA_ENDPOINT": "https://lwa.example",
    "SPAPI_DOCS_URL": "https://docs.example",
    "AWS_PROFILE": "production",
    "AWS_SHARED_CREDENTIALS_FILE": "/home/me/.aws/credentials",
    "HOME": "/home/me",
    "XDG_CONFIG_HOME": "/home/me/.config",
    "XDG_CONFIG_DIRS": "/etc/xdg",
    "APPDATA": "C:/Users/me/AppData/Roaming",
}
# What a clean machine still has: nothing in it names a credential or a home.
NEUTRAL = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm", "TZ": "UTC"}


def _every_variable_the_package_reads() -> set:
    names = {*ENV_NAMES, *OTHER_KNOWN_VARIABLES, *ENDPOINT_VARIABLES}
    # python-amazon-sp-api reads <NAME>_<account> first.
    names |= {f"{spec.env}_{account}" for spec in FIELDS for account in ("default", "eu")}
    return names


@pytest.mark.parametrize("name", sorted(_every_variable_the_package_reads()))
def test_every_variable_the_package_reads_is_private(name):
    assert is_private(name)
    assert is_private(name.lower()), "a lower-case near miss is reported too: remove it"


@pytest.mark.parametrize("name", [*NEUTRAL, "HOME", "USER", "SHELL", "XDG_CONFIG_HOME"])
def test_the_rest_of_the_environment_is_not_private(name):
    assert not is_private(name)


def test_clean_environ_keeps_everything_but_the_private_variables():
    environ = {**DEVELOPERS_OWN, **NEUTRAL}
    cleaned = clean_environ(environ)
    assert cleaned == {
        **NEUTRAL,
        "HOME": "/home/me",
        "XDG_CONFIG_HOME": "/home/me/.config",
        "XDG_CONFIG_DIRS": "/etc/xdg",
        "APPDATA": "C:/Users/me/AppData/Roaming",
    }
    assert environ == {**DEVELOPERS_OWN, **NEUTRAL}, "the mapping given is left alone"


def test_every_home_and_configuration_folder_points_into_the_home(tmp_path):
    home = tmp_path / "h"
    variables = home_environ(home)
    # confuse's folders (XDG_CONFIG_DIRS would be /etc/xdg unset), Windows' and the home.
    assert set(variables) >= {"HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "APPDATA"}
    for name, value in variables.items():
        assert Path(value).is_relative_to(home), name


def test_a_machine_environment_holds_only_what_was_given_of_the_private_kind(tmp_path):
    given = {"LWA_APP_ID": "from the mock", "SPAPI_LWA_ENDPOINT": "http://127.0.0.1:1/"}
    environ = machine_environ(tmp_path, {**DEVELOPERS_OWN, **NEUTRAL}, given)
    assert {name for name in environ if is_private(name)} == set(given)
    assert environ["LWA_APP_ID"] == "from the mock"
    assert environ["HOME"] == str(tmp_path)
    assert all(environ[name] == value for name, value in NEUTRAL.items())


def test_isolated_home_gives_back_exactly_what_was_there(tmp_path):
    environ = {**DEVELOPERS_OWN, **NEUTRAL}
    before = dict(environ)
    with isolated_home(environ=environ, env={"LWA_APP_ID": "mock"}) as home:
        assert home.is_dir() and list(home.iterdir()) == []
        assert home.name.startswith("spapi-home-")
        assert environ["LWA_APP_ID"] == "mock"
        assert "AWS_PROFILE" not in environ and "PYTHON-SP-APIDIR" not in environ
        assert Path(environ["XDG_CONFIG_DIRS"]).is_relative_to(home)
        # Whatever the block does to the environment is undone too.
        environ["SP_API_ROLE_ARN"] = "set inside"
        environ["PATH"] = "changed inside"
        del environ["LANG"]
    assert environ == before
    assert not home.exists(), "the temporary home is removed"


def test_isolated_home_in_a_given_folder_leaves_the_folder(tmp_path):
    environ = dict(NEUTRAL)
    with isolated_home(tmp_path / "kept" / "home", environ=environ) as home:
        (home / "note").write_text("made inside")
        assert environ["HOME"] == str(home)
    assert (tmp_path / "kept" / "home" / "note").read_text() == "made inside"
    assert environ == NEUTRAL


def test_isolated_home_restores_os_environ_when_the_block_fails():
    before = dict(os.environ)
    with pytest.raises(RuntimeError, match="inside"), isolated_home():
        os.environ["LWA_APP_ID"] = "set inside"
        raise RuntimeError("inside")
    assert dict(os.environ) == before


def test_isolate_with_is_undone_together_with_the_tests_own_changes(tmp_path):
    """pytest undoes both in one stack: a test's own setenv cannot outlive the isolation."""
    before = dict(os.environ)
    patch = pytest.MonkeyPatch()
    try:
        patch.setenv("LWA_APP_ID", "the developer's")
        outside = dict(os.environ)
        home = isolate_with(patch, tmp_path / "h")
        assert home.is_dir()
        assert "LWA_APP_ID" not in os.environ
        assert os.environ["XDG_CONFIG_DIRS"] == str(home / "xdg")
        patch.setenv("HOME", "/changed/by/the/test")  # as a test may do
        patch.setenv("SP_API_REFRESH_TOKEN", "set by the test")
    finally:
        patch.undo()
    assert dict(os.environ) == before
    assert outside["LWA_APP_ID"] == "the developer's"


def test_the_demo_reads_nothing_outside_its_own_home(monkeypatch):
    """check_demo's environment: the mock's, and an empty home for every config folder.

    Before the shared recipe the demo set HOME only, so confuse's system-wide folder
    (XDG_CONFIG_DIRS unset: /etc/xdg) was still read.
    """
    seen = []
    real_check = doctor.check

    def spy(*args, **kwargs):
        seen.append(dict(kwargs["environ"]))
        return real_check(*args, **kwargs)

    monkeypatch.setattr(doctor, "check", spy)
    monkeypatch.setenv("XDG_CONFIG_DIRS", "/etc/xdg-of-this-machine")
    report = doctor.check_demo("happy", timeout=10)
    assert report.ok
    (environ,) = seen
    home = Path(environ["HOME"])
    assert home.name.startswith("spapi-demo-")
    assert not home.exists(), "the demo's home is removed afterwards"
    for name in ("XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "APPDATA"):
        assert Path(environ[name]).is_relative_to(home), name
    assert {name for name in environ if is_private(name)} <= {
        *ENV_NAMES,
        *ENDPOINT_VARIABLES,
        "SPAPI_MOCK_SCENARIO",
        "SPAPI_MOCK_APP_ID",
        "SPAPI_MOCK_REDIRECT_URI",
    }


def test_a_notebook_names_its_scenario_or_gets_the_happy_one():
    import nbformat

    notebook = nbformat.v4.new_notebook(metadata={"spapi": {"mock_scenario": "happy-eu"}})
    assert notebook_scenario(notebook) == "happy-eu"
    assert notebook_scenario(nbformat.v4.new_notebook()) == "happy"
    # The prefix notebooks/sanitize.cfg masks.
    sanitize = (Path(__file__).resolve().parents[1] / "notebooks" / "sanitize.cfg").read_text()
    assert NOTEBOOK_HOME_PREFIX.rstrip("-") in sanitize
