"""Faults and latency: every kind, on every service, seen by a client with a timeout."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ElementTree

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import botocore.parsers
import pytest
import requests
from mock_helpers import (
    PARTICIPATIONS,
    TIMEOUT_S,
    access_token,
    grantless_token,
    lwa_exchange,
    sp_get,
    user_sts,
)

from spapi_docs_helpers.mock import FAULT_KINDS

SERVICES = ("lwa", "spapi", "sts", "secretsmanager")
STATUS_FAULTS = {"server-error": 500, "unavailable": 503, "throttled": 429}
# The code each service's own error body gives to each status fault.
ERROR_CODES = {
    "lwa": {
        "server-error": "server_error",
        "unavailable": "temporarily_unavailable",
        "throttled": "temporarily_unavailable",
    },
    "spapi": {
        "server-error": "InternalFailure",
        "unavailable": "ServiceUnavailable",
        "throttled": "QuotaExceeded",
    },
    "sts": {
        "server-error": "InternalFailure",
        "unavailable": "ServiceUnavailable",
        "throttled": "Throttling",
    },
    "secretsmanager": {
        "server-error": "InternalServiceError",
        "unavailable": "ServiceUnavailable",
        "throttled": "ThrottlingException",
    },
}
ROTATE = "/applications/2023-11-30/clientSecret"


def _signed_post(url, signing_name, body, headers, access_key, secret_key, timeout):
    """A SigV4-signed POST, sent with requests (so that the raw answer can be inspected)."""
    request = botocore.awsrequest.AWSRequest("POST", url, data=body, headers=headers)
    credentials = botocore.credentials.Credentials(access_key, secret_key)
    botocore.auth.SigV4Auth(credentials, signing_name, "us-east-1").add_auth(request)
    return requests.post(url, data=body, headers=dict(request.headers.items()), timeout=timeout)


def _target(start_mock, service):
    """A mock, and call(timeout=...): one request to ``service`` that normally succeeds."""
    if service == "lwa":
        amazon = start_mock()
        return amazon, lambda timeout=TIMEOUT_S: lwa_exchange(amazon, timeout=timeout)
    if service == "spapi":
        amazon = start_mock()
        token = access_token(amazon)
        return amazon, lambda timeout=TIMEOUT_S: sp_get(
            amazon, PARTICIPATIONS, token, timeout=timeout
        )
    if service == "sts":
        amazon = start_mock("happy-legacy")
        creds = amazon.credentials

        def call(timeout=TIMEOUT_S):
            return _signed_post(
                amazon.sts_url + "/",
                "sts",
                "Action=GetCallerIdentity&Version=2011-06-15",
                {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                creds["aws_access_key"],
                creds["aws_secret_key"],
                timeout,
            )

        return amazon, call
    amazon = start_mock("secrets-manager")
    env = amazon.env

    def call(timeout=TIMEOUT_S):
        return _signed_post(
            amazon.secretsmanager_url + "/",
            "secretsmanager",
            json.dumps({"SecretId": env["SP_API_AWS_SECRET_ID"]}),
            {
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "secretsmanager.GetSecretValue",
            },
            env["AWS_ACCESS_KEY_ID"],
            env["AWS_SECRET_ACCESS_KEY"],
            timeout,
        )

    return amazon, call


def _error_code(service, answer) -> str:
    """The error code of ``answer``, read the way the service's clients read it."""
    content_type = answer.headers["Content-Type"]
    if service == "lwa":
        assert content_type == "application/json;charset=UTF-8"
        body = answer.json()
        assert set(body) == {"error_description", "error"}
        return body["error"]
    if service == "spapi":
        assert content_type == "application/json"
        (error,) = answer.json()["errors"]
        assert set(error) == {"code", "message", "details"}
        return error["code"]
    if service == "sts":
        assert content_type == "text/xml"
        root = ElementTree.fromstring(answer.content)
        assert root.tag.endswith("ErrorResponse")
        return re.search(r"<Code>([^<]+)</Code>", answer.text).group(1)
    assert content_type == "application/x-amz-json-1.1"
    return answer.json()["__type"]


def _parses(service, content) -> bool:
    try:
        if service == "sts":
            ElementTree.fromstring(content)
        else:
            json.loads(content)
    except (ValueError, ElementTree.ParseError):
        return False
    return True


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_every_fault_on_every_service(start_mock, kind, service):
    amazon, call = _target(start_mock, service)
    assert call().status_code == 200
    amazon.faults.add(service, kind, retry_after=7)
    if kind in STATUS_FAULTS:
        answer = call()
        assert answer.status_code == STATUS_FAULTS[kind]
        assert _error_code(service, answer) == ERROR_CODES[service][kind]
        assert answer.headers.get("Retry-After") == ("7" if kind == "throttled" else None)
    elif kind == "proxy-html":
        answer = call()
        assert answer.status_code == 502
        assert answer.headers["Content-Type"] == "text/html"
        assert "<h1>502 Bad Gateway</h1>" in answer.text
    elif kind == "truncated-json":
        answer = call()
        assert answer.status_code == 200
        assert int(answer.headers["Content-Length"]) == len(answer.content) > 0
        assert not _parses(service, answer.content)
    elif kind == "connection-reset":
        with pytest.raises(requests.ConnectionError) as raised:
            call()
        assert "reset" in str(raised.value).lower()
    else:
        assert kind == "no-response"
        with pytest.raises(requests.ReadTimeout):
            call(timeout=0.5)
    # times=1 by default: the next request gets the real answer.
    assert call().status_code == 200
    assert [(r.service, r.fault) for r in amazon.requests if r.fault] == [(service, kind)]


def test_truncated_json_leaves_an_answer_without_body_alone(amazon):
    token = grantless_token(amazon)
    amazon.faults.add("spapi", "truncated-json")
    answer = requests.post(
        amazon.spapi_urls["NA"] + ROTATE, headers={"x-amz-access-token": token}, timeout=TIMEOUT_S
    )
    assert (answer.status_code, answer.headers["Content-Length"], answer.content) == (204, "0", b"")


def test_no_response_holds_until_the_client_gives_up_and_stop_is_quick(amazon):
    amazon.faults.add("lwa", "no-response")
    with pytest.raises(requests.ReadTimeout):
        lwa_exchange(amazon, timeout=0.3)
    started = time.monotonic()
    amazon.stop()
    assert time.monotonic() - started < 2  # the bound for a stop


def test_times_always_and_path_filters(amazon):
    token = access_token(amazon)
    amazon.faults.add("spapi", "unavailable", times=2)
    assert [sp_get(amazon, PARTICIPATIONS, token).status_code for _ in range(3)] == [503, 503, 200]
    fault = amazon.faults.add("spapi", "server-error", times=None, path="/orders")
    assert sp_get(amazon, PARTICIPATIONS, token).status_code == 200
    assert all(sp_get(amazon, "/orders/v0/orders", token).status_code == 500 for _ in range(3))
    amazon.faults.remove(fault)
    assert amazon.faults.pending == []


def test_remove_takes_out_the_fault_it_is_given(amazon):
    first = amazon.faults.add("lwa", "server-error")
    second = amazon.faults.add("lwa", "server-error")
    amazon.faults.remove(second)
    (left,) = amazon.faults.pending
    assert left is first
    amazon.faults.remove(second)  # already gone: nothing happens
    assert amazon.faults.pending == [first]


def test_latency_is_added_per_service(amazon):
    token = access_token(amazon)
    amazon.faults.set_latency("lwa", 300)
    started = time.monotonic()
    assert lwa_exchange(amazon).status_code == 200
    assert time.monotonic() - started >= 0.3
    # A delay far beyond the clients' patience, on LWA only: SP-API still answers in time.
    amazon.faults.set_latency("lwa", 60_000)
    with pytest.raises(requests.ReadTimeout):
        lwa_exchange(amazon, timeout=0.5)
    assert sp_get(amazon, PARTICIPATIONS, token).status_code == 200
    amazon.faults.clear("lwa")
    assert amazon.faults.latency_ms("lwa") == 0
    assert lwa_exchange(amazon).status_code == 200


def test_latency_for_every_service_from_the_constructor(start_mock):
    amazon = start_mock(latency_ms=150)
    started = time.monotonic()
    lwa_exchange(amazon)
    assert time.monotonic() - started >= 0.15


def test_fault_arguments_are_checked(amazon):
    with pytest.raises(ValueError, match="unknown fault"):
        amazon.faults.add("lwa", "explode")
    with pytest.raises(ValueError, match="unknown service"):
        amazon.faults.add("s3", "server-error")
    with pytest.raises(ValueError):
        amazon.faults.add("lwa", "server-error", times=0)
    with pytest.raises(ValueError):
        amazon.faults.set_latency("lwa", -1)
    assert amazon.faults.pending == []


# ---------------------------------------------------------------------- what boto3 makes of them
@pytest.fixture
def aws_amazon(start_mock):
    return start_mock("happy-legacy")


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("server-error", 500, "InternalFailure"),
        ("unavailable", 503, "ServiceUnavailable"),
        ("throttled", 429, "Throttling"),
    ],
)
def test_boto3_reads_sts_status_faults(aws_amazon, kind, status, code):
    aws_amazon.faults.add("sts", kind)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        user_sts(aws_amazon).get_caller_identity()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.response["Error"]["Code"] == code
    assert user_sts(aws_amazon).get_caller_identity()["Arn"].endswith(":user/sp-api-user")


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("connection-reset", botocore.exceptions.ConnectionClosedError),
        ("no-response", botocore.exceptions.ReadTimeoutError),
        ("proxy-html", botocore.exceptions.ClientError),
        ("truncated-json", botocore.parsers.ResponseParserError),
    ],
)
def test_boto3_reads_sts_network_faults(aws_amazon, kind, error):
    aws_amazon.faults.add("sts", kind)
    with pytest.raises(error):
        user_sts(aws_amazon, timeout=0.5).get_caller_identity()
