"""Fixtures for the mock Amazon's tests: every test talks to real servers over loopback.

``start_mock`` starts mocks and, when the test ends, stops them and checks that nothing
unexpected happened inside (``amazon.errors`` is empty) unless the test says otherwise;
``amazon`` is one such mock, of the happy scenario.
The reference models (``sellers.json``, ``application_2023-11-30.json``...) are Amazon's
published API models, vendored under ``tests/data/amazon-models``; the package never reads them.
``api_models`` indexes them by route, ``validate_answer`` checks an answer against them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from spapi_docs_helpers.mock import MockAmazon

MODELS = Path(__file__).resolve().parents[1] / "data" / "amazon-models"


@pytest.fixture
def start_mock():
    """``start_mock(scenario="happy", allow_errors=False, **options)`` → a running mock."""
    started = []

    def start(scenario="happy", *, allow_errors=False, **options):
        amazon = MockAmazon(scenario, **options).start()
        started.append((amazon, allow_errors))
        return amazon

    yield start
    for amazon, allow_errors in started:
        amazon.stop()
        if not allow_errors:
            assert amazon.errors == [], "unexpected exceptions inside the mock"


@pytest.fixture
def amazon(start_mock):
    """A running mock of the happy scenario (LWA and SP-API only: it needs no AWS)."""
    return start_mock()


def _model(name):
    return json.loads((MODELS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sellers_model():
    return _model("sellers.json")


@pytest.fixture(scope="session")
def application_model():
    return _model("application_2023-11-30.json")


@pytest.fixture(scope="session")
def api_models():
    """(method, path) -> (file name, operation object, whole model) for every operation of
    every vendored model."""
    found = {}
    for path in sorted(MODELS.glob("*.json")):
        model = json.loads(path.read_text(encoding="utf-8"))
        for route, item in model["paths"].items():
            for method, operation in item.items():
                if method != "parameters":
                    found[(method.upper(), route)] = (path.name, operation, model)
    return found


@pytest.fixture(scope="session")
def validate_answer(api_models):
    """``validate_answer(route, answer)``: the answer's JSON body against the schema the
    operation's model gives for the answer's status."""
    import jsonschema

    validators = {}

    def check(route, answer):
        key = (route.method, route.path, answer.status_code)
        if key not in validators:
            _name, operation, model = api_models[(route.method, route.path)]
            response = operation["responses"][str(answer.status_code)]
            schema = {**response["schema"], "definitions": model["definitions"]}
            # Swagger 2.0 schemas are JSON Schema draft 4. The schema is checked once; each
            # answer is then validated without checking the (large) schema again.
            jsonschema.Draft4Validator.check_schema(schema)
            validators[key] = jsonschema.Draft4Validator(schema)
        validators[key].validate(answer.json())

    return check


@pytest.fixture(scope="session")
def validate(sellers_model, application_model):
    """``validate(instance, "GetMarketplaceParticipationsResponse")`` against a model's
    definitions (sellers.json first, then the Application Management model)."""
    import jsonschema

    validators = {}

    def check(instance, definition, *, model="sellers"):
        if (model, definition) not in validators:
            source = sellers_model if model == "sellers" else application_model
            schema = {"$ref": f"#/definitions/{definition}", "definitions": source["definitions"]}
            jsonschema.Draft4Validator.check_schema(schema)
            validators[(model, definition)] = jsonschema.Draft4Validator(schema)
        validators[(model, definition)].validate(instance)

    return check


@pytest.fixture
def restore_logging():
    """amzn-sp-api calls logging.basicConfig(INFO) when imported and adds a handler to
    its loggers per client: put the logging configuration back afterwards."""
    names = ("", "spapi", "urllib3", "spapi.auth.lwa_request")
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
        for name in names
    }
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for handler in list(logger.handlers):
            if handler not in handlers:
                logger.removeHandler(handler)
