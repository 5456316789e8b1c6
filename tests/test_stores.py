"""The stores init and authorize write through: what they keep, what they refuse, and that
a crash in the middle of a write leaves the previous file whole.

Files are written into the isolated HOME of every test (tests/conftest.py); what
python-amazon-sp-api reads back is checked with the library itself, with exactly the test's
environment (tests/_library_reads.py).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _hostile import bounded
from _library_reads import library_reads
from _values import CLIENT_ID, CLIENT_SECRET, LEGACY_SECRET, REFRESH_TOKEN

from spapi_docs_helpers import CredentialsFile, EnvFile, ExportLines, StoreError
from spapi_docs_helpers import _stores as stores
from spapi_docs_helpers._credentials import Credentials

NEW_TOKEN = "Atzr|IwEBIAnotherFakeRefreshTokenForTests-" + "AbCdEfGhIj" * 8
VALUES = {
    "refresh_token": REFRESH_TOKEN,
    "lwa_app_id": CLIENT_ID,
    "lwa_client_secret": CLIENT_SECRET,
}
CREDENTIALS = Credentials(**VALUES)

USER_FILE = """\
# My SP-API accounts. Keep this file private!
version: '1.0'

default:   # the EU shop
  refresh_token: 'Atzr|old-default-token'
  lwa_app_id: amzn1.application-oa2-client.0000
  lwa_client_secret: "old-secret"   # rotated in May

# the agency's client
client-one:
  lwa_app_id: other-id
  lwa_client_secret: other-secret
  refresh_token: other-token
"""


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --------------------------------------------------------------------------- credentials.yml


def test_a_new_file_is_made_where_the_library_reads_it_private_and_readable(isolated_machine):
    store = CredentialsFile()
    assert store.path == str(isolated_machine / ".config" / "python-sp-api" / "credentials.yml")
    result = store.save("default", CREDENTIALS)
    assert [(c.account, c.status) for c in result.changes] == [("default", "new")]
    assert result.backup is None
    path = Path(store.path)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert yaml.safe_load(path.read_text()) == {"version": "1.0", "default": VALUES}
    assert library_reads("default") == VALUES


def test_pythonspapidir_is_honoured(tmp_path, monkeypatch):
    folder = tmp_path / "elsewhere"
    monkeypatch.setenv("PYTHON-SP-APIDIR", str(folder))
    store = CredentialsFile()
    assert store.path == str(folder / "credentials.yml")
    store.save("shop", CREDENTIALS)
    assert library_reads("shop") == VALUES


def test_pythonspapidir_naming_a_file_is_refused_and_nothing_written(tmp_path, monkeypatch):
    afile = tmp_path / "not-a-folder"
    afile.write_text("x")
    monkeypatch.setenv("PYTHON-SP-APIDIR", str(afile))
    with pytest.raises(StoreError) as raised:
        CredentialsFile().save("default", CREDENTIALS)
    assert raised.value.finding.code == "store-write-failed"
    assert "PYTHON-SP-APIDIR" in raised.value.finding.message
    assert afile.read_text() == "x"


def test_round_trip_keeps_every_other_account_the_comments_and_the_order(config_file):
    path = config_file(USER_FILE)
    result = CredentialsFile().save("A1SELLER", CREDENTIALS)
    text = path.read_text()
    # Every line of the user's file is still there, in its place, comments and quotes too.
    assert text.startswith(USER_FILE)
    assert text[len(USER_FILE) :].startswith("A1SELLER:\n")
    data = yaml.safe_load(text)
    assert list(data) == ["version", "default", "client-one", "A1SELLER"]
    assert data["A1SELLER"] == VALUES
    assert result.backup == str(path) + ".bak"
    assert Path(result.backup).read_text() == USER_FILE
    assert mode(result.backup) == 0o600
    assert library_reads("A1SELLER") == VALUES
    assert library_reads("client-one")["lwa_app_id"] == "other-id"


def test_an_account_with_other_values_is_not_replaced_without_being_told(
    config_file, assert_no_leak
):
    path = config_file(USER_FILE)
    store = CredentialsFile()
    with pytest.raises(StoreError) as raised:
        store.save("default", CREDENTIALS)
    finding = raised.value.finding
    assert finding.code == "store-account-exists"
    # The old and the new values are shown, masked.
    assert "Atzr|old-" in finding.message and "Atzr|IwEB…" in finding.message
    assert "Nothing was written" in finding.message
    assert_no_leak([finding, str(raised.value)], *VALUES.values(), "old-default-token")
    assert path.read_text() == USER_FILE
    assert not Path(str(path) + ".bak").exists()
    # Told: replaced in place, the comments around it kept.
    result = store.save("default", CREDENTIALS, replace=True)
    assert [c.status for c in result.changes] == ["replace"]
    text = path.read_text()
    assert "default:   # the EU shop" in text and "# rotated in May" in text
    assert yaml.safe_load(text)["default"] == VALUES
    assert Path(result.backup).read_text() == USER_FILE


def test_the_same_values_again_write_nothing(config_file):
    path = config_file(
        "default:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in VALUES.items())
    )
    before = path.stat().st_mtime_ns, path.read_bytes()
    result = CredentialsFile().save("default", CREDENTIALS)
    assert [c.status for c in result.changes] == ["same"]
    assert not result.written and result.backup is None
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_filling_empty_fields_is_no_replacement(config_file):
    path = config_file("default:\n  lwa_app_id: ''\n")
    result = CredentialsFile().save("default", CREDENTIALS)
    assert [c.status for c in result.changes] == ["update"]
    assert yaml.safe_load(path.read_text())["default"] == VALUES


def test_several_accounts_in_one_write_and_accounts_by_client_id(config_file):
    """What rotate needs: every account of one client id, updated in one write."""
    config_file(
        "a:\n  lwa_app_id: id-1\n  lwa_client_secret: s\n"
        "b:\n  lwa_app_id: id-2\n  lwa_client_secret: s\n"
        "c:\n  lwa_app_id: id-1\n  lwa_client_secret: s\n  refresh_token: t\n"
    )
    store = CredentialsFile()
    assert store.accounts_with_client_id("id-1") == ["a", "c"]
    # Spaces around the identifier (quoted in YAML) do not make another app.
    config_file(
        "a:\n  lwa_app_id: id-1\n  lwa_client_secret: s\n"
        "b:\n  lwa_app_id: 'id-1 '\n  lwa_client_secret: s\n"
        "c:\n  lwa_app_id: id-2\n  lwa_client_secret: s\n"
    )
    assert CredentialsFile().accounts_with_client_id(" id-1") == ["a", "b"]
    config_file(
        "a:\n  lwa_app_id: id-1\n  lwa_client_secret: s\n"
        "b:\n  lwa_app_id: id-2\n  lwa_client_secret: s\n"
        "c:\n  lwa_app_id: id-1\n  lwa_client_secret: s\n  refresh_token: t\n"
    )
    planned = store.plan({name: {"lwa_client_secret": "s2"} for name in ("a", "c")})
    assert [(c.account, c.status) for c in planned] == [("a", "replace"), ("c", "replace")]
    result = store.update({name: {"lwa_client_secret": "s2"} for name in ("a", "c")}, replace=True)
    assert len(result.changes) == 2
    data = yaml.safe_load(Path(store.path).read_text())
    assert [data[n]["lwa_client_secret"] for n in "abc"] == ["s2", "s", "s2"]
    assert data["c"]["refresh_token"] == "t"


@pytest.mark.parametrize("account", ["yes", "123", "null", "1.0", "on", "~"])
def test_account_names_yaml_would_misread_are_quoted(config_dir, account):
    CredentialsFile().save(account, CREDENTIALS)
    assert library_reads(account) == VALUES


@pytest.mark.parametrize(
    "content, code",
    [
        ("default:\n\tlwa_app_id: x\n", "config-file-invalid-yaml"),
        ("default: {lwa_app_id: x\n", "config-file-invalid-yaml"),
        ("default:\n  lwa_app_id: a\n  lwa_app_id: b\n", "config-duplicate-key"),
        ("default:\n  lwa_app_id: a\ndefault:\n  lwa_app_id: b\n", "config-duplicate-key"),
        ("- default\n- other\n", "source-wrong-shape"),
    ],
    ids=["tab", "unclosed", "duplicate-in-account", "duplicate-account", "a-list"],
)
def test_a_broken_file_is_refused_never_rewritten(config_file, content, code, assert_no_leak):
    path = config_file(content)
    with pytest.raises(StoreError) as raised:
        CredentialsFile().save("new", CREDENTIALS)
    assert raised.value.finding.code == code
    assert "Nothing was written" in raised.value.finding.message
    assert path.read_text() == content
    assert_no_leak(raised.value.finding, *VALUES.values())


def test_an_account_that_is_no_mapping_is_replaced_only_when_told(config_file):
    path = config_file("default: just-a-string\nother: {}\n")
    with pytest.raises(StoreError):
        CredentialsFile().save("default", CREDENTIALS)
    CredentialsFile().save("default", CREDENTIALS, replace=True)
    assert yaml.safe_load(path.read_text())["default"] == VALUES


@pytest.mark.parametrize(
    "content", ["# my notes: keep this\n# second line\n", "# no newline at the end", ""]
)
def test_a_file_of_comments_only_keeps_them(config_file, content):
    path = config_file(content)
    CredentialsFile().save("default", CREDENTIALS)
    text = path.read_text()
    assert text.startswith(content)
    assert yaml.safe_load(text) == {"default": VALUES}


def test_the_users_indentation_and_document_marker_are_kept(config_file):
    content = "---\ndefault:\n    lwa_app_id: x   # four spaces\n"
    path = config_file(content)
    CredentialsFile().save("shop", CREDENTIALS)
    text = path.read_text()
    assert text.startswith("---\ndefault:\n    lwa_app_id: x")
    assert "\nshop:\n    refresh_token: " in text
    assert yaml.safe_load(text)["shop"] == VALUES


def test_a_file_whose_indentation_cannot_be_guessed_is_edited_all_the_same(config_file):
    # ruamel.yaml's guess of the indentation fails on a bare "-" line (valid YAML: a list
    # holding null); the file is then edited without the guess.
    path = config_file("version: '1.0'\nnotes:\n-\n")
    CredentialsFile().save("shop", CREDENTIALS)
    loaded = yaml.safe_load(path.read_text())
    assert loaded["notes"] == [None] and loaded["shop"] == VALUES


def test_an_empty_account_is_filled(config_file):
    path = config_file("version: '1.0'\ndefault:\n")
    result = CredentialsFile().save("default", CREDENTIALS)
    assert [c.status for c in result.changes] == ["update"]
    assert yaml.safe_load(path.read_text())["default"] == VALUES


def test_a_symbolic_link_stays_a_link(tmp_path, config_dir):
    target = tmp_path / "dotfiles" / "sp-api.yml"
    target.parent.mkdir()
    target.write_text("other:\n  lwa_app_id: x\n")
    (config_dir / "credentials.yml").symlink_to(target)
    CredentialsFile().save("default", CREDENTIALS)
    assert (config_dir / "credentials.yml").is_symlink()
    assert yaml.safe_load(target.read_text())["default"] == VALUES


def test_an_oversized_file_is_refused(config_file):
    path = config_file("# " + "x" * (stores.MAX_FILE_BYTES + 10) + "\n")
    with pytest.raises(StoreError) as raised:
        CredentialsFile().save("default", CREDENTIALS)
    assert raised.value.finding.code == "store-write-failed"
    assert path.stat().st_size > stores.MAX_FILE_BYTES


@pytest.mark.parametrize("store", ["credentials.yml", "env file"])
def test_a_fifo_where_the_file_goes_is_a_finding_not_a_hang(config_dir, store):
    fifo = config_dir / "credentials.yml"
    os.mkfifo(fifo)
    target = CredentialsFile(fifo) if store == "credentials.yml" else EnvFile(fifo)
    with pytest.raises(StoreError) as raised:
        bounded(target.save, "default", CREDENTIALS)
    assert raised.value.finding.code == "store-write-failed"
    assert (
        "named pipe" in raised.value.finding.message and str(fifo) in raised.value.finding.message
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_file_readable_by_others_is_made_private_and_said_so(config_file):
    path = config_file("other:\n  lwa_app_id: x\n")
    path.chmod(0o644)
    result = CredentialsFile().save("default", CREDENTIALS)
    assert mode(path) == 0o600
    assert any("0644" in note for note in result.notes)


# --------------------------------------------------------------------------- atomicity


def _leftovers(folder: Path) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_failure_just_before_the_rename_leaves_the_old_file_whole(config_file, monkeypatch):
    path = config_file(USER_FILE)

    def broken_rename(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stores, "_rename", broken_rename)
    with pytest.raises(StoreError) as raised:
        CredentialsFile().save("A1SELLER", CREDENTIALS)
    assert raised.value.finding.code == "store-write-failed"
    assert "No space left on device" in raised.value.finding.message
    assert path.read_text() == USER_FILE
    assert _leftovers(path.parent) == []


def test_a_file_changed_by_someone_else_during_the_write_is_not_overwritten(tmp_path):
    path = tmp_path / "credentials.yml"
    path.write_bytes(b"someone: else\n")
    with pytest.raises(StoreError) as raised:
        stores.atomic_write(path, b"new: content\n", expected=b"what we read\n")
    assert "changed while" in raised.value.finding.message
    assert path.read_bytes() == b"someone: else\n"
    assert _leftovers(tmp_path) == []


CRASHING_WRITER = r"""
import os, sys, time
from spapi_docs_helpers import _stores as stores
from spapi_docs_helpers._credentials import Credentials

def stalled_rename(source, destination):
    # Everything is written and synced; the process dies before the rename.
    print("READY", flush=True)
    time.sleep(600)

stores._rename = stalled_rename
stores.CredentialsFile().save("A1SELLER", Credentials(
    refresh_token=sys.argv[1], lwa_app_id=sys.argv[2], lwa_client_secret=sys.argv[3]))
"""


def test_a_process_killed_in_the_middle_of_a_write_leaves_the_old_file(config_file):
    path = config_file(USER_FILE)
    with subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout.readline().strip() == "READY"
            # The new content sits, written and synced, in a temporary file beside the old.
            [temporary] = _leftovers(path.parent)
            assert temporary.startswith(".credentials.yml.")
            process.send_signal(signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
    assert path.read_text() == USER_FILE
    assert library_reads("default")["refresh_token"] == "Atzr|old-default-token"
    # The next write is not disturbed by the leftover.
    CredentialsFile().save("A1SELLER", CREDENTIALS)
    assert yaml.safe_load(path.read_text())["A1SELLER"] == VALUES


# --------------------------------------------------------------------------- env files


def sourced(path_or_lines: str, *, from_file=True) -> dict:
    """The variables a POSIX shell gets from the file (or the export lines)."""
    command = (
        f"set -a; . {shlex.quote(path_or_lines)}; set +a; env -0"
        if from_file
        else path_or_lines + "\nenv -0"
    )
    done = subprocess.run(
        ["sh", "-c", command],
        capture_output=True,
        timeout=30,
        check=True,
        env={"PATH": os.environ["PATH"]},
    )
    pairs = [item.split(b"=", 1) for item in done.stdout.split(b"\0") if b"=" in item]
    return {k.decode(): v.decode() for k, v in pairs}


def test_env_file_is_marked_private_and_sourceable(tmp_path):
    path = tmp_path / "sp-api.env"
    result = EnvFile(path).save("default", CREDENTIALS)
    assert mode(path) == 0o600
    assert path.read_text().splitlines()[0].startswith("# Written by spapi-doctor")
    env = sourced(str(path))
    assert {k: env[k] for k in ("LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_REFRESH_TOKEN")} == {
        "LWA_APP_ID": CLIENT_ID,
        "LWA_CLIENT_SECRET": CLIENT_SECRET,
        "SP_API_REFRESH_TOKEN": REFRESH_TOKEN,
    }
    assert any("set -a" in note for note in result.notes)


def test_env_file_accounts_use_the_suffix_the_library_reads_first(tmp_path):
    path = tmp_path / "sp-api.env"
    EnvFile(path).save("default", CREDENTIALS)
    EnvFile(path).save(
        "shop",
        Credentials(refresh_token=NEW_TOKEN, lwa_app_id=CLIENT_ID, lwa_client_secret=LEGACY_SECRET),
    )
    assert EnvFile(path).accounts()["shop"]["refresh_token"] == NEW_TOKEN
    env = sourced(str(path))
    assert library_reads("shop", {**os.environ, **env})["refresh_token"] == NEW_TOKEN
    assert library_reads("default", {**os.environ, **env}) == VALUES


def test_env_file_not_written_by_us_is_left_alone_unless_forced(tmp_path):
    path = tmp_path / ".env"
    theirs = "DATABASE_URL=postgres://x\nexport DEBUG=1\n"
    path.write_text(theirs)
    with pytest.raises(StoreError) as raised:
        EnvFile(path).save("default", CREDENTIALS)
    assert raised.value.finding.code == "store-file-not-ours"
    assert path.read_text() == theirs
    result = EnvFile(path, take_over=True).save("default", CREDENTIALS)
    text = path.read_text()
    assert "DATABASE_URL=postgres://x\nexport DEBUG=1\n" in text
    assert Path(result.backup).read_text() == theirs
    assert sourced(str(path))["LWA_APP_ID"] == CLIENT_ID


def test_env_file_refuses_to_replace_an_account_and_keeps_other_lines(tmp_path):
    path = tmp_path / "sp-api.env"
    EnvFile(path).save("default", CREDENTIALS)
    with path.open("a") as handle:
        handle.write("# my note\nOTHER=1\n")
    with pytest.raises(StoreError) as raised:
        EnvFile(path).save("default", {**VALUES, "refresh_token": NEW_TOKEN})
    assert raised.value.finding.code == "store-account-exists"
    EnvFile(path).save("default", {**VALUES, "refresh_token": NEW_TOKEN}, replace=True)
    text = path.read_text()
    assert "# my note\nOTHER=1" in text
    assert text.count("SP_API_REFRESH_TOKEN=") == 1
    assert sourced(str(path))["SP_API_REFRESH_TOKEN"] == NEW_TOKEN


@pytest.mark.parametrize("account", ["my-shop", "a b", "ü", ""])
def test_env_names_refuse_an_account_no_shell_can_name(account):
    with pytest.raises(ValueError, match="letters, digits and _"):
        stores.env_names(account)


def test_export_lines_are_the_one_store_that_shows_the_values():
    result = ExportLines().save("shop", CREDENTIALS)
    assert result.text.count("export ") == 3
    env = sourced(result.text, from_file=False)
    assert env["LWA_CLIENT_SECRET_shop"] == CLIENT_SECRET
    assert env["SP_API_REFRESH_TOKEN_shop"] == REFRESH_TOKEN
    # Its summary, like every other, shows them masked.
    assert CLIENT_SECRET not in result.summary() and CLIENT_SECRET not in repr(result)


def test_values_that_are_no_credentials_are_refused():
    with pytest.raises(ValueError):
        ExportLines().update({"shop": {"aws_access_key": "AKIA"}})
    with pytest.raises(ValueError):
        ExportLines().update({"shop": {"refresh_token": ""}})
    with pytest.raises(ValueError):
        ExportLines().update({" ": {"refresh_token": "x"}})


def test_results_show_values_masked(config_dir, assert_no_leak):
    result = CredentialsFile().save("default", CREDENTIALS)
    assert_no_leak([result.summary(), repr(result), result._repr_html_()], *VALUES.values())
    assert "Atzr|IwEB…" in result.summary()


# --------------------------------------------------------------------------- Secrets Manager


@pytest.fixture
def aws_mock(monkeypatch):
    """The mock Amazon with its AWS part, and this process pointed at it as the writer."""
    from spapi_docs_helpers.mock import MockAmazon, _samples, _world

    with MockAmazon(aws=True) as amazon:
        if amazon.aws_unavailable:
            pytest.fail(f"the mock's AWS part is unavailable: {amazon.aws_unavailable}")
        key, secret = _samples.aws_key_pair(_world.IAM_SECRETS_WRITER)
        # The AWS side of the mock only: the LWA variables would win over the secret.
        endpoints = {k: v for k, v in amazon.env.items() if not k.startswith(("LWA_", "SP_API"))}
        for name, value in {
            **endpoints,
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        yield amazon


def test_secrets_manager_creates_then_updates_keeping_other_keys(aws_mock):
    from spapi_docs_helpers import SecretsManagerSecret

    store = SecretsManagerSecret("spapi-docs/test/new-secret", timeout=5)
    assert store.accounts() == {}
    result = store.save("default", CREDENTIALS)
    assert [c.status for c in result.changes] == ["new"]
    assert any("SP_API_AWS_SECRET_ID=spapi-docs/test/new-secret" in n for n in result.notes)
    assert (
        library_reads(
            "any-account", {**os.environ, "SP_API_AWS_SECRET_ID": "spapi-docs/test/new-secret"}
        )
        == VALUES
    )
    # Another key of the user's in the secret survives an update.
    client = store._service()
    data = json.loads(client.get_secret_value(SecretId=store.secret_id)["SecretString"])
    client.put_secret_value(
        SecretId=store.secret_id, SecretString=json.dumps({**data, "NOTE": "keep"})
    )
    with pytest.raises(StoreError) as raised:
        store.save("default", {**VALUES, "refresh_token": NEW_TOKEN})
    assert raised.value.finding.code == "store-account-exists"
    store.save("default", {**VALUES, "refresh_token": NEW_TOKEN}, replace=True)
    data = json.loads(client.get_secret_value(SecretId=store.secret_id)["SecretString"])
    assert data["NOTE"] == "keep" and data["SP_API_REFRESH_TOKEN"] == NEW_TOKEN
    assert store.accounts_with_client_id(CLIENT_ID) == [store.secret_id]


def test_secrets_manager_client_is_bounded_in_time(aws_mock):
    from spapi_docs_helpers import SecretsManagerSecret

    config = SecretsManagerSecret("x", timeout=3)._service().meta.config
    assert (config.connect_timeout, config.read_timeout) == (3, 3)
    # botocore makes one attempt: the check's transport retries (twice), within its
    # deadline for the whole call, which a dripping server cannot stretch
    # (tests/test_deadlines.py: the Secrets Manager store honours the timeout).
    assert config.retries["total_max_attempts"] == 1


def test_secrets_manager_refusal_is_a_finding_and_nothing_is_written(
    aws_mock, monkeypatch, assert_no_leak
):
    from spapi_docs_helpers import SecretsManagerSecret
    from spapi_docs_helpers.mock import _samples, _world

    key, secret = _samples.aws_key_pair(_world.IAM_SECRETS_READER)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    with pytest.raises(StoreError) as raised:
        SecretsManagerSecret("spapi-docs/test/denied", timeout=5).save("default", CREDENTIALS)
    finding = raised.value.finding
    assert finding.code == "secrets-manager-write-failed"
    assert "AccessDenied" in finding.message
    assert_no_leak(finding, *VALUES.values(), secret)


def test_a_secret_that_is_no_json_object_is_left_untouched(aws_mock):
    from spapi_docs_helpers import SecretsManagerSecret

    store = SecretsManagerSecret("spapi-docs/test/plain", timeout=5)
    store._service().create_secret(Name=store.secret_id, SecretString="just text")
    with pytest.raises(StoreError) as raised:
        store.save("default", CREDENTIALS, replace=True)
    assert raised.value.finding.code == "secrets-manager-invalid"
    assert (
        store._service().get_secret_value(SecretId=store.secret_id)["SecretString"] == "just text"
    )


def test_open_store_names_what_is_missing(monkeypatch):
    with pytest.raises(ValueError, match="--secret-id"):
        stores.open_store("secrets-manager", environ={})
    with pytest.raises(ValueError, match="unknown store"):
        stores.open_store("s3", environ={})
    assert (
        stores.open_store("secrets-manager", environ={"SP_API_AWS_SECRET_ID": "s"}).secret_id == "s"
    )
    assert isinstance(stores.open_store("export"), ExportLines)
