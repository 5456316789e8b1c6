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
and the configuration folders (``~/.config/python-sp-api``, ``/etc/xdg``, ``~/.aws``) point
into the test's ``tmp_path``, so a developer's real credentials never mix in. That is the
package's one recipe for a clean machine (``spapi_docs_helpers.mock._isolation``), the same
the notebooks, the demo and this project's own tests use.

pytest loads this module in every run of every project installed in the environment,
so it imports nothing at import time beyond pytest itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # for the annotations only: the plugin imports the mock when a fixture runs
    from ._amazon import MockAmazon

MARKER = "mock_scenario"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name): the scenario the mock_amazon fixture starts (default: happy)",
    )


def _scenario_name(request: pytest.FixtureRequest) -> str:
    parameter = getattr(request, "param", None)
    if parameter is None:
        marker = request.node.get_closest_marker(MARKER)
        if marker is None:
            return "happy"
        if len(marker.args) != 1:
            pytest.fail(f"@pytest.mark.{MARKER} takes one scenario name", pytrace=False)
        parameter = marker.args[0]
    if not isinstance(parameter, str):
        pytest.fail(f"a mock scenario is named by a string, not {parameter!r}", pytrace=False)
    return parameter


@pytest.fixture
def mock_amazon(request: pytest.FixtureRequest) -> Iterator[MockAmazon]:
    """A running mock Amazon serving the test's scenario (see the module docstring)."""
    from spapi_docs_helpers.mock import MockAmazon, UnknownScenarioError

    try:
        amazon = MockAmazon(_scenario_name(request))
    except UnknownScenarioError as exc:
        pytest.fail(exc.args[0], pytrace=False)
    with amazon:
        yield amazon


@pytest.fixture
def mock_amazon_env(
    mock_amazon: MockAmazon, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> MockAmazon:
    """``mock_amazon``, with its environment applied to ``os.environ`` for the test, from
    an empty HOME in ``tmp_path`` (see the module docstring)."""
    # Imported here, not with the plugin: pytest loads the plugin in every run.
    from ._isolation import isolate_with

    isolate_with(monkeypatch, tmp_path / "mock-amazon-home")
    for name, value in mock_amazon.env.items():
        monkeypatch.setenv(name, value)
    return mock_amazon
