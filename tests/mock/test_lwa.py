"""Login with Amazon: grants, errors in LWA's exact shape, secret rotation, determinism."""

from __future__ import annotations

import json

import pytest
import requests
from mock_helpers import ROTATION_SCOPE, TIMEOUT_S, lwa_exchange, lwa_form

from spapi_docs_helpers.mock import SCENARIOS

LWA_CONTENT_TYPE = "application/json;charset=UTF-8"


def _post(amazon, data=None, **options):
    return requests.post(amazon.lwa_url, data=data, timeout=TIMEOUT_S, **options)


def _error(answer):
    assert answer.headers["Content-Type"] == LWA_CONTENT_TYPE
    body = answer.json()
    assert list(body) == ["error_description", "error"]
    return answer.status_code, body["error"], body["error_description"]


def test_refresh_token_grant_returns_amazons_token_response(start_mock):
    amazon = start_mock()
    answer = lwa_exchange(amazon)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == LWA_CONTENT_TYPE
    assert answer.headers["Cache-Control"] == "no-cache, no-store"
    body = answer.json()
    assert list(body) == ["access_token", "refresh_token", "token_type", "expires_in"]
    assert body["access_token"].startswith("Atza|IwEBIMOCK")
    assert 300 < len(body["access_token"]) <= 2048
    assert body["refresh_token"] == amazon.credentials["refresh_token"]
    assert (body["token_type"], body["expires_in"]) == ("bearer", 3600)


def test_access_tokens_are_deterministic_across_mocks(start_mock):
    first = lwa_exchange(start_mock()).json()["access_token"]
    second = lwa_exchange(start_mock()).json()["access_token"]
    assert first == second
    other = lwa_exchange(start_mock("happy-eu")).json()["access_token"]
    assert other != first


@pytest.mark.parametrize(
    "scope",
    [
        ROTATION_SCOPE,
        "sellingpartnerapi::notifications",
        "sellingpartnerapi::notifications " + ROTATION_SCOPE,
    ],
)
def test_client_credentials_grant(start_mock, scope):
    amazon = start_mock()
    answer = _post(
        amazon,
        {
            "grant_type": "client_credentials",
            "scope": scope,
            "client_id": amazon.credentials["lwa_app_id"],
            "client_secret": amazon.credentials["lwa_client_secret"],
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["access_token", "scope", "token_type", "expires_in"]
    assert body["access_token"].startswith("Atc|")
    assert body["scope"] == scope


@pytest.mark.parametrize(
    "scope",
    [
        "sellingpartnerapi::migration",
        "SCOPE_MIGRATION_API",
        "",
        "sellingpartnerapi::client_credential::rotation",
    ],
)
def test_unknown_or_legacy_scope_is_invalid_scope(start_mock, scope):
    amazon = start_mock()
    answer = _post(
        amazon,
        {
            "grant_type": "client_credentials",
            "scope": scope,
            "client_id": amazon.credentials["lwa_app_id"],
            "client_secret": amazon.credentials["lwa_client_secret"],
        },
    )
    assert _error(answer) == (400, "invalid_scope", "The request has an invalid parameter : scope")


def test_json_body_is_read_like_amazons_java_sdk_sends_it(amazon):
    answer = requests.post(amazon.lwa_url, json=lwa_form(amazon.credentials), timeout=TIMEOUT_S)
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "content_type",
    [None, "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"],
)
def test_json_sent_as_anything_else_is_invalid_client(start_mock, content_type):
    # failure-modes B4: the client identifier cannot be read, so the client is unknown.
    amazon = start_mock()
    payload = json.dumps(lwa_form(amazon.credentials))
    headers = {"Content-Type": content_type} if content_type else {}
    answer = requests.post(
        amazon.lwa_url, data=payload.encode(), headers=headers, timeout=TIMEOUT_S
    )
    assert _error(answer) == (401, "invalid_client", "Client authentication failed")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"grant_type": None},
            (400, "invalid_request", "The request is missing a required parameter : grant_type"),
        ),
        (
            {"grant_type": "password"},
            (
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server",
            ),
        ),
        (
            {"refresh_token": None},
            (400, "invalid_request", "The request is missing a required parameter : refresh_token"),
        ),
        (
            {"refresh_token": "Atzr|IwEBInot-a-real-token"},
            (
                400,
                "invalid_grant",
                "The request has an invalid grant parameter : refresh_token. "
                "User may have revoked or didn't grant the permission.",
            ),
        ),
        ({"client_id": None}, (401, "invalid_client", "Client authentication failed")),
        ({"client_secret": None}, (401, "invalid_client", "Client authentication failed")),
        (
            {"grant_type": "authorization_code", "code": "ANdNAVhyhqirUelHGEHA"},
            (400, "invalid_grant", "The request has an invalid grant parameter : code"),
        ),
    ],
)
def test_request_errors(amazon, change, expected):
    assert _error(_post(amazon, lwa_form(amazon.credentials, **change))) == expected


def test_client_is_checked_before_the_grant(start_mock):
    # A wrong secret and a wrong token: LWA blames the client (failure-modes B2's asymmetry).
    amazon = start_mock("wrong-client-secret")
    answer = lwa_exchange(amazon, refresh_token="Atzr|IwEBInot-a-real-token")
    assert _error(answer)[:2] == (401, "invalid_client")


def test_repeated_parameter_is_invalid_request(start_mock):
    amazon = start_mock()
    values = amazon.credentials
    body = (
        f"grant_type=refresh_token&grant_type=refresh_token&client_id={values['lwa_app_id']}"
        f"&client_secret={values['lwa_client_secret']}"
    )
    answer = _post(amazon, body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert _error(answer)[:2] == (400, "invalid_request")


def test_other_methods_and_paths(start_mock):
    amazon = start_mock()
    answer = requests.get(amazon.lwa_url, timeout=TIMEOUT_S)
    assert _error(answer)[:2] == (405, "invalid_request")
    assert answer.headers["Allow"] == "POST"
    answer = requests.post(
        amazon.lwa_url.replace("/auth/o2/token", "/auth/o2/tokens"), timeout=TIMEOUT_S
    )
    assert _error(answer)[:2] == (404, "invalid_request")


def test_rotation_grace_week(start_mock):
    inside = start_mock("rotated-secret-in-grace-week")
    assert lwa_exchange(inside).status_code == 200
    app = inside.world.apps["mock-app-rotated-3-days-ago"]
    assert lwa_exchange(inside, client_secret=app.current_secret.value).status_code == 200
    after = start_mock("rotated-secret-after-grace-week")
    assert _error(lwa_exchange(after))[:2] == (401, "invalid_client")


def test_expired_secret_still_gets_a_token(start_mock):
    amazon = start_mock("expired-client-secret")
    assert lwa_exchange(amazon).status_code == 200


def test_revoking_after_issue_invalidates_the_grant(start_mock):
    amazon = start_mock()
    assert lwa_exchange(amazon).status_code == 200
    amazon.world.revoke("mock-app-1/mock-seller-na")
    assert _error(lwa_exchange(amazon))[:2] == (400, "invalid_grant")


def test_failures_are_logged_without_secrets(start_mock):
    amazon = start_mock("wrong-client-secret")
    lwa_exchange(amazon)
    (logged,) = amazon.requests
    assert (logged.service, logged.method, logged.path, logged.status, logged.error) == (
        "lwa",
        "POST",
        "/auth/o2/token",
        401,
        "invalid_client",
    )
    text = repr(amazon.requests)
    for value in SCENARIOS["wrong-client-secret"].credentials.values():
        if value:
            assert value not in text


def test_the_worlds_time_decides_secret_ages(start_mock):
    from datetime import timedelta

    from spapi_docs_helpers.mock import MOCK_NOW

    # Five days later, the secret rotated 3 days ago is 8 days past its rotation.
    later = start_mock("rotated-secret-in-grace-week", now=MOCK_NOW + timedelta(days=5))
    assert _error(lwa_exchange(later))[:2] == (401, "invalid_client")
