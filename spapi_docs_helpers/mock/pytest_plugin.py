"""pytest fixtures for the mock Amazon (registered as the ``spapi_mock_amazon`` plugin).

``mock_amazon`` starts a :class:`~spapi_docs_helpers.mock.MockAmazon` for one test and
stops it afterwards. The scenario is ``happy`` unless the test picks another::

    @pytest.mark.mock_scenario("revoked-refresh-token")
    def test_refused(mock_amazon): ...

    @pytest.mark.parametrize("mock_amazon", ["happy", "happy-eu"], indirect=True)
    def test_regions(mock_amazon): ...

The mock runs STS and Secrets Manager (moto) only for the scenarios that talk to AWS.

``mock_amazon_env`` is the same mock, with its ``env`` applied to ``os.environ`` for the
duration of the test, on a machine that holds nothing of the developer's: every other
variable a credential, an endpoint or an AWS setting could come from is removed, and HOME
and the configuration folders (``~/.config/python-sp-api``, ``~/.aws``) point into the
test's ``tmp_path``, so a developer's real credentials never mix in.

pytest loads this module in every run of every project installed in the environment,
so it imports nothing at import time beyond pytest itself.
"""

from __future__ import annotations

import os

import pytest

MARKER = "mock_scenario"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name): the scenario the mock_amazon fixture starts (default: happy)",
    )


def _scenario_name(request) -> str:
    parameter = getattr(request, "param", None)
    if parameter is not None:
        return parameter
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if len(marker.args) != 1:
            pytest.fail(f"@pytest.mark.{MARKER} takes one scenario name", pytrace=False)
        return marker.args[0]
    return "happy"


@pytest.fixture
def mock_amazon(request):
    """A running mock Amazon serving the test's scenario (see the module docstring)."""
    from spapi_docs_helpers.mock import MockAmazon, UnknownScenarioError

    try:
        amazon = MockAmazon(_scenario_name(request))
    except UnknownScenarioError as exc:
        pytest.fail(exc.args[0], pytrace=False)
    with amazon:
        yield amazon


def _managed_variables() -> set:
    """Every variable a mock's env may set, or that could override what it sets."""
    # Imported here, not with the plugin: pytest loads the plugin in every run.
    from spapi_docs_helpers._endpoints import ENDPOINT_VARIABLES
    from spapi_docs_helpers._sources import (
        CONFIG_DIR_VARIABLE,
        ENV_NAMES,
        OTHER_KNOWN_VARIABLES,
        SECRET_ID_VARIABLE,
    )

    names = {*ENV_NAMES, *OTHER_KNOWN_VARIABLES, SECRET_ID_VARIABLE, CONFIG_DIR_VARIABLE}
    names |= set(ENDPOINT_VARIABLES)
    # python-amazon-sp-api reads <NAME>_<account> first; "default" is its default account.
    names |= {f"{name}_default" for name in ENV_NAMES}
    return names


@pytest.fixture
def mock_amazon_env(mock_amazon, monkeypatch, tmp_path):
    """``mock_amazon``, with its environment applied to ``os.environ`` for the test, from
    an empty HOME in ``tmp_path`` (see the module docstring)."""
    for name in _managed_variables():
        monkeypatch.delenv(name, raising=False)
    # boto3's whole configuration: keys, profile, region, AWS_CONFIG_FILE,
    # AWS_SHARED_CREDENTIALS_FILE, endpoints...
    for name in list(os.environ):
        if name.upper().startswith("AWS_"):
            monkeypatch.delenv(name)
    home = tmp_path / "mock-amazon-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    # Unset, confuse would read /etc/xdg: an empty folder keeps it in the sandbox.
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(home / "xdg"))
    monkeypatch.setenv("APPDATA", str(home / "AppData" / "Roaming"))
    for name, value in mock_amazon.env.items():
        monkeypatch.setenv(name, value)
    return mock_amazon
