"""Every scenario exists, starts, and answers over the wire the way its story says."""

from __future__ import annotations

import json
import re

import botocore.exceptions
import pytest
from mock_helpers import (
    lwa_exchange,
    no_retries,
    operation_key,
    partner_of,
    sp_call,
    user_sts,
)

from spapi_docs_helpers._catalogue import entry
from spapi_docs_helpers._credentials import FIELD_KEYS
from spapi_docs_helpers._endpoints import (
    ENV_LWA,
    ENV_MOCK_APP_ID,
    ENV_MOCK_NOTIFICATION_QUEUE,
    ENV_MOCK_REDIRECT_URI,
    ENV_MOCK_SCENARIO,
    ENV_REGION,
    ENV_SANDBOX,
    ENV_SECRETSMANAGER,
    ENV_SELLERCENTRAL,
    ENV_SQS,
    ENV_STS,
)
from spapi_docs_helpers._roles import REGION_CODES, role_model
from spapi_docs_helpers._sources import _read_secret_with_boto3
from spapi_docs_helpers.mock import SCENARIOS, MockAmazon, UnknownScenarioError, scenario
from spapi_docs_helpers.mock._spapi import ROUTES
from spapi_docs_helpers.mock._world import role_slug

# The failure-modes.md references a scenario may name (section headings A1 … E3).
FAILURE_MODES = {
    f"{letter}{n}"
    for letter, count in (("A", 8), ("B", 7), ("C", 6), ("D", 8), ("E", 3))
    for n in range(1, count + 1)
}
REQUIRED = (
    "happy",
    "happy-eu",
    "happy-legacy",
    "secrets-manager",
    "app-id-as-client-id",
    "wrong-client-secret",
    "rotated-secret-in-grace-week",
    "rotated-secret-after-grace-week",
    "expired-client-secret",
    "revoked-refresh-token",
    "truncated-refresh-token",
    "access-token-as-refresh-token",
    "token-of-another-app",
    "eu-token-called-on-na",
    "role-missing",
    "role-added-without-reauthorising",
    "no-roles",
    "roles-guide-example",
    "vendor",
    "sandbox-only-app",
    "restricted-role-only",
    "user-without-assume-role",
    "user-arn-as-role-arn",
    "swapped-aws-keys",
    "unknown-access-key",
    "wrong-secret-key",
    "temporary-keys-without-session-token",
)


def test_the_required_scenarios_exist_and_names_are_kebab_case():
    assert set(REQUIRED) <= set(SCENARIOS)
    for name in SCENARIOS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    assert scenario("happy") is SCENARIOS["happy"]


def test_an_unknown_scenario_names_the_real_ones():
    with pytest.raises(UnknownScenarioError) as raised:
        scenario("hapy")
    assert "happy-eu" in str(raised.value)
    with pytest.raises(UnknownScenarioError):
        MockAmazon("hapy")


@pytest.mark.parametrize("item", SCENARIOS.values(), ids=list(SCENARIOS))
def test_scenario_data_is_complete_and_uses_catalogue_codes(item):
    assert item.title and item.story and len(item.story) > 80
    assert item.failure_mode is None or item.failure_mode in FAILURE_MODES
    for code, blamed in item.expect:
        known = entry(code)  # KeyError: a code the catalogue lacks
        assert blamed is None or blamed in FIELD_KEYS
        # A finding blames the field its entry names, or whichever field it is about when
        # the entry is generic (whitespace-around), or none at all (role-missing blames the
        # app's roles: no credential).
        assert blamed is None or known.field in (None, blamed), (code, blamed)
    has_aws = item.credentials["aws_access_key"] is not None
    assert has_aws == (item.path == "legacy")
    assert (item.wire.caller_identity is not None) == has_aws


def test_sample_values_are_well_formed_and_recognisably_fake():
    happy = SCENARIOS["happy"].credentials
    assert re.fullmatch(r"amzn1\.application-oa2-client\.[0-9a-f]{32}", happy["lwa_app_id"])
    assert re.fullmatch(r"amzn1\.oa2-cs\.v1\.[0-9a-f]{64}", happy["lwa_client_secret"])
    assert re.fullmatch(r"Atzr\|IwEBIMOCK[A-Za-z0-9_-]+", happy["refresh_token"])
    assert 300 < len(happy["refresh_token"]) <= 2048
    legacy = SCENARIOS["happy-legacy"].credentials
    assert legacy["aws_access_key"] == "AKIAIOSFODNN7EXAMPLE"
    assert legacy["role_arn"] == "arn:aws:iam::123456789012:role/SellingPartnerAPIRole"
    for item in SCENARIOS.values():
        key = item.credentials["aws_access_key"]
        if key is not None and key.startswith(("AKIA", "ASIA")):
            assert re.fullmatch(r"A[KS]IA[A-Z0-9]{16}", key) and key.endswith("EXAMPLE")
    assert len(SCENARIOS["truncated-refresh-token"].credentials["refresh_token"]) < 60


LWA_VARIABLES = {"SP_API_REFRESH_TOKEN", "LWA_APP_ID", "LWA_CLIENT_SECRET"}
AWS_FIELD_VARIABLES = {"SP_API_ACCESS_KEY", "SP_API_SECRET_KEY", "SP_API_ROLE_ARN"}
ENDPOINTS = {ENV_LWA, *ENV_REGION.values(), *ENV_SANDBOX.values(), ENV_MOCK_SCENARIO}
# The consent pages, and the OAuth app a user authorises there (spapi-doctor authorize).
CONSENT = {ENV_SELLERCENTRAL, ENV_MOCK_APP_ID, ENV_MOCK_REDIRECT_URI}


@pytest.mark.parametrize(
    ("name", "fields", "variables"),
    [
        ("happy", {"refresh_token", "lwa_app_id", "lwa_client_secret"}, LWA_VARIABLES),
        (
            "happy-legacy",
            {
                "refresh_token",
                "lwa_app_id",
                "lwa_client_secret",
                "aws_access_key",
                "aws_secret_key",
                "role_arn",
            },
            # The AWS part brings SQS and the notification queue its apps registered.
            LWA_VARIABLES
            | AWS_FIELD_VARIABLES
            | {ENV_STS, ENV_SECRETSMANAGER, ENV_SQS, ENV_MOCK_NOTIFICATION_QUEUE},
        ),
    ],
)
def test_the_environment_holds_exactly_what_a_client_needs(start_mock, name, fields, variables):
    amazon = start_mock(name)
    assert set(amazon.credentials) == fields
    assert set(amazon.env) == ENDPOINTS | CONSENT | variables
    assert amazon.env[ENV_MOCK_SCENARIO] == name
    assert amazon.env["LWA_APP_ID"] == amazon.credentials["lwa_app_id"]
    if "aws_access_key" in fields:
        assert amazon.env["SP_API_ACCESS_KEY"] == "AKIAIOSFODNN7EXAMPLE"


def test_secrets_manager_scenario_keeps_lwa_values_out_of_the_environment(start_mock):
    amazon = start_mock("secrets-manager")
    assert not LWA_VARIABLES & set(amazon.env)
    assert {
        "SP_API_AWS_SECRET_ID",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
    } <= set(amazon.env)
    # Read with the environment alone, as python-amazon-sp-api (and the checker) read it.
    secret = json.loads(_read_secret_with_boto3(amazon.env["SP_API_AWS_SECRET_ID"], amazon.env))
    assert secret == {
        "SP_API_REFRESH_TOKEN": amazon.credentials["refresh_token"],
        "LWA_APP_ID": amazon.credentials["lwa_app_id"],
        "LWA_CLIENT_SECRET": amazon.credentials["lwa_client_secret"],
    }


def test_boto3_follows_the_secrets_manager_endpoint_variable(start_mock, monkeypatch):
    # Imported here: every pytest-xdist worker imports this module to collect it.
    import boto3

    amazon = start_mock("secrets-manager")
    for name, value in amazon.env.items():
        monkeypatch.setenv(name, value)
    # No endpoint_url, no keys, no region: all from the environment. A variable name
    # botocore does not read would send this call to the real AWS, and fail.
    client = boto3.client("secretsmanager", config=no_retries())
    answer = client.get_secret_value(SecretId=amazon.env["SP_API_AWS_SECRET_ID"])
    assert json.loads(answer["SecretString"])["LWA_APP_ID"] == amazon.credentials["lwa_app_id"]


def test_reading_the_secret_without_an_aws_identity_fails_as_boto3_does(start_mock, monkeypatch):
    # No instance metadata either: the machine's own identity must not answer.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    amazon = start_mock("happy", aws=True)
    env = {**amazon.env, "AWS_DEFAULT_REGION": "us-east-1"}
    with pytest.raises(botocore.exceptions.NoCredentialsError):
        _read_secret_with_boto3("spapi-docs/mock/sp-api-credentials", env)


def test_every_role_of_the_model_has_a_scenario_of_its_own():
    assert {f"role-only-{role_slug(role)}" for role in role_model().roles} <= set(SCENARIOS)


@pytest.mark.parametrize("item", SCENARIOS.values(), ids=list(SCENARIOS))
def test_no_scenario_blames_a_credential_lwa_accepted_for_an_sp_api_denial(item):
    if item.wire.lwa[0] != 200:
        return
    lwa_fields = {"refresh_token", "lwa_app_id", "lwa_client_secret"}
    blamed = {field for _code, field in item.expect if field in lwa_fields}
    # Only SP-API's own words may blame one: "The LWA secret token you provided has expired."
    allowed = {"lwa_client_secret"} if item.wire.refusal.startswith("The LWA secret") else set()
    assert blamed <= allowed, blamed


def _sts_outcome(call) -> str:
    try:
        call()
    except botocore.exceptions.ClientError as error:
        # botocore cannot file an S3-shaped error under "Error" (moto's answer to keys
        # with a slash, see swapped-aws-keys); the code is then at the top level.
        return error.response.get("Error", {}).get("Code") or error.response["Code"]
    return "ok"


# Every operation a seller or vendor token may call (grantless ones take another token).
SELLER_ROUTES = [route for route in ROUTES if not route.operation.grantless]


# Another region refuses a token whatever the operation (the gateway's answer, before any
# role is looked at): test_another_region_refuses_a_token_whatever_the_operation shows it for
# every route, once; each scenario then shows its own refusal there with two routes. In the
# token's own region the test asserts only that some call passes and what the Wire's
# operations answer: those operations and a quarter of the routes are called there (which
# roles open which route is tests/mock/test_gate.py's, over the wire).
SAMPLED_ROUTES = SELLER_ROUTES[::4]
OTHER_REGION_ROUTES = SAMPLED_ROUTES[:2]


def _scan(amazon, token, partner, sandbox, region_of_token, operations):
    """region -> operation key -> answer: in the token's region the sample of the seller
    routes and the ``operations`` (route keys), or every seller route when no region should
    let the token through; in the other regions OTHER_REGION_ROUTES (each answer is
    asserted)."""

    # sp_call's client keeps one connection per endpoint alive (see mock_helpers.client).
    def routes(region):
        if region != (region_of_token or partner.region):
            return OTHER_REGION_ROUTES
        if region_of_token is None:
            return SELLER_ROUTES
        return [r for r in SELLER_ROUTES if r in SAMPLED_ROUTES or r.key in operations]

    return {
        region: {
            route.key: sp_call(
                amazon, route.key, token, partner=partner, region=region, sandbox=sandbox
            )
            for route in routes(region)
        }
        for region in REGION_CODES
    }


def _passed(answer) -> bool:
    """The gateway let the call through: a 2xx, or the service's own 400 or 404."""
    return answer.status_code < 300 or answer.status_code in (400, 404)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_wire_behaviour(name, start_mock):
    item = SCENARIOS[name]
    amazon = start_mock(name)
    wire = item.wire

    answer = lwa_exchange(amazon)
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = answer.json()
    assert (answer.status_code, body.get("error")) == wire.lwa
    if answer.status_code == 200:
        token = body["access_token"]
        partner = partner_of(amazon)
        assert partner.account_type == wire.account_type
        operations = {operation_key(operation) for operation in wire.operations}
        for sandbox, expected_region in ((False, wire.region), (True, wire.sandbox_region)):
            answers = _scan(amazon, token, partner, sandbox, expected_region, operations)
            passed = [r for r in REGION_CODES if any(map(_passed, answers[r].values()))]
            assert passed == ([expected_region] if expected_region else []), (sandbox, passed)
            for region in REGION_CODES:
                if region == expected_region:
                    continue
                worded = 0
                for key, reply in answers[region].items():
                    assert reply.status_code == 403, (region, key)
                    error = reply.json()
                    if error.get("code") == "MissingAuthenticationToken":
                        continue  # an operation that does not exist in this region
                    assert error["errors"][0]["details"] == wire.refusal, (region, key)
                    worded += 1
                assert worded, f"no route of {region} showed the scenario's refusal"
            if sandbox == wire.sandbox and expected_region:
                for operation, status in wire.operations.items():
                    reply = answers[expected_region][operation_key(operation)]
                    assert reply.status_code == status, (operation, reply.text)
        assert wire.operations == {} or wire.region or wire.sandbox
    else:
        assert (wire.region, wire.sandbox_region, wire.account_type) == (None, None, None)

    if wire.caller_identity is not None:
        creds = amazon.credentials
        sts = user_sts(amazon)
        assert _sts_outcome(sts.get_caller_identity) == wire.caller_identity
        assert (
            _sts_outcome(lambda: sts.assume_role(RoleArn=creds["role_arn"], RoleSessionName="guid"))
            == wire.assume_role
        )


@pytest.mark.parametrize("sandbox", [False, True], ids=["production", "sandbox"])
def test_another_region_refuses_a_token_whatever_the_operation(start_mock, sandbox):
    """Every seller route of Europe and the Far East refuses a North American seller's token
    with the same answer (a route Amazon does not run there: the gateway's own), whatever
    roles would open it at home; test_scenario_wire_behaviour relies on it to call only two
    routes per scenario there."""
    amazon = start_mock("happy")
    token = lwa_exchange(amazon).json()["access_token"]
    partner = partner_of(amazon)
    assert partner.region == "NA"
    for region in ("EU", "FE"):
        refused = set()
        for route in SELLER_ROUTES:
            reply = sp_call(
                amazon, route.key, token, partner=partner, region=region, sandbox=sandbox
            )
            assert reply.status_code == 403, (region, route.key)
            error = reply.json()
            if error.get("code") == "MissingAuthenticationToken":
                continue
            assert error["errors"][0]["details"] == SCENARIOS["happy"].wire.refusal
            refused.add(route.key)
        # The two routes each scenario calls there are among those it answers.
        assert {route.key for route in OTHER_REGION_ROUTES} <= refused, region
