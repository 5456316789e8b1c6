"""Verdicts the mock cannot produce over the wire, checked on real botocore and HTTP objects.

moto has no root user and never answers ExpiredToken (see spapi_docs_helpers/mock/_aws.py),
so those STS answers are given to a real boto3 client through botocore's Stubber; the
clock check reads a real ``Date`` header. Everything else is covered against the mock.
"""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from botocore.stub import Stubber

from spapi_docs_helpers import Credentials
from spapi_docs_helpers._doctor import _clock_findings
from spapi_docs_helpers._sts import assume, identify, sts_client
from spapi_docs_helpers._transport import HttpResult

CREDS = Credentials(
    aws_access_key="AKIAIOSFODNN7EXAMPLE",
    aws_secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    role_arn="arn:aws:iam::123456789012:role/SellingPartnerAPIRole",
)


@pytest.fixture
def stubbed():
    client = sts_client(CREDS, endpoint_url="http://127.0.0.1:9", retries=0)
    with Stubber(client) as stubber:
        yield client, stubber


def test_root_keys_are_blamed_on_the_access_key(stubbed):
    client, stubber = stubbed
    stubber.add_response(
        "get_caller_identity",
        {
            "UserId": "123456789012",
            "Account": "123456789012",
            "Arn": "arn:aws:iam::123456789012:root",
        },
    )
    result = identify(client, CREDS)
    assert result.is_root
    assert result.finding.code == "sts-root-keys"
    assert result.finding.field == "aws_access_key"


def test_assume_role_refused_to_root_is_root_keys(stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "assume_role",
        service_error_code="AccessDenied",
        service_message="Roles may not be assumed by root accounts.",
        http_status_code=403,
    )
    result = assume(client, CREDS, caller_arn="arn:aws:iam::123456789012:root")
    assert result.finding.code == "sts-root-keys"


def test_expired_temporary_keys_blame_the_session_token(stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "get_caller_identity",
        service_error_code="ExpiredToken",
        service_message="The security token included in the request is expired",
        http_status_code=403,
    )
    result = identify(client, CREDS)
    assert result.finding.code == "sts-token-expired"
    assert result.finding.field == "aws_session_token"


def test_real_aws_denial_naming_a_user_as_resource_blames_role_arn(stubbed):
    client, stubber = stubbed
    user = "arn:aws:iam::123456789012:user/alice"
    stubber.add_client_error(
        "assume_role",
        service_error_code="AccessDenied",
        http_status_code=403,
        service_message=f"User: {user} is not authorized to perform: sts:AssumeRole on "
        f"resource: {user}",
    )
    creds = Credentials(
        aws_access_key=CREDS.aws_access_key, aws_secret_key=CREDS.aws_secret_key, role_arn=user
    )
    result = assume(client, creds, caller_arn=user)
    assert result.finding.code == "sts-role-arn-is-caller"
    assert result.finding.field == "role_arn"


def _answer_dated(seconds_from_now):
    return HttpResult(
        "POST",
        "https://api.amazon.com/auth/o2/token",
        status=200,
        headers={"Date": formatdate(time.time() + seconds_from_now, usegmt=True)},
        elapsed_ms=50,
    )


def test_a_clock_ten_minutes_behind_is_reported():
    findings = _clock_findings(_answer_dated(600))
    assert [f.code for f in findings] == ["clock-skew"]
    assert "behind" in findings[0].message


@pytest.mark.parametrize("seconds", [0, 30, -30])
def test_a_clock_within_a_minute_is_fine(seconds):
    assert _clock_findings(_answer_dated(seconds)) == []


def test_no_date_header_no_verdict():
    assert _clock_findings(HttpResult("GET", "http://x", status=200), None) == []
