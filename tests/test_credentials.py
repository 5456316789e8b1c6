"""The credentials model: the field table, and a ``Credentials`` that never prints a secret."""

from __future__ import annotations

import pytest
from _values import (
    CLIENT_ID,
    CLIENT_SECRET,
    EXAMPLE_ACCESS_KEY,
    EXAMPLE_SECRET_KEY,
    REFRESH_TOKEN,
    ROLE_ARN,
)

from spapi_docs_helpers import FIELDS, Credentials, FieldSpec
from spapi_docs_helpers._credentials import display, environment_accounts, field_spec

ALL = {
    "refresh_token": REFRESH_TOKEN,
    "lwa_app_id": CLIENT_ID,
    "lwa_client_secret": CLIENT_SECRET,
    "aws_access_key": EXAMPLE_ACCESS_KEY,
    "aws_secret_key": EXAMPLE_SECRET_KEY,
    "role_arn": ROLE_ARN,
    "aws_session_token": "FwoGZXIvYXdzEFakeSessionTokenForTestsOnly0000000000",
}
SECRETS = [value for key, value in ALL.items() if key != "role_arn"]


def test_fields_are_the_three_lwa_credentials_then_the_legacy_aws_ones():
    assert [spec.key for spec in FIELDS] == list(ALL)
    assert [spec.key for spec in FIELDS if not spec.legacy] == [
        "refresh_token",
        "lwa_app_id",
        "lwa_client_secret",
    ]


def test_environment_and_secret_names_are_python_amazon_sp_apis():
    names = {spec.key: (spec.env, spec.secret_json_key) for spec in FIELDS if not spec.legacy}
    assert names == {
        "refresh_token": ("SP_API_REFRESH_TOKEN", "SP_API_REFRESH_TOKEN"),
        "lwa_app_id": ("LWA_APP_ID", "LWA_APP_ID"),
        "lwa_client_secret": ("LWA_CLIENT_SECRET", "LWA_CLIENT_SECRET"),
    }


def test_only_the_role_arn_is_not_a_secret():
    assert [spec.key for spec in FIELDS if not spec.secret] == ["role_arn"]


def test_every_field_says_where_amazon_shows_it():
    for spec in FIELDS:
        assert isinstance(spec, FieldSpec)
        assert spec.amazon_label and spec.where
        assert repr(spec) == f"FieldSpec({spec.key!r})"


def test_field_spec_of_an_unknown_key_is_a_key_error():
    assert field_spec("lwa_app_id").env == "LWA_APP_ID"
    with pytest.raises(KeyError):
        field_spec("client_id")


def test_repr_and_str_mask_every_secret_and_show_the_role_arn(assert_no_leak):
    credentials = Credentials(**ALL)
    shown = repr(credentials)
    assert str(credentials) == shown
    assert_no_leak(shown, *SECRETS)
    assert "lwa_app_id='amzn1.application-oa2-client.dead…(61 chars)'" in shown
    assert f"role_arn={ROLE_ARN!r}" in shown


def test_repr_leaves_out_absent_fields():
    assert (
        repr(Credentials(lwa_app_id=CLIENT_ID))
        == "Credentials(lwa_app_id='amzn1.application-oa2-client.dead…(61 chars)')"
    )


def test_secret_pasted_into_role_arn_is_masked(assert_no_leak):
    credentials = Credentials(role_arn=CLIENT_SECRET)
    assert_no_leak(repr(credentials), CLIENT_SECRET)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(ROLE_ARN + "\u200b", id="invisible-character"),
        pytest.param("arn:" + "a" * 2100, id="too-long"),
        pytest.param(12345, id="not-text"),
    ],
)
def test_role_arn_that_is_not_a_plain_arn_is_masked(value):
    assert display("role_arn", value) != value
    assert display("role_arn", value) == (
        f"({type(value).__name__} value, not text)"
        if not isinstance(value, str)
        else display("lwa_app_id", value)
    )


def test_from_mapping_keeps_the_known_keys_only():
    credentials = Credentials.from_mapping({**ALL, "client_id": "x", "notes": "y"})
    assert credentials == Credentials(**ALL)
    assert not hasattr(credentials, "client_id")


def test_values_are_kept_exactly_as_found():
    value = f' "{CLIENT_ID}"\n'
    assert Credentials(lwa_app_id=value).lwa_app_id == value


def test_present_counts_empty_strings_but_not_none():
    credentials = Credentials(lwa_app_id="", lwa_client_secret=CLIENT_SECRET)
    assert credentials.present() == ("lwa_app_id", "lwa_client_secret")


@pytest.mark.parametrize(
    ("fields", "legacy"),
    [
        pytest.param({"lwa_app_id": CLIENT_ID}, False, id="lwa-only"),
        pytest.param({"role_arn": ""}, True, id="empty-role-arn"),
        pytest.param({"aws_session_token": "x"}, True, id="session-token"),
    ],
)
def test_has_legacy_aws_when_any_aws_field_is_present(fields, legacy):
    assert Credentials(**fields).has_legacy_aws is legacy


def test_to_sp_api_dict_holds_the_present_lwa_credentials_unmasked():
    credentials = Credentials(**{**ALL, "refresh_token": None})
    assert credentials.to_sp_api_dict() == {
        "lwa_app_id": CLIENT_ID,
        "lwa_client_secret": CLIENT_SECRET,
    }


def test_masked_shows_every_present_field_masked(assert_no_leak):
    masked = Credentials(**ALL).masked()
    assert list(masked) == list(ALL)
    assert masked["role_arn"] == ROLE_ARN
    assert_no_leak(masked, *SECRETS)


def test_equality_compares_every_field_and_objects_are_unhashable():
    assert Credentials(**ALL) == Credentials(**ALL)
    assert Credentials(**ALL) != Credentials(**{**ALL, "aws_session_token": None})
    assert Credentials() != {"lwa_app_id": None}
    with pytest.raises(TypeError):
        hash(Credentials())


def test_credentials_take_no_other_attribute():
    with pytest.raises(AttributeError):
        Credentials().client_id = CLIENT_ID


def test_environment_accounts_are_the_plain_names_and_the_suffixed_ones():
    variables = {
        "HOME": "/home/seller",
        "LWA_CLIENT_SECRET_EU_Shop": "secret-of-eu",
        "LWA_APP_ID": "id-of-default",
        "LWA_APP_ID_EU_Shop": "id-of-eu",
        "SP_API_REFRESH_TOKEN_US": "token-of-us",
        "LWA_APP_ID_": "an empty account name: no account",
        "LWA_APP_IDS": "another variable",
    }
    accounts = environment_accounts(variables)
    assert accounts == {
        "US": {"refresh_token": "token-of-us"},
        "default": {"lwa_app_id": "id-of-default"},
        "EU_Shop": {"lwa_app_id": "id-of-eu", "lwa_client_secret": "secret-of-eu"},
    }
    # In the order first met: the refresh tokens' names are read first.
    assert list(accounts) == ["US", "default", "EU_Shop"]
