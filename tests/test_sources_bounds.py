"""What a hostile or careless file or environment does to the load: bounded, and masked.

``credentials.yml`` and ``config.yaml`` are read only when they are regular files under
256 KiB: a FIFO, a device, a directory or a sparse file of gigabytes is a finding naming the
path, never a hang or a MemoryError. Keys and account names are masked when they may be
a secret (a secret pasted as a YAML key) or a line of another file (a symlink to one), and
listed only up to a count. A Secrets Manager endpoint on another machine over plain HTTP
is a warning (adversarial review, findings 4, 6, 12, 13, 22 and 26).
"""

from __future__ import annotations

import os

import pytest
from _hostile import bounded
from _values import CLIENT_ID, CLIENT_SECRET, GOOD_ENV, REFRESH_TOKEN, codes, the

from spapi_docs_helpers import check_offline, resolve_credentials
from spapi_docs_helpers._config_file import MAX_CONFIG_BYTES
from spapi_docs_helpers._near_miss import MAX_LISTED, shown_key

GOOD_ACCOUNT = (
    f"default:\n  refresh_token: '{REFRESH_TOKEN}'\n  lwa_app_id: '{CLIENT_ID}'\n"
    f"  lwa_client_secret: '{CLIENT_SECRET}'\n"
)


def resolve(**kwargs):
    return bounded(resolve_credentials, "default", **kwargs)


# --------------------------------------------------------------------------- what is read


def test_a_fifo_as_credentials_yml_is_a_finding_not_a_hang(config_dir):
    os.mkfifo(config_dir / "credentials.yml")
    finding = the(resolve(), "config-file-unreadable")
    assert "named pipe" in finding.message and "credentials.yml" in finding.message


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_symlink_to_a_device_is_a_finding(config_dir, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    (config_dir / "credentials.yml").symlink_to(device)
    finding = the(resolve(), "config-file-unreadable")
    assert "character device" in finding.message


def test_a_sparse_file_of_gigabytes_is_too_large_and_not_read(config_dir):
    path = config_dir / "credentials.yml"
    with open(path, "wb") as handle:
        handle.truncate(5 * 1024**3)
    finding = the(resolve(), "config-file-too-large")
    assert str(5 * 1024**3) in finding.message
    assert finding.severity == "error" and finding.field is None


def test_a_file_just_over_the_limit_is_too_large(config_file):
    config_file(GOOD_ACCOUNT + "#" * MAX_CONFIG_BYTES)
    assert "config-file-too-large" in codes(resolve())


def test_a_directory_as_credentials_yml_is_named(config_dir):
    (config_dir / "credentials.yml").mkdir()
    assert "is a directory" in the(resolve(), "config-file-unreadable").message


def test_a_fifo_as_config_yaml_is_left_alone_as_confuse_leaves_it(config_dir, config_file):
    os.mkfifo(config_dir / "config.yaml")
    config_file(GOOD_ACCOUNT)
    resolution = resolve()
    assert resolution.ok and resolution.used.name == "config-file"


def test_a_huge_config_yaml_is_named(config_dir, config_file):
    with open(config_dir / "config.yaml", "wb") as handle:
        handle.truncate(64 * 1024**2)
    config_file(GOOD_ACCOUNT)
    finding = the(resolve(), "config-file-too-large")
    assert "config.yaml" in finding.message


# --------------------------------------------------------------------------- what is shown


def test_a_secret_pasted_as_an_account_name_is_masked(config_file, assert_no_leak):
    config_file(f"production:\n  lwa_app_id: '{CLIENT_ID}'\n{CLIENT_SECRET}:\n")
    resolution = resolve()
    finding = the(resolution, "config-account-missing")
    assert "'production'" in finding.message
    assert "amzn1.oa2-cs.v1.feed…(80 chars)" in finding.message
    assert_no_leak([finding, resolution.as_dict()], CLIENT_SECRET)


def test_a_secret_pasted_as_a_key_inside_the_account_is_masked(config_file, assert_no_leak):
    config_file(GOOD_ACCOUNT + f"  {CLIENT_SECRET}: x\n  {REFRESH_TOKEN.replace('|', '')}: y\n")
    report = check_offline()
    unknown = [f for f in report.findings if f.code == "unknown-credential-key"]
    assert len(unknown) == 2
    assert_no_leak([report.render_text(), report.to_json()], CLIENT_SECRET, REFRESH_TOKEN)


def test_the_lines_of_a_file_a_symlink_points_at_are_not_listed(config_dir, tmp_path):
    shadow = tmp_path / "shadow"
    hashes = [
        f"user{n}:$6$s{n}alt$Q9zXk2PqL0v8mHc3RtYw{n}bN7dF5sJ1aE4uI6oG2hK:19000:0:99999:7:::"
        for n in range(50)
    ]
    shadow.write_text("".join(f"{line}:\n" for line in hashes))
    (config_dir / "credentials.yml").symlink_to(shadow)
    report = check_offline()
    text = report.render_text() + report.to_json()
    assert "$6$" not in text and "Q9zXk2PqL0v8" not in text
    finding = the(report, "config-account-missing")
    assert f"and {50 - MAX_LISTED} more" in finding.message


def test_thousands_of_accounts_are_counted_not_listed(config_file):
    config_file("".join(f"shop{n}:\n  lwa_app_id: x\n" for n in range(2_000)))
    finding = the(resolve(), "config-account-missing")
    assert f"and {2_000 - MAX_LISTED} more" in finding.message
    assert len(finding.message) < 1_000


def test_thousands_of_unknown_keys_give_a_dozen_findings(config_file):
    keys = "".join(f"  key{n}: v\n" for n in range(3_000))
    config_file(GOOD_ACCOUNT + keys)
    report = bounded(check_offline)
    unknown = [f for f in report.findings if f.code == "unknown-credential-key"]
    assert len(unknown) == MAX_LISTED + 1
    assert f"{3_000 - MAX_LISTED} more keys" in unknown[-1].message
    assert len(report.to_json()) < 50_000


def test_a_hundred_thousand_keys_are_too_many_to_read(config_file):
    config_file(GOOD_ACCOUNT + "".join(f"  key{n}: v\n" for n in range(100_000)))
    finding = the(bounded(resolve), "config-file-too-large")
    assert "credentials.yml" in finding.message


def test_many_near_miss_variables_are_counted(monkeypatch):
    for n in range(40):
        monkeypatch.setenv(f"SP_API_LWA_APP_ID_{'X' * n}", "x")
    resolution = resolve()
    near = [f for f in resolution.findings if f.code == "env-name-near-miss"]
    assert len(near) == MAX_LISTED + 1
    assert "30 more variables" in near[-1].message


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("production", "'production'"),
        ("shop-EU 2", "'shop-EU 2'"),
        ("Händler", "'Händler'"),
        (True, "'True'"),
        (CLIENT_SECRET, "amzn1.oa2-cs.v1.feed…(80 chars)"),
        ("root:$6$x:19000:0:99999:7:::", "root…(28 chars)"),
        ("\x1b[2Jx", "\\u001b…(5 chars)"),
        ("a" * 41, "aaaa…(41 chars)"),
    ],
)
def test_keys_that_look_like_names_are_shown_the_rest_masked(key, shown):
    assert shown_key(key) == shown


# --------------------------------------------------------------------------- the environment


def test_a_secrets_manager_endpoint_in_plain_http_elsewhere_is_a_warning(tmp_path):
    environ = {
        **GOOD_ENV,
        "HOME": str(tmp_path),
        "SP_API_AWS_SECRET_ID": "x",
        # TEST-NET-1 (RFC 5737): reserved for documentation, never anyone's host.
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://192.0.2.1:4566",
    }
    # Consulted only when no source above wins: drop the environment's credentials.
    for name in GOOD_ENV:
        environ.pop(name)
    calls = []
    report = check_offline(environ=environ, secrets_reader=lambda sid: calls.append(sid) or "{}")
    assert calls == ["x"]
    assert "endpoint-plain-http" not in codes(report)  # a reader of the caller's own
    report = check_offline(
        environ={**environ, "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://192.0.2.1:9"},
        timeout=0.2,
    )
    finding = the(report, "endpoint-plain-http")
    assert "Secrets Manager" in finding.message and finding.severity == "warning"


def test_a_loopback_secrets_manager_in_plain_http_is_fine(tmp_path):
    environ = {
        "HOME": str(tmp_path),
        "SP_API_AWS_SECRET_ID": "x",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    report = check_offline(environ=environ, timeout=0.2)
    assert "endpoint-plain-http" not in codes(report)
    assert "network-refused" not in codes(report)  # a source finding, not a transport one
    assert "secrets-manager-unavailable" in codes(report)
