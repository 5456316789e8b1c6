"""The per-field format rules of ``check_formats``: one table of cases per rule family.

Every case names the finding it expects, the credential it blames and words its message
must contain; a removed or broken rule turns its case red. Every call also goes through
``assert_no_leak``: no message, fix or repr may show a secret or a 12-character piece of it.
"""

from __future__ import annotations

import pytest
from _values import (
    APP_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    EXAMPLE_ACCESS_KEY,
    EXAMPLE_SECRET_KEY,
    LEGACY_SECRET,
    REFRESH_TOKEN,
    ROLE_ARN,
    codes,
    the,
)

from spapi_docs_helpers import Credentials, check_formats
from spapi_docs_helpers._catalogue import CATALOGUE, SEVERITIES

# Obviously fake values in each credential's real shape (the shared ones: _values.py).
HEX32 = CLIENT_ID.rsplit(".", 1)[1]
SELLERAPPS_ID = "amzn1.sellerapps.app.12345678-90ab-4cde-8f01-23456789abcd"
# Fake keys of the same shape as AWS's documented example keys, but not the examples.
ACCESS_KEY = "AKIAFAKEFAKEFAKE0000"
SECRET_KEY = "Fake/Secret+Key/For/Tests/00000000000000"
TEMPORARY_KEY = "ASIAFAKEFAKEFAKE0000"
SESSION_TOKEN = "FwoGZXIvYXdzEFakeSessionTokenForTestsOnly0000000000"
ACCOUNT = "123456789012"  # AWS's documented example account ID, the one of ROLE_ARN

WELL_FORMED = {
    "refresh_token": REFRESH_TOKEN,
    "lwa_app_id": CLIENT_ID,
    "lwa_client_secret": CLIENT_SECRET,
    "aws_access_key": ACCESS_KEY,
    "aws_secret_key": SECRET_KEY,
    "role_arn": ROLE_ARN,
    "aws_session_token": SESSION_TOKEN,
}
CODES = {item.code: item for item in CATALOGUE}


@pytest.fixture
def check(assert_no_leak):
    """``check(**fields)``: the findings, checked for catalogue codes and for leaks."""

    def run(*, sp_api_version="2.1.35", secrets=None, source=None, **fields):
        """``secrets``: the values that must not show (default: every value but role_arn)."""
        findings = check_formats(fields, sp_api_version=sp_api_version, source=source)
        for finding in findings:
            assert finding.code in CODES
            assert finding.severity == CODES[finding.code].severity
            assert finding.severity in SEVERITIES
        if secrets is None:
            secrets = [value for key, value in fields.items() if key != "role_arn"]
        assert_no_leak(findings, *secrets)
        return findings

    return run


def errors(findings) -> list:
    return [finding for finding in findings if finding.severity == "error"]


# Findings about the AWS fields as a group, not about one value.
GROUP_CODES = {"aws-fields-ignored", "aws-fields-used-by-legacy-library", "aws-fields-incomplete"}


def assert_single(findings, code, severity, field, words):
    """``findings`` hold exactly one finding about a value (group findings aside)."""
    findings = [f for f in findings if f.code not in GROUP_CODES]
    assert codes(findings) == [code]
    finding = findings[0]
    assert finding.severity == severity
    assert finding.field == field
    for word in words:
        assert word in finding.message, (word, finding.message)


# --------------------------------------------------------------------------- baseline


def test_well_formed_lwa_credentials_have_no_finding(check):
    assert (
        check(refresh_token=REFRESH_TOKEN, lwa_app_id=CLIENT_ID, lwa_client_secret=CLIENT_SECRET)
        == []
    )


def test_absent_value_none_is_not_checked(check):
    assert check(refresh_token=None, lwa_app_id=None, lwa_client_secret=None) == []


def test_credentials_object_and_mapping_give_the_same_findings():
    fields = {"lwa_app_id": APP_ID, "refresh_token": "Atza|" + "x1" * 40}
    as_mapping = check_formats(fields, sp_api_version=None)
    as_object = check_formats(Credentials(**fields), sp_api_version=None)
    assert [f.as_dict() for f in as_mapping] == [f.as_dict() for f in as_object]
    assert codes(as_mapping) == ["access-token-in-refresh-token-field", "app-id-in-client-id-field"]


def test_source_is_carried_into_every_finding(check):
    findings = check(lwa_app_id=APP_ID, lwa_client_secret="", source="environment")
    assert findings and {f.source for f in findings} == {"environment"}


def test_findings_are_stage_format(check):
    findings = check(lwa_app_id=APP_ID, aws_access_key="AIDA" + "FAKEFAKEFAKE0000")
    assert {f.stage for f in findings} == {"format"}


# --------------------------------------------------------------------------- lwa_app_id

LWA_APP_ID_CASES = [
    pytest.param(
        APP_ID,
        "app-id-in-client-id-field",
        ["App ID", "amzn1.sp.solution.", "Client identifier"],
        id="app-id-sp-solution",
    ),
    pytest.param(
        SELLERAPPS_ID,
        "app-id-in-client-id-field",
        ["App ID", "amzn1.sellerapps.app."],
        id="app-id-sellerapps",
    ),
    pytest.param(
        HEX32,
        "client-id-prefix-missing",
        ["32 hexadecimal", "without", "prefix"],
        id="hex-without-prefix",
    ),
    pytest.param(
        "application-oa2-client." + HEX32,
        "client-id-prefix-missing",
        ["part of", "prefix"],
        id="prefix-cut-application",
    ),
    pytest.param(
        "oa2-client." + HEX32,
        "client-id-prefix-missing",
        ["part of", "prefix"],
        id="prefix-cut-oa2-client",
    ),
    pytest.param(
        "mzn1.application-oa2-client." + HEX32,
        "client-id-prefix-missing",
        ["part of"],
        id="prefix-cut-first-letter",
    ),
    pytest.param(CLIENT_ID[:-6], "client-id-truncated", ["26 of the 32"], id="truncated"),
    pytest.param(CLIENT_ID + "00", "client-id-malformed", ["34 characters"], id="too-long"),
    pytest.param(
        CLIENT_ID.upper().replace("AMZN1.APPLICATION-OA2-CLIENT.", "amzn1.application-oa2-client."),
        "client-id-malformed",
        ["lowercase hexadecimal"],
        id="upper-case-hex",
    ),
    pytest.param(
        "my-lwa-client",
        "client-id-malformed",
        ["does not start with amzn1.application-oa2-client."],
        id="no-prefix",
    ),
    pytest.param(
        CLIENT_SECRET,
        "value-in-wrong-field",
        ["client secret", "lwa_client_secret"],
        id="client-secret-pasted",
    ),
    pytest.param(
        LEGACY_SECRET,
        "value-in-wrong-field",
        ["older LWA client secret", "lwa_client_secret"],
        id="legacy-secret-pasted",
    ),
    pytest.param(
        REFRESH_TOKEN,
        "value-in-wrong-field",
        ["refresh token", "refresh_token"],
        id="refresh-token-pasted",
    ),
    pytest.param(
        ACCESS_KEY,
        "value-in-wrong-field",
        ["AWS access key ID", "aws_access_key"],
        id="aws-access-key-pasted",
    ),
    pytest.param(
        f"arn:aws:iam::{ACCOUNT}:user/spapi",
        "value-in-wrong-field",
        ["IAM user ARN", "no SP-API credential"],
        id="user-arn-pasted",
    ),
]


@pytest.mark.parametrize(("value", "code", "words"), LWA_APP_ID_CASES)
def test_lwa_app_id_rule_blames_lwa_app_id(check, value, code, words):
    assert_single(check(lwa_app_id=value), code, "error", "lwa_app_id", words)


def test_app_id_in_client_id_field_is_blamed_on_lwa_app_id(check):
    finding = the(check(lwa_app_id=APP_ID), "app-id-in-client-id-field")
    assert finding.field == "lwa_app_id"
    assert "LWA credentials" in finding.message and "View" in finding.message


def test_wrong_field_fix_names_the_field_the_value_belongs_in(check):
    finding = the(check(lwa_app_id=CLIENT_SECRET), "value-in-wrong-field")
    assert "lwa_client_secret" in finding.fix


# --------------------------------------------------------------------------- lwa_client_secret

CLIENT_SECRET_CASES = [
    pytest.param(
        LEGACY_SECRET,
        "client-secret-legacy-format",
        "warning",
        ["64 bare hexadecimal", "rotation"],
        id="legacy-64-hex",
    ),
    # Amazon publishes no length for a secret: another length than the 64 seen so far is a
    # warning, not an error.
    pytest.param(
        CLIENT_SECRET[:-8],
        "client-secret-length-unusual",
        "warning",
        ["56 hexadecimal", "64", "lost when it was copied"],
        id="shorter",
    ),
    pytest.param(
        CLIENT_SECRET + "00",
        "client-secret-length-unusual",
        "warning",
        ["66 hexadecimal", "64"],
        id="longer",
    ),
    pytest.param(
        "amzn1.oa2-cs.v1." + "FEEDFACE" * 8,
        "client-secret-malformed",
        "error",
        ["lowercase hexadecimal"],
        id="upper-case-hex",
    ),
    pytest.param(
        "hunter2-is-not-a-secret",
        "client-secret-malformed",
        "error",
        ["neither starts with amzn1.oa2-cs.v1."],
        id="free-text",
    ),
    pytest.param(
        LEGACY_SECRET[:-2],
        "client-secret-malformed",
        "error",
        ["64 hexadecimal"],
        id="legacy-truncated",
    ),
    pytest.param(
        CLIENT_ID,
        "value-in-wrong-field",
        "error",
        ["client identifier", "lwa_app_id"],
        id="client-id-pasted",
    ),
    pytest.param(APP_ID, "value-in-wrong-field", "error", ["App ID"], id="app-id-pasted"),
    pytest.param(
        REFRESH_TOKEN, "value-in-wrong-field", "error", ["refresh token"], id="refresh-token-pasted"
    ),
]


def test_current_client_secret_format_is_accepted(check):
    assert check(lwa_client_secret=CLIENT_SECRET) == []


@pytest.mark.parametrize(("value", "code", "severity", "words"), CLIENT_SECRET_CASES)
def test_client_secret_rule_blames_lwa_client_secret(check, value, code, severity, words):
    assert_single(check(lwa_client_secret=value), code, severity, "lwa_client_secret", words)


def test_client_id_and_secret_swapped_gives_one_fields_swapped_finding(check):
    findings = check(lwa_app_id=CLIENT_SECRET, lwa_client_secret=CLIENT_ID)
    assert codes(findings) == ["fields-swapped"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.field == "lwa_app_id"
    assert "lwa_client_secret" in finding.message and "swapped" in finding.message
    assert "Swap" in finding.fix


def test_app_id_pasted_as_secret_names_the_client_secret_to_use(check):
    finding = the(check(lwa_client_secret=APP_ID), "value-in-wrong-field")
    assert "Client secret" in finding.fix


# --------------------------------------------------------------------------- refresh_token

AUTH_CODE = "ANfakeAuthCode0000"
REDIRECT_URL = (
    f"https://example.com/callback?state=fake&spapi_oauth_code={AUTH_CODE}"
    "&selling_partner_id=A1FAKESELLER"
)
REFRESH_TOKEN_CASES = [
    pytest.param(
        "Atza|IwEBIFakeAccessToken-" + "QrStUvWxYz" * 8,
        "access-token-in-refresh-token-field",
        "error",
        ["access token", "Atza|"],
        id="access-token",
    ),
    pytest.param(
        "ANxxxxxxxxxxxxxxxxxx",
        "authorization-code-in-refresh-token-field",
        "error",
        ["authorization code"],
        id="authorization-code",
    ),
    pytest.param(
        REDIRECT_URL,
        "authorization-code-in-refresh-token-field",
        "error",
        ["authorization code"],
        id="redirect-url-with-code",
    ),
    pytest.param(
        "Aztr|IwEBIFake-" + "QrStUvWxYz" * 8,
        "refresh-token-prefix-typo",
        "error",
        ["'Aztr|'", "'Atzr|'"],
        id="aztr-typo",
    ),
    pytest.param(
        "Atzr%7C" + REFRESH_TOKEN[5:], "url-encoded", "error", ["%7C"], id="url-encoded-bar"
    ),
    pytest.param(
        "Atzr|" + "a" * 2044,
        "value-too-long",
        "error",
        ["2049 bytes", "2048"],
        id="one-byte-too-long",
    ),
    # Bytes, not characters: 1,100 two-byte letters are 2,205 bytes.
    pytest.param(
        "Atzr|" + "é" * 1100, "value-too-long", "error", ["2205 bytes"], id="multi-byte-too-long"
    ),
    pytest.param("Atzr|IwEBIFake", "refresh-token-short", "warning", ["14 characters"], id="short"),
    pytest.param(
        "IwEBIFakeTokenWithoutItsPrefix-" + "QrStUvWxYz" * 8,
        "refresh-token-malformed",
        "error",
        ["does not start with Atzr|"],
        id="no-prefix",
    ),
    pytest.param(
        CLIENT_ID,
        "value-in-wrong-field",
        "error",
        ["client identifier", "lwa_app_id"],
        id="client-id-pasted",
    ),
]


def test_refresh_token_of_2048_bytes_is_not_too_long(check):
    assert "value-too-long" not in codes(check(refresh_token="Atzr|" + "a" * 2043))


@pytest.mark.parametrize(("value", "code", "severity", "words"), REFRESH_TOKEN_CASES)
def test_refresh_token_rule_blames_refresh_token(check, value, code, severity, words):
    # Of the redirect URL, only the code is a secret.
    secrets = [AUTH_CODE] if value == REDIRECT_URL else [value]
    findings = check(refresh_token=value, secrets=secrets)
    assert_single(findings, code, severity, "refresh_token", words)


def test_refresh_token_of_64_characters_is_not_short(check):
    assert check(refresh_token="Atzr|" + "b" * 59) == []


# --------------------------------------------------------------------------- every field

FIELDS = list(WELL_FORMED)
SECRET_FIELDS = [key for key in FIELDS if key != "role_arn"]


HYGIENE_DEFECTS = [
    # (id, transform, code, words in the message)
    ("leading-space", lambda v: " " + v, "whitespace-around", ["1 leading", "space"]),
    ("trailing-space", lambda v: v + " ", "whitespace-around", ["1 trailing", "space"]),
    ("trailing-newline", lambda v: v + "\n", "whitespace-around", ["trailing", "line break"]),
    ("trailing-crlf", lambda v: v + "\r\n", "whitespace-around", ["2 trailing", "carriage return"]),
    ("leading-tab", lambda v: "\t" + v, "whitespace-around", ["leading", "tab"]),
    (
        "inner-space",
        lambda v: v[:8] + " " + v[8:],
        "whitespace-inside",
        ["whitespace", "position 9"],
    ),
    ("inner-line-break", lambda v: v[:8] + "\n" + v[8:], "whitespace-inside", ["line break"]),
    ("double-quotes", lambda v: f'"{v}"', "quote-characters", ['"', "positions 1,"]),
    ("single-quote", lambda v: "'" + v, "quote-characters", ["'", "position 1"]),
    ("typographic-double", lambda v: f"“{v}”", "quote-characters", ["“", "”"]),
    ("typographic-single", lambda v: f"‘{v}’", "quote-characters", ["‘"]),
    (
        "zero-width-space",
        lambda v: v + "\u200b",
        "invisible-character",
        ["U+200B", "ZERO WIDTH SPACE"],
    ),
    ("byte-order-mark", lambda v: "\ufeff" + v, "invisible-character", ["U+FEFF", "position 1"]),
    (
        "no-break-space",
        lambda v: v[:8] + "\u00a0" + v[8:],
        "invisible-character",
        ["U+00A0", "NO-BREAK SPACE"],
    ),
    (
        "soft-hyphen",
        lambda v: v[:8] + "\u00ad" + v[8:],
        "invisible-character",
        ["U+00AD", "SOFT HYPHEN"],
    ),
    (
        "control-character",
        lambda v: v[:8] + "\x07" + v[8:],
        "invisible-character",
        ["U+0007", "control character"],
    ),
    ("nul-character", lambda v: v + "\x00", "invisible-character", ["U+0000"]),
    (
        "accented-letter",
        lambda v: v + "é",
        "non-ascii-character",
        ["U+00E9", "LATIN SMALL LETTER E"],
    ),
]


@pytest.mark.parametrize("key", FIELDS)
@pytest.mark.parametrize(
    ("transform", "code", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in HYGIENE_DEFECTS],
)
def test_copy_paste_defect_is_the_only_error_and_blames_its_field(
    check, key, transform, code, words
):
    findings = check(**{key: transform(WELL_FORMED[key])})
    assert [f.code for f in errors(findings)] == [code]
    finding = the(findings, code)
    assert finding.field == key
    assert finding.message.startswith(key)
    for word in words:
        assert word in finding.message, (word, finding.message)


# Look-alike letters: Cyrillic а, е, о and Greek ο in place of the Latin letter.
LOOKALIKES = [
    ("а", "a", "CYRILLIC SMALL LETTER A"),
    ("е", "e", "CYRILLIC SMALL LETTER IE"),
    ("о", "o", "CYRILLIC SMALL LETTER O"),
    ("ο", "o", "GREEK SMALL LETTER OMICRON"),
    ("А", "A", "CYRILLIC CAPITAL LETTER A"),
    ("Ε", "E", "GREEK CAPITAL LETTER EPSILON"),
]
LOOKALIKE_CASES = [
    pytest.param(key, fake, latin, name, id=f"{key}-{name.lower().replace(' ', '-')}")
    for key in FIELDS
    for fake, latin, name in LOOKALIKES
    if latin in WELL_FORMED[key]
]


@pytest.mark.parametrize(("key", "fake", "latin", "name"), LOOKALIKE_CASES)
def test_lookalike_letter_is_named_with_the_letter_it_imitates(check, key, fake, latin, name):
    findings = check(**{key: WELL_FORMED[key].replace(latin, fake, 1)})
    assert [f.code for f in errors(findings)] == ["non-ascii-character"]
    finding = findings[0]
    assert finding.field == key
    assert name in finding.message
    assert f"looks like {latin!r}" in finding.message


def test_every_field_has_a_lookalike_case():
    assert {case.values[0] for case in LOOKALIKE_CASES} == set(FIELDS)


def test_quoted_app_id_earns_both_the_quote_and_the_app_id_finding(check):
    findings = check(lwa_app_id=f'"{APP_ID}"')
    assert codes(findings) == ["quote-characters", "app-id-in-client-id-field"]


def test_control_character_is_not_said_to_look_like_itself(check):
    finding = the(check(lwa_app_id=CLIENT_ID + "\x07"), "invisible-character")
    assert "looks like" not in finding.message


@pytest.mark.parametrize("key", FIELDS)
@pytest.mark.parametrize(
    ("value", "words"),
    [
        pytest.param("", ["empty"], id="empty"),
        pytest.param("   ", ["only whitespace"], id="blank"),
        pytest.param("\n", ["only whitespace"], id="newline-only"),
    ],
)
def test_empty_value_is_value_empty(check, key, value, words):
    assert_single(check(**{key: value}), "value-empty", "error", key, words)


PLACEHOLDERS = [
    "<your client id>",
    "YOUR_LWA_APP_ID",
    "your-refresh-token",
    "changeme",
    "CHANGE_ME",
    "placeholder",
    "replace-me",
    "xxxxxxxx",
    "********",
    "...",
    "…",
    "TODO",
    "null",
    "None",
    "undefined",
    "dummy",
    "REDACTED",
    "amzn1.application-oa2-client.xxxxxxxxxxxxxxxx",
    "amzn1.oa2-cs.v1.XXXX",
    "Atzr|...",
    "Atzr|xxxx",
    "Atzr|****",
]


@pytest.mark.parametrize("key", SECRET_FIELDS)
@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholder_is_placeholder_value(check, key, value):
    findings = check(secrets=[], **{key: value})  # placeholders are no secrets
    assert_single(findings, "placeholder-value", "error", key, ["placeholder"])


VARIABLES = [
    pytest.param("${LWA_APP_ID}", "LWA_APP_ID", id="shell-braces"),
    pytest.param("$LWA_APP_ID", "LWA_APP_ID", id="shell-bare"),
    pytest.param("%LWA_APP_ID%", "LWA_APP_ID", id="windows"),
    pytest.param('"${LWA_CLIENT_SECRET}"', "LWA_CLIENT_SECRET", id="quoted"),
    pytest.param(" $SP_API_REFRESH_TOKEN\n", "SP_API_REFRESH_TOKEN", id="with-whitespace"),
    pytest.param("{{ lwa_app_id }}", "lwa_app_id", id="template"),
]


@pytest.mark.parametrize("key", FIELDS)
@pytest.mark.parametrize(("value", "name"), VARIABLES)
def test_unexpanded_variable_is_named_and_is_the_only_finding(check, key, value, name):
    # The reference is no secret: naming it is the point.
    findings = check(secrets=[], **{key: value})
    assert [f.code for f in errors(findings)] == ["unexpanded-variable"]
    finding = the(findings, "unexpanded-variable")
    assert finding.field == key
    assert f"variable {name} " in finding.message


def test_partly_expanded_value_names_only_the_reference(check):
    value = REFRESH_TOKEN + "${TOKEN_SUFFIX}"
    finding = the(check(refresh_token=value, secrets=[REFRESH_TOKEN]), "unexpanded-variable")
    assert "'${TOKEN_SUFFIX}'" in finding.message


NOT_TEXT = [
    pytest.param(12345, "an int", id="int"),
    pytest.param(1.5, "a float", id="float"),
    pytest.param(True, "a bool", id="bool"),
    pytest.param([CLIENT_ID], "a list", id="list"),
    pytest.param({"value": CLIENT_ID}, "a dict", id="dict"),
    pytest.param(CLIENT_ID.encode(), "bytes", id="bytes"),
]


@pytest.mark.parametrize("key", FIELDS)
@pytest.mark.parametrize(("value", "words"), NOT_TEXT)
def test_value_that_is_not_text_is_value_not_text(check, key, value, words):
    findings = check(**{key: value})
    assert [f.code for f in errors(findings)] == ["value-not-text"]
    finding = the(findings, "value-not-text")
    assert finding.field == key
    assert f"{key} is {words}, not text" in finding.message


@pytest.mark.parametrize(
    ("key", "limit"),
    [
        ("lwa_app_id", 256),
        ("lwa_client_secret", 256),
        ("aws_access_key", 128),
        ("aws_secret_key", 256),
        ("role_arn", 2048),
        ("aws_session_token", 8192),
    ],
)
def test_value_beyond_the_field_limit_is_value_too_long(check, key, limit):
    findings = check(**{key: "Q" * (limit + 1)})
    assert [f.code for f in errors(findings)] == ["value-too-long"]
    assert f"{limit + 1} characters" in the(findings, "value-too-long").message


def test_a_megabyte_paste_is_one_finding(check):
    findings = check(lwa_client_secret=" " + "z" * 1_000_000)
    assert codes(findings) == ["value-too-long"]


# --------------------------------------------------------------------------- AWS (legacy)


def value_codes(findings):
    return [f.code for f in findings if f.code not in GROUP_CODES]


def test_long_term_access_key_and_secret_key_are_accepted(check):
    assert value_codes(check(aws_access_key=ACCESS_KEY, aws_secret_key=SECRET_KEY)) == []


def test_temporary_key_without_session_token_is_an_error(check):
    findings = check(aws_access_key=TEMPORARY_KEY, aws_secret_key=SECRET_KEY)
    assert_single(
        [f for f in findings if f.code not in GROUP_CODES],
        "aws-temporary-key-without-session-token",
        "error",
        "aws_access_key",
        ["temporary ASIA", "no session token"],
    )


def test_temporary_key_with_session_token_is_a_warning(check):
    findings = check(
        aws_access_key=TEMPORARY_KEY, aws_secret_key=SECRET_KEY, aws_session_token=SESSION_TOKEN
    )
    assert_single(
        [f for f in findings if f.code not in GROUP_CODES],
        "aws-temporary-key",
        "warning",
        "aws_access_key",
        ["temporary", "expires"],
    )


def test_temporary_key_with_empty_session_token_is_still_without_one(check):
    findings = check(aws_access_key=TEMPORARY_KEY, aws_secret_key=SECRET_KEY, aws_session_token="")
    assert "aws-temporary-key-without-session-token" in codes(findings)


ACCESS_KEY_CASES = [
    pytest.param(
        "AIDA" + "FAKEFAKEFAKE0000", ["AIDA", "unique ID", "identity"], id="user-unique-id"
    ),
    pytest.param("AROA" + "FAKEFAKEFAKE0000", ["AROA", "unique ID", "role"], id="role-unique-id"),
    pytest.param(ACCESS_KEY.lower(), ["lower-case"], id="lower-case"),
    pytest.param(ACCESS_KEY[:-2], ["18 characters"], id="too-short"),
    pytest.param(ACCESS_KEY + "0", ["21 characters"], id="too-long"),
    pytest.param("ABCDFAKEFAKEFAKE0000", ["does not start with AKIA or ASIA"], id="other-prefix"),
]


@pytest.mark.parametrize(("value", "words"), ACCESS_KEY_CASES)
def test_malformed_access_key_is_aws_access_key_malformed(check, value, words):
    findings = check(aws_access_key=value, aws_secret_key=SECRET_KEY)
    assert_single(
        [f for f in findings if f.code not in GROUP_CODES],
        "aws-access-key-malformed",
        "error",
        "aws_access_key",
        words,
    )


SECRET_KEY_CASES = [
    pytest.param(SECRET_KEY[:-1], ["39 characters"], id="too-short"),
    pytest.param(SECRET_KEY + "0", ["41 characters"], id="too-long"),
    pytest.param(SECRET_KEY[:-1] + "!", ["contains '!'"], id="bad-character"),
    pytest.param(SECRET_KEY[:-2] + "==", ["contains '='"], id="base64-padding"),
    pytest.param(SECRET_KEY[:-1] + "-", ["contains '-'"], id="dash"),
]


@pytest.mark.parametrize(("value", "words"), SECRET_KEY_CASES)
def test_malformed_secret_key_is_aws_secret_key_malformed(check, value, words):
    findings = check(aws_access_key=ACCESS_KEY, aws_secret_key=value)
    assert_single(
        [f for f in findings if f.code not in GROUP_CODES],
        "aws-secret-key-malformed",
        "error",
        "aws_secret_key",
        [*words, "40"],
    )


def test_swapped_access_and_secret_key_is_one_fields_swapped_finding(check):
    findings = check(aws_access_key=SECRET_KEY, aws_secret_key=ACCESS_KEY)
    assert value_codes(findings) == ["fields-swapped"]
    finding = the(findings, "fields-swapped")
    assert finding.field == "aws_access_key"
    assert "aws_secret_key" in finding.message and "swapped" in finding.message


def test_access_key_in_secret_field_alone_is_value_in_wrong_field(check):
    findings = check(aws_access_key=None, aws_secret_key=ACCESS_KEY)
    finding = the(findings, "value-in-wrong-field")
    assert finding.field == "aws_secret_key"
    assert "aws_access_key" in finding.message


ROLE_ARN_CASES = [
    pytest.param(
        f"arn:aws:iam::{ACCOUNT}:user/spapi-user",
        "role-arn-is-user-arn",
        ["IAM user 'spapi-user'", "not of a role"],
        id="user-arn",
    ),
    pytest.param(f"arn:aws:iam::{ACCOUNT}:root", "role-arn-malformed", ["root user"], id="root"),
    pytest.param(
        f"arn:aws:iam:us-east-1:{ACCOUNT}:role/SellingPartnerAPIRole",
        "role-arn-malformed",
        ["region (us-east-1)"],
        id="region-present",
    ),
    pytest.param(
        "arn:aws:iam::12345678901:role/SellingPartnerAPIRole",
        "role-arn-account-id-malformed",
        ["'12345678901'", "11 characters", "12 digits"],
        id="account-11-digits",
    ),
    pytest.param(
        "arn:aws:iam::1234567890ab:role/SellingPartnerAPIRole",
        "role-arn-account-id-malformed",
        ["12 digits"],
        id="account-not-digits",
    ),
    pytest.param(
        "arn:aws:s3:::spapi-fake-bucket", "role-arn-malformed", ["s3 service"], id="other-service"
    ),
    pytest.param(
        f"arn:aws:iam::{ACCOUNT}:policy/SellingPartnerAPIPolicy",
        "role-arn-malformed",
        ["'policy'", "role/<name>"],
        id="policy-arn",
    ),
    pytest.param(
        "SellingPartnerAPIRole",
        "role-arn-malformed",
        ["does not start with arn:"],
        id="bare-role-name",
    ),
]


def test_role_arn_with_a_path_is_accepted(check):
    findings = check(
        aws_access_key=ACCESS_KEY,
        aws_secret_key=SECRET_KEY,
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/spapi/SellingPartnerAPIRole",
    )
    assert value_codes(findings) == []


@pytest.mark.parametrize(("value", "code", "words"), ROLE_ARN_CASES)
def test_role_arn_rule_blames_role_arn(check, value, code, words):
    findings = check(aws_access_key=ACCESS_KEY, aws_secret_key=SECRET_KEY, role_arn=value)
    assert_single(
        [f for f in findings if f.code not in GROUP_CODES], code, "error", "role_arn", words
    )


@pytest.mark.parametrize("name", ["dummy", "none", "a...b", "service-role/todo"])
def test_role_named_like_a_placeholder_word_is_accepted(check, name):
    findings = check(
        aws_access_key=ACCESS_KEY,
        aws_secret_key=SECRET_KEY,
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
    )
    assert value_codes(findings) == []


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::<account-id>:role/<role-name>",
        f"arn:aws:iam::{ACCOUNT}:role/...",
        f"arn:aws:iam::{ACCOUNT}:role/xxxx",
    ],
)
def test_role_arn_placeholder_is_placeholder_value(check, value):
    findings = check(aws_access_key=ACCESS_KEY, aws_secret_key=SECRET_KEY, role_arn=value)
    assert_single(findings, "placeholder-value", "error", "role_arn", ["placeholder"])


def test_assumed_role_arn_suggests_the_role_arn(check):
    value = f"arn:aws:sts::{ACCOUNT}:assumed-role/SellingPartnerAPIRole/session-1"
    findings = check(aws_access_key=ACCESS_KEY, aws_secret_key=SECRET_KEY, role_arn=value)
    finding = the(findings, "role-arn-is-assumed-role-arn")
    assert finding.field == "role_arn"
    assert finding.severity == "error"
    assert finding.fix == f"Set role_arn to {ROLE_ARN}."
    assert ROLE_ARN in finding.message


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [
        ("aws_access_key", EXAMPLE_ACCESS_KEY, "access"),
        ("aws_secret_key", EXAMPLE_SECRET_KEY, "secret"),
    ],
)
def test_aws_example_key_is_an_info_on_its_field(check, key, value, word):
    findings = check(**{key: value})
    finding = the(findings, "aws-example-key")
    assert finding.severity == "info"
    assert finding.field == key
    assert f"example {word} key" in finding.message
    assert errors(findings) == []


def test_aws_example_keys_together_are_accepted(check):
    findings = check(aws_access_key=EXAMPLE_ACCESS_KEY, aws_secret_key=EXAMPLE_SECRET_KEY)
    assert value_codes(findings) == ["aws-example-key", "aws-example-key"]


def test_aws_example_key_in_an_lwa_field_is_still_in_the_wrong_field(check):
    findings = check(lwa_app_id=EXAMPLE_ACCESS_KEY)
    assert codes(findings) == ["aws-example-key", "value-in-wrong-field"]
    assert the(findings, "value-in-wrong-field").field == "lwa_app_id"


def test_swapped_aws_example_keys_are_fields_swapped(check):
    findings = check(aws_access_key=EXAMPLE_SECRET_KEY, aws_secret_key=EXAMPLE_ACCESS_KEY)
    assert "fields-swapped" in codes(findings)
    assert "value-in-wrong-field" not in codes(findings)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"aws_access_key": ACCESS_KEY}, id="access-key-only"),
        pytest.param({"aws_secret_key": SECRET_KEY}, id="secret-key-only"),
        pytest.param({"role_arn": ROLE_ARN}, id="role-arn-only"),
        pytest.param({"aws_session_token": SESSION_TOKEN}, id="session-token-only"),
        pytest.param(
            {"aws_access_key": ACCESS_KEY, "role_arn": ROLE_ARN}, id="access-key-and-role"
        ),
    ],
)
def test_aws_fields_without_both_keys_are_aws_fields_incomplete(check, fields):
    # Only where something still signs with them: python-amazon-sp-api before 1.0.
    finding = the(check(sp_api_version="0.19.4", **fields), "aws-fields-incomplete")
    assert finding.severity == "warning"
    for key in fields:
        assert key in finding.message


@pytest.mark.parametrize("version", ["2.1.35", "1.0.0"])
def test_incomplete_aws_fields_do_not_matter_to_a_library_that_ignores_them(check, version):
    findings = check(sp_api_version=version, aws_access_key=ACCESS_KEY)
    assert "aws-fields-incomplete" not in codes(findings)
    assert "aws-fields-ignored" in codes(findings)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"aws_access_key": ACCESS_KEY, "aws_secret_key": SECRET_KEY}, id="both-keys"),
        pytest.param(
            {"aws_access_key": ACCESS_KEY, "aws_secret_key": SECRET_KEY, "role_arn": ROLE_ARN},
            id="both-keys-and-role",
        ),
        pytest.param({"lwa_app_id": CLIENT_ID}, id="no-aws-field"),
    ],
)
def test_complete_or_absent_aws_fields_are_not_incomplete(check, fields):
    assert "aws-fields-incomplete" not in codes(check(**fields))


def test_session_token_next_to_a_long_term_key_is_a_warning_on_the_session_token(check):
    findings = check(
        aws_access_key=ACCESS_KEY, aws_secret_key=SECRET_KEY, aws_session_token=SESSION_TOKEN
    )
    finding = the(findings, "session-token-with-long-term-key")
    assert finding.severity == "warning"
    assert finding.field == "aws_session_token"
    assert "AKIA" in finding.message


@pytest.mark.parametrize(
    ("version", "code", "words"),
    [
        pytest.param("2.1.35", "aws-fields-ignored", ["2.1.35", "ignores role_arn"], id="current"),
        pytest.param("1.0.0", "aws-fields-ignored", ["1.0.0"], id="first-without-aws"),
        pytest.param(
            "0.19.4", "aws-fields-used-by-legacy-library", ["0.19.4", "signs"], id="legacy"
        ),
        pytest.param(None, "aws-fields-ignored", ["not installed"], id="not-installed"),
    ],
)
def test_aws_fields_verdict_depends_on_the_installed_library(check, version, code, words):
    findings = check(sp_api_version=version, role_arn=ROLE_ARN)
    group = [
        f for f in findings if f.code in ("aws-fields-ignored", "aws-fields-used-by-legacy-library")
    ]
    assert [f.code for f in group] == [code]
    assert group[0].severity == "info"
    for word in words:
        assert word in group[0].message


def test_no_aws_field_means_no_aws_verdict(check):
    findings = check(sp_api_version="0.19.4", lwa_app_id=CLIENT_ID)
    assert findings == []


def test_installed_library_version_is_detected_by_default():
    findings = check_formats({"role_arn": ROLE_ARN})
    from spapi_docs_helpers._peers import sp_api_version

    version = sp_api_version()
    assert version is not None
    assert version in the(findings, "aws-fields-ignored").message


# --------------------------------------------------------------------------- leaks


def test_no_finding_of_a_bad_set_shows_a_secret(check, assert_no_leak):
    fields = {
        "refresh_token": '"' + REFRESH_TOKEN + '"\n',
        "lwa_app_id": CLIENT_SECRET,
        "lwa_client_secret": CLIENT_ID,
        "aws_access_key": SECRET_KEY,
        "aws_secret_key": ACCESS_KEY,
        "aws_session_token": " " + SESSION_TOKEN,
    }
    findings = check(sp_api_version="0.19.4", **fields)
    assert len(findings) >= 4
    for finding in findings:
        assert_no_leak(
            [finding.message, finding.fix, repr(finding), finding.one_line()], *fields.values()
        )


def test_a_client_secret_of_another_length_blames_no_one_offline():
    """Amazon publishes no length: the check warns, but neither fails nor blames the secret."""
    from spapi_docs_helpers import check_offline

    report = check_offline(
        credentials={
            "lwa_app_id": CLIENT_ID,
            "lwa_client_secret": CLIENT_SECRET[:-8],
            "refresh_token": REFRESH_TOKEN,
        }
    )
    assert [f.code for f in report.findings] == ["client-secret-length-unusual"]
    assert (report.exit_code, report.blamed) == (0, [])
