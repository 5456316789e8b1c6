"""spapi-doctor init: each value checked as it is given, then with LWA and the region
probes, and only then stored; exit 0 stored, 1 a value is wrong (nothing written), 2 usage.

The interactive flow runs in-process with a scripted terminal (every question and answer
visible to the test), and once on a real pseudo-terminal, where getpass must not echo.
The non-interactive flow runs against the mock Amazon through ``cli`` in this process, where
a child process would prove nothing more than the output and the status (the installed
command runs init in a child on the pseudo-terminal).
"""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from _library_reads import library_reads
from _values import APP_ID, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN

from spapi_docs_helpers import _init
from spapi_docs_helpers._cli import build_parser

DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))
OTHER_TOKEN = "Atzr|IwEBIAnotherFakeRefreshTokenForTests-" + "AbCdEfGhIj" * 8


def config_file() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "python-sp-api" / "credentials.yml"


def stored(account):
    return yaml.safe_load(config_file().read_text())[account]


def mock_values(amazon) -> dict:
    return {
        "refresh_token": amazon.env["SP_API_REFRESH_TOKEN"],
        "lwa_app_id": amazon.env["LWA_APP_ID"],
        "lwa_client_secret": amazon.env["LWA_CLIENT_SECRET"],
    }


# --------------------------------------------------------------------------- --from-env


def test_from_env_checks_then_stores_where_the_library_reads(mock_amazon_env, cli, assert_no_leak):
    status, out, err = cli("init", "--from-env", "--account", "mine", "--store", "file", "--yes")
    assert status == 0, err
    assert out == ""
    assert "✓ LWA token" in err and "NA (North America) lets the token through" in err
    assert "account 'mine' added" in err
    values = mock_values(mock_amazon_env)
    assert stored("mine") == values
    # The plain variables win over the file for every account; here with the same values.
    assert "stored-account-shadowed" in err and "same values" in err
    assert_no_leak([out, err], *values.values())
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_REFRESH_TOKEN")
    }
    assert library_reads("mine", clean) == values
    # Again: nothing to write, still exit 0.
    status, _out, err = cli("init", "--from-env", "--account", "mine", "--store", "file", "--yes")
    assert status == 0 and "Nothing to write" in err


def test_the_account_suffix_is_read_first(mock_amazon_env, cli):
    env = {
        "SP_API_REFRESH_TOKEN_shop": os.environ["SP_API_REFRESH_TOKEN"],
        "SP_API_REFRESH_TOKEN": "Atzr|bad",
    }
    status, _out, err = cli(
        "init", "--from-env", "--account", "shop", "--store", "file", "--yes", env=env
    )
    assert status == 0, err
    assert stored("shop")["refresh_token"] == os.environ["SP_API_REFRESH_TOKEN"]


def test_an_account_with_other_values_needs_force(mock_amazon_env, cli):
    init_mine = ("init", "--from-env", "--account", "mine", "--store", "file", "--yes")
    assert cli(*init_mine)[0] == 0
    before = config_file().read_text()
    env = {"SP_API_REFRESH_TOKEN": OTHER_TOKEN}
    status, _out, err = cli(*init_mine, "--no-verify", env=env)
    assert status == 1 and "store-account-exists" in err
    assert "Atzr|IwEB…" in err and "→" in err  # old and new, masked
    assert config_file().read_text() == before
    status, _out, err = cli(*init_mine, "--no-verify", "--force", env=env)
    assert status == 0, err
    assert stored("mine")["refresh_token"] == OTHER_TOKEN
    assert Path(str(config_file()) + ".bak").read_text() == before


@pytest.mark.parametrize(
    "env, code",
    [
        ({"LWA_APP_ID": APP_ID}, "app-id-in-client-id-field"),
        ({"LWA_CLIENT_SECRET": "amzn1.oa2-cs.v1." + "0" * 64}, "lwa-client-secret-rejected"),
        ({"SP_API_REFRESH_TOKEN": OTHER_TOKEN}, "lwa-refresh-token-rejected"),
        ({"LWA_APP_ID": CLIENT_ID[:-3]}, "client-id-truncated"),
        ({"LWA_CLIENT_SECRET": ""}, "value-empty"),
        ({"SPAPI_LWA_ENDPOINT": "http://127.0.0.1:9/auth/o2/token"}, "network-refused"),
    ],
    ids=["app-id", "wrong-secret", "unknown-token", "truncated-id", "empty", "lwa-unreachable"],
)
def test_a_wrong_value_writes_nothing_and_exits_1(mock_amazon_env, cli, env, code, assert_no_leak):
    status, out, err = cli("init", "--from-env", "--store", "file", "--yes", env=env)
    assert status == 1, err
    assert code in err and "nothing was written" in err.lower()
    assert not config_file().exists()
    secrets = [v for k, v in env.items() if k != "SPAPI_LWA_ENDPOINT"]
    assert_no_leak([out, err], *mock_values(mock_amazon_env).values(), *secrets)


def test_no_verify_stores_a_well_formed_value_lwa_was_not_asked_about(mock_amazon_env, cli):
    env = {"SPAPI_LWA_ENDPOINT": "http://127.0.0.1:9/auth/o2/token"}
    status, _out, err = cli(
        "init", "--from-env", "--store", "file", "--yes", "--no-verify", env=env
    )
    assert status == 0, err
    assert "Checking" not in err and stored("default")


@pytest.mark.mock_scenario("no-roles")
def test_what_sp_api_denies_after_lwa_accepted_blames_no_value_and_does_not_stop_the_store(
    mock_amazon_env, cli
):
    status, _out, err = cli("init", "--from-env", "--store", "file", "--yes")
    assert status == 0, err
    assert "roles-deny-every-probe" in err and "account 'default' added" in err


@pytest.mark.parametrize(
    "args, env, says",
    [
        (("--store", "file"), {}, "pass --from-env"),
        (("--from-env",), {}, "--store is needed"),
        (
            ("--from-env", "--store", "file"),
            {"LWA_CLIENT_SECRET": None},
            "LWA_CLIENT_SECRET not set",
        ),
        (
            ("--from-env", "--store", "env-file", "--account", "my-shop"),
            {},
            "letters, digits and _",
        ),
        (("--from-env", "--store", "secrets-manager"), {}, "--secret-id"),
        (("--from-env", "--store", "file", "--account", " x"), {}, "without spaces"),
        (("--from-env", "--store", "s3"), {}, "invalid choice"),
    ],
)
def test_usage_errors_exit_2(mock_amazon_env, cli, monkeypatch, args, env, says):
    environ = {k: v for k, v in env.items() if v is not None}
    for name in [k for k, v in env.items() if v is None]:
        monkeypatch.delenv(name)
    status, _out, err = cli("init", *args, env=environ)
    assert status == 2, err
    assert says in err
    assert not config_file().exists()


def test_export_lines_go_to_stdout_and_nothing_else_does(mock_amazon_env, cli, assert_no_leak):
    status, out, err = cli("init", "--from-env", "--account", "shop", "--store", "export", "--yes")
    assert status == 0, err
    values = mock_values(mock_amazon_env)
    assert out.splitlines() == [
        f"export SP_API_REFRESH_TOKEN_shop='{values['refresh_token']}'",
        f"export LWA_APP_ID_shop={values['lwa_app_id']}",
        f"export LWA_CLIENT_SECRET_shop={values['lwa_client_secret']}",
    ]
    assert_no_leak(err, *values.values())


def test_env_file_store(mock_amazon_env, cli, tmp_path):
    path = tmp_path / "project" / "sp-api.env"
    path.parent.mkdir()
    status, _out, err = cli(
        "init", "--from-env", "--store", "env-file", "--env-file", str(path), "--yes"
    )
    assert status == 0, err
    assert "set -a" in err
    assert path.read_text().startswith("# Written by spapi-doctor")
    mine = tmp_path / "project" / ".env"
    mine.write_text("SECRET_KEY=django\n")
    status, _out, err = cli(
        "init", "--from-env", "--store", "env-file", "--env-file", str(mine), "--yes"
    )
    assert status == 1 and "store-file-not-ours" in err
    assert mine.read_text() == "SECRET_KEY=django\n"


@pytest.mark.mock_scenario("secrets-manager")
def test_secrets_manager_store(mock_amazon_env, cli):
    from spapi_docs_helpers.mock import _samples, _world

    key, secret = _samples.aws_key_pair(_world.IAM_SECRETS_WRITER)
    from spapi_docs_helpers._credentials import field_spec

    # The scenario keeps its credentials in the mock's secret; init takes them from env.
    values = {field_spec(k).env: v for k, v in mock_amazon_env.credentials.items()}
    env = {**values, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    status, _out, err = cli(
        "init",
        "--from-env",
        "--store",
        "secrets-manager",
        "--secret-id",
        "spapi/new",
        "--yes",
        env=env,
    )
    assert status == 0, err
    assert "secret spapi/new" in err and "SP_API_AWS_SECRET_ID=spapi/new" in err
    # The scenario's reader may not write: a finding, nothing written.
    status, _out, err = cli(
        "init",
        "--from-env",
        "--store",
        "secrets-manager",
        "--secret-id",
        "spapi/other",
        "--yes",
        env=values,
    )
    assert status == 1 and "secrets-manager-write-failed" in err and "AccessDenied" in err


# --------------------------------------------------------------------------- interactive


class ScriptedTerminal(_init.Terminal):
    """Answers from lists (an answer may be a function of the terminal); every prompt is
    recorded."""

    def __init__(self, answers=(), secrets=()):
        super().__init__(interactive=True, out=io.StringIO(), err=io.StringIO())
        self.answers = list(answers)
        self.secrets = list(secrets)
        self.prompts = []

    def ask(self, prompt, default=None):
        self.prompts.append(prompt)
        if not self.answers:
            raise EOFError
        answer = self.answers.pop(0)
        if callable(answer):  # an answer that depends on what was shown so far
            answer = answer(self)
        return answer if answer or default is None else default

    def ask_secret(self, prompt):
        self.prompts.append(prompt)
        if not self.secrets:
            raise EOFError
        return self.secrets.pop(0)

    @property
    def said(self):
        return self.err.getvalue()


def run_init(terminal, *args):
    parsed = build_parser().parse_args(["init", *args])
    return _init.run(parsed, terminal=terminal, environ=os.environ)


def test_an_app_id_is_caught_as_soon_as_it_is_pasted(mock_amazon_env, assert_no_leak):
    values = mock_values(mock_amazon_env)
    app_id = mock_amazon_env.env["SPAPI_MOCK_APP_ID"]
    terminal = ScriptedTerminal(
        answers=["", "1"],  # account: the default; store: 1 (credentials.yml)
        secrets=[
            app_id,
            values["lwa_app_id"],
            values["lwa_client_secret"],
            values["refresh_token"],
        ],
    )
    assert run_init(terminal) == 0, terminal.said
    said = terminal.said
    # The App ID was refused before the secret was asked for.
    first = said.index("app-id-in-client-id-field")
    assert said.index("Please paste it again") > first
    assert terminal.prompts[:2] == [_init.PROMPTS["lwa_app_id"], _init.PROMPTS["lwa_app_id"]]
    assert terminal.prompts[2] == _init.PROMPTS["lwa_client_secret"]
    assert "Where should the credentials go?" in said
    assert stored("default") == values
    assert_no_leak(said, *values.values())


def test_an_account_name_no_shell_can_use_is_a_usage_error_before_anything(mock_amazon_env):
    values = mock_values(mock_amazon_env)
    terminal = ScriptedTerminal(
        answers=["my-shop"],
        secrets=[values["lwa_app_id"], values["lwa_client_secret"], values["refresh_token"]],
    )
    with pytest.raises(SystemExit) as raised:
        run_init(terminal, "--store", "export")
    assert raised.value.code == 2
    assert "Checking them" not in terminal.said and terminal.out.getvalue() == ""


def test_three_refusals_end_with_nothing_written(mock_amazon_env):
    terminal = ScriptedTerminal(secrets=["x", "amzn1.sp.solution.nope", " "])
    assert run_init(terminal, "--store", "file") == 1
    assert "refused 3 times; nothing was written" in terminal.said
    assert not config_file().exists()


def test_a_swap_caught_only_by_the_three_together_writes_nothing(mock_amazon_env):
    values = mock_values(mock_amazon_env)
    # Each value is well formed alone; the secret and the token are swapped.
    terminal = ScriptedTerminal(
        secrets=[values["lwa_app_id"], values["refresh_token"], values["lwa_client_secret"]]
    )
    assert run_init(terminal, "--store", "file", "--account", "x") == 1
    assert "nothing was written" in terminal.said


@pytest.mark.parametrize("answer, status", [("n", 1), ("y", 0)])
def test_replacing_asks_showing_old_and_new_masked(
    mock_amazon_env, config_file_text, answer, status, assert_no_leak
):
    values = mock_values(mock_amazon_env)
    terminal = ScriptedTerminal(
        answers=[answer],
        secrets=[values["lwa_app_id"], values["lwa_client_secret"], values["refresh_token"]],
    )
    assert run_init(terminal, "--store", "file", "--account", "default") == status
    said = terminal.said
    assert "already has account 'default' with other values" in said
    assert "refresh_token: Atzr|ol…(14 chars) → Atzr|IwEB…(404 chars)" in said
    if status:
        assert "Nothing was written" in said and config_file().read_text() == config_file_text
    else:
        assert stored("default") == values
    assert_no_leak(said, *values.values())


@pytest.fixture
def config_file_text(mock_amazon_env):
    text = "# mine\ndefault:\n  refresh_token: Atzr|old-token\n  lwa_app_id: x\n  lwa_client_secret: y\n"
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def _read_until(fd, seen: bytearray, wanted: str, deadline: float) -> bool:
    """Read the terminal into ``seen`` until ``wanted`` appears after what was there, or it
    closes; False when it closed (or the deadline passed) first."""
    start = len(seen)
    while wanted not in seen[start:].decode(errors="replace"):
        if time.monotonic() > deadline:
            return False
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        seen += chunk
    return True


def test_on_a_real_terminal_nothing_pasted_is_echoed(isolated_machine, assert_no_leak):
    """getpass on a pseudo-terminal: the values never come back on the screen."""
    answers = {
        "Client identifier": CLIENT_ID,
        "Client secret": CLIENT_SECRET,
        "Refresh token": REFRESH_TOKEN,
    }
    environ = dict(os.environ)
    pid, fd = pty.fork()
    if pid == 0:  # the child: spapi-doctor on the terminal
        try:
            os.execve(
                DOCTOR,
                [DOCTOR, "init", "--no-verify", "--store", "file", "--account", "tty"],
                environ,
            )
        finally:
            os._exit(127)
    seen = bytearray()
    deadline = time.monotonic() + 60
    try:
        for prompt, answer in answers.items():
            assert _read_until(fd, seen, prompt, deadline), seen.decode(errors="replace")
            os.write(fd, answer.encode() + b"\n")
        _read_until(fd, seen, "\0never", deadline)  # to the end
    finally:
        os.close(fd)
        _pid, wait_status = os.waitpid(pid, 0)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(wait_status) == 0, text
    assert "account 'tty' added" in text
    assert "✓ Atzr|IwEB…" in text  # what was received, masked
    assert_no_leak(text, *answers.values())
    assert yaml.safe_load(config_file().read_text())["tty"]["refresh_token"] == REFRESH_TOKEN


# The modules of the commands other than check: each is imported by its own command only.
COMMAND_MODULES = ("_init", "_authorize", "_explain", "_rotation", "mock._cli")


def test_the_command_is_cheap_to_start(isolated_machine):
    """`init --help`, `authorize --help` and `explain` import no network library, and
    `--version` and `explain` import no other command's module."""
    probe = (
        "import sys, io, contextlib\n"
        "from spapi_docs_helpers._cli import main\n"
        f"others = ['spapi_docs_helpers.' + m for m in {COMMAND_MODULES!r}]\n"
        "shown = io.StringIO()\n"
        "with contextlib.redirect_stdout(shown):\n"
        "    try:\n"
        "        main(['--version'])\n"
        "    except SystemExit as done:\n"
        "        assert done.code == 0\n"
        "    assert shown.getvalue().startswith('spapi-doctor ')\n"
        "    assert [m for m in others if m in sys.modules] == [], sys.modules\n"
        "    main(['explain', 'md1000'])\n"
        "    loaded = [m for m in others if m in sys.modules]\n"
        "    assert loaded == ['spapi_docs_helpers._explain'], loaded\n"
        "    for command in ('init', 'authorize'):\n"
        "        try:\n"
        "            main([command, '--help'])\n"
        "        except SystemExit as done:\n"
        "            assert done.code == 0, command\n"
        "        else:\n"
        "            raise AssertionError(command + ' --help did not exit')\n"
        "        assert f'usage: spapi-doctor {command} ' in shown.getvalue(), command\n"
        "print(sorted(m for m in ('requests', 'boto3', 'ruamel', 'yaml') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_store_the_library_reads_nothing_from_is_named_not_a_crash(tmp_path):
    """Stored where python-amazon-sp-api does not look, with no other source: the warning
    says no source holds the account (it used to fail on the missing source's label)."""
    from spapi_docs_helpers._stores import Change, StoreResult

    elsewhere = tmp_path / "elsewhere" / "credentials.yml"
    result = StoreResult(
        "file", str(elsewhere), [Change("mine", "new", {"lwa_app_id": (None, CLIENT_ID)})]
    )
    finding = _init.library_reads("mine", result, dict(os.environ))
    assert finding is not None and finding.code == "stored-account-shadowed"
    assert "from no source" in finding.message and str(elsewhere) in finding.message
