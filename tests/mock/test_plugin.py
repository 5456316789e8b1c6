"""The pytest plugin: the fixtures, the scenario marker, and a light import."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from mock_helpers import lwa_exchange


def test_default_scenario_is_happy(mock_amazon):
    assert mock_amazon.scenario.name == "happy"
    assert lwa_exchange(mock_amazon).status_code == 200


@pytest.mark.mock_scenario("revoked-refresh-token")
def test_the_marker_picks_the_scenario(mock_amazon):
    assert lwa_exchange(mock_amazon).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("mock_amazon", ["happy-eu", "token-of-another-app"], indirect=True)
def test_indirect_parametrisation_picks_the_scenario(mock_amazon):
    assert mock_amazon.scenario.name in ("happy-eu", "token-of-another-app")
    assert mock_amazon.env["SPAPI_MOCK_SCENARIO"] == mock_amazon.scenario.name


@pytest.fixture
def developers_own_credentials(monkeypatch):
    """What a developer's shell may hold; mock_amazon_env must hide it."""
    monkeypatch.setenv("LWA_APP_ID_default", "amzn1.application-oa2-client.real")
    monkeypatch.setenv("SP_API_DEFAULT_MARKETPLACE", "DE")


@pytest.mark.mock_scenario("happy-legacy")
def test_env_fixture_applies_the_environment(developers_own_credentials, mock_amazon_env):
    for name, value in mock_amazon_env.env.items():
        assert os.environ[name] == value
    assert "LWA_APP_ID_default" not in os.environ
    assert "SP_API_DEFAULT_MARKETPLACE" not in os.environ


def test_importing_the_plugin_imports_nothing_heavy():
    code = (
        "import sys, spapi_docs_helpers.mock.pytest_plugin\n"
        "print(sorted(m for m in sys.modules if m.startswith('spapi_docs_helpers')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == str(
        sorted(
            [
                "spapi_docs_helpers",
                "spapi_docs_helpers.mock",
                "spapi_docs_helpers.mock.pytest_plugin",
            ]
        )
    )
