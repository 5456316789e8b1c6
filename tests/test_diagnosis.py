"""Verdicts the mock cannot produce over the wire, checked on real botocore and HTTP objects.

moto has no root user and never answers ExpiredToken (see spapi_docs_helpers/mock/_aws.py),
so those STS answers are given to a real boto3 client through botocore's Stubber; the
clock check reads a real ``Date`` header. LWA's rarer error codes and SP-API's other 403
details are given to the diagnosis as the ``HttpResult`` a call would return, with Amazon's
documented bodies; a TLS failure is a real one (HTTPS spoken to a plain-HTTP server on
loopback). Everything else is covered against the mock.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import ssl
import time
from email.utils import formatdate
from pathlib import Path

import botocore.exceptions
import pytest
from _servers import QuietHandler, loopback_server, refusing_port
from botocore.stub import Stubber

from spapi_docs_helpers import CATALOGUE, Credentials, _diagnose
from spapi_docs_helpers._catalogue import entry
from spapi_docs_helpers._diagnose import (
    AUTHORISED,
    DENIED,
    PROBLEM,
    clock_findings,
    diagnose_lwa,
    diagnose_rotation,
    diagnose_sqs,
    diagnose_sts,
    role_evidence,
    spapi_answer,
)
from spapi_docs_helpers._sts import request_assume_role, request_caller_identity, sts_client
from spapi_docs_helpers._transport import HttpResult, Transport

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
    result = request_caller_identity(client, CREDS)
    assert result.is_root
    assert result.finding.code == "sts-root-keys"
    assert result.finding.field == "aws_access_key"


@pytest.mark.parametrize(
    "held",
    [
        {},  # today's credentials: no AWS keys at all
        {"aws_access_key": "AKIAIOSFODNN7EXAMPLE"},  # half a pair
    ],
)
def test_no_aws_keys_to_sign_with_is_said_and_nothing_is_sent(monkeypatch, held):
    from spapi_docs_helpers import StsError, caller_identity

    # botocore's chain asks the instance metadata service last: not on this machine.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with refusing_port() as port, pytest.raises(StsError) as raised:
        caller_identity(Credentials(**held), endpoint_url=f"http://127.0.0.1:{port}", timeout=2)
    finding = raised.value.finding
    assert finding.code == "sts-keys-missing"
    assert finding.message.startswith("AWS STS ") and " was not called: " in finding.message
    assert "CredentialsError" in finding.message
    assert "unexpected" not in finding.message


def test_assume_role_refused_to_root_is_root_keys(stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "assume_role",
        service_error_code="AccessDenied",
        service_message="Roles may not be assumed by root accounts.",
        http_status_code=403,
    )
    result = request_assume_role(client, CREDS, caller_arn="arn:aws:iam::123456789012:root")
    assert result.finding.code == "sts-root-keys"


def test_expired_temporary_keys_blame_the_session_token(stubbed):
    client, stubber = stubbed
    stubber.add_client_error(
        "get_caller_identity",
        service_error_code="ExpiredToken",
        service_message="The security token included in the request is expired",
        http_status_code=403,
    )
    result = request_caller_identity(client, CREDS)
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
    result = request_assume_role(client, creds, caller_arn=user)
    assert result.finding.code == "sts-role-arn-is-caller"
    assert result.finding.field == "role_arn"


def test_assume_role_denied_to_a_user_blames_the_iam_setup_not_role_arn(stubbed):
    """AccessDenied to AssumeRole of a role ARN: a missing sts:AssumeRole policy, a trust
    relationship without the user and a role that does not exist all get this answer, so
    role_arn is not blamed alone; the keys are cleared (STS knew them)."""
    from spapi_docs_helpers._report import Report

    client, stubber = stubbed
    user = "arn:aws:iam::123456789012:user/alice"
    stubber.add_client_error(
        "assume_role",
        service_error_code="AccessDenied",
        http_status_code=403,
        service_message=f"User: {user} is not authorized to perform: sts:AssumeRole on "
        f"resource: {CREDS.role_arn}",
    )
    result = request_assume_role(client, CREDS, caller_arn=user)
    finding = result.finding
    assert finding.code == "sts-assume-role-denied"
    assert (finding.field, finding.subject) == (None, "aws_iam")
    report = Report(
        account="default", mode="online", resolution=None, stages=[], findings=[finding], peers={}
    )
    assert report.blamed == ["aws_iam"]
    assert "role_arn is wrong" not in report.verdict
    assert "The AWS keys work" in report.verdict and "role_arn names an existing role" in (
        report.verdict
    )


def _answer_dated(seconds_from_now):
    return HttpResult(
        "POST",
        "https://api.amazon.com/auth/o2/token",
        status=200,
        headers={"Date": formatdate(time.time() + seconds_from_now, usegmt=True)},
        elapsed_ms=50,
    )


def test_a_clock_ten_minutes_behind_is_reported():
    findings = clock_findings(_answer_dated(600))
    assert [f.code for f in findings] == ["clock-skew"]
    assert "behind" in findings[0].message


@pytest.mark.parametrize("seconds", [0, 30, -30])
def test_a_clock_within_a_minute_is_fine(seconds):
    assert clock_findings(_answer_dated(seconds)) == []


def test_no_date_header_no_verdict():
    assert clock_findings(HttpResult("GET", "http://x", status=200)) == []
    assert clock_findings(None) == []


def test_an_unreadable_date_header_no_verdict():
    http = HttpResult("GET", "http://x", status=200, headers={"Date": "yesterday-ish"})
    assert clock_findings(http) == []


# --------------------------------------------------------------------------- LWA error codes

LWA_URL = "https://api.amazon.com/auth/o2/token"


def _answer(status, body, url=LWA_URL):
    return HttpResult(
        "POST",
        url,
        status=status,
        headers={"Content-Type": "application/json;charset=UTF-8"},
        body=json.dumps(body).encode(),
        elapsed_ms=40,
    )


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        pytest.param(
            "invalid_request",
            "lwa-invalid-request",
            ["invalid_request"],
            id="invalid-request",
        ),
        pytest.param(
            "unsupported_grant_type",
            "lwa-unsupported-grant-type",
            ["unsupported_grant_type", "grant_type=refresh_token"],
            id="unsupported-grant-type",
        ),
    ],
)
def test_lwa_error_codes_of_a_malformed_request(error, code, words):
    http = _answer(400, {"error": error, "error_description": "The request is missing a parameter"})
    finding = diagnose_lwa(http)
    assert finding is not None and finding.code == code
    # The request, not a credential, is at fault.
    assert finding.field is None
    for word in words:
        assert word in finding.message


def test_the_grant_type_lwa_refused_is_named():
    http = _answer(400, {"error": "unsupported_grant_type"})
    finding = diagnose_lwa(http, grant="client_credentials")
    assert finding.code == "lwa-unsupported-grant-type"
    assert "grant_type=client_credentials" in finding.message


# --------------------------------------------------------------------------- invalid_client

INVALID_CLIENT = {"error_description": "Client authentication failed", "error": "invalid_client"}


def test_invalid_client_with_a_well_formed_identifier_blames_both_secret_first():
    finding = diagnose_lwa(_answer(401, INVALID_CLIENT))
    assert finding.code == "lwa-client-secret-rejected"
    assert finding.field == "lwa_client_secret"
    assert finding.details == {"fields": ["lwa_client_secret", "lwa_app_id"], "either": True}
    assert "more likely" in finding.message and "another app" in finding.message
    # How to tell the two apart, in the fix the report prints.
    assert "Solution Provider Portal" in finding.fix and "compare" in finding.fix
    assert "If they are equal, the secret is at fault" in finding.fix


def test_the_verdict_names_either_credential_not_both():
    from spapi_docs_helpers._report import Report

    finding = diagnose_lwa(_answer(401, INVALID_CLIENT))
    report = Report(
        account="default", mode="online", resolution=None, stages=[], findings=[finding], peers={}
    )
    assert report.blamed == ["lwa_client_secret", "lwa_app_id"]
    assert report.verdict.startswith("lwa_client_secret or lwa_app_id is wrong: ")


@pytest.mark.parametrize("order", ["format-first", "lwa-first"])
def test_an_alternative_already_blamed_does_not_bring_the_other_one_in(order):
    """The refresh token fails its format check, and LWA says "the token or the client
    identifier": the token explains both, so the client identifier is not called wrong
    (an "either" must never turn into "and")."""
    from spapi_docs_helpers._report import Report

    malformed = entry("refresh-token-malformed").finding("The refresh token is malformed.")
    answer = {"error": "unauthorized_client", "error_description": "Not authorized"}
    either = diagnose_lwa(_answer(400, answer))
    assert either.details["either"] and "lwa_app_id" in either.details["fields"]
    findings = [malformed, either] if order == "format-first" else [either, malformed]
    report = Report(
        account="default", mode="online", resolution=None, stages=[], findings=findings, peers={}
    )
    assert report.verdict.startswith("refresh_token is wrong: "), report.verdict
    assert "lwa_app_id" not in report.verdict
    assert report.blamed == ["refresh_token"]


def test_two_alternatives_and_a_certain_blame_are_joined_as_such():
    from spapi_docs_helpers._report import Report

    certain = entry("refresh-token-malformed").finding("The refresh token is malformed.")
    either = diagnose_lwa(_answer(401, INVALID_CLIENT))
    report = Report(
        account="default",
        mode="online",
        resolution=None,
        stages=[],
        findings=[certain, either],
        peers={},
    )
    assert report.verdict.startswith(
        "refresh_token and (lwa_client_secret or lwa_app_id) are wrong: "
    ), report.verdict
    assert report.blamed == ["refresh_token", "lwa_client_secret", "lwa_app_id"]


def test_a_token_of_another_app_blames_the_token_or_the_client_not_the_token_alone():
    """unauthorized_client proves the token and the client do not belong together, not
    which of them is the stranger: a second app's client beside the first app's token is
    refused the same way (failure modes, B3: "an old refresh token, or the other way round")."""
    from spapi_docs_helpers._report import Report

    answer = {"error_description": "Not authorized for requested operation"}
    finding = diagnose_lwa(_answer(400, {**answer, "error": "unauthorized_client"}))
    assert finding.code == "lwa-token-from-another-app"
    assert finding.details == {"fields": ["refresh_token", "lwa_app_id"], "either": True}
    report = Report(
        account="default", mode="online", resolution=None, stages=[], findings=[finding], peers={}
    )
    assert report.verdict.startswith("refresh_token or lwa_app_id is wrong: ")


def test_invalid_client_with_a_malformed_secret_blames_the_secret_alone():
    from spapi_docs_helpers import Finding

    malformed = Finding("client-secret-malformed", "error", "lwa_client_secret", "m", "f", "format")
    finding = diagnose_lwa(_answer(401, INVALID_CLIENT), format_findings=[malformed])
    assert finding.code == "lwa-client-secret-rejected" and not finding.details


def test_a_wrong_but_well_formed_client_identifier_is_among_the_blamed(tmp_path):
    """Adversarial review, finding 8: the sample client ID with its last hex digit changed."""
    from spapi_docs_helpers import check
    from spapi_docs_helpers.mock import MockAmazon

    with MockAmazon(scenario="happy", aws=False) as amazon:
        client_id = amazon.credentials["lwa_app_id"]
        wrong = client_id[:-1] + ("0" if client_id[-1] != "0" else "1")
        environ = {**amazon.env, "HOME": str(tmp_path), "LWA_APP_ID": wrong}
        report = check(environ=environ, timeout=5)
    assert report.blamed == ["lwa_client_secret", "lwa_app_id"]
    assert "lwa_app_id" in report.verdict


# --------------------------------------------------------------------------- SP-API 403 details

SPAPI_URL = "https://sellingpartnerapi-na.amazon.com/sellers/v1/marketplaceParticipations"


def _denied(details):
    return _answer(
        403,
        {
            "errors": [
                {
                    "code": "Unauthorized",
                    "message": "Access to requested resource is denied.",
                    "details": details,
                }
            ]
        },
        url=SPAPI_URL,
    )


@pytest.mark.parametrize(
    ("details", "code"),
    [
        pytest.param(
            "The access token you provided is revoked, malformed or invalid.",
            "spapi-access-token-invalid",
            id="access-token-invalid",
        ),
        pytest.param(
            "Access token is missing in the request header.",
            "spapi-access-token-missing",
            id="access-token-missing",
        ),
    ],
)
def test_sp_api_403_details_name_the_access_token_problem(details, code):
    kind, finding = spapi_answer(_denied(details))
    assert kind == PROBLEM
    assert finding.code == code
    assert details in finding.message
    # LWA issued that token: the refresh token is not blamed for what SP-API says of it.
    assert finding.field is None


def test_a_bare_sp_api_403_is_a_denial_not_a_finding():
    assert spapi_answer(_denied("")) == (DENIED, None)


def test_the_expired_secret_text_blames_the_secret_by_amazons_own_words():
    kind, finding = spapi_answer(_denied("The LWA secret token you provided has expired."))
    assert (kind, finding.code, finding.field) == (
        PROBLEM,
        "spapi-secret-expired",
        "lwa_client_secret",
    )


# What the service behind the gateway answers: the token got through.
INVALID_INPUT = {
    "errors": [
        {
            "code": "InvalidInput",
            "message": "Missing or invalid request parameters: [marketplaceIds]",
        }
    ]
}
NOT_FOUND = {"errors": [{"code": "NotFound", "message": "The resource specified does not exist."}]}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(200, {"payload": []}, id="success"),
        pytest.param(400, INVALID_INPUT, id="invalid-input"),
        pytest.param(404, NOT_FOUND, id="not-found"),
    ],
)
def test_an_answer_of_the_service_proves_the_gateway_let_the_token_through(status, body):
    assert spapi_answer(_answer(status, body, url=SPAPI_URL)) == (AUTHORISED, None)


def test_a_success_whose_data_holds_amazons_expired_token_text_is_still_a_success():
    """The seller's data may hold any text (a listing, a note): the incident's words count
    only in an error answer."""
    text = "The security token included in the request is expired"
    body = {"payload": [{"marketplace": {"id": "ATVPDKIKX0DER", "name": text}}]}
    assert spapi_answer(_answer(200, body, url=SPAPI_URL)) == (AUTHORISED, None)
    kind, finding = spapi_answer(_answer(403, {"message": text}, url=SPAPI_URL))
    assert (kind, finding.code) == (PROBLEM, "spapi-security-token-expired")


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        pytest.param(400, "<html><body>Bad Request</body></html>", "text/html", id="html-400"),
        pytest.param(404, "Not Found", "text/plain", id="text-404"),
        pytest.param(400, {"message": "bad"}, "application/json", id="json-without-errors"),
        pytest.param(200, [1, 2, 3], "application/json", id="success-that-is-a-list"),
        pytest.param(200, "<html>welcome</html>", "text/html", id="success-in-html"),
    ],
)
def test_an_answer_no_sp_api_service_gives_proves_nothing(status, body, content_type):
    raw = body if isinstance(body, str) else json.dumps(body)
    http = HttpResult(
        "GET",
        SPAPI_URL,
        status=status,
        headers={"Content-Type": content_type},
        body=raw.encode(),
    )
    kind, finding = spapi_answer(http)
    assert kind == PROBLEM
    assert finding.code == "unexpected-response"
    assert finding.field is None


def test_participations_without_their_payload_are_no_success():
    http = _answer(200, {"errors": []}, url=SPAPI_URL)
    kind, finding = spapi_answer(http, operation="getMarketplaceParticipations")
    assert kind == PROBLEM and finding.code == "unexpected-response"
    assert "participations payload" in finding.message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {
                "message": "Access to requested resource is denied.",
                "code": "MissingAuthenticationToken",
            },
            id="gateway-shape",
        ),
        pytest.param(
            {"errors": [{"code": "MissingAuthenticationToken", "message": "denied"}]},
            id="errors-shape",
        ),
    ],
)
def test_missing_authentication_token_blames_the_endpoint_not_a_credential(body):
    kind, finding = spapi_answer(_answer(403, body, url=SPAPI_URL))
    assert kind == PROBLEM
    assert finding.code == "spapi-missing-authentication-token"
    assert (finding.field, finding.subject) == (None, "endpoint")
    assert SPAPI_URL in finding.message


def test_an_expired_security_token_blames_amazon_not_a_credential():
    body = {"message": "The security token included in the request is expired"}
    kind, finding = spapi_answer(_answer(403, body, url=SPAPI_URL))
    assert kind == PROBLEM
    assert (finding.code, finding.field, finding.subject) == (
        "spapi-security-token-expired",
        None,
        "amazon",
    )


# --------------------------------------------------------------------------- role evidence


def _denial_of(operation, **changes):
    """A bare 403 to ``operation`` in NA, its model row changed by ``changes``."""
    from types import SimpleNamespace

    from spapi_docs_helpers._probes import probe
    from spapi_docs_helpers._spapi import ProbeAnswer

    spec = dataclasses.replace(probe(operation).spec, **changes)
    stand_in = SimpleNamespace(operation=operation, spec=spec)
    return ProbeAnswer(stand_in, "NA", _denied(""), DENIED, None)


def test_a_denial_of_an_operation_stated_for_the_region_excludes_its_roles():
    evidence = role_evidence([_denial_of("searchCatalogItems")], "NA", "seller")
    assert evidence["holds_none_of"] == ("Product Listing",)
    assert evidence["refused_by"] == ("searchCatalogItems",)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"regions": None}, id="regions-unknown"),
        pytest.param({"regions": ("EU", "FE")}, id="not-in-the-region"),
        pytest.param({"confidence": "low"}, id="inferred-row"),
        pytest.param({"audience": frozenset({"vendor"})}, id="another-account-type"),
    ],
)
def test_a_denial_that_may_have_another_reason_proves_nothing_about_roles(changes):
    """The gateway answers the bare 403 to an operation that is not there too, and to
    another account type's: such a refusal, or one of a row the model only infers, must
    not tell the user a role is missing."""
    evidence = role_evidence([_denial_of("searchCatalogItems", **changes)], "NA", "seller")
    assert evidence["holds_none_of"] == ()
    assert evidence["refused_by"] == ()


def test_a_participations_denial_names_the_roles_only_where_the_table_states_them():
    """getMarketplaceParticipations refused with the bare 403: "only these roles grant it"
    is said from a stated row of an operation that exists in the region, never from an
    inferred row or in a region the model does not place it in (the same rule as the
    role evidence)."""
    from spapi_docs_helpers._diagnose import role_findings

    def codes(**changes):
        denial = _denial_of("getMarketplaceParticipations", **changes)
        evidence = role_evidence([denial], "NA", "seller")
        return [f.code for f in role_findings([denial], "NA", "seller", evidence)]

    assert codes()[0] == "participations-not-permitted"
    for changes in ({"confidence": "low"}, {"regions": None}, {"regions": ("EU", "FE")}):
        assert "participations-not-permitted" not in codes(**changes), changes


def test_the_regions_of_one_answer_are_named_in_a_fixed_order_whatever_came_first():
    """The same answers give the same words: EU answering before NA (it may, on any run)
    does not change the order the regions are named in."""
    from spapi_docs_helpers._diagnose import region_findings
    from spapi_docs_helpers._probes import probe
    from spapi_docs_helpers._spapi import ProbeAnswer

    body = {
        "message": "Access to requested resource is denied.",
        "code": "MissingAuthenticationToken",
    }
    answers = []
    for region in ("FE", "EU", "NA", "EU"):
        http = _answer(403, body, url=SPAPI_URL)
        kind, finding = spapi_answer(http)
        answers.append(
            ProbeAnswer(probe("getMarketplaceParticipations"), region, http, kind, finding)
        )
    (finding,) = region_findings(answers)
    assert finding.code == "spapi-missing-authentication-token"
    assert finding.message.endswith(" The same came from NA, EU, FE.")
    # The answers' own findings are left as they were: a second look says it once.
    assert all("The same came from" not in a.finding.message for a in answers)
    (again,) = region_findings(answers)
    assert again.message == finding.message


# --------------------------------------------------------------------------- TLS


@pytest.fixture
def plain_http_port():
    """A plain-HTTP server on loopback: an HTTPS client's handshake with it fails (a TLS
    hello is a malformed request to it, which the quiet handler does not log)."""
    with loopback_server(QuietHandler) as server:
        yield server.server_address[1]


def test_a_failed_tls_handshake_is_named(plain_http_port):
    url = f"https://127.0.0.1:{plain_http_port}/auth/o2/token"
    with Transport(timeout=5, retries=0) as transport:
        http = transport.request("POST", url, data={"grant_type": "refresh_token"})
    assert http.failure == "network-tls", (http.failure, http.failure_detail)
    assert http.status is None and not http.ok
    finding = diagnose_lwa(http)
    assert finding.code == "network-tls" and finding.field is None
    assert "TLS" in finding.message


def test_a_failed_tls_handshake_of_sts_is_named(plain_http_port):
    client = sts_client(CREDS, endpoint_url=f"https://127.0.0.1:{plain_http_port}", retries=0)
    result = request_caller_identity(client, CREDS)
    assert result.finding.code == "network-tls", result.finding.message
    assert result.finding.field is None


def test_botocores_ssl_error_is_network_tls():
    error = botocore.exceptions.SSLError(
        endpoint_url="https://sts.amazonaws.com/",
        error=ssl.SSLError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    )
    finding = diagnose_sts(error, operation="GetCallerIdentity", credentials=CREDS)
    assert finding.code == "network-tls"
    assert finding.field is None
    assert "GetCallerIdentity" in finding.message


# --------------------------------------------------------------------------- the match keys
#
# The strings that identify an entry in a service's answer (an LWA error code, an STS error
# code, SP-API's 403 details) live in the catalogue (``Entry.match``), once: the diagnosis
# reads them from there, so each leads to its entry, and the diagnosis spells none itself.

# Entries whose match is words of an STS message, with the code that message comes with.
STS_MESSAGE_WORDS = {"sts-root-keys": "AccessDenied"}
MATCHED = [(item.code, text) for item in CATALOGUE for text in item.match]


def _sharing(text) -> set:
    return {item.code for item in CATALOGUE if text in item.match}


def _diagnosed(code, text):
    stage = entry(code).stage
    if code.startswith("queue-"):
        error = botocore.exceptions.ClientError(
            {
                "Error": {"Code": text, "Message": "..."},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
            "ReceiveMessage",
        )
        return diagnose_sqs(error, operation="ReceiveMessage", queue="https://sqs.example/q")
    if code == "rotation-not-enrolled":
        body = {"errors": [{"code": "InvalidInput", "message": f"{text} Please update it."}]}
        return diagnose_rotation(_answer(400, body, url=SPAPI_URL))
    if stage in ("lwa", "consent"):
        grant = "authorization_code" if stage == "consent" else "refresh_token"
        return diagnose_lwa(_answer(400, {"error": text}), grant=grant)
    if stage == "region":
        # The string wherever SP-API puts one: the top-level code and message, the details.
        body = {
            "code": text,
            "message": text,
            "errors": [{"code": "Unauthorized", "message": "Access denied.", "details": text}],
        }
        return spapi_answer(_answer(403, body, url=SPAPI_URL))[1]
    error = botocore.exceptions.ClientError(
        {
            "Error": {"Code": STS_MESSAGE_WORDS.get(code, text), "Message": f"... {text} ..."},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "AssumeRole",
    )
    return diagnose_sts(error, operation="AssumeRole", credentials=CREDS)


@pytest.mark.parametrize(("code", "text"), MATCHED, ids=[f"{c}:{t[:30]}" for c, t in MATCHED])
def test_every_identifying_string_leads_to_its_entry(code, text):
    finding = _diagnosed(code, text)
    assert finding is not None, f"{text!r} was not diagnosed at all"
    # One of the entries the string identifies; which one, other evidence decides (the
    # format findings for invalid_client, the ARNs for AccessDenied: tested above).
    assert finding.code in _sharing(text), (text, finding.code)


def test_the_diagnosis_spells_no_identifying_string_itself():
    source = Path(_diagnose.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    spelled = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    }
    matches = {text for _, text in MATCHED}
    assert matches, "no entry carries a match"
    assert not spelled & matches, sorted(spelled & matches)
