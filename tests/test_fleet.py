"""spapi-doctor check --all-accounts: every account through load, format, LWA and region,
against the mock's fleet of sellers, and the causes grouped into app-level (one fix for
every account of the client) and seller-level (a fix per account)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from spapi_docs_helpers._cli import main
from spapi_docs_helpers._doctor import check
from spapi_docs_helpers._fleet import (
    FleetProblem,
    TokenCache,
    check_fleet,
    fleet_accounts,
    scope_of,
)
from spapi_docs_helpers.mock import MockAmazon
from spapi_docs_helpers.mock._fleet import FAULTS, accounts_file_text
from spapi_docs_helpers.mock._isolation import isolated_home
from spapi_docs_helpers.mock._world import APP_OTHER

DOCTOR = str(Path(sys.executable).with_name("spapi-doctor"))
EXPECTED = {
    "revoked": "lwa-refresh-token-rejected",
    "no-roles": "roles-deny-every-probe",
    "another-app": "lwa-token-from-another-app",
}


@pytest.fixture(scope="module")
def fleet_mock(tmp_path_factory):
    """One mock with a fleet of 12 sellers, 3 of them broken (one of each fault), shared by
    the tests that only read from it."""
    with MockAmazon("happy") as amazon:
        accounts = amazon.stand_up_fleet(12, 3)
        folder = tmp_path_factory.mktemp("fleet")
        path = folder / "fleet.yml"
        path.write_text(accounts_file_text(accounts, "# the test's fleet"))
        yield amazon, accounts, path


def run_fleet(amazon, **options):
    environ: dict = {}
    with isolated_home(environ=environ, env=amazon.env):
        return check_fleet(environ=environ, **options)


def run_accounts(amazon, path, accounts, comment, concurrency):
    """Write ``accounts`` as the accounts file at ``path`` and check the fleet it names."""
    path.write_text(accounts_file_text(accounts, comment))
    return run_fleet(amazon, accounts_file=str(path), concurrency=concurrency)


def with_credentials(accounts, **changes):
    """The same accounts (name, region, fault) with some of their credentials replaced."""
    return [type(a)(a.name, a.region, a.fault, {**a.credentials, **changes}) for a in accounts]


def test_the_mock_stands_up_sellers_across_regions_with_one_fault_of_each_kind(fleet_mock):
    amazon, accounts, path = fleet_mock
    assert [a.region for a in accounts[:3]] == ["NA", "EU", "FE"]
    assert sorted(a.fault for a in accounts if a.fault) == sorted(FAULTS)
    data = yaml.safe_load(path.read_text())
    assert data["version"] == "1.0" and len(data) == 13
    # Distinct sellers: each account is an authorisation of its own.
    partners = {
        amazon.world.authorization(a.credentials["refresh_token"]).partner for a in accounts
    }
    assert len(partners) == len(accounts)
    # One app for all: the agency's client identifier and secret.
    assert len({a.credentials["lwa_app_id"] for a in accounts}) == 1


def test_seller_level_faults_are_grouped_per_cause_and_blame_no_app_credential(fleet_mock):
    amazon, accounts, path = fleet_mock
    report = run_fleet(amazon, accounts_file=str(path), concurrency=4)
    assert report.exit_code == 1 and len(report.failed) == 3
    by_name = {a.name: a for a in report.accounts}
    for account in accounts:
        outcome = by_name[account.name]
        if account.fault is None:
            assert outcome.ok and outcome.region == account.region, outcome.findings
            assert outcome.marketplaces
        else:
            assert [f.code for f in outcome.errors] == [EXPECTED[account.fault]]
            # LWA accepted the client identifier and secret: never blamed.
            assert not {"lwa_app_id", "lwa_client_secret"} & set(f.field for f in outcome.findings)
    assert report.groups_of("app") == []
    groups = {g.code: g for g in report.groups_of("seller")}
    for account in accounts:
        if account.fault:
            assert groups[EXPECTED[account.fault]].accounts == [account.name]
    # The role model's verdict stays the seller's, with its subject.
    roles = groups["roles-deny-every-probe"]
    assert roles.scope == "seller" and roles.finding.subject == "app_roles"


def test_an_app_credential_failing_everywhere_is_one_app_level_cause(fleet_mock, tmp_path):
    amazon, accounts, _path = fleet_mock
    wrong = "amzn1.oa2-cs.v1." + "ab" * 32
    broken = with_credentials(accounts[:4], lwa_client_secret=wrong)
    path = tmp_path / "wrong-secret.yml"
    report = run_accounts(amazon, path, broken, "# a stale secret everywhere", concurrency=2)
    (group,) = report.groups_of("app")
    assert group.code == "lwa-client-secret-rejected"
    assert group.accounts == [a.name for a in broken] and group.everywhere
    assert report.groups_of("seller") == []
    data = report.to_dict()
    (app,) = [g for g in data["groups"] if g["scope"] == "app"]
    assert app["every_account_of_the_client"] is True
    assert app["client_id"].startswith("amzn1.application-oa2-client.")
    assert "app-level cause" in report.verdict
    assert "App-level causes" in report.render_text()


def test_a_token_of_another_app_is_the_sellers_alone_and_the_apps_everywhere(fleet_mock, tmp_path):
    """unauthorized_client blames the token or the client. One account of a client: that
    seller's token (the fleet's other accounts prove the client). Every account of the
    client: the client is the stranger, one fix for all (app level)."""
    amazon, accounts, _path = fleet_mock
    other = amazon.world.apps[APP_OTHER]
    stranger = {"lwa_app_id": other.client_id, "lwa_client_secret": other.current_secret.value}
    healthy = [a for a in accounts if a.fault is None][:3]
    moved = with_credentials(healthy, **stranger)
    path = tmp_path / "other-client.yml"
    report = run_accounts(amazon, path, moved, "# another app's client everywhere", concurrency=3)
    (group,) = report.groups_of("app")
    assert group.code == "lwa-token-from-another-app"
    assert group.accounts == [a.name for a in moved] and group.everywhere
    assert report.groups_of("seller") == []
    # Among other accounts of the same client, the cause is that seller's: the fleet's
    # "another-app" fault (test_seller_level_faults_are_grouped...). Alone, nothing tells
    # the token from the client: it stays the seller's, a fix for that account.
    single = run_accounts(amazon, path, moved[:1], "# one account", concurrency=1)
    assert [(g.scope, g.code) for g in single.groups] == [("seller", group.code)]


def test_the_json_report(fleet_mock, assert_no_leak):
    amazon, accounts, path = fleet_mock
    report = run_fleet(amazon, accounts_file=str(path), concurrency=3)
    data = json.loads(report.to_json())
    assert data["kind"] == "fleet" and data["ok"] is False and data["exit_code"] == 1
    assert data["summary"] == {
        "accounts": 12,
        "ok": 9,
        "failed": 3,
        "app_level": 0,
        "seller_level": 3,
    }
    assert [a["account"] for a in data["accounts"]] == [a.name for a in accounts]
    for account in data["accounts"]:
        assert {"account", "ok", "region", "findings"} <= set(account)
    for group in data["groups"]:
        assert group["scope"] in ("app", "seller") and group["accounts"]
    values = [v for a in accounts for v in a.credentials.values()]
    assert_no_leak([report.to_json(), report.render_text(), repr(report)], *values[:9])


def test_one_lwa_exchange_per_refresh_token(fleet_mock, tmp_path):
    amazon, accounts, _path = fleet_mock
    same = accounts[1]
    copies = [type(same)(f"copy-{n}", same.region, None, same.credentials) for n in range(5)]
    before = sum(1 for r in amazon.requests if r.service == "lwa")
    report = run_accounts(
        amazon, tmp_path / "copies.yml", copies, "# one token under five names", 5
    )
    assert report.ok and report.exchanges == 1
    assert sum(1 for r in amazon.requests if r.service == "lwa") - before == 1


def test_the_token_cache_makes_concurrent_askers_wait_for_one_exchange(monkeypatch):
    import threading
    import types

    from spapi_docs_helpers import _fleet
    from spapi_docs_helpers._credentials import Credentials

    # Each asker that waits for the exchange in flight says so: the exchange is let go only
    # once the three others wait for it, so the test sees them wait (not arrive afterwards
    # and find the token cached).
    askers_waiting = threading.Semaphore(0)

    class SeenEvent(threading.Event):
        def wait(self, timeout=None):
            askers_waiting.release()
            return super().wait(timeout)

    monkeypatch.setattr(
        _fleet, "threading", types.SimpleNamespace(Lock=threading.Lock, Event=SeenEvent)
    )
    cache, calls, gate = TokenCache(), [], threading.Event()
    credentials = Credentials(lwa_app_id="a", lwa_client_secret="b", refresh_token="c")

    def exchange():
        calls.append(1)
        gate.wait(5)
        return "token"

    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(cache.get("https://lwa", credentials, exchange))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for _ in range(3):
        assert askers_waiting.acquire(timeout=10), "an asker did not wait for the exchange"
    gate.set()
    for thread in threads:
        thread.join(10)
    assert results == ["token"] * 4 and len(calls) == 1


@pytest.mark.parametrize(
    "scenario",
    ["happy", "happy-eu", "no-roles", "vendor", "sandbox-only-app", "role-only-pricing"],
)
def test_the_region_alone_gives_the_full_searchs_verdicts(scenario):
    """find_region asks fewer probes, and concludes what search concludes."""
    with MockAmazon(scenario) as amazon:
        environ: dict = {}
        with isolated_home(environ=environ, env=amazon.env):
            full = check(environ=environ, timeout=5)
            region_only = check(environ=environ, timeout=5, roles=False)
    assert region_only.stage("region").data["region"] == full.stage("region").data["region"]
    assert region_only.stage("roles").status == "skipped"

    def verdicts(report):
        # The region's verdicts; the role table's notes (a vendor's token, a missing role)
        # come from the role probes, which the region alone does not ask.
        return sorted(
            (f.code, f.field, f.subject)
            for f in report.findings
            if f.stage in ("lwa", "region") and f.severity in ("error", "warning")
        )

    assert verdicts(region_only) == verdicts(full)


def test_accounts_come_from_credentials_yml_and_the_account_suffixes(config_file, tmp_path):
    config_file("version: '1.0'\nshop-us:\n  lwa_app_id: x\nshop-de:\n  lwa_app_id: y\n")
    environ = {
        "HOME": os.environ["HOME"],
        "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
        "LWA_APP_ID_shop_jp": "z",
        "SP_API_REFRESH_TOKEN_shop_jp": "t",
        "LWA_APP_ID": "plain",
    }
    found = fleet_accounts(environ)
    assert [(name, source) for name, _values, source in found] == [
        ("shop-us", "credentials.yml"),
        ("shop-de", "credentials.yml"),
        ("shop_jp", "environment"),
        ("default", "environment"),
    ]
    empty = {"HOME": str(tmp_path / "nobody")}
    assert fleet_accounts(empty) == [("default", None, "environment")]


def test_an_accounts_file_of_names_or_of_accounts(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("# my shops\nshop-us\nshop-de\nshop-us\n")
    assert [n for n, _v, _s in fleet_accounts({}, accounts_file=str(names))] == [
        "shop-us",
        "shop-de",
    ]
    listed = tmp_path / "list.yml"
    listed.write_text("- shop-us\n- shop-jp\n")
    assert [n for n, _v, _s in fleet_accounts({}, accounts_file=str(listed))] == [
        "shop-us",
        "shop-jp",
    ]
    mapping = tmp_path / "accounts.yml"
    mapping.write_text("version: '1.0'\nshop:\n  lwa_app_id: x\n  other: 1\n")
    assert fleet_accounts({}, accounts_file=str(mapping)) == [
        ("shop", {"lwa_app_id": "x"}, f"accounts file {mapping}")
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a:\n  lwa_app_id: x\na:\n  lwa_app_id: y\n", "appears twice"),
        ("a: [1, 2]\n", "holds no mapping"),
        ("just: [text\n", "not valid YAML"),
        ("- [nested]\n", "must be a YAML mapping"),
    ],
)
def test_an_accounts_file_that_lists_no_accounts_is_refused(tmp_path, text, problem):
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(FleetProblem, match=problem):
        fleet_accounts({}, accounts_file=str(path))


def test_a_missing_accounts_file_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as ended:
        main(["check", "--all-accounts", "--accounts-file", str(tmp_path / "none.yml")])
    assert ended.value.code == 2 and "--accounts-file" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--all-accounts", "--account", "x"],
        ["check", "--all-accounts", "--offline"],
        ["check", "--concurrency", "4"],
        ["check", "--accounts-file", "f.yml"],
        ["check", "--all-accounts", "--concurrency", "0"],
    ],
)
def test_options_that_would_be_ignored_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2


def test_the_command(fleet_mock, monkeypatch, capsys):
    amazon, _accounts, path = fleet_mock
    for name, value in amazon.env.items():
        monkeypatch.setenv(name, value)
    status = main(["check", "--all-accounts", "--accounts-file", str(path), "--format", "json"])
    assert status == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["failed"] == 3
    status = main(["check", "--all-accounts", "--accounts-file", str(path), "--concurrency", "2"])
    out = capsys.readouterr().out
    assert status == 1
    lines = [line for line in out.splitlines() if line.startswith(("  ✓", "  ✗"))]
    assert len(lines) == 12 + 3  # one per account, one per cause
    assert "Seller-level causes (a fix per account)" in out
    assert "3 of 12 accounts fail: 3 seller-level causes." in out


def test_scope_follows_what_a_finding_blames():
    from spapi_docs_helpers._catalogue import entry

    assert scope_of(entry("lwa-client-secret-rejected").finding("x")) == "app"
    assert scope_of(entry("spapi-secret-expired").finding("x")) == "app"
    assert scope_of(entry("app-sandbox-only").finding("x")) == "app"
    assert scope_of(entry("lwa-refresh-token-rejected").finding("x")) == "seller"
    assert scope_of(entry("roles-deny-every-probe").finding("x")) == "seller"
    assert scope_of(entry("network-timeout").finding("x")) == "seller"


def test_mock_writes_the_fleet_and_the_check_reads_it(tmp_path, cli):
    """spapi-doctor mock --sellers N --broken K --accounts-file PATH (the installed command:
    it runs until a signal), then the fleet check against it with the variables of the
    mock's env file. The check runs in this process (``cli``): its output and status on a
    pipe are what a child would show (the canary, tests/canary_run.py, runs the installed
    check --all-accounts in a process of its own)."""
    accounts, env_file = tmp_path / "fleet.yml", tmp_path / "mock.env"
    said = (tmp_path / "mock.err").open("w")
    mock = subprocess.Popen(
        [
            DOCTOR,
            "mock",
            "--sellers",
            "6",
            "--broken",
            "2",
            "--accounts-file",
            str(accounts),
            "--env-file",
            str(env_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=said,
    )
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists() and time.monotonic() < deadline and mock.poll() is None:
            time.sleep(0.1)
        assert env_file.exists(), (tmp_path / "mock.err").read_text()
        environ = {}
        for line in env_file.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                name, value = line.split("=", 1)
                environ[name] = value.strip("'")
        status, out, err = cli(
            "check",
            "--all-accounts",
            "--accounts-file",
            str(accounts),
            "--format",
            "json",
            env=environ,
        )
    finally:
        mock.send_signal(signal.SIGINT)
        mock.wait(30)
        said.close()
    assert status == 1, err
    data = json.loads(out)
    assert data["summary"]["accounts"] == 6 and data["summary"]["failed"] == 2
    assert accounts.read_text().startswith("# Written by spapi-doctor mock (a fleet")
    assert "6 mock sellers (2 with a seller-level fault)" in (tmp_path / "mock.err").read_text()


def test_the_progress_line_rewrites_itself_and_is_cleared():
    import io

    from spapi_docs_helpers._cli import _FleetProgress

    stream = io.StringIO()
    progress = _FleetProgress(stream)
    progress(1, 3, 0)
    progress(2, 3, 1)
    progress.clear()
    text = stream.getvalue()
    assert text.count("\r") == 3 and "checked 2 of 3 accounts · 1 failing" in text
    assert text.endswith("\r\033[K")
