"""``spapi-doctor check --offline``, run as a user runs it: the installed script, a subprocess.

Exit status: 0 no error, 1 an error found, 2 a usage error. The environment is the
isolated one of conftest (fake HOME, no credential variable) plus what each test sets.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

import spapi_docs_helpers

SCRIPT = Path(sys.executable).with_name("spapi-doctor")
CLIENT_ID = "amzn1.application-oa2-client." + "deadbeef" * 4
CLIENT_SECRET = "amzn1.oa2-cs.v1." + "feedface" * 8
REFRESH_TOKEN = "Atzr|IwEBIFakeRefreshTokenForTestsOnly-" + "QrStUvWxYz" * 8
APP_ID = "amzn1.sp.solution.12345678-90ab-4cde-8f01-23456789abcd"
GOOD_ENV = {
    "LWA_APP_ID": CLIENT_ID,
    "LWA_CLIENT_SECRET": CLIENT_SECRET,
    "SP_API_REFRESH_TOKEN": REFRESH_TOKEN,
}
ANSI = "\x1b["

pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason=f"{SCRIPT} is not installed")


def doctor(*args, env=None, tty=False):
    """Run spapi-doctor; ``(exit status, stdout, stderr)``. ``tty``: stdout is a terminal."""
    environ = {**os.environ, **(env or {})}
    command = [str(SCRIPT), *args]
    if not tty:
        done = subprocess.run(
            command, env=environ, capture_output=True, text=True, timeout=60, check=False
        )
        return done.returncode, done.stdout, done.stderr
    main, child = pty.openpty()
    with subprocess.Popen(command, env=environ, stdout=child, stderr=subprocess.PIPE) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        stderr = process.stderr.read().decode()
        process.wait(timeout=60)
    os.close(main)
    return process.returncode, b"".join(chunks).decode(), stderr


def check(*args, **kwargs):
    return doctor("check", "--offline", *args, **kwargs)


# --------------------------------------------------------------------------- exit status


def test_good_credentials_exit_0():
    status, out, err = check(env=GOOD_ENV)
    assert status == 0, out + err
    assert err == ""


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({**GOOD_ENV, "LWA_APP_ID": APP_ID}, id="app-id-as-client-id"),
        pytest.param({}, id="no-credentials"),
        pytest.param({**GOOD_ENV, "SP_API_DEFAULT_MARKETPLACE": "Germany"}, id="bad-marketplace"),
    ],
)
def test_an_error_exits_1(env):
    status, out, err = check(env=env)
    assert status == 1, out + err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--format", "xml"], "invalid choice: 'xml'", id="format-xml"),
        pytest.param(["--account", ""], "must not be empty", id="empty-account"),
        pytest.param(["--account", "  "], "must not be empty", id="blank-account"),
        pytest.param(["--timeout", "0"], "between 0 and 600", id="zero-timeout"),
        pytest.param(["--timeout", "601"], "between 0 and 600", id="long-timeout"),
        pytest.param(["--timeout", "soon"], "not a number", id="timeout-not-a-number"),
        pytest.param(["--color", "sometimes"], "invalid choice", id="color-choice"),
        pytest.param(["--demo"], "drop --offline", id="demo-and-offline"),
        pytest.param(["--no-such-option"], "unrecognized arguments", id="unknown-option"),
    ],
)
def test_usage_error_exits_2_and_says_why(args, words):
    status, out, err = check(*args, env=GOOD_ENV)
    assert status == 2
    assert out == ""
    assert "usage: spapi-doctor" in err and words in err


def test_check_is_the_default_command():
    assert doctor("--offline", env={**GOOD_ENV, "LWA_APP_ID": APP_ID})[0] == 1
    assert doctor("--offline", env=GOOD_ENV)[0] == 0


def test_version_is_printed():
    status, out, _ = doctor("--version")
    assert (status, out.strip()) == (0, f"spapi-doctor {spapi_docs_helpers.__version__}")


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("env", "ok"),
    [
        pytest.param(GOOD_ENV, True, id="good"),
        pytest.param({**GOOD_ENV, "LWA_APP_ID": APP_ID}, False, id="format-error"),
        pytest.param({}, False, id="no-credentials"),
    ],
)
def test_json_output_is_one_valid_document(env, ok):
    status, out, _ = check("--format", "json", env=env)
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert data["ok"] is ok and data["exit_code"] == status == (0 if ok else 1)
    assert isinstance(data["findings"], list)
    for finding in data["findings"]:
        assert {"code", "severity", "field", "message", "fix"} <= set(finding)
    assert ANSI not in out


def test_json_names_the_blamed_field():
    _, out, _ = check("--format", "json", env={**GOOD_ENV, "LWA_APP_ID": APP_ID})
    data = json.loads(out)
    assert data["blamed"] == ["lwa_app_id"]
    assert [(f["code"], f["field"]) for f in data["findings"]] == [
        ("app-id-in-client-id-field", "lwa_app_id")
    ]


# --------------------------------------------------------------------------- colour


def test_no_colour_when_stdout_is_not_a_terminal():
    _, out, _ = check(env={**GOOD_ENV, "LWA_APP_ID": APP_ID})
    assert ANSI not in out


def test_colour_always_colours_a_pipe():
    _, out, _ = check("--color", "always", env={**GOOD_ENV, "LWA_APP_ID": APP_ID})
    assert ANSI in out


def test_colour_on_a_terminal_by_default():
    status, out, _ = check(env={**GOOD_ENV, "LWA_APP_ID": APP_ID}, tty=True)
    assert status == 1
    assert ANSI in out


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param(["--color", "auto"], {"NO_COLOR": "1"}, id="no-color-with-auto"),
        pytest.param([], {"NO_COLOR": "1"}, id="no-color-default"),
        pytest.param(["--color", "never"], {}, id="never"),
    ],
)
def test_no_colour_on_a_terminal_when_turned_off(args, env):
    status, out, _ = check(*args, env={**GOOD_ENV, "LWA_APP_ID": APP_ID, **env}, tty=True)
    assert status == 1
    assert "app-id-in-client-id-field" in out
    assert ANSI not in out


# --------------------------------------------------------------------------- text


def test_text_names_the_source_and_each_fields_origin():
    _, out, _ = check(env=GOOD_ENV)
    assert "from the environment" in out
    for name in GOOD_ENV:
        assert name in out


def test_text_names_the_config_file_and_lines(isolated_machine):
    folder = isolated_machine / ".config" / "python-sp-api"
    folder.mkdir(parents=True)
    (folder / "credentials.yml").write_text(
        f"version: '1.0'\nshop:\n  refresh_token: '{REFRESH_TOKEN}'\n"
        f"  lwa_app_id: '{CLIENT_ID}'\n  lwa_client_secret: '{CLIENT_SECRET}'\n"
    )
    status, out, _ = check("--account", "shop")
    assert status == 0
    assert "from the config file" in out
    assert "shop.lwa_app_id (line 4)" in out


def test_account_option_selects_the_suffixed_variables():
    env = {f"{name}_shop": value for name, value in GOOD_ENV.items()}
    assert check("--account", "shop", env=env)[0] == 0
    assert check(env=env)[0] == 1


BAD_SET = {
    "LWA_APP_ID": CLIENT_SECRET,
    "LWA_CLIENT_SECRET": CLIENT_ID,
    "SP_API_REFRESH_TOKEN": f'"{REFRESH_TOKEN}"\n',
    "SP_API_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "SP_API_SECRET_KEY": "AKIAIOSFODNN7EXAMPLE",
    "LWA_CLIENT_ID": REFRESH_TOKEN,
    "CLIENT_SECRET": CLIENT_SECRET,
}


@pytest.mark.parametrize(
    "args", [[], ["--format", "json"], ["--color", "always"]], ids=["text", "json", "colour"]
)
def test_no_secret_in_any_output(args, assert_no_leak, isolated_machine):
    folder = isolated_machine / ".config" / "python-sp-api"
    folder.mkdir(parents=True)
    (folder / "credentials.yml").write_text(
        f"default:\n  lwa_app_id: '{CLIENT_ID}'\n  client_secret: '{CLIENT_SECRET}'\n"
    )
    status, out, err = check(*args, env=BAD_SET)
    assert status == 1
    assert "fields-swapped" in out
    assert_no_leak([out, err], *BAD_SET.values())


def test_an_ascii_terminal_gets_the_report_not_an_internal_error():
    status, out, err = check(env={**GOOD_ENV, "PYTHONIOENCODING": "ascii"})
    assert (status, err) == (0, "")
    assert "Verdict" in out
