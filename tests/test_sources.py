"""Where the credentials come from: the resolution chain, its trace and what it reports.

The chain is python-amazon-sp-api's (code dict → environment → Secrets Manager →
credentials.yml; the first source with truthy lwa_app_id and lwa_client_secret wins, nothing
is merged); ``test_sources_parity.py`` compares it with the library itself. These tests pin
what the library does not do: the trace and the findings that say what the user meant.
"""

from __future__ import annotations

import json
import os
import tempfile

import pytest
from _values import CLIENT_ID, CLIENT_SECRET, GOOD_ENV, REFRESH_TOKEN, codes, the
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spapi_docs_helpers import Finding, resolve_credentials
from spapi_docs_helpers._catalogue import CATALOGUE

# A second, different set: which one shows tells which source won.
OTHER_CLIENT_ID = "amzn1.application-oa2-client." + "0ddba11a" * 4
OTHER_SECRET = "amzn1.oa2-cs.v1." + "5ca1ab1e" * 8
OTHER_TOKEN = "Atzr|IwEBIAnotherFakeRefreshToken-" + "9876543210" * 8
SECRETS = (CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, OTHER_CLIENT_ID, OTHER_SECRET, OTHER_TOKEN)

CODE_DICT = {
    "lwa_app_id": CLIENT_ID,
    "lwa_client_secret": CLIENT_SECRET,
    "refresh_token": REFRESH_TOKEN,
}
CODES = {item.code for item in CATALOGUE}


def yaml_account(
    name="default", *, app_id=CLIENT_ID, secret=CLIENT_SECRET, token=REFRESH_TOKEN, extra=""
):
    lines = [f"{name}:"]
    if token is not None:
        lines.append(f"  refresh_token: '{token}'")
    if app_id is not None:
        lines.append(f"  lwa_app_id: '{app_id}'")
    if secret is not None:
        lines.append(f"  lwa_client_secret: '{secret}'")
    return "\n".join(lines) + "\n" + extra


GOOD_FILE = "version: '1.0'\n" + yaml_account()


@pytest.fixture
def home(isolated_machine):
    return isolated_machine


@pytest.fixture
def write_config(config_file):
    """conftest's ``config_file``: ``write_config(text, name=..., folder=...)``."""
    return config_file


@pytest.fixture
def setenv(monkeypatch):
    def set_many(mapping):
        for name, value in mapping.items():
            monkeypatch.setenv(name, value)

    return set_many


@pytest.fixture
def resolve(assert_no_leak):
    """resolve_credentials with the leak check on its findings and its trace."""

    def run(account="default", credentials=None, **kwargs):
        resolution = resolve_credentials(account, credentials, **kwargs)
        for finding in resolution.findings:
            assert isinstance(finding, Finding) and finding.code in CODES
        assert_no_leak(
            [
                resolution.findings,
                resolution.as_dict(),
                repr(resolution),
                [repr(source) for source in resolution.sources],
            ],
            *SECRETS,
        )
        return resolution

    return run


def status(resolution) -> dict:
    return {source.name: source.status for source in resolution.sources}


def triple(resolution) -> tuple:
    creds = resolution.credentials
    return (creds.refresh_token, creds.lwa_app_id, creds.lwa_client_secret)


# --------------------------------------------------------------------------- the chain


def test_no_source_at_all_is_no_credentials_and_says_where_it_looked(resolve, config_dir):
    resolution = resolve()
    assert not resolution.ok
    assert resolution.credentials is None and resolution.used is None
    finding = the(resolution, "no-credentials")
    assert resolution.findings[0] is finding
    assert "environment: empty" in finding.message
    assert "config file: not found" in finding.message
    assert (
        the(resolution, "config-file-not-found").message == f"No credentials.yml in {config_dir}."
    )


def test_code_dict_wins_over_the_environment(resolve, setenv):
    setenv({"LWA_APP_ID": OTHER_CLIENT_ID, "LWA_CLIENT_SECRET": OTHER_SECRET})
    resolution = resolve(credentials=CODE_DICT)
    assert resolution.used.name == "code"
    assert triple(resolution) == (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET)
    assert resolution.origin("lwa_app_id") == "code dict: credentials['lwa_app_id']"
    assert status(resolution)["environment"] == "ignored"


def test_environment_gives_every_credential_and_names_each_variable(resolve, setenv):
    setenv(GOOD_ENV)
    resolution = resolve()
    assert resolution.ok and resolution.used.name == "environment"
    assert triple(resolution) == (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET)
    assert resolution.origin("lwa_app_id") == "environment variable LWA_APP_ID"
    assert resolution.origin("lwa_client_secret") == "environment variable LWA_CLIENT_SECRET"
    assert resolution.origin("refresh_token") == "environment variable SP_API_REFRESH_TOKEN"
    assert resolution.findings == []


def test_account_suffixed_variable_is_tried_before_the_plain_one(resolve, setenv):
    setenv({**GOOD_ENV, "LWA_APP_ID_shop": OTHER_CLIENT_ID})
    resolution = resolve("shop")
    assert resolution.credentials.lwa_app_id == OTHER_CLIENT_ID
    assert resolution.origin("lwa_app_id") == "environment variable LWA_APP_ID_shop"
    assert resolution.origin("lwa_client_secret") == "environment variable LWA_CLIENT_SECRET"


def test_default_account_reads_the_default_suffix_first(resolve, setenv):
    setenv({**GOOD_ENV, "SP_API_REFRESH_TOKEN_default": OTHER_TOKEN})
    resolution = resolve()
    assert resolution.credentials.refresh_token == OTHER_TOKEN


def test_empty_suffixed_variable_hides_the_plain_one(resolve, setenv):
    # os.environ.get(f"{key}_{account}", os.environ.get(key)): "" is found, and falsy.
    setenv({**GOOD_ENV, "LWA_APP_ID_default": ""})
    resolution = resolve()
    assert not resolution.ok
    assert "LWA_APP_ID_default set but empty" in the(resolution, "no-credentials").message


def test_first_complete_source_wins_and_nothing_is_merged(resolve, setenv, write_config):
    setenv({"SP_API_REFRESH_TOKEN": OTHER_TOKEN, "LWA_APP_ID": OTHER_CLIENT_ID})
    write_config(GOOD_FILE)
    resolution = resolve()
    assert resolution.used.name == "config-file"
    assert triple(resolution) == (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET)
    finding = the(resolution, "source-skipped-incomplete")
    assert finding.source == "environment"
    assert finding.field == "lwa_client_secret"
    assert "LWA_APP_ID" in finding.message and "lacks lwa_client_secret" in finding.message
    assert "config file" in finding.message
    assert status(resolution)["environment"] == "skipped"


def test_refresh_token_only_in_a_lower_source_is_not_used(resolve, setenv, write_config):
    setenv({"LWA_APP_ID": CLIENT_ID, "LWA_CLIENT_SECRET": CLIENT_SECRET})
    write_config(GOOD_FILE)
    resolution = resolve()
    assert resolution.used.name == "environment"
    assert resolution.credentials.refresh_token is None
    finding = the(resolution, "refresh-token-missing")
    assert finding.field == "refresh_token" and finding.severity == "error"
    assert "config file has one" in finding.message and "never merged" in finding.message


def test_empty_refresh_token_in_the_winner_is_refresh_token_missing(resolve, setenv):
    setenv({**GOOD_ENV, "SP_API_REFRESH_TOKEN": ""})
    assert "an empty refresh_token" in the(resolve(), "refresh-token-missing").message


def test_differing_value_in_a_lower_source_is_value_shadowed(resolve, setenv, write_config):
    setenv({**GOOD_ENV, "LWA_APP_ID": OTHER_CLIENT_ID})
    write_config(GOOD_FILE)
    resolution = resolve()
    finding = the(resolution, "value-shadowed")
    assert finding.field == "lwa_app_id" and finding.source == "config-file"
    assert "LWA_APP_ID, used" in finding.message
    assert "default.lwa_app_id (line 4), ignored" in finding.message
    assert status(resolution)["config-file"] == "ignored"


def test_equal_value_in_a_lower_source_is_not_shadowed(resolve, setenv, write_config):
    setenv(GOOD_ENV)
    write_config(GOOD_FILE)
    assert "value-shadowed" not in codes(resolve())


# --------------------------------------------------------------------------- environment names

NEAR_MISSES = [
    pytest.param("LWA_CLIENT_ID", "lwa_app_id", "LWA_APP_ID", id="client-id"),
    pytest.param("SP_API_LWA_APP_ID", "lwa_app_id", "LWA_APP_ID", id="sp-api-prefixed"),
    pytest.param("lwa_app_id", "lwa_app_id", "case-sensitive", id="lower-case"),
    pytest.param("LWA_APP_IDD", "lwa_app_id", "one or two letters", id="typo"),
    pytest.param("AMAZON_CLIENT_ID", "lwa_app_id", "LWA_APP_ID", id="amazon-client-id"),
    pytest.param("CLIENT_SECRET", "lwa_client_secret", "LWA_CLIENT_SECRET", id="bare-secret"),
    pytest.param("LWA_SECRET", "lwa_client_secret", "LWA_CLIENT_SECRET", id="lwa-secret"),
    pytest.param("REFRESH_TOKEN", "refresh_token", "SP_API_REFRESH_TOKEN", id="bare-token"),
    pytest.param("LWA_REFRESH_TOKEN", "refresh_token", "SP_API_REFRESH_TOKEN", id="lwa-token"),
    pytest.param(
        "sp_api_refresh_token_default",
        "refresh_token",
        "case-sensitive",
        id="lower-case-with-account",
    ),
]


@pytest.mark.parametrize(("name", "field", "words"), NEAR_MISSES)
def test_near_miss_variable_name_blames_the_field_it_was_meant_for(
    resolve, monkeypatch, name, field, words
):
    env = {
        "LWA_APP_ID": CLIENT_ID,
        "LWA_CLIENT_SECRET": CLIENT_SECRET,
        "SP_API_REFRESH_TOKEN": REFRESH_TOKEN,
    }
    env_name = {
        "lwa_app_id": "LWA_APP_ID",
        "lwa_client_secret": "LWA_CLIENT_SECRET",
        "refresh_token": "SP_API_REFRESH_TOKEN",
    }[field]
    value = env.pop(env_name)
    for key, item in env.items():
        monkeypatch.setenv(key, item)
    monkeypatch.setenv(name, value)
    finding = the(resolve(), "env-name-near-miss")
    assert finding.field == field
    assert finding.severity == "warning"
    assert finding.message.startswith(f"{name} is set")
    assert words in finding.message
    assert finding.fix == f"Rename {name} to {env_name}."


def test_near_miss_is_not_reported_when_the_real_variable_is_set(resolve, setenv):
    setenv({**GOOD_ENV, "LWA_CLIENT_ID": OTHER_CLIENT_ID})
    assert "env-name-near-miss" not in codes(resolve())


def test_near_miss_is_not_reported_when_the_code_dict_wins(resolve, setenv):
    setenv({"LWA_CLIENT_ID": OTHER_CLIENT_ID})
    assert "env-name-near-miss" not in codes(resolve(credentials=CODE_DICT))


@pytest.mark.parametrize(
    "name",
    [
        "PATH",
        "LANG",
        "SP_API_DEFAULT_MARKETPLACE",
        "SP_API_AUTH_CACHE_TTL",
        "SP_API_AWS_SECRET_ID",
        "SPAPI_LWA_ENDPOINT",
        "AWS_ENDPOINT_URL_STS",
        "GITHUB_TOKEN",
        "AWS_REGION",
    ],
)
def test_unrelated_and_known_variables_are_not_near_misses(resolve, monkeypatch, name):
    monkeypatch.setenv(name, "DE" if name == "SP_API_DEFAULT_MARKETPLACE" else "x")
    monkeypatch.setenv("LWA_APP_ID", CLIENT_ID)
    # (A reader, so that SP_API_AWS_SECRET_ID never reaches the real AWS.)
    resolution = resolve(secrets_reader=lambda secret_id: "{}")
    assert "env-name-near-miss" not in codes(resolution)


@pytest.mark.parametrize(
    ("sp_api_version", "extra", "reported"),
    [
        pytest.param("2.1.35", {}, False, id="current-library"),
        pytest.param(None, {}, False, id="no-library"),
        pytest.param("0.19.4", {}, True, id="legacy-library"),
        pytest.param("2.1.35", {"SP_API_SECRET_KEY": "x"}, True, id="legacy-variable-set"),
    ],
)
def test_aws_access_key_id_is_a_near_miss_only_when_the_legacy_path_matters(
    resolve, setenv, sp_api_version, extra, reported
):
    setenv({"LWA_APP_ID": CLIENT_ID, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", **extra})
    resolution = resolve(sp_api_version=sp_api_version)
    near = [f for f in resolution.findings if f.code == "env-name-near-miss"]
    assert [f.field for f in near] == (["aws_access_key"] if reported else [])
    if reported:
        assert "SP_API_ACCESS_KEY" in near[0].message


def test_account_suffix_in_another_case_is_account_name_mismatch(resolve, setenv):
    setenv({"LWA_APP_ID_Shop": CLIENT_ID, "LWA_CLIENT_SECRET_Shop": CLIENT_SECRET})
    resolution = resolve("shop")
    mismatches = [f for f in resolution.findings if f.code == "account-name-mismatch"]
    assert [f.field for f in mismatches] == ["lwa_app_id", "lwa_client_secret"]
    assert "LWA_APP_ID_shop" in mismatches[0].message
    assert "case-sensitive" in mismatches[0].message
    assert "account='Shop'" in mismatches[0].fix


def test_suffix_of_another_account_is_not_a_mismatch(resolve, setenv):
    setenv({**GOOD_ENV, "LWA_APP_ID_europe": OTHER_CLIENT_ID})
    assert codes(resolve()) == []


# --------------------------------------------------------------------------- import-time variables


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        pytest.param("de", "Did you mean DE?", id="lower-case"),
        pytest.param(" DE ", "Did you mean DE?", id="spaces"),
        pytest.param("Germany", None, id="country-name"),
        pytest.param("", None, id="set-but-empty"),
    ],
)
def test_invalid_default_marketplace_is_an_error(resolve, setenv, value, hint):
    setenv({**GOOD_ENV, "SP_API_DEFAULT_MARKETPLACE": value})
    finding = the(resolve(), "default-marketplace-invalid")
    assert finding.severity == "error"
    assert f"SP_API_DEFAULT_MARKETPLACE={value!r}" in finding.message
    assert "KeyError" in finding.message
    assert (hint in finding.message) if hint else ("Did you mean" not in finding.message)


def test_valid_default_marketplace_is_no_finding(resolve, setenv):
    setenv({**GOOD_ENV, "SP_API_DEFAULT_MARKETPLACE": "DE"})
    assert codes(resolve()) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("sandbox", ["aws-env-invalid"], id="lower-case"),
        pytest.param("PROD", ["aws-env-invalid"], id="abbreviated"),
        pytest.param("SANDBOX", ["sandbox-selected"], id="sandbox"),
        pytest.param("PRODUCTION", [], id="production"),
    ],
)
def test_aws_env_is_checked_as_python_amazon_sp_api_reads_it(resolve, setenv, value, expected):
    setenv({**GOOD_ENV, "AWS_ENV": value})
    assert codes(resolve()) == expected


# --------------------------------------------------------------------------- the code dict


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param([CLIENT_ID, CLIENT_SECRET], id="list"),
        pytest.param("lwa_app_id=x", id="string"),
        pytest.param(42, id="int"),
    ],
)
def test_code_credentials_that_are_not_a_dict_are_source_wrong_shape(resolve, credentials):
    resolution = resolve(credentials=credentials)
    finding = the(resolution, "source-wrong-shape")
    assert finding.source == "code"
    assert f"a {type(credentials).__name__}, not a dict" in finding.message
    assert status(resolution)["code"] == "error"


def test_unknown_key_in_the_code_dict_suggests_the_right_one(resolve):
    resolution = resolve(credentials={"lwa_app_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    finding = the(resolution, "unknown-credential-key")
    assert finding.field == "lwa_client_secret"
    assert "did you mean 'lwa_client_secret'?" in finding.message
    assert finding.fix == "Rename 'client_secret' to 'lwa_client_secret'."


def test_key_that_is_not_text_in_the_winning_dict_is_source_wrong_shape(resolve):
    resolution = resolve(credentials={**CODE_DICT, 1: "one"})
    finding = the(resolution, "source-wrong-shape")
    assert finding.severity == "error"
    assert "keywords must be strings" in finding.message and "1" in finding.message


def test_key_that_is_not_text_in_a_losing_source_is_only_an_unknown_key(resolve, setenv):
    setenv(GOOD_ENV)
    resolution = resolve(credentials={"lwa_app_id": CLIENT_ID, 1: "one"})
    assert resolution.used.name == "environment"
    assert "source-wrong-shape" not in codes(resolution)
    assert "unknown-credential-key" in codes(resolution)


def test_yes_key_in_the_winning_account_is_source_wrong_shape(resolve, write_config):
    write_config(GOOD_FILE + "  yes: true\n")
    finding = the(resolve(), "source-wrong-shape")
    assert "True" in finding.message and "yes/no/on/off" in finding.fix


# --------------------------------------------------------------------------- Secrets Manager


def secret_json(**values):
    return json.dumps(values)


@pytest.fixture
def reader():
    """A secrets_reader that records the ids it is asked for."""

    class Reader:
        def __init__(self):
            self.calls = []
            self.answer = secret_json(
                LWA_APP_ID=CLIENT_ID,
                LWA_CLIENT_SECRET=CLIENT_SECRET,
                SP_API_REFRESH_TOKEN=REFRESH_TOKEN,
            )

        def __call__(self, secret_id):
            self.calls.append(secret_id)
            if isinstance(self.answer, Exception):
                raise self.answer
            return self.answer

    return Reader()


def client_error(code="ResourceNotFoundException", cls=ClientError):
    return cls({"Error": {"Code": code, "Message": f"fake {code}"}}, "GetSecretValue")


class ResourceNotFoundException(ClientError):
    """What boto3 really raises: a modelled subclass of ClientError."""


def test_secret_is_read_when_the_environment_is_incomplete(resolve, setenv, reader):
    setenv({"SP_API_AWS_SECRET_ID": "spapi/fake"})
    resolution = resolve(secrets_reader=reader)
    assert reader.calls == ["spapi/fake"]
    assert resolution.used.name == "secrets-manager"
    assert triple(resolution) == (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET)
    assert resolution.origin("lwa_app_id") == "secret spapi/fake: LWA_APP_ID"


def test_secret_is_not_read_when_a_higher_source_wins(resolve, setenv, reader):
    setenv({**GOOD_ENV, "SP_API_AWS_SECRET_ID": "spapi/fake"})
    resolution = resolve(secrets_reader=reader)
    assert reader.calls == []
    assert status(resolution)["secrets-manager"] == "not-consulted"


def test_no_secret_id_means_no_call(resolve, reader):
    resolution = resolve(secrets_reader=reader)
    assert reader.calls == []
    assert status(resolution)["secrets-manager"] == "absent"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        pytest.param(client_error(), ["ClientError", "skips this source"], id="client-error"),
        pytest.param(
            client_error("AccessDeniedException"), ["AccessDeniedException"], id="access-denied"
        ),
        pytest.param(
            client_error(cls=ResourceNotFoundException),
            ["ResourceNotFoundException", "skips this source"],
            id="modelled-subclass",
        ),
        pytest.param(
            ConnectionError("no route to host"),
            ["stops with ConnectionError"],
            id="other-exception",
        ),
    ],
)
def test_failing_secret_read_is_secrets_manager_unavailable(
    resolve, setenv, reader, write_config, error, words
):
    setenv({"SP_API_AWS_SECRET_ID": "spapi/fake"})
    write_config(GOOD_FILE)
    reader.answer = error
    resolution = resolve(secrets_reader=reader)
    finding = the(resolution, "secrets-manager-unavailable")
    assert finding.severity == "error" and finding.source == "secrets-manager"
    for word in words:
        assert word in finding.message
    # python-amazon-sp-api moves on after a ClientError; the file below still counts.
    assert resolution.used.name == "config-file"


def test_secret_read_error_message_is_redacted(resolve, setenv, reader):
    setenv({"SP_API_AWS_SECRET_ID": "spapi/fake"})
    reader.answer = RuntimeError(f"bad credentials {CLIENT_SECRET}")
    finding = the(resolve(secrets_reader=reader), "secrets-manager-unavailable")  # leak-checked
    assert "bad credentials amzn1.oa2-cs.v1." in finding.message


@pytest.mark.parametrize(
    ("answer", "code", "words"),
    [
        pytest.param("not json", "secrets-manager-invalid", ["not a JSON object"], id="not-json"),
        pytest.param(None, "secrets-manager-invalid", ["not a JSON object"], id="binary-secret"),
        pytest.param('["LWA_APP_ID"]', "source-wrong-shape", ["JSON list"], id="list"),
        pytest.param('"LWA_APP_ID"', "source-wrong-shape", ["JSON str"], id="string"),
    ],
)
def test_secret_of_the_wrong_shape_is_reported(resolve, setenv, reader, answer, code, words):
    setenv({"SP_API_AWS_SECRET_ID": "spapi/fake"})
    reader.answer = answer
    resolution = resolve(secrets_reader=reader)
    finding = the(resolution, code)
    assert finding.source == "secrets-manager"
    for word in words:
        assert word in finding.message
    assert status(resolution)["secrets-manager"] == "error"


def test_empty_secret_is_an_empty_source(resolve, setenv, reader):
    setenv({"SP_API_AWS_SECRET_ID": "spapi/fake"})
    reader.answer = "{}"
    resolution = resolve(secrets_reader=reader)
    assert status(resolution)["secrets-manager"] == "empty"
    assert codes(resolution)[0] == "no-credentials"


def test_lower_case_key_in_the_secret_suggests_the_upper_case_one(resolve, setenv, reader):
    setenv({"SP_API_AWS_SECRET_ID": "spapi/fake"})
    reader.answer = secret_json(lwa_app_id=CLIENT_ID, LWA_CLIENT_SECRET=CLIENT_SECRET)
    resolution = resolve(secrets_reader=reader)
    finding = the(resolution, "unknown-credential-key")
    assert finding.field == "lwa_app_id"
    assert "did you mean 'LWA_APP_ID'?" in finding.message
    assert not resolution.ok


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


# botocore's name for the Secrets Manager endpoint: the service id "Secrets Manager" becomes
# SECRETS_MANAGER (AWS_ENDPOINT_URL_SECRETSMANAGER is never read).
BOTOCORE_SECRETS_MANAGER_ENDPOINT = "AWS_ENDPOINT_URL_SECRETS_MANAGER"


def test_default_reader_uses_boto3_against_secrets_manager(resolve, setenv, moto_endpoint):
    import boto3

    setenv(
        {
            BOTOCORE_SECRETS_MANAGER_ENDPOINT: moto_endpoint,
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }
    )
    name = f"spapi/test-{os.getpid()}-{id(setenv)}"
    boto3.client("secretsmanager").create_secret(
        Name=name,
        SecretString=secret_json(
            LWA_APP_ID=CLIENT_ID,
            LWA_CLIENT_SECRET=CLIENT_SECRET,
            SP_API_REFRESH_TOKEN=REFRESH_TOKEN,
        ),
    )
    setenv({"SP_API_AWS_SECRET_ID": name})
    resolution = resolve()
    assert resolution.used.name == "secrets-manager"
    assert triple(resolution) == (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET)

    setenv({"SP_API_AWS_SECRET_ID": name + "-missing"})
    finding = the(resolve(), "secrets-manager-unavailable")
    # boto3 raises a modelled subclass of ClientError, which the library skips too.
    assert "ResourceNotFoundException" in finding.message
    assert "skips this source" in finding.message


# --------------------------------------------------------------------------- credentials.yml


def test_config_file_account_is_used_with_line_numbers(resolve, write_config):
    path = write_config(GOOD_FILE)
    resolution = resolve()
    assert resolution.used.name == "config-file"
    assert resolution.config_path == str(path)
    assert triple(resolution) == (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET)
    assert resolution.origin("lwa_app_id") == f"{path}: default.lwa_app_id (line 4)"
    assert resolution.findings == []


def test_named_account_of_the_config_file(resolve, write_config):
    write_config(GOOD_FILE + yaml_account("europe", app_id=OTHER_CLIENT_ID))
    resolution = resolve("europe")
    assert resolution.credentials.lwa_app_id == OTHER_CLIENT_ID
    assert "europe.lwa_app_id" in resolution.origin("lwa_app_id")


def test_python_sp_api_dir_names_the_folder(resolve, write_config, home, monkeypatch):
    folder = home / "elsewhere"
    path = write_config(GOOD_FILE, folder=folder)
    monkeypatch.setenv("PYTHON-SP-APIDIR", str(folder))
    resolution = resolve()
    assert resolution.config_path == str(path)
    assert resolution.used.name == "config-file"


def test_python_sp_api_dir_naming_a_file_is_unreadable(resolve, write_config, monkeypatch):
    path = write_config(GOOD_FILE)
    monkeypatch.setenv("PYTHON-SP-APIDIR", str(path))
    resolution = resolve()
    finding = the(resolution, "config-file-unreadable")
    assert "PYTHON-SP-APIDIR" in finding.message and "names a file" in finding.message
    assert not resolution.ok


def test_confuse_picks_the_first_candidate_folder_holding_config_yaml(
    resolve, write_config, home, monkeypatch
):
    xdg = home / "xdg-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    # ~/.config/python-sp-api has credentials.yml but no config.yaml: confuse passes it by.
    write_config(GOOD_FILE)
    chosen = xdg / "python-sp-api"
    write_config("", name="config.yaml", folder=chosen)
    write_config(yaml_account(app_id=OTHER_CLIENT_ID), folder=chosen)
    resolution = resolve()
    assert resolution.config_dir == str(chosen)
    assert resolution.credentials.lwa_app_id == OTHER_CLIENT_ID


def test_home_config_wins_when_both_folders_hold_config_yaml(
    resolve, write_config, config_dir, home, monkeypatch
):
    xdg = home / "xdg-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    write_config("", name="config.yaml", folder=xdg / "python-sp-api")
    write_config("", name="config.yaml")
    assert resolve().config_dir == str(config_dir)


def test_without_config_yaml_anywhere_the_first_candidate_is_used(resolve, home, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-home"))
    assert resolve().config_dir == str(home / ".config" / "python-sp-api")


def test_xdg_config_dirs_are_candidates_too(resolve, write_config):
    folder = os.path.join(os.environ["XDG_CONFIG_DIRS"], "python-sp-api")  # conftest's folder
    write_config("", name="config.yaml", folder=folder)
    assert resolve().config_dir == str(folder)


@pytest.mark.parametrize(
    ("system", "folder"),
    [
        pytest.param("Darwin", "Library/Application Support", id="macos"),
        pytest.param("Windows", "AppData/Roaming", id="windows-appdata"),
    ],
)
def test_platform_candidates_follow_confuse(resolve, write_config, home, system, folder):
    chosen = home / folder / "python-sp-api"
    write_config("", name="config.yaml", folder=chosen)
    assert resolve(platform_system=system).config_dir == str(chosen)


def test_account_only_in_config_yaml_is_read_from_it(resolve, write_config, config_dir):
    write_config("version: '1.0'\n")
    write_config(yaml_account(), name="config.yaml")
    resolution = resolve()
    assert resolution.ok
    assert resolution.config_path == str(config_dir / "config.yaml")


def test_config_yaml_without_credentials_yml_is_not_read(resolve, write_config):
    # confuse's set_file raises on the missing credentials.yml: the library gives up.
    write_config(yaml_account(), name="config.yaml")
    resolution = resolve()
    assert not resolution.ok
    assert "config-file-not-found" in codes(resolution)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        pytest.param(
            "default:\n\tlwa_app_id: x\n",
            "config-file-invalid-yaml",
            ["config.yaml", "line 2"],
            id="invalid",
        ),
        pytest.param("- a\n- b\n", "source-wrong-shape", ["config.yaml", "YAML list"], id="list"),
    ],
)
def test_broken_config_yaml_spoils_a_good_credentials_yml(resolve, write_config, text, code, words):
    write_config(GOOD_FILE)
    write_config(text, name="config.yaml")
    resolution = resolve()
    assert not resolution.ok
    finding = the(resolution, code)
    for word in words:
        assert word in finding.message


@pytest.mark.parametrize(
    ("account", "words"),
    [
        pytest.param(
            "Default", ["no account 'Default'", "'default'", "Did you mean 'default'?"], id="case"
        ),
        pytest.param("europe", ["no account 'europe'", "'default'"], id="other-name"),
    ],
)
def test_missing_account_lists_the_accounts_of_the_file(resolve, write_config, account, words):
    write_config(GOOD_FILE)
    finding = the(resolve(account), "config-account-missing")
    assert finding.severity == "error"
    for word in words:
        assert word in finding.message
    assert "version" not in finding.message.split("accounts it has:")[1]


def test_credentials_at_the_top_level_of_the_file_are_reported(resolve, write_config):
    write_config(f"lwa_app_id: '{CLIENT_ID}'\nlwa_client_secret: '{CLIENT_SECRET}'\n")
    resolution = resolve()
    finding = the(resolution, "config-keys-at-top-level")
    assert "'lwa_app_id', 'lwa_client_secret'" in finding.message
    assert finding.fix == "Indent them under `default:`."
    assert "config-account-missing" in codes(resolution)


def test_duplicate_account_block_is_config_duplicate_key(resolve, write_config):
    write_config(GOOD_FILE + yaml_account(app_id=OTHER_CLIENT_ID))
    resolution = resolve()
    finding = the(resolution, "config-duplicate-key")
    assert "'default' appears again at line 6" in finding.message
    # The last one counts, as in confuse.
    assert resolution.credentials.lwa_app_id == OTHER_CLIENT_ID


def test_duplicate_key_inside_an_account_blames_that_field(resolve, write_config):
    write_config(GOOD_FILE + f"  lwa_app_id: '{OTHER_CLIENT_ID}'\n")
    finding = the(resolve(), "config-duplicate-key")
    assert finding.field == "lwa_app_id"
    assert "line 6" in finding.message


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        pytest.param("lws_app_id", "lwa_app_id", id="library-doc-typo"),
        pytest.param("client_id", "lwa_app_id", id="client-id"),
        pytest.param("LWA_APP_ID", "lwa_app_id", id="env-style"),
        pytest.param("aws_secret_access_key", "aws_secret_key", id="boto3-name"),
    ],
)
def test_unknown_key_in_the_file_suggests_the_known_one(resolve, write_config, key, suggestion):
    write_config(f"default:\n  {key}: '{CLIENT_ID}'\n  lwa_client_secret: '{CLIENT_SECRET}'\n")
    finding = the(resolve(), "unknown-credential-key")
    assert finding.field == suggestion
    assert f"did you mean {suggestion!r}?" in finding.message
    assert "(line 2)" in finding.message


def test_unrelated_key_in_the_file_lists_the_expected_keys(resolve, write_config):
    write_config(GOOD_FILE + "  notes: 'seller central EU'\n")
    finding = the(resolve(), "unknown-credential-key")
    assert finding.field is None
    assert "expected: refresh_token, lwa_app_id, lwa_client_secret" in finding.message


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        pytest.param("credentials.yaml", ".config/python-sp-api", id="yaml-extension"),
        pytest.param("credentials.yml", ".config/python-amazon-sp-api", id="package-name-folder"),
        pytest.param("credentials.yml", ".", id="home-directory"),
    ],
)
def test_file_in_a_near_miss_place_is_config_file_near_miss(
    resolve, write_config, home, name, folder
):
    path = write_config(GOOD_FILE, name=name, folder=home / folder)
    resolution = resolve()
    finding = the(resolution, "config-file-near-miss")
    assert str(path.resolve()) in finding.message or str(path) in finding.message
    assert "config-file-not-found" not in codes(resolution)
    assert not resolution.ok


def test_credentials_yml_in_the_working_directory_is_a_near_miss(resolve, tmp_path):
    (tmp_path / "credentials.yml").write_text(GOOD_FILE)  # conftest made tmp_path the cwd
    assert str(tmp_path / "credentials.yml") in the(resolve(), "config-file-near-miss").message


def test_directory_named_credentials_yml_is_unreadable(resolve, config_dir):
    (config_dir / "credentials.yml").mkdir()
    finding = the(resolve(), "config-file-unreadable")
    assert "is a directory" in finding.message


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads a file whatever its mode, so chmod 000 hides nothing",
)
def test_file_without_read_permission_is_unreadable(resolve, write_config):
    path = write_config(GOOD_FILE)
    path.chmod(0)
    try:
        finding = the(resolve(), "config-file-unreadable")
    finally:
        path.chmod(0o600)
    assert "cannot be read" in finding.message


def test_config_folder_that_is_a_file_is_unreadable(resolve, home):
    # The same branch as a file without read permission, and testable as root.
    (home / ".config").mkdir()
    (home / ".config" / "python-sp-api").write_text(GOOD_FILE)
    finding = the(resolve(), "config-file-unreadable")
    assert "cannot be read (Not a directory)" in finding.message


def test_tab_indented_file_is_invalid_yaml_with_its_line(resolve, write_config):
    write_config("version: '1.0'\ndefault:\n\tlwa_app_id: x\n")
    finding = the(resolve(), "config-file-invalid-yaml")
    assert "line 3, column 1" in finding.message and "'\\t'" in finding.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("- default\n- europe\n", ["YAML list at the top level"], id="top-level-list"),
        pytest.param(
            "default: Atzr-not-a-mapping\n",
            ["account 'default' holds a YAML str"],
            id="account-is-text",
        ),
        pytest.param(
            "default:\n  - lwa_app_id\n",
            ["account 'default' holds a YAML list"],
            id="account-is-list",
        ),
    ],
)
def test_file_of_the_wrong_shape_is_source_wrong_shape(resolve, write_config, text, words):
    write_config(text)
    resolution = resolve()
    finding = the(resolution, "source-wrong-shape")
    for word in words:
        assert word in finding.message
    assert status(resolution)["config-file"] == "error"


def test_account_without_values_is_an_empty_source(resolve, write_config):
    write_config("version: '1.0'\ndefault:\n")
    resolution = resolve()
    assert status(resolution)["config-file"] == "empty"
    assert codes(resolution) == ["no-credentials"]


def test_empty_file_has_no_account(resolve, write_config):
    write_config("")
    assert "the accounts it has: none" in the(resolve(), "config-account-missing").message


# --------------------------------------------------------------------------- the trace


def test_origin_is_none_for_an_absent_field_and_without_a_winner(resolve, setenv):
    assert resolve().origin("lwa_app_id") is None
    setenv({"LWA_APP_ID": CLIENT_ID, "LWA_CLIENT_SECRET": CLIENT_SECRET})
    assert resolve().origin("refresh_token") is None


def test_as_dict_shows_masked_values_and_origins(resolve, setenv, write_config):
    setenv(GOOD_ENV)
    write_config(yaml_account(app_id=OTHER_CLIENT_ID))
    data = resolve().as_dict()  # leak-checked
    assert data["used"] == "environment"
    sources = {source["name"]: source for source in data["sources"]}
    assert sources["environment"]["fields"]["lwa_app_id"] == {
        "origin": "LWA_APP_ID",
        "value": "amzn1.application-oa2-client.dead…(61 chars)",
    }
    assert sources["config-file"]["status"] == "ignored"
    json.dumps(data)


def test_source_statuses_describe_the_whole_chain(resolve, setenv, write_config):
    setenv({"LWA_APP_ID": CLIENT_ID, "SP_API_AWS_SECRET_ID": "spapi/fake"})
    write_config(GOOD_FILE)
    resolution = resolve(secrets_reader=lambda secret_id: "{}")
    assert status(resolution) == {
        "code": "absent",
        "environment": "skipped",
        "secrets-manager": "empty",
        "config-file": "used",
    }


@pytest.mark.parametrize("account", ["", None, 3])
def test_account_that_is_not_a_name_is_a_programming_error(account):
    with pytest.raises(ValueError, match="non-empty string"):
        resolve_credentials(account)


# --------------------------------------------------------------------------- nothing raises

env_names = st.sampled_from(
    [
        "LWA_APP_ID",
        "LWA_CLIENT_SECRET",
        "SP_API_REFRESH_TOKEN",
        "LWA_APP_ID_default",
        "LWA_APP_ID_Default",
        "LWA_CLIENT_ID",
        "lwa_app_id",
        "CLIENT_SECRET",
        "AWS_ENV",
        "SP_API_DEFAULT_MARKETPLACE",
        "SP_API_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "SP_API_AWS_SECRET_ID",
        "PYTHON-SP-APIDIR",
    ]
) | st.text(st.characters(codec="utf-8", exclude_characters="\x00="), min_size=1, max_size=20)
env_values = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    env=st.dictionaries(env_names, env_values, max_size=8),
    account=st.text(min_size=1, max_size=12),
    credentials=st.none()
    | st.dictionaries(st.text(max_size=20), st.none() | st.text())
    | st.lists(st.text(), max_size=2),
    yaml_text=st.none() | st.text(max_size=200),
    secret=st.none() | st.text(max_size=60) | st.just('{"LWA_APP_ID": 1}'),
    version=st.sampled_from(["2.1.35", "0.19.4", None]),
)
def test_resolution_never_raises_on_bad_input(
    env, account, credentials, yaml_text, secret, version
):
    with tempfile.TemporaryDirectory() as home:
        env = {**env, "HOME": home}
        if "PYTHON-SP-APIDIR" in env:
            env["PYTHON-SP-APIDIR"] = os.path.join(home, "sp")
        if yaml_text is not None:
            folder = env.get("PYTHON-SP-APIDIR") or os.path.join(home, ".config", "python-sp-api")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "credentials.yml"), "w", encoding="utf-8") as handle:
                handle.write(yaml_text)
        resolution = resolve_credentials(
            account,
            credentials,
            environ=env,
            secrets_reader=lambda secret_id: secret,
            sp_api_version=version,
        )
        assert all(finding.code in CODES for finding in resolution.findings)
        assert resolution.ok == (resolution.credentials is not None)
        json.dumps(resolution.as_dict())


def test_the_secrets_manager_endpoint_variable_the_project_sets_is_read_by_botocore(monkeypatch):
    import boto3

    from spapi_docs_helpers._endpoints import ENV_SECRETSMANAGER

    monkeypatch.setenv(ENV_SECRETSMANAGER, "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.session.Session().client("secretsmanager")
    assert client.meta.endpoint_url == "http://127.0.0.1:9"


def test_without_credentials_keeps_everything_but_the_credential_sources():
    """The environment init verifies in, and each account of a fleet is checked in."""
    from spapi_docs_helpers._config_file import CONFIG_DIR_VARIABLE
    from spapi_docs_helpers._sources import without_credentials

    env = {
        "LWA_APP_ID": "amzn1.application-oa2-client.fake",
        "LWA_CLIENT_SECRET_shop-eu": "amzn1.oa2-cs.v1.fake",
        "SP_API_REFRESH_TOKEN": "Atzr|fake",
        "SP_API_AWS_SECRET_ID": "spapi/fake",
        CONFIG_DIR_VARIABLE: "/home/someone/.config/python-sp-api",
        "SP_API_DEFAULT_MARKETPLACE": "DE",
        "HTTPS_PROXY": "http://proxy.invalid:3128",
    }
    assert without_credentials(env, "/tmp/empty") == {
        CONFIG_DIR_VARIABLE: "/tmp/empty",
        "SP_API_DEFAULT_MARKETPLACE": "DE",
        "HTTPS_PROXY": "http://proxy.invalid:3128",
    }
    assert "LWA_APP_ID" in env  # the caller's mapping is left as it was
