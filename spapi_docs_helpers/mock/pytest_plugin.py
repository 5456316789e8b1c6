"""pytest fixtures for the mock Amazon (registered as the ``spapi_mock_amazon`` plugin).

``mock_amazon`` starts a :class:`~spapi_docs_helpers.mock.MockAmazon` for one test and
stops it afterwards. The scenario is ``happy`` unless the test picks another::

    @pytest.mark.mock_scenario("revoked-refresh-token")
    def test_refused(mock_amazon): ...

    @pytest.mark.parametrize("mock_amazon", ["happy", "happy-eu"], indirect=True)
    def test_regions(mock_amazon): ...

``mock_amazon_env`` is the same mock, with its ``env`` applied to ``os.environ`` (and
every other variable the mock manages removed, so a developer's real credentials never
mix in) for the duration of the test.

pytest loads this module in every run of every project installed in the environment,
so it imports nothing at import time beyond pytest itself.
"""

from __future__ import annotations

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
    from spapi_docs_helpers._credentials import FIELDS
    from spapi_docs_helpers._endpoints import ENDPOINT_VARIABLES, ENV_MOCK_SCENARIO

    names = {*ENDPOINT_VARIABLES, ENV_MOCK_SCENARIO}
    for spec in FIELDS:
        names.add(spec.env)
        # python-amazon-sp-api reads <NAME>_<account> first; "default" is its default account.
        names.add(f"{spec.env}_default")
    names |= {
        "SP_API_AWS_SECRET_ID",
        "SP_API_DEFAULT_MARKETPLACE",
        "AWS_ENV",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
    }
    return names


@pytest.fixture
def mock_amazon_env(mock_amazon, monkeypatch):
    """``mock_amazon``, with its environment applied to ``os.environ`` for the test."""
    for name in _managed_variables():
        monkeypatch.delenv(name, raising=False)
    for name, value in mock_amazon.env.items():
        monkeypatch.setenv(name, value)
    return mock_amazon
