"""SP-API: payloads valid against Amazon's models, denials exactly as Amazon sends them,
rate limits, request IDs, the sandbox, and the grantless secret rotation."""

from __future__ import annotations

import email.utils
import time
import uuid

import pytest
import requests
from mock_helpers import (
    PARTICIPATIONS,
    ROLE_PROBES,
    TIMEOUT_S,
    access_token,
    grantless_token,
    lwa_exchange,
    probe,
    sp_get,
)

ROTATE = "/applications/2023-11-30/clientSecret"
DENIED = "Access to requested resource is denied."


def _only_error(answer):
    (error,) = answer.json()["errors"]
    return answer.status_code, error["code"], error["message"], error.get("details")


def test_participations_match_the_sellers_model(start_mock, validate):
    amazon = start_mock("happy-eu")
    answer = sp_get(amazon, PARTICIPATIONS, access_token(amazon), region="EU")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.016"
    body = answer.json()
    validate(body, "GetMarketplaceParticipationsResponse")
    countries = [item["marketplace"]["countryCode"] for item in body["payload"]]
    assert countries == ["DE", "FR", "IT", "ES", "GB"]
    assert {item["storeName"] for item in body["payload"]} == {"Mock Store Europe"}


@pytest.mark.parametrize(
    ("token", "details"),
    [
        (None, "Access token is missing in the request header."),
        ("", "Access token is missing in the request header."),
        ("Atza|IwEBIgarbled", "The access token you provided is revoked, malformed or invalid."),
        ("refresh-token", "The access token you provided is revoked, malformed or invalid."),
    ],
)
def test_token_denials(start_mock, validate, token, details):
    amazon = start_mock()
    if token == "refresh-token":
        token = amazon.credentials["refresh_token"]
    answer = sp_get(amazon, PARTICIPATIONS, token)
    validate(answer.json(), "GetMarketplaceParticipationsResponse")
    assert _only_error(answer) == (403, "Unauthorized", DENIED, details)


def test_a_token_revoked_after_issue_is_refused(start_mock):
    amazon = start_mock()
    token = access_token(amazon)
    amazon.world.revoke("mock-app-1/mock-seller-na")
    assert _only_error(sp_get(amazon, PARTICIPATIONS, token))[3] == (
        "The access token you provided is revoked, malformed or invalid."
    )


def test_an_access_token_keeps_the_roles_it_was_issued_with(start_mock):
    amazon = start_mock()
    groups = "/finances/v0/financialEventGroups"
    before = access_token(amazon)
    app = amazon.world.apps["mock-app-1"]
    app.roles = app.roles - {"Finance and Accounting"}
    after = access_token(amazon)
    assert after != before
    assert sp_get(amazon, groups, before).status_code == 200
    assert _only_error(sp_get(amazon, groups, after)) == (403, "Unauthorized", DENIED, "")


def test_role_probes_need_their_parameters(start_mock, validate):
    amazon = start_mock()
    token = access_token(amazon)
    answer = sp_get(amazon, "/orders/v0/orders", token, params={"MarketplaceIds": "ATVPDKIKX0DER"})
    validate(answer.json(), "GetMarketplaceParticipationsResponse")
    # The shape python-amazon-sp-api#13 shows: no details, the parameters in brackets.
    assert answer.json() == {
        "errors": [
            {
                "code": "InvalidInput",
                "message": "Missing or invalid request parameters: [CreatedAfter, LastUpdatedAfter]",
            }
        ]
    }
    assert answer.status_code == 400
    answer = sp_get(
        amazon,
        "/orders/v0/orders",
        token,
        params={"MarketplaceIds": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2", "CreatedAfter": "2026-11-01"},
    )
    assert answer.status_code == 200
    assert answer.json()["payload"]["Orders"][0]["MarketplaceId"] == "ATVPDKIKX0DER"


def test_marketplaces_of_another_region_or_seller(start_mock):
    amazon = start_mock()
    token = access_token(amazon)
    params = {"MarketplaceIds": "A1PA6795UKMFR9", "CreatedAfter": "2026-11-01"}  # DE
    assert _only_error(sp_get(amazon, "/orders/v0/orders", token, params=params))[3] == (
        "The marketplaces you provided are not valid for region."
    )
    params["MarketplaceIds"] = "A2Q3Y263D00KWC"  # BR: NA, but the seller does not sell there
    assert _only_error(sp_get(amazon, "/orders/v0/orders", token, params=params))[3] == ""


@pytest.mark.parametrize("role", list(ROLE_PROBES))
def test_every_role_probe_has_its_real_top_level_shape(amazon, role):
    answer = probe(amazon, access_token(amazon), role)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == ROLE_PROBES[role][1]


MISSING_AUTHENTICATION_TOKEN = {"message": DENIED, "code": "MissingAuthenticationToken"}


@pytest.mark.parametrize("with_token", ["none", "garbled", "valid"])
def test_unknown_paths_and_methods_get_the_gateways_flat_403_whatever_the_token(
    start_mock, with_token
):
    amazon = start_mock()
    token = {"none": None, "garbled": "Atza|IwEBIgarbled", "valid": access_token(amazon)}[
        with_token
    ]
    headers = {} if token is None else {"x-amz-access-token": token}
    answers = [
        # failure-modes B4: the LWA token request sent to an SP-API host.
        requests.post(
            amazon.spapi_urls["NA"] + "/auth/o2/token", headers=headers, timeout=TIMEOUT_S
        ),
        requests.get(
            amazon.spapi_urls["EU"] + "/sellers/v2/nothing", headers=headers, timeout=TIMEOUT_S
        ),
        # A wrong method on a known path: gateways route (method, path) pairs.
        requests.delete(
            amazon.spapi_urls["NA"] + PARTICIPATIONS, headers=headers, timeout=TIMEOUT_S
        ),
        # An operation Amazon's role model lists for EU only, on the NA host.
        requests.get(
            amazon.spapi_urls["NA"] + "/sellers/v1/account", headers=headers, timeout=TIMEOUT_S
        ),
    ]
    for answer in answers:
        assert (answer.status_code, answer.json()) == (403, MISSING_AUTHENTICATION_TOKEN)
        assert answer.headers["Content-Type"] == "application/json"


def test_quota_exceeded_after_the_burst(start_mock, validate):
    amazon = start_mock()
    token = access_token(amazon)
    statuses = [sp_get(amazon, PARTICIPATIONS, token).status_code for _ in range(16)]
    assert statuses == [200] * 15 + [429]
    answer = sp_get(amazon, PARTICIPATIONS, token)
    validate(answer.json(), "GetMarketplaceParticipationsResponse")
    assert answer.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }


def test_rate_limits_can_be_switched_off(start_mock):
    amazon = start_mock(rate_limits=False)
    token = access_token(amazon)
    assert {sp_get(amazon, PARTICIPATIONS, token).status_code for _ in range(20)} == {200}


def test_every_answer_has_a_request_id_and_a_real_date(start_mock):
    amazon = start_mock()
    answers = [
        sp_get(amazon, PARTICIPATIONS),
        lwa_exchange(amazon),
        sp_get(amazon, PARTICIPATIONS, "Atza|x"),
        requests.get(amazon.sandbox_urls["FE"] + "/x", timeout=TIMEOUT_S),
    ]
    for answer in answers:
        uuid.UUID(answer.headers["x-amzn-RequestId"])
        sent = email.utils.parsedate_to_datetime(answer.headers["Date"])
        # The real clock (not the world's fixed one), to the second: a generous margin.
        assert abs(sent.timestamp() - time.time()) < 60
    ids = [a.headers["x-amzn-RequestId"] for a in answers]
    assert len(set(ids)) == len(ids)
    # The n-th answer of a host has the same ID in every run.
    again = start_mock()
    assert sp_get(again, PARTICIPATIONS).headers["x-amzn-RequestId"] == ids[0]


def test_sandbox_answers_canned_data_with_the_same_checks(start_mock, sellers_model):
    amazon = start_mock("happy-eu")
    token = access_token(amazon)
    answer = sp_get(amazon, PARTICIPATIONS, token, region="EU", sandbox=True)
    assert answer.status_code == 200
    canned = sellers_model["paths"][PARTICIPATIONS]["get"]["responses"]["200"][
        "x-amzn-api-sandbox"
    ]["static"][0]["response"]
    assert answer.json() == canned
    assert _only_error(sp_get(amazon, PARTICIPATIONS, token, sandbox=True))[3] == ""
    assert _only_error(sp_get(amazon, PARTICIPATIONS, sandbox=True))[3] == (
        "Access token is missing in the request header."
    )


def _rotate(amazon, token, *, region="NA", sandbox=False):
    base = (amazon.sandbox_urls if sandbox else amazon.spapi_urls)[region]
    return requests.post(base + ROTATE, headers={"x-amz-access-token": token}, timeout=TIMEOUT_S)


def test_rotation_rotates_the_secret_in_the_world(start_mock, validate):
    amazon = start_mock()
    old_secret = amazon.credentials["lwa_client_secret"]
    answer = _rotate(amazon, grantless_token(amazon))
    assert (answer.status_code, answer.content) == (204, b"")
    app = amazon.world.apps["mock-app-1"]
    assert app.previous_secret.value == old_secret
    assert app.current_secret.value != old_secret
    assert app.current_secret.value.startswith("amzn1.oa2-cs.v1.")
    # The old secret keeps working during its grace week; the new one works at once.
    assert lwa_exchange(amazon).status_code == 200
    assert lwa_exchange(amazon, client_secret=app.current_secret.value).status_code == 200
    # Burst 1: a second rotation right away is throttled.
    throttled = _rotate(amazon, grantless_token(amazon))
    validate(throttled.json(), "ErrorList", model="application")
    assert _only_error(throttled)[:2] == (429, "QuotaExceeded")


def test_every_rotation_issues_a_new_secret(start_mock):
    amazon = start_mock(rate_limits=False)
    app = amazon.world.apps["mock-app-1"]
    secrets = [app.current_secret.value]
    for _ in range(3):
        token = grantless_token(amazon, client_secret=secrets[-1])
        assert _rotate(amazon, token).status_code == 204
        secrets.append(app.current_secret.value)
    assert len(set(secrets)) == 4
    # The current secret and the one before it work; older ones are gone for good.
    statuses = [lwa_exchange(amazon, client_secret=secret).status_code for secret in secrets]
    assert statuses == [401, 401, 200, 200]


def test_rotation_refuses_seller_tokens_wrong_scopes_and_the_sandbox(start_mock, validate):
    amazon = start_mock()
    assert _only_error(_rotate(amazon, access_token(amazon)))[:2] == (403, "Unauthorized")
    notifications = grantless_token(amazon, "sellingpartnerapi::notifications")
    assert _only_error(_rotate(amazon, notifications))[:2] == (403, "Unauthorized")
    # A grantless token is no seller token either.
    assert _only_error(sp_get(amazon, PARTICIPATIONS, notifications))[3] == ""
    answer = _rotate(amazon, grantless_token(amazon), sandbox=True)
    validate(answer.json(), "ErrorList", model="application")
    assert _only_error(answer)[:2] == (400, "InvalidInput")
    assert "not enrolled for rotation notification" in answer.json()["errors"][0]["message"]
