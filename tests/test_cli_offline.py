"""``spapi-doctor check --offline``: its exit status, JSON, colour and text.

In this process (``_cli.main``, the ``cli`` fixture) where a child process would prove
nothing more than the output and the status; as the installed script (``doctor``) where it
does: one end-to-end run, a real terminal (colour by default; the other colour choices on a
terminal in this process, whose standard output says it is one), the interpreter's own
encoding.
Exit status: 0 no error, 1 an error found, 2 a usage error, 3 the doctor itself failed,
130 interrupted. The environment is the isolated one of conftest (fake HOME, no credential
variable) plus what each test sets.
"""

from __future__ import annotations

import json
import sys

import pytest
from _values import (
    CLIENT_ID,
    CLIENT_SECRET,
    EXAMPLE_ACCESS_KEY,
    EXAMPLE_SECRET_KEY,
    FAILING_ENV,
    GOOD_ENV,
    REFRESH_TOKEN,
)

import spapi_docs_helpers
from spapi_docs_helpers import _cli

ANSI = "\x1b["
# Every key of a finding in the JSON report; "details" only when the finding has some.
FINDING_KEYS = {"code", "severity", "field", "subject", "message", "fix", "stage", "source", "docs"}


@pytest.fixture
def check(cli):
    """``check(*args, env=None)``: ``spapi-doctor check --offline *args``, in this process."""

    def run(*args, **kwargs):
        return cli("check", "--offline", *args, **kwargs)

    return run


@pytest.fixture
def check_on_a_terminal(cli, monkeypatch):
    """``check_on_a_terminal(*args, env=None)``: ``check`` in this process, its standard
    output saying it is a terminal: ``isatty()`` is all the choice of colour asks of it
    (``_report.wants_color``). The installed script on a real pseudo-terminal is
    ``test_colour_on_a_real_terminal_by_default``."""

    def run(*args, env=None):
        with monkeypatch.context() as patch:
            patch.setattr(sys.stdout, "isatty", lambda: True)
            return cli("check", "--offline", *args, env=env)

    return run


# --------------------------------------------------------------------------- exit status


def test_the_installed_script_exits_0_on_good_credentials(doctor):
    status, out, err = doctor("check", "--offline", env=GOOD_ENV)
    assert status == 0, out + err
    assert err == ""
    assert "Verdict: No problem found by the offline checks" in out


def test_good_credentials_exit_0(check):
    status, out, err = check(env=GOOD_ENV)
    assert status == 0, out + err
    assert err == ""


@pytest.mark.parametrize(
    "env",
    [
        pytest.param(FAILING_ENV, id="app-id-as-client-id"),
        pytest.param({}, id="no-credentials"),
        pytest.param({**GOOD_ENV, "SP_API_DEFAULT_MARKETPLACE": "Germany"}, id="bad-marketplace"),
    ],
)
def test_an_error_exits_1(env, check):
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
def test_usage_error_exits_2_and_says_why(args, words, check):
    status, out, err = check(*args, env=GOOD_ENV)
    assert status == 2
    assert out == ""
    assert "usage: spapi-doctor" in err and words in err


def test_check_is_the_default_command(cli):
    assert cli("--offline", env=FAILING_ENV)[0] == 1
    assert cli("--offline", env=GOOD_ENV)[0] == 0


def test_version_is_printed_with_the_docs_its_links_point_into(cli):
    from spapi_docs_helpers._catalogue import docs_url

    status, out, _ = cli("--version")
    version = spapi_docs_helpers.__version__
    docs = docs_url("no-credentials").split("troubleshooting.html")[0]
    assert (status, out.strip()) == (0, f"spapi-doctor {version} (docs: {docs}index.html)")
    # A release links to its own docs, a development version to the newest.
    released = version.replace(".", "").isdigit()
    assert (f"/en/{version}/" in docs) if released else ("/en/latest/" in docs)


def test_a_failure_of_the_doctor_itself_exits_3_says_bug_and_shows_no_secret(
    monkeypatch, capsys, assert_no_leak
):
    def broken(*args, **kwargs):
        raise RuntimeError(f"boom {REFRESH_TOKEN} {CLIENT_SECRET}")

    # The CLI's own name for the check, imported at the top of _cli.
    monkeypatch.setattr(_cli, "check_offline", broken)
    status = _cli.main(["check", "--offline"])
    out, err = capsys.readouterr()
    assert status == 3
    assert out == ""
    assert "This is a bug" in err and "RuntimeError: boom" in err
    assert "Traceback" not in err
    assert_no_leak([err], REFRESH_TOKEN, CLIENT_SECRET)


def test_an_interrupted_check_exits_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "check_offline", interrupted)
    assert _cli.main(["check", "--offline"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "spapi-doctor: interrupted\n"


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("env", "ok"),
    [
        pytest.param(GOOD_ENV, True, id="good"),
        pytest.param(FAILING_ENV, False, id="format-error"),
        pytest.param({}, False, id="no-credentials"),
    ],
)
def test_json_output_is_one_valid_document(env, ok, check):
    status, out, _ = check("--format", "json", env=env)
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert data["ok"] is ok and data["exit_code"] == status == (0 if ok else 1)
    assert isinstance(data["findings"], list)
    if not ok:
        assert data["findings"], "not ok, but no finding says why"
    for finding in data["findings"]:
        assert set(finding) - {"details"} == FINDING_KEYS, sorted(finding)
        assert finding["docs"].endswith("#" + finding["code"]), finding["docs"]
    assert ANSI not in out


def test_json_names_the_blamed_field(check):
    _, out, _ = check("--format", "json", env=FAILING_ENV)
    data = json.loads(out)
    assert data["blamed"] == ["lwa_app_id"]
    assert [(f["code"], f["field"]) for f in data["findings"]] == [
        ("app-id-in-client-id-field", "lwa_app_id")
    ]


# --------------------------------------------------------------------------- colour


def test_no_colour_when_stdout_is_not_a_terminal(check):
    _, out, _ = check(env=FAILING_ENV)
    assert ANSI not in out


def test_colour_always_colours_a_pipe(check):
    _, out, _ = check("--color", "always", env=FAILING_ENV)
    assert ANSI in out


def test_colour_on_a_real_terminal_by_default(doctor):
    status, out, _ = doctor("check", "--offline", env=FAILING_ENV, tty=True)
    assert status == 1
    assert ANSI in out


def test_colour_on_a_terminal_by_default(check_on_a_terminal):
    # The fake terminal of the tests below colours as the real one above does.
    status, out, _ = check_on_a_terminal(env=FAILING_ENV)
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
def test_no_colour_on_a_terminal_when_turned_off(args, env, check_on_a_terminal):
    status, out, _ = check_on_a_terminal(*args, env={**FAILING_ENV, **env})
    assert status == 1
    assert "app-id-in-client-id-field" in out
    assert ANSI not in out


def test_an_empty_no_color_does_not_turn_colour_off(check_on_a_terminal):
    """https://no-color.org: only a NO_COLOR that is set *and not empty* turns colour off."""
    status, out, _ = check_on_a_terminal(env={**FAILING_ENV, "NO_COLOR": ""})
    assert status == 1
    assert ANSI in out


def test_color_always_wins_over_no_color(check, check_on_a_terminal):
    """An explicit --color always is the user's latest word: NO_COLOR only changes auto."""
    for run in (check, check_on_a_terminal):
        status, out, _ = run("--color", "always", env={**FAILING_ENV, "NO_COLOR": "1"})
        assert status == 1
        assert ANSI in out


# --------------------------------------------------------------------------- text


def test_text_names_the_source_and_each_fields_origin(check):
    _, out, _ = check(env=GOOD_ENV)
    assert "from the environment" in out
    for name in GOOD_ENV:
        assert name in out


def test_text_names_the_config_file_and_lines(config_file, check):
    config_file(
        f"version: '1.0'\nshop:\n  refresh_token: '{REFRESH_TOKEN}'\n"
        f"  lwa_app_id: '{CLIENT_ID}'\n  lwa_client_secret: '{CLIENT_SECRET}'\n"
    )
    status, out, _ = check("--account", "shop")
    assert status == 0
    assert "from the config file" in out
    assert "shop.lwa_app_id (line 4)" in out


def test_account_option_selects_the_suffixed_variables(check):
    env = {f"{name}_shop": value for name, value in GOOD_ENV.items()}
    assert check("--account", "shop", env=env)[0] == 0
    assert check(env=env)[0] == 1


BAD_SET = {
    "LWA_APP_ID": CLIENT_SECRET,
    "LWA_CLIENT_SECRET": CLIENT_ID,
    "SP_API_REFRESH_TOKEN": f'"{REFRESH_TOKEN}"\n',
    "SP_API_ACCESS_KEY": EXAMPLE_SECRET_KEY,
    "SP_API_SECRET_KEY": EXAMPLE_ACCESS_KEY,
    "LWA_CLIENT_ID": REFRESH_TOKEN,
    "CLIENT_SECRET": CLIENT_SECRET,
}


@pytest.mark.parametrize(
    "args", [[], ["--format", "json"], ["--color", "always"]], ids=["text", "json", "colour"]
)
def test_no_secret_in_any_output(args, assert_no_leak, config_file, check):
    config_file(f"default:\n  lwa_app_id: '{CLIENT_ID}'\n  client_secret: '{CLIENT_SECRET}'\n")
    status, out, err = check(*args, env=BAD_SET)
    assert status == 1
    assert "fields-swapped" in out
    assert_no_leak([out, err], *BAD_SET.values())


def test_an_ascii_terminal_gets_the_report_not_an_internal_error(doctor):
    # The interpreter's own encoding: only a child process starts with it.
    status, out, err = doctor("check", "--offline", env={**GOOD_ENV, "PYTHONIOENCODING": "ascii"})
    assert (status, err) == (0, "")
    assert "Verdict" in out
