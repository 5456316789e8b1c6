"""The mock's routes against Amazon's own documents: it serves what the role model lists,
with the method, path, usage plan and parameters of Amazon's API models."""

from __future__ import annotations

import re

import pytest
from mock_helpers import valid_calls

from spapi_docs_helpers._roles import role_model
from spapi_docs_helpers.mock._spapi import (
    ROUTES,
    Enum,
    ExactlyOne,
    IntRange,
    MaxItems,
    NotTogether,
    OneOf,
    RequiredWhen,
    Requires,
)
from spapi_docs_helpers.mock._world import SELLER_NA, default_world

# The first row of numbers after the "Usage Plan" heading: | rate | burst |, or
# | Default | rate | burst | in the tables that list plan types.
USAGE_PLAN = re.compile(r"\|\s*(?:Default\s*\|\s*)?(\.?\d[\d.]*)\s*\|\s*(\d+)\s*\|")
IDS = [route.key for route in ROUTES]


def _parameters(operation, model, location):
    """The operation's parameters in ``location`` ("query", "path", "body"), by name."""
    found = {}
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = model["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == location:
            found[parameter["name"]] = parameter
    return found


def _model_of(api_models, route):
    return api_models[(route.method, route.path)]


def test_every_read_only_operation_of_the_role_model_is_served():
    served = {route.key for route in ROUTES}
    wanted = {op.key for op in role_model().operations if op.read_only}
    wanted.add(role_model().operation("rotateApplicationClientSecret").key)
    assert served == wanted
    assert len(IDS) == len(set(IDS))


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_the_route_is_an_operation_of_amazons_models(route, api_models):
    assert (route.method, route.path) in api_models, "no model has this method and path"
    _name, operation, _model = _model_of(api_models, route)
    assert operation["operationId"] == route.name


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_the_usage_plan_is_the_models(route, api_models):
    _name, operation, _model = _model_of(api_models, route)
    description = operation["description"]
    heading = description.lower().find("usage plan")
    assert heading >= 0, "no usage plan in the operation's description"
    match = USAGE_PLAN.search(description, heading)
    assert match, "no usage plan table in the operation's description"
    assert (route.rate, route.burst) == (float(match[1]), int(match[2]))


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_required_parameters_and_rules_are_the_models(route, api_models):
    _name, operation, model = _model_of(api_models, route)
    query = _parameters(operation, model, "query")
    assert set(route.required) == {name for name, spec in query.items() if spec.get("required")}
    for rule in route.rules:
        named = {
            OneOf: lambda r: r.names,
            ExactlyOne: lambda r: r.names,
            NotTogether: lambda r: (r.first, r.second),
            Requires: lambda r: (r.given, r.needed),
            RequiredWhen: lambda r: (r.needed, r.when),
            Enum: lambda r: (r.name,),
            MaxItems: lambda r: (r.name,),
            IntRange: lambda r: (r.name,),
        }[type(rule)](rule)
        assert set(named) <= set(query), (rule, "names a parameter the model does not have")
        if isinstance(rule, Enum):
            spec = query[rule.name]
            allowed = spec.get("enum") or spec.get("items", {}).get("enum")
            assert rule.allowed == set(allowed), rule
        # A limit is in the parameter's schema, or (some models) only in its description.
        if isinstance(rule, MaxItems):
            spec = query[rule.name]
            if "maxItems" in spec:
                assert rule.limit == spec["maxItems"], rule
            else:
                assert rule.limit == 1 and "only one" in spec["description"].lower(), rule
        if isinstance(rule, IntRange):
            spec = query[rule.name]
            if "maximum" in spec:
                assert (rule.low, rule.high) == (spec.get("minimum", 1), spec["maximum"]), rule
            else:
                stated = re.search(r"(\d+) (?:-|and) (\d+)", spec["description"])
                assert stated and (rule.low, rule.high) == tuple(map(int, stated.groups()))
    if route.marketplace_parameter is not None:
        assert route.marketplace_parameter in query


def _resolve(model, schema):
    while "$ref" in schema:
        schema = model["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        merged = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(model, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def _required_fields(model, schema, shape):
    """Pairs (the model's required fields, the mock's required keys) at every object level
    the mock's body shape describes."""
    schema = _resolve(model, schema)
    if isinstance(shape, list):
        yield from _required_fields(model, schema["items"], shape[0])
    elif isinstance(shape, dict):
        mine = {key for key in shape if not key.endswith("?")}
        yield set(schema.get("required", [])), mine, schema
        for key, inner in shape.items():
            name = key.rstrip("?")
            assert name in schema.get("properties", {}), name
            yield from _required_fields(model, schema["properties"][name], inner)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.body is not None], ids=lambda r: r.key)
def test_body_shapes_require_what_the_model_requires(route, api_models):
    _name, operation, model = _model_of(api_models, route)
    (body,) = _parameters(operation, model, "body").values()
    assert body["required"]
    for theirs, mine, _schema in _required_fields(model, body["schema"], route.body):
        # The mock may require more only where the use-case guide does (FeesEstimateRequest
        # is optional in the model, but an estimate needs it).
        assert theirs <= mine, (theirs, mine)


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_the_tests_valid_calls_use_the_models_parameters(route, api_models):
    _name, operation, model = _model_of(api_models, route)
    partner = default_world().partners[SELLER_NA]
    path, params, body = valid_calls(partner)[route.key]
    assert route.pattern.fullmatch(path), path
    assert set(params) <= set(_parameters(operation, model, "query"))
    assert (body is not None) == (route.body is not None)


def test_grantless_routes_name_a_scope_and_no_other_route_does():
    for route in ROUTES:
        assert (route.scope is not None) == route.operation.grantless, route.key
