"""Faults and latency: each kind, on each service, seen by a client with a timeout."""

from __future__ import annotations

import json
import time

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers
import pytest
import requests
from mock_helpers import TIMEOUT_S, access_token, lwa_exchange, sp_get

from spapi_docs_helpers.mock import FAULT_KINDS

PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"


def _sts(amazon, timeout=TIMEOUT_S):
    """An STS client for the mock's user, without retries."""
    creds = amazon.credentials
    config = botocore.config.Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=timeout,
        read_timeout=timeout,
    )
    return boto3.client(
        "sts",
        endpoint_url=amazon.sts_url,
        region_name="us-east-1",
        config=config,
        aws_access_key_id=creds["aws_access_key"],
        aws_secret_access_key=creds["aws_secret_key"],
    )


def _call(amazon, service, timeout=TIMEOUT_S):
    """One request to ``service``; returns the requests Response (or raises)."""
    if service == "lwa":
        return requests.post(
            amazon.lwa_url,
            timeout=timeout,
            data={
                "grant_type": "refresh_token",
                "refresh_token": amazon.credentials["refresh_token"],
                "client_id": amazon.credentials["lwa_app_id"],
                "client_secret": amazon.credentials["lwa_client_secret"],
            },
        )
    return requests.get(
        amazon.spapi_urls["NA"] + PARTICIPATIONS,
        timeout=timeout,
        headers={"x-amz-access-token": amazon.spapi_token},
    )


@pytest.fixture
def amazon(start_mock):
    """A mock for the LWA and SP-API faults (no AWS part: it is not needed)."""
    amazon = start_mock(aws=False)
    amazon.spapi_token = access_token(amazon)
    return amazon


@pytest.fixture
def aws_amazon(start_mock):
    return start_mock("happy-legacy")


@pytest.mark.parametrize("service", ["lwa", "spapi"])
@pytest.mark.parametrize(
    ("kind", "status"), [("server-error", 500), ("unavailable", 503), ("throttled", 429)]
)
def test_status_faults_use_the_services_error_shape(amazon, service, kind, status):
    amazon.faults.add(service, kind, retry_after=7)
    answer = _call(amazon, service)
    assert answer.status_code == status
    body = answer.json()
    if service == "lwa":
        assert set(body) == {"error_description", "error"}
    else:
        assert set(body["errors"][0]) == {"code", "message", "details"}
    if kind == "throttled":
        assert answer.headers["Retry-After"] == "7"
    if (service, kind) == ("spapi", "throttled"):
        assert body["errors"][0]["code"] == "QuotaExceeded"
    assert _call(amazon, service).status_code == 200  # times=1 by default
    assert amazon.requests[-2].fault == kind


@pytest.mark.parametrize("service", ["lwa", "spapi"])
def test_proxy_html_page(amazon, service):
    amazon.faults.add(service, "proxy-html")
    answer = _call(amazon, service)
    assert answer.status_code == 502
    assert answer.headers["Content-Type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in answer.text


@pytest.mark.parametrize("service", ["lwa", "spapi"])
def test_truncated_json(amazon, service):
    amazon.faults.add(service, "truncated-json")
    answer = _call(amazon, service)
    assert answer.status_code == 200
    assert int(answer.headers["Content-Length"]) == len(answer.content) > 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.content)


@pytest.mark.parametrize("service", ["lwa", "spapi"])
def test_connection_reset(amazon, service):
    amazon.faults.add(service, "connection-reset")
    with pytest.raises(requests.ConnectionError) as raised:
        _call(amazon, service)
    assert "reset" in str(raised.value).lower()
    assert _call(amazon, service).status_code == 200


@pytest.mark.parametrize("service", ["lwa", "spapi"])
def test_no_response_holds_until_the_client_gives_up_and_stop_is_quick(amazon, service):
    amazon.faults.add(service, "no-response")
    with pytest.raises(requests.ReadTimeout):
        _call(amazon, service, timeout=0.3)
    started = time.monotonic()
    amazon.stop()
    assert time.monotonic() - started < 2


def test_times_always_and_path_filters(amazon):
    amazon.faults.add("spapi", "unavailable", times=2)
    assert [_call(amazon, "spapi").status_code for _ in range(3)] == [503, 503, 200]
    fault = amazon.faults.add("spapi", "server-error", times=None, path="/orders")
    assert _call(amazon, "spapi").status_code == 200
    token = amazon.spapi_token
    assert all(sp_get(amazon, "/orders/v0/orders", token).status_code == 500 for _ in range(3))
    amazon.faults.remove(fault)
    assert amazon.faults.pending == []


def test_latency_is_added_per_service(amazon):
    amazon.faults.set_latency("lwa", 300)
    started = time.monotonic()
    assert lwa_exchange(amazon).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert _call(amazon, "spapi").status_code == 200
    assert time.monotonic() - started < 0.3
    amazon.faults.clear("lwa")
    assert amazon.faults.latency_ms("lwa") == 0


def test_latency_for_every_service_from_the_constructor(start_mock):
    amazon = start_mock(aws=False, latency_ms=150)
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
    assert len(FAULT_KINDS) == 7


# ---------------------------------------------------------------------- STS, at the proxy
@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("server-error", 500, "InternalFailure"),
        ("unavailable", 503, "ServiceUnavailable"),
        ("throttled", 429, "Throttling"),
    ],
)
def test_sts_status_faults_in_sts_xml(aws_amazon, kind, status, code):
    aws_amazon.faults.add("sts", kind)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _sts(aws_amazon).get_caller_identity()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert raised.value.response["Error"]["Code"] == code
    assert _sts(aws_amazon).get_caller_identity()["Arn"].endswith(":user/sp-api-user")


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("connection-reset", botocore.exceptions.ConnectionClosedError),
        ("no-response", botocore.exceptions.ReadTimeoutError),
    ],
)
def test_sts_network_faults(aws_amazon, kind, error):
    aws_amazon.faults.add("sts", kind)
    with pytest.raises(error):
        _sts(aws_amazon, timeout=0.5).get_caller_identity()


def test_sts_proxy_html_and_truncated(aws_amazon):
    aws_amazon.faults.add("sts", "proxy-html")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _sts(aws_amazon).get_caller_identity()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
    aws_amazon.faults.add("sts", "truncated-json")
    with pytest.raises(botocore.parsers.ResponseParserError, match="invalid XML"):
        _sts(aws_amazon).get_caller_identity()


def test_secretsmanager_faults_in_its_json_shape(aws_amazon):
    aws_amazon.faults.add("secretsmanager", "throttled")
    answer = requests.post(
        aws_amazon.secretsmanager_url,
        timeout=TIMEOUT_S,
        data=b"{}",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "secretsmanager.GetSecretValue",
        },
    )
    assert answer.status_code == 429
    assert answer.json()["__type"] == "ThrottlingException"
