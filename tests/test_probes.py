"""The probes: what the doctor calls is read-only, agrees with Amazon's API models, and
covers every role an app can hold in each region."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from spapi_docs_helpers._probes import USAGE_PLANS, probe, probes, region_probes, role_probes
from spapi_docs_helpers._roles import REGION_CODES, role_model

MODELS = Path(__file__).resolve().parent / "data" / "amazon-models"
_USAGE_PLAN = re.compile(r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|")


def _model_operations() -> dict:
    """operationId → (method, path, operation object, model) over every vendored model."""
    found = {}
    for path in MODELS.glob("*.json"):
        model = json.loads(path.read_text(encoding="utf-8"))
        for route, methods in model.get("paths", {}).items():
            for method, operation in methods.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    found[operation["operationId"]] = (method.upper(), route, operation, model)
    return found


OPERATIONS = _model_operations()


def _parameters(operation, model) -> dict:
    out = {}
    for item in operation.get("parameters", []):
        if "$ref" in item:
            item = model["parameters"][item["$ref"].rsplit("/", 1)[1]]
        out[item["name"]] = item
    return out


@pytest.mark.parametrize("item", probes(), ids=lambda item: item.operation)
def test_every_probe_is_a_read_only_operation_of_the_role_model(item):
    spec = item.spec
    assert spec.read_only and not spec.grantless
    assert spec.roles, "a probe must be granted by some role"


@pytest.mark.parametrize("item", probes(), ids=lambda item: item.operation)
def test_every_probe_is_routed_as_amazons_model_says(item):
    method, route, _operation, _model = OPERATIONS[item.operation]
    assert (item.method, item.path) == (method, route)


@pytest.mark.parametrize("item", probes(), ids=lambda item: item.operation)
def test_every_probe_sends_only_parameters_the_model_defines(item):
    _method, _route, operation, model = OPERATIONS[item.operation]
    defined = _parameters(operation, model)
    for name, value in item.params.items():
        assert name in defined, f"{item.operation} has no parameter {name!r}"
        spec = defined[name]
        if spec.get("type") == "integer":
            number = int(value)
            assert spec.get("minimum", number) <= number <= spec.get("maximum", number)


@pytest.mark.parametrize("item", probes(), ids=lambda item: item.operation)
def test_the_usage_plan_used_to_rank_probes_is_amazons(item):
    _method, _route, operation, _model = OPERATIONS[item.operation]
    rate, burst = _USAGE_PLAN.search(operation["description"]).groups()
    assert USAGE_PLANS[item.operation] == (float(rate), int(burst))


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("searchCatalogItems", "marketplaceIds"),
        ("searchDefinitionsProductTypes", "marketplaceIds"),
        ("getInventorySummaries", "granularityType"),
        ("createRestrictedDataToken", "body"),
        ("getCompetitiveSummary", "requests"),
    ],
)
def test_a_probe_that_expects_a_400_leaves_out_what_the_model_requires(name, missing):
    item = probe(name)
    _method, _route, operation, model = OPERATIONS[name]
    parameters = _parameters(operation, model)
    if missing in parameters:
        assert parameters[missing].get("required") is True
        assert missing not in item.params
    else:
        # A body parameter whose schema requires a property the probe's body leaves out.
        body = next(p for p in parameters.values() if p.get("in") == "body")
        schema = body["schema"]
        if "$ref" in schema:
            schema = model["definitions"][schema["$ref"].rsplit("/", 1)[1]]
        assert missing in schema.get("required", [])
        assert missing not in json.loads(item.body)
    assert "400" in item.expect


def test_get_reports_leaves_out_report_types_which_amazon_says_it_needs():
    # Not "required" in the model (nextToken can replace it); the description says so.
    _method, _route, operation, model = OPERATIONS["getReports"]
    description = _parameters(operation, model)["reportTypes"]["description"]
    assert "reportTypes" not in probe("getReports").params
    assert "nextToken" not in probe("getReports").params
    assert "required" in description.lower()


@pytest.mark.parametrize("region", REGION_CODES)
@pytest.mark.parametrize("account_type", ["seller", "vendor"])
def test_region_probes_cover_every_role_that_grants_a_probe_there(region, account_type):
    """Whatever role an app holds, if it grants any probe in the region, some region probe
    is granted by it too: the region is found whatever the roles."""
    model = role_model()
    for role in model.holdable(account_type):
        any_probe = any(
            item.spec.granted({role}, region, account_type) for item in role_probes(region)
        )
        region_probe = any(
            item.spec.granted({role}, region, account_type) for item in region_probes(region)
        )
        assert region_probe == any_probe, role


@pytest.mark.parametrize("region", REGION_CODES)
@pytest.mark.parametrize("account_type", ["seller", "vendor"])
def test_every_role_that_grants_anything_in_a_region_grants_a_region_probe(region, account_type):
    """The roles verdict (roles-deny-every-probe) says the probes, between them, are granted
    by every role an app can hold: true only if no role that grants some operation of the
    model in the region is left out of the probes (the test above compares the probes with
    each other; this one compares them with the whole model)."""
    model = role_model()
    left_out = [
        role
        for role in sorted(model.holdable(account_type))
        if model.granting({role}, region, account_type)
        and not any(
            item.spec.granted({role}, region, account_type) for item in region_probes(region)
        )
    ]
    assert left_out == []


@pytest.mark.parametrize("region", REGION_CODES)
def test_region_probes_stay_few_and_start_with_the_participations(region):
    chosen = region_probes(region)
    assert chosen[0].operation == "getMarketplaceParticipations"
    assert len(chosen) <= 5
    assert len({item.operation for item in chosen}) == len(chosen)


def test_the_account_information_role_is_probed_in_europe_only():
    aisp = "Account Information Service Provider"
    eu = [item.operation for item in region_probes("EU") if aisp in item.spec.roles_in("EU")]
    assert eu and all(
        aisp not in item.spec.roles_in(region)
        for region in ("NA", "FE")
        for item in region_probes(region)
    )


def test_an_unknown_region_is_refused():
    with pytest.raises(ValueError, match="NA, EU, FE"):
        region_probes("US")


@pytest.mark.parametrize("item", probes(), ids=lambda item: item.operation)
def test_the_key_a_success_must_hold_is_in_the_models_answer(item):
    _method, _route, operation, model = OPERATIONS[item.operation]
    schema = operation["responses"]["200"]["schema"]
    if "$ref" in schema:
        schema = model["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    assert item.success_key in schema["properties"]
