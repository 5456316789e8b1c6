"""Client-side helpers the mock's tests share: plain HTTP calls, each with a timeout."""

from __future__ import annotations

import requests

# Every client call in these tests has a timeout, so no fault can hang the suite.
TIMEOUT_S = 5
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"


def lwa_exchange(amazon, credentials=None, **overrides):
    """POST the refresh-token grant to the mock's LWA; returns the requests Response."""
    values = credentials or amazon.credentials
    form = {
        "grant_type": "refresh_token",
        "refresh_token": values["refresh_token"],
        "client_id": values["lwa_app_id"],
        "client_secret": values["lwa_client_secret"],
    }
    form.update(overrides)
    return requests.post(amazon.lwa_url, data=form, timeout=TIMEOUT_S)


def access_token(amazon, **overrides) -> str:
    answer = lwa_exchange(amazon, **overrides)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def grantless_token(amazon, scope=ROTATION_SCOPE) -> str:
    values = amazon.credentials
    answer = requests.post(
        amazon.lwa_url,
        timeout=TIMEOUT_S,
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_id": values["lwa_app_id"],
            "client_secret": values["lwa_client_secret"],
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def sp_get(amazon, path, token=None, *, region="NA", sandbox=False, params=None):
    base = (amazon.sandbox_urls if sandbox else amazon.spapi_urls)[region]
    headers = {} if token is None else {"x-amz-access-token": token}
    return requests.get(base + path, headers=headers, params=params, timeout=TIMEOUT_S)
