"""Differential test: our resolution against python-amazon-sp-api's own CredentialProvider.

For each case (environment, files under a fresh HOME, account, code dict) we resolve in
this process with ``resolve_credentials(environ=...)``, and python-amazon-sp-api resolves
in a subprocess whose ``os.environ`` is exactly the case's environment: the library reads
``os.environ`` and confuse creates folders, so it must not run in the test process. Many
cases share one subprocess (they arrive as JSON on stdin). The two must agree on which
credentials come out, or that none do (MissingCredentials). Where the library crashes
instead, we must not: we report a finding.
"""

from __future__ import annotations

import json
from importlib.util import find_spec

import pytest
from _python import python_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spapi_docs_helpers import resolve_credentials


def test_python_amazon_sp_api_is_installed():
    """A pinned test dependency (the `test` extra): without it every case here fails, and
    this test says why. Not imported here: the library runs in the subprocess only."""
    assert find_spec("sp_api") is not None, "python-amazon-sp-api is missing: make install"


RUNNER = r"""
import json, os, sys
from sp_api.base.credential_provider import CredentialProvider, MissingCredentials

results = []
for case in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(case["env"])
    try:
        found = CredentialProvider(account=case["account"], credentials=case["credentials"])
        c = found.credentials
        results.append({"outcome": "credentials",
                        "credentials": [c.refresh_token, c.lwa_app_id, c.lwa_client_secret]})
    except MissingCredentials:
        results.append({"outcome": "missing"})
    except Exception as error:
        results.append({"outcome": "crash", "error": type(error).__name__})
json.dump(results, sys.stdout)
"""

CID = "amzn1.application-oa2-client." + "deadbeef" * 4
SECRET = "amzn1.oa2-cs.v1." + "feedface" * 8
TOKEN = "Atzr|IwEBIFakeRefreshTokenForTestsOnly-0123456789"
# Values that say where they came from.
ENV_SET = {
    "LWA_APP_ID": "env-id",
    "LWA_CLIENT_SECRET": "env-secret",
    "SP_API_REFRESH_TOKEN": "Atzr|env-token",
}
CONFIG = ".config/python-sp-api"


def account_yaml(name="default", app_id="file-id", secret="file-secret", token="Atzr|file-token"):
    lines = [f"{name}:"]
    for key, value in (
        ("refresh_token", token),
        ("lwa_app_id", app_id),
        ("lwa_client_secret", secret),
    ):
        if value is not None:
            lines.append(f"  {key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"


GOOD = "version: '1.0'\n" + account_yaml()


def case(id, *, env=None, files=None, account="default", credentials=None, crash=None):
    """One case. ``{home}`` in an environment value is the case's HOME; ``crash`` is
    ``(exception name, finding code)`` when the library is expected to crash."""
    return pytest.param(
        {
            "env": env or {},
            "files": files or {},
            "account": account,
            "credentials": credentials,
            "crash": crash,
        },
        id=id,
    )


CASES = [
    # --- the environment
    case("env-only", env=ENV_SET),
    case(
        "env-real-looking-values",
        env={"LWA_APP_ID": CID, "LWA_CLIENT_SECRET": SECRET, "SP_API_REFRESH_TOKEN": TOKEN},
    ),
    case("env-without-refresh-token", env={"LWA_APP_ID": "a", "LWA_CLIENT_SECRET": "b"}),
    case("env-without-secret", env={"LWA_APP_ID": "a", "SP_API_REFRESH_TOKEN": "Atzr|t"}),
    case("env-default-suffix-first", env={**ENV_SET, "LWA_APP_ID_default": "suffixed-id"}),
    case(
        "env-account-suffix",
        account="shop",
        env={
            "LWA_APP_ID_shop": "shop-id",
            "LWA_CLIENT_SECRET_shop": "shop-secret",
            "SP_API_REFRESH_TOKEN_shop": "Atzr|shop",
        },
    ),
    case(
        "env-account-suffix-mixed-with-plain",
        account="shop",
        env={**ENV_SET, "LWA_CLIENT_SECRET_shop": "shop-secret"},
    ),
    case(
        "env-account-suffix-other-case",
        account="shop",
        env={"LWA_APP_ID_Shop": "a", "LWA_CLIENT_SECRET_Shop": "b"},
    ),
    case("env-empty-app-id", env={**ENV_SET, "LWA_APP_ID": ""}),
    case("env-empty-suffix-hides-plain", env={**ENV_SET, "LWA_CLIENT_SECRET_default": ""}),
    case("env-empty-refresh-token", env={**ENV_SET, "SP_API_REFRESH_TOKEN": ""}),
    case("env-whitespace-is-truthy", env={"LWA_APP_ID": " ", "LWA_CLIENT_SECRET": " "}),
    case("env-near-miss-names-only", env={"LWA_CLIENT_ID": "a", "LWA_CLIENT_SECRET": "b"}),
    # --- credentials.yml
    case("file-default-account", files={f"{CONFIG}/credentials.yml": GOOD}),
    case(
        "file-named-account",
        account="europe",
        files={f"{CONFIG}/credentials.yml": GOOD + account_yaml("europe", app_id="eu-id")},
    ),
    case("file-missing-account", account="europe", files={f"{CONFIG}/credentials.yml": GOOD}),
    case("file-account-other-case", account="Default", files={f"{CONFIG}/credentials.yml": GOOD}),
    case(
        "file-without-refresh-token", files={f"{CONFIG}/credentials.yml": account_yaml(token=None)}
    ),
    case("file-empty-secret", files={f"{CONFIG}/credentials.yml": account_yaml(secret="")}),
    case(
        "file-numbers-are-values",
        files={
            f"{CONFIG}/credentials.yml": "default:\n  lwa_app_id: 12345\n"
            "  lwa_client_secret: 0x1f\n"
        },
    ),
    case(
        "file-plain-scalar-starting-with-percent",
        files={
            f"{CONFIG}/credentials.yml": "default:\n  lwa_app_id: %abc\n  lwa_client_secret: b\n"
        },
    ),
    case(
        "file-anchor-and-merge-key",
        files={
            f"{CONFIG}/credentials.yml": "base: &base\n  lwa_app_id: a\n"
            "  lwa_client_secret: b\n"
            "default:\n  <<: *base\n  refresh_token: Atzr|m\n"
        },
    ),
    case(
        "file-duplicate-account-last-wins",
        files={f"{CONFIG}/credentials.yml": GOOD + account_yaml(app_id="second-id")},
    ),
    case("file-empty", files={f"{CONFIG}/credentials.yml": ""}),
    case("file-account-null", files={f"{CONFIG}/credentials.yml": "default:\n"}),
    case("file-account-is-text", files={f"{CONFIG}/credentials.yml": "default: abc\n"}),
    case(
        "file-keys-at-top-level",
        files={f"{CONFIG}/credentials.yml": "lwa_app_id: a\nlwa_client_secret: b\n"},
    ),
    case("file-tab-indented", files={f"{CONFIG}/credentials.yml": "default:\n\tlwa_app_id: a\n"}),
    case("file-is-a-directory", files={f"{CONFIG}/credentials.yml/": None}),
    case("config-folder-is-a-file", files={CONFIG: GOOD}),
    case("file-under-wrong-name", files={f"{CONFIG}/credentials.yaml": GOOD}),
    case(
        "file-top-level-list",
        files={f"{CONFIG}/credentials.yml": "- a\n- b\n"},
        crash=("TypeError", "source-wrong-shape"),
    ),
    case(
        "file-number-key-in-the-winning-account",
        files={f"{CONFIG}/credentials.yml": GOOD + "  1: one\n"},
        crash=("TypeError", "source-wrong-shape"),
    ),
    case(
        "file-yes-key-in-the-winning-account",
        files={f"{CONFIG}/credentials.yml": GOOD + "  yes: true\n"},
        crash=("TypeError", "source-wrong-shape"),
    ),
    case(
        "file-number-key-in-an-incomplete-account",
        files={f"{CONFIG}/credentials.yml": account_yaml(secret=None) + "  1: one\n"},
    ),
    case(
        "file-number-key-below-the-winner",
        env=ENV_SET,
        files={f"{CONFIG}/credentials.yml": GOOD + "  1: one\n"},
    ),
    # --- precedence and no merging
    case("env-beats-file", env=ENV_SET, files={f"{CONFIG}/credentials.yml": GOOD}),
    case(
        "partial-env-then-complete-file-no-merge",
        env={"LWA_APP_ID": "env-id", "SP_API_REFRESH_TOKEN": "Atzr|env-token"},
        files={f"{CONFIG}/credentials.yml": GOOD},
    ),
    case(
        "complete-env-without-token-file-token-unused",
        env={"LWA_APP_ID": "env-id", "LWA_CLIENT_SECRET": "env-secret"},
        files={f"{CONFIG}/credentials.yml": GOOD},
    ),
    case(
        "empty-suffix-env-falls-to-file",
        env={**ENV_SET, "LWA_APP_ID_default": ""},
        files={f"{CONFIG}/credentials.yml": GOOD},
    ),
    # --- the code dict
    case(
        "code-dict-beats-env",
        env=ENV_SET,
        credentials={"lwa_app_id": "code-id", "lwa_client_secret": "code-secret"},
    ),
    case(
        "code-dict-partial-falls-to-env",
        env=ENV_SET,
        credentials={"lwa_app_id": "code-id", "refresh_token": "Atzr|code"},
    ),
    case(
        "code-dict-empty-secret-falls-to-file",
        credentials={"lwa_app_id": "code-id", "lwa_client_secret": ""},
        files={f"{CONFIG}/credentials.yml": GOOD},
    ),
    case(
        "code-dict-extra-keys",
        credentials={
            "lwa_app_id": "code-id",
            "lwa_client_secret": "code-secret",
            "client_id": "x",
            "aws_access_key": "AKIAIOSFODNN7EXAMPLE",
        },
    ),
    case("code-dict-empty", env=ENV_SET, credentials={}),
    case("code-list-falls-to-env", env=ENV_SET, credentials=["code-id", "code-secret"]),
    # --- which folder confuse reads
    case(
        "python-sp-api-dir",
        env={"PYTHON-SP-APIDIR": "{home}/elsewhere"},
        files={
            "elsewhere/credentials.yml": GOOD,
            f"{CONFIG}/credentials.yml": account_yaml(app_id="home-id"),
        },
    ),
    case(
        "python-sp-api-dir-missing-folder",
        env={"PYTHON-SP-APIDIR": "{home}/nowhere"},
        files={f"{CONFIG}/credentials.yml": GOOD},
    ),
    case(
        "python-sp-api-dir-names-a-file",
        env={"PYTHON-SP-APIDIR": "{home}/file.yml"},
        files={"file.yml": GOOD},
        crash=("ConfigError", "config-file-unreadable"),
    ),
    case(
        "xdg-folder-with-config-yaml-is-chosen",
        env={"XDG_CONFIG_HOME": "{home}/xdg"},
        files={
            "xdg/python-sp-api/config.yaml": "",
            "xdg/python-sp-api/credentials.yml": account_yaml(app_id="xdg-id"),
            f"{CONFIG}/credentials.yml": GOOD,
        },
    ),
    case(
        "home-folder-wins-when-both-have-config-yaml",
        env={"XDG_CONFIG_HOME": "{home}/xdg"},
        files={
            "xdg/python-sp-api/config.yaml": "",
            "xdg/python-sp-api/credentials.yml": account_yaml(app_id="xdg-id"),
            f"{CONFIG}/config.yaml": "",
            f"{CONFIG}/credentials.yml": GOOD,
        },
    ),
    case(
        "xdg-folder-without-config-yaml-is-passed-by",
        env={"XDG_CONFIG_HOME": "{home}/xdg"},
        files={"xdg/python-sp-api/credentials.yml": account_yaml(app_id="xdg-id")},
    ),
    case(
        "xdg-config-dirs-candidate",
        env={"XDG_CONFIG_DIRS": "{home}/etc-xdg"},
        files={
            "etc-xdg/python-sp-api/config.yaml": "",
            "etc-xdg/python-sp-api/credentials.yml": GOOD,
        },
    ),
    case(
        "account-only-in-config-yaml",
        files={f"{CONFIG}/config.yaml": GOOD, f"{CONFIG}/credentials.yml": "version: '1.0'\n"},
    ),
    case("config-yaml-without-credentials-yml", files={f"{CONFIG}/config.yaml": GOOD}),
    case(
        "credentials-yml-beats-config-yaml",
        files={
            f"{CONFIG}/config.yaml": account_yaml(app_id="yaml-id"),
            f"{CONFIG}/credentials.yml": GOOD,
        },
    ),
    case(
        "broken-config-yaml-spoils-credentials-yml",
        files={f"{CONFIG}/config.yaml": "default:\n\tx: 1\n", f"{CONFIG}/credentials.yml": GOOD},
    ),
    case(
        "config-yaml-list",
        files={f"{CONFIG}/config.yaml": "- 1\n", f"{CONFIG}/credentials.yml": GOOD},
        crash=("TypeError", "source-wrong-shape"),
    ),
]


def _materialise(spec, home):
    """Write the case's files under ``home``; its environment, with ``{home}`` filled in."""
    for relative, text in spec["files"].items():
        path = home / relative.rstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.mkdir()
        else:
            path.write_text(text, encoding="utf-8")
    env = {name: value.replace("{home}", str(home)) for name, value in spec["env"].items()}
    env["HOME"] = str(home)
    return env


def _ours(spec, env):
    resolution = resolve_credentials(
        spec["account"], spec["credentials"], environ=env, sp_api_version="2.1.35"
    )
    creds = resolution.credentials
    return {
        "ok": resolution.ok,
        "credentials": None
        if creds is None
        else [creds.refresh_token, creds.lwa_app_id, creds.lwa_client_secret],
        "errors": [f.code for f in resolution.findings if f.severity == "error"],
    }


def _theirs(cases):
    """python-amazon-sp-api's outcome for each ``{"env", "account", "credentials"}``."""
    return python_json(
        RUNNER,
        stdin=json.dumps(cases),
        # The environment the library imports with; each case then replaces os.environ.
        env={"PATH": "/usr/bin:/bin", "HOME": cases[0]["env"]["HOME"]},
    )


def _agree(spec, ours, theirs) -> bool:
    if spec["crash"]:
        # The library stops with an exception; we report an error finding instead.
        error, code = spec["crash"]
        return theirs == {"outcome": "crash", "error": error} and code in ours["errors"]
    if theirs["outcome"] == "credentials":
        return ours["credentials"] == theirs["credentials"]
    return theirs["outcome"] == "missing" and not ours["ok"]


def _compare(specs, homes):
    """``(spec, env, ours, theirs, agree)`` for each case."""
    envs = [_materialise(spec, home) for spec, home in zip(specs, homes, strict=True)]
    # Ours first: the library's confuse creates folders as it goes.
    ours = [_ours(spec, env) for spec, env in zip(specs, envs, strict=True)]
    theirs = _theirs(
        [
            {"env": env, "account": spec["account"], "credentials": spec["credentials"]}
            for spec, env in zip(specs, envs, strict=True)
        ]
    )
    return [
        (spec, env, mine, other, _agree(spec, mine, other))
        for spec, env, mine, other in zip(specs, envs, ours, theirs, strict=True)
    ]


def _homes(root, count):
    homes = [root / f"case{index}" for index in range(count)]
    for home in homes:
        home.mkdir()
    return homes


@pytest.fixture(scope="module")
def table_rows(tmp_path_factory):
    """All table cases, compared in one subprocess: ``{id(spec): row}``."""
    specs = [param.values[0] for param in CASES]
    rows = _compare(specs, _homes(tmp_path_factory.mktemp("parity"), len(specs)))
    return {id(row[0]): row for row in rows}


@pytest.mark.parametrize("spec", CASES)
def test_resolution_matches_python_amazon_sp_api(spec, table_rows):
    _, env, ours, theirs, agree = table_rows[id(spec)]
    assert agree, {"ours": ours, "python-amazon-sp-api": theirs, "env": env}


def test_the_table_sees_credentials_missing_credentials_and_crashes(table_rows):
    outcomes = [row[3]["outcome"] for row in table_rows.values()]
    # A runner that found nothing (a wrong HOME, say) would agree with us too often.
    assert outcomes.count("credentials") >= 20
    assert outcomes.count("missing") >= 15
    assert outcomes.count("crash") >= 3
    assert len({param.id for param in CASES}) == len(CASES)


# --------------------------------------------------------------------------- generated mixes

PLACES = ("code", "env", "env_suffix", "file_account", "file_default")
FIELD_ENV = {
    "refresh_token": "SP_API_REFRESH_TOKEN",
    "lwa_app_id": "LWA_APP_ID",
    "lwa_client_secret": "LWA_CLIENT_SECRET",
}


@st.composite
def mixed_case(draw):
    account = draw(st.sampled_from(["default", "shop", "Shop"]))
    code, env, file_accounts = {}, {}, {}
    for field, env_name in FIELD_ENV.items():
        for place in draw(st.sets(st.sampled_from(PLACES), max_size=3)):
            value = draw(st.sampled_from(["", f"{field}-{place}"]))
            if place == "code":
                code[field] = value
            elif place == "env":
                env[env_name] = value
            elif place == "env_suffix":
                suffix = draw(st.sampled_from([account, account.swapcase(), "default"]))
                env[f"{env_name}_{suffix}"] = value
            else:
                name = account if place == "file_account" else "default"
                file_accounts.setdefault(name, {})[field] = value
    files = {}
    if file_accounts or draw(st.booleans()):
        text = "version: '1.0'\n" + "".join(
            f"{name}:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in fields.items())
            for name, fields in file_accounts.items()
        )
        where = draw(st.sampled_from(["home", "python-sp-api-dir"]))
        if where == "home":
            files[f"{CONFIG}/credentials.yml"] = text
        else:
            env["PYTHON-SP-APIDIR"] = "{home}/custom"
            files["custom/credentials.yml"] = text
    credentials = draw(st.sampled_from([None, code])) if code else draw(st.sampled_from([None, {}]))
    return {
        "env": env,
        "files": files,
        "account": account,
        "credentials": credentials,
        "crash": None,
    }


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(specs=st.lists(mixed_case(), min_size=40, max_size=40))
def test_generated_mixes_of_sources_match_python_amazon_sp_api(specs, tmp_path_factory):
    rows = _compare(specs, _homes(tmp_path_factory.mktemp("mix"), len(specs)))
    disagreements = [
        {"spec": spec, "ours": ours, "python-amazon-sp-api": theirs}
        for spec, _, ours, theirs, agree in rows
        if not agree
    ]
    assert disagreements == []


# --------------------------------------------------------------------------- import-time variables

# What python-amazon-sp-api does with SP_API_DEFAULT_MARKETPLACE and AWS_ENV when it is
# imported: Marketplaces[value] (sp_api/base/client.py) and AwsEnv(value)
# (sp_api/base/marketplaces.py), evaluated here for many values in one process.
IMPORT_RUNNER = r"""
import json, sys
from sp_api.base.marketplaces import AwsEnv, Marketplaces

def fails(function, value):
    try:
        function(value)
    except (KeyError, ValueError):
        return True
    return False

values = json.load(sys.stdin)
json.dump({"marketplace": {v: fails(Marketplaces.__getitem__, v) for v in values},
           "aws_env": {v: fails(AwsEnv, v) for v in values},
           "names": {name: m.marketplace_id for name, m in Marketplaces.__members__.items()}},
          sys.stdout)
"""
IMPORT_VALUES = [
    "",
    "DE",
    "de",
    " DE",
    "Germany",
    "UK",
    "GB",
    "US",
    "SANDBOX",
    "sandbox",
    "PRODUCTION",
    "Production",
    "PROD",
]


@pytest.fixture(scope="module")
def import_time(tmp_path_factory):
    return python_json(
        IMPORT_RUNNER,
        stdin=json.dumps(IMPORT_VALUES),
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path_factory.mktemp("import"))},
    )


def test_marketplace_names_and_ids_are_python_amazon_sp_apis(import_time):
    from spapi_docs_helpers import MARKETPLACES

    assert {name: m.marketplace_id for name, m in MARKETPLACES.items()} == import_time["names"]


@pytest.mark.parametrize(
    ("variable", "code"),
    [
        ("SP_API_DEFAULT_MARKETPLACE", "default-marketplace-invalid"),
        ("AWS_ENV", "aws-env-invalid"),
    ],
)
@pytest.mark.parametrize("value", IMPORT_VALUES)
def test_import_time_variable_is_an_error_exactly_when_the_library_fails(
    import_time, tmp_path, variable, code, value
):
    resolution = resolve_credentials(environ={"HOME": str(tmp_path), variable: value})
    key = "marketplace" if variable == "SP_API_DEFAULT_MARKETPLACE" else "aws_env"
    assert (code in [f.code for f in resolution.findings]) == import_time[key][value]
