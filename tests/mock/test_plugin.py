"""The pytest plugin: the fixtures, the scenario marker, and a light import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mock_helpers import lwa_exchange


def test_default_scenario_is_happy(mock_amazon):
    assert mock_amazon.scenario.name == "happy"
    assert lwa_exchange(mock_amazon).status_code == 200
    # It does not talk to AWS, so moto is not started for it.
    assert mock_amazon.sts_url is None


@pytest.mark.mock_scenario("secrets-manager")
def test_a_scenario_that_talks_to_aws_gets_moto(mock_amazon):
    assert mock_amazon.secretsmanager_url is not None


@pytest.mark.mock_scenario("revoked-refresh-token")
def test_the_marker_picks_the_scenario(mock_amazon):
    assert lwa_exchange(mock_amazon).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("mock_amazon", ["happy-eu", "token-of-another-app"], indirect=True)
def test_indirect_parametrisation_picks_the_scenario(mock_amazon):
    assert mock_amazon.scenario.name in ("happy-eu", "token-of-another-app")
    assert mock_amazon.env["SPAPI_MOCK_SCENARIO"] == mock_amazon.scenario.name


# What a developer's shell may hold; mock_amazon_env must hide all of it.
DEVELOPERS_OWN = {
    "LWA_APP_ID_default": "amzn1.application-oa2-client.real",
    "SP_API_DEFAULT_MARKETPLACE": "DE",
    "SP_API_AWS_SECRET_ID": "my/real/secret",
    "PYTHON-SP-APIDIR": "/home/me/.sp-api",
    "AWS_PROFILE": "production",
    "AWS_CONFIG_FILE": "/home/me/.aws/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/home/me/.aws/credentials",
    "AWS_ENDPOINT_URL_SECRETSMANAGER": "https://secretsmanager.example",
}


@pytest.fixture
def developers_own_setup(monkeypatch):
    for name, value in DEVELOPERS_OWN.items():
        monkeypatch.setenv(name, value)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS"):
        monkeypatch.setenv(name, "/home/me")


@pytest.mark.mock_scenario("happy-legacy")
def test_env_fixture_applies_the_environment(developers_own_setup, mock_amazon_env, tmp_path):
    for name, value in mock_amazon_env.env.items():
        assert os.environ[name] == value
    for name in DEVELOPERS_OWN:
        assert name not in os.environ
    # ~/.config/python-sp-api, /etc/xdg and ~/.aws are the test's own, empty folders.
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS"):
        assert Path(os.environ[name]).is_relative_to(tmp_path), name


HEAVY = ("requests", "boto3", "botocore", "moto", "yaml")


def test_importing_the_plugin_imports_nothing_heavy():
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import spapi_docs_helpers.mock.pytest_plugin\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    imported = json.loads(result.stdout)
    assert [m for m in imported if m.split(".")[0] in HEAVY] == []
    assert [m for m in imported if m.startswith("spapi_docs_helpers")] == [
        "spapi_docs_helpers",
        "spapi_docs_helpers.mock",
        "spapi_docs_helpers.mock.pytest_plugin",
    ]
