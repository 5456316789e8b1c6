"""The peers' own clients against the mock: python-amazon-sp-api, amzn-sp-api and boto3
get the answers, and raise the errors, they get from Amazon.

The three libraries are imported by the fixtures and tests that use them, not with the
module: every pytest-xdist worker imports every test module to collect it, and
python-amazon-sp-api and boto3 together cost each of them half a second there."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import botocore.exceptions
import pytest
from mock_helpers import TIMEOUT_S, aws_client, no_retries, user_sts

LWA_KEYS = ("refresh_token", "lwa_app_id", "lwa_client_secret")


@pytest.fixture(scope="module")
def sp_api():
    """python-amazon-sp-api's names the tests use."""
    import sp_api.auth.access_token_client as token_client
    from sp_api.api import ApplicationManagement, Sellers
    from sp_api.auth import AccessTokenClient
    from sp_api.auth.exceptions import AuthorizationError
    from sp_api.base import SellingApiForbiddenException
    from sp_api.base.credential_provider import CredentialProvider

    return SimpleNamespace(
        token_client=token_client,
        ApplicationManagement=ApplicationManagement,
        Sellers=Sellers,
        AccessTokenClient=AccessTokenClient,
        AuthorizationError=AuthorizationError,
        SellingApiForbiddenException=SellingApiForbiddenException,
        CredentialProvider=CredentialProvider,
    )


@pytest.fixture(autouse=True)
def clear_sp_api_token_cache(sp_api):
    """python-amazon-sp-api caches tokens per refresh token, module-wide."""
    sp_api.token_client.cache.clear()
    sp_api.token_client.grantless_cache.clear()
    yield
    sp_api.token_client.cache.clear()
    sp_api.token_client.grantless_cache.clear()


def _local_lwa(amazon, sp_api):
    """python-amazon-sp-api's token client, pointed at the mock (it has no URL setting)."""
    return type(
        "MockLWA",
        (sp_api.AccessTokenClient,),
        {"scheme": "http://", "host": amazon.lwa_url.split("//", 1)[1].split("/", 1)[0]},
    )


@contextlib.contextmanager
def _client(amazon, sp_api, api=None, region="NA"):
    """``api`` (Sellers unless given): a client of python-amazon-sp-api against the mock."""
    values = amazon.credentials
    client = (api or sp_api.Sellers)(
        credentials={key: values[key] for key in LWA_KEYS},
        auth_token_client_class=_local_lwa(amazon, sp_api),
        timeout=TIMEOUT_S,
    )
    # The Host header sp_api derives from this (endpoint[8:]) is wrong for http://; the
    # mock, like any server behind a name, does not depend on it.
    client.endpoint = amazon.spapi_urls[region]
    try:
        yield client
    finally:
        client.close()
        # client.close() leaves its token client's connection open (a ResourceWarning).
        client._auth._transport.close()


def test_python_amazon_sp_api_happy_path(start_mock, validate, sp_api):
    amazon = start_mock()
    with _client(amazon, sp_api) as sellers:
        answer = sellers.get_marketplace_participation()
    assert [item["marketplace"]["countryCode"] for item in answer.payload] == ["US", "CA", "MX"]
    validate({"payload": answer.payload}, "GetMarketplaceParticipationsResponse")
    assert answer.headers["x-amzn-RequestId"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("revoked-refresh-token", ("invalid_grant", 400)),
        ("token-of-another-app", ("unauthorized_client", 400)),
        ("app-id-as-client-id", ("invalid_client", 401)),
        ("rotated-secret-after-grace-week", ("invalid_client", 401)),
    ],
)
def test_python_amazon_sp_api_lwa_errors(start_mock, sp_api, name, error):
    amazon = start_mock(name)
    with _client(amazon, sp_api) as sellers, pytest.raises(sp_api.AuthorizationError) as raised:
        sellers.get_marketplace_participation()
    assert (raised.value.error_code, raised.value.status_code) == error


@pytest.mark.parametrize(
    ("name", "details"),
    [
        ("expired-client-secret", "The LWA secret token you provided has expired."),
        ("happy-eu", ""),
        ("no-roles", ""),
        ("roles-guide-example", ""),
    ],
)
def test_python_amazon_sp_api_forbidden(start_mock, sp_api, name, details):
    amazon = start_mock(name)
    with (
        _client(amazon, sp_api) as sellers,
        pytest.raises(sp_api.SellingApiForbiddenException) as raised,
    ):
        sellers.get_marketplace_participation()
    assert raised.value.amzn_code == "Unauthorized"
    assert raised.value.error[0]["details"] == details


def test_python_amazon_sp_api_rotates_the_secret(start_mock, sp_api):
    amazon = start_mock()
    with _client(amazon, sp_api, api=sp_api.ApplicationManagement) as management:
        management.rotate_application_client_secret()
    assert (
        amazon.world.apps["mock-app-1"].previous_secret.value
        == (amazon.credentials["lwa_client_secret"])
    )


def test_python_amazon_sp_api_reads_credentials_from_secrets_manager(
    start_mock, monkeypatch, sp_api
):
    amazon = start_mock("secrets-manager")
    for name, value in amazon.env.items():
        monkeypatch.setenv(name, value)
    resolved = sp_api.CredentialProvider().credentials
    assert (resolved.refresh_token, resolved.lwa_app_id, resolved.lwa_client_secret) == tuple(
        amazon.credentials[key] for key in LWA_KEYS
    )


@pytest.fixture
def amzn_lwa(restore_logging):
    """amzn-sp-api's token client, imported only here (its import configures logging)."""
    from spapi.auth.lwa_exception import LwaException
    from spapi.auth.lwa_request import AccessTokenCache

    return AccessTokenCache, LwaException


def test_amzn_sp_api_gets_tokens(start_mock, amzn_lwa):
    access_token_cache, _ = amzn_lwa
    amazon = start_mock()
    values = amazon.credentials
    cache = access_token_cache(
        values["lwa_app_id"],
        values["lwa_client_secret"],
        refresh_token=values["refresh_token"],
        oauth_endpoint=amazon.lwa_url,
        max_retries=0,
    )
    assert cache.get_lwa_access_token().startswith("Atza|")
    grantless = access_token_cache(
        values["lwa_app_id"],
        values["lwa_client_secret"],
        grant_type="client_credentials",
        scope="sellingpartnerapi::notifications",
        oauth_endpoint=amazon.lwa_url,
        max_retries=0,
    )
    assert grantless.get_lwa_access_token().startswith("Atc|")


@pytest.mark.parametrize("name", ["revoked-refresh-token", "wrong-client-secret"])
def test_amzn_sp_api_reports_lwa_refusals_as_server_error(start_mock, amzn_lwa, name):
    # Its known bug (sp-api-auth-facts §2.1): `if e.response` is False for any 4xx, so every
    # refusal becomes server_error, "Token request failed." The mock's answer is right.
    access_token_cache, lwa_exception = amzn_lwa
    amazon = start_mock(name)
    values = amazon.credentials
    cache = access_token_cache(
        values["lwa_app_id"],
        values["lwa_client_secret"],
        refresh_token=values["refresh_token"],
        oauth_endpoint=amazon.lwa_url,
        max_retries=0,
    )
    with pytest.raises(lwa_exception) as raised:
        cache.get_lwa_access_token()
    assert (raised.value.error_code, raised.value.error_message) == (
        "server_error",
        "Token request failed.",
    )


def test_boto3_assumes_the_role_on_the_legacy_path(start_mock):
    amazon = start_mock("happy-legacy")
    sts = user_sts(amazon)
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/sp-api-user"
    assumed = sts.assume_role(
        RoleArn=amazon.credentials["role_arn"], RoleSessionName="guid", DurationSeconds=3600
    )
    assert assumed["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::123456789012:assumed-role/SellingPartnerAPIRole/guid"
    )
    keys = assumed["Credentials"]
    assert keys["AccessKeyId"].startswith("ASIA")
    as_role = aws_client(
        amazon, "sts", keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"]
    )
    assert as_role.get_caller_identity()["Arn"].endswith(":assumed-role/SellingPartnerAPIRole/guid")


def test_boto3_uses_the_endpoint_variable(start_mock, monkeypatch):
    import boto3  # lazy: see the module docstring

    amazon = start_mock("user-without-assume-role")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", amazon.env["AWS_ENDPOINT_URL_STS"])
    creds = amazon.credentials
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        config=no_retries(),
        aws_access_key_id=creds["aws_access_key"],
        aws_secret_access_key=creds["aws_secret_key"],
    )
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        sts.assume_role(RoleArn=creds["role_arn"], RoleSessionName="guid")
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    # moto's wording; AWS appends " on resource: <role ARN>" (see _aws's docstring).
    assert error["Message"].startswith(
        "User: arn:aws:iam::123456789012:user/sp-api-user-without-sts-policy is not authorized "
        "to perform: sts:AssumeRole"
    )
