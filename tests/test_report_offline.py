"""``check_offline`` and its ``Report``: verdict, exit code, JSON, text and HTML renderings.

The renderings may be reworded; what is pinned is what they must hold (the source, each
field's origin, the findings) and what they must never hold (a secret).
"""

from __future__ import annotations

import json

import pytest
from _values import (
    APP_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    GOOD_ENV,
    LEGACY_SECRET,
    REFRESH_TOKEN,
    codes,
)

from spapi_docs_helpers import Report, check_offline
from spapi_docs_helpers._report import SCHEMA_VERSION

SECRETS = (CLIENT_ID, CLIENT_SECRET, LEGACY_SECRET, REFRESH_TOKEN)


@pytest.fixture
def run(isolated_machine, assert_no_leak):
    """check_offline on a given environment; every rendering is leak-checked."""

    def check(env=None, credentials=None, account="default"):
        environ = {"HOME": str(isolated_machine), **(env or {})}
        report = check_offline(account, credentials, environ=environ)
        assert isinstance(report, Report)
        assert_no_leak(
            [
                report.to_dict(),
                report.to_json(),
                report.render_text(),
                report.render_text(color=True),
                report._repr_html_(),
                repr(report),
                str(report),
            ],
            *SECRETS,
        )
        return report

    return check


def test_good_credentials_pass_with_exit_code_0(run):
    report = run(GOOD_ENV)
    assert report.ok and report.exit_code == 0
    assert report.findings == [] and report.blamed == []
    assert report.mode == "offline"
    assert [(stage.name, stage.status) for stage in report.stages] == [
        ("load", "ok"),
        ("format", "ok"),
    ]
    assert "offline" in report.verdict


def test_warnings_alone_keep_exit_code_0(run):
    report = run({**GOOD_ENV, "LWA_CLIENT_SECRET": LEGACY_SECRET})
    assert codes(report) == ["client-secret-legacy-format"]
    assert report.ok and report.exit_code == 0
    assert report.stage("format").status == "warning"
    assert "1 warning" in report.verdict


def test_format_error_blames_the_field_with_exit_code_1(run):
    report = run({**GOOD_ENV, "LWA_APP_ID": APP_ID})
    assert not report.ok and report.exit_code == 1
    assert report.blamed == ["lwa_app_id"]
    assert report.verdict.startswith("lwa_app_id is wrong")
    assert report.stage("format").status == "failed"


def test_two_blamed_fields_are_both_named(run):
    report = run({**GOOD_ENV, "LWA_APP_ID": APP_ID, "SP_API_REFRESH_TOKEN": "Atza|" + "x1" * 40})
    assert set(report.blamed) == {"lwa_app_id", "refresh_token"}
    assert "lwa_app_id" in report.verdict and "refresh_token" in report.verdict


def test_no_credentials_blames_no_field_and_skips_the_format_stage(run):
    report = run()
    assert report.exit_code == 1
    assert report.blamed == []
    assert codes(report)[0] == "no-credentials"
    assert report.stage("load").status == "failed"
    assert report.stage("format").status == "skipped"
    assert report.credentials is None


def test_findings_are_ordered_errors_warnings_notes(run):
    report = run(
        {**GOOD_ENV, "LWA_CLIENT_SECRET": LEGACY_SECRET, "LWA_APP_ID": APP_ID, "AWS_ENV": "SANDBOX"}
    )
    order = {"error": 0, "warning": 1, "info": 2}
    ranks = [order[finding.severity] for finding in report.findings]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


def test_code_dict_is_checked_too(run):
    report = run(
        credentials={
            "lwa_app_id": CLIENT_SECRET,
            "lwa_client_secret": CLIENT_ID,
            "refresh_token": REFRESH_TOKEN,
        }
    )
    assert codes(report) == ["fields-swapped"]
    assert report.resolution.used.name == "code"
    assert report.findings[0].source == "code"


def test_a_swap_blames_both_fields(run):
    report = run(
        credentials={
            "lwa_app_id": CLIENT_SECRET,
            "lwa_client_secret": CLIENT_ID,
            "refresh_token": REFRESH_TOKEN,
        }
    )
    assert report.blamed == ["lwa_app_id", "lwa_client_secret"]
    assert report.to_dict()["blamed"] == ["lwa_app_id", "lwa_client_secret"]
    assert report.verdict.startswith("lwa_app_id and lwa_client_secret are wrong")


# --------------------------------------------------------------------------- JSON


def test_json_report_holds_the_documented_keys(run):
    data = json.loads(run({**GOOD_ENV, "LWA_APP_ID": APP_ID}).to_json())
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert data["ok"] is False and data["exit_code"] == 1
    assert data["mode"] == "offline" and data["account"] == "default"
    assert data["blamed"] == ["lwa_app_id"]
    assert data["summary"] == {"error": 1, "warning": 0, "info": 0}
    finding = data["findings"][0]
    assert {"code", "severity", "field", "message", "fix"} <= set(finding)
    assert (finding["code"], finding["severity"], finding["field"]) == (
        "app-id-in-client-id-field",
        "error",
        "lwa_app_id",
    )
    assert data["source"]["used"] == "environment"
    assert [stage["name"] for stage in data["stages"]] == ["load", "format"]


def test_json_credentials_are_masked_with_their_origin(run):
    data = run(GOOD_ENV).to_dict()
    assert data["credentials"]["lwa_app_id"] == {
        "value": "amzn1.application-oa2-client.dead…(61 chars)",
        "origin": "environment variable LWA_APP_ID",
    }
    assert set(data["credentials"]) == {"refresh_token", "lwa_app_id", "lwa_client_secret"}


def test_json_of_a_report_without_credentials(run):
    data = run().to_dict()
    assert data["credentials"] == {}
    assert data["source"]["used"] is None


# --------------------------------------------------------------------------- text and HTML


def test_text_names_the_source_and_each_fields_origin(run):
    text = run(GOOD_ENV).render_text()
    assert "from the environment" in text
    for name in ("LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_REFRESH_TOKEN"):
        assert name in text
    assert "amzn1.application-oa2-client.dead…(61 chars)" in text


def test_text_names_the_file_and_line_of_each_field(run, config_file):
    path = config_file(
        f"default:\n  lwa_app_id: '{CLIENT_ID}'\n  lwa_client_secret: '{CLIENT_SECRET}'\n"
        f"  refresh_token: '{REFRESH_TOKEN}'\n"
    )
    text = run().render_text()
    assert "from the config file" in text
    assert "default.lwa_app_id (line 2)" in text
    assert str(path) in text


def test_text_shows_each_finding_with_code_field_message_and_fix(run):
    report = run({**GOOD_ENV, "LWA_APP_ID": APP_ID})
    text = report.render_text()
    finding = report.findings[0]
    assert "app-id-in-client-id-field" in text and "[lwa_app_id]" in text
    assert finding.message in text and finding.fix in text
    assert report.verdict in text


def test_text_has_colour_only_when_asked(run):
    report = run({**GOOD_ENV, "LWA_APP_ID": APP_ID})
    assert "\x1b[" not in report.render_text(color=False)
    assert "\x1b[31m" in report.render_text(color=True)
    assert report.render_text(color=True).endswith("\n")


def test_text_for_an_ascii_terminal_uses_ascii_marks(run):
    text = run({**GOOD_ENV, "LWA_APP_ID": APP_ID}).render_text(encoding="ascii")
    assert "✗" not in text and "✓" not in text
    assert "XX" in text


def test_timings_can_be_left_out(run):
    report = run(GOOD_ENV)
    assert " ms)" in report.render_text()
    assert " ms)" not in report.render_text(timings=False)
    assert str(report) == report.render_text(timings=False)


def test_html_escapes_what_it_shows(run, tmp_path):
    # A folder name is shown as it is (a key this odd would be masked: it may be a secret).
    folder = tmp_path / "<script>"
    folder.mkdir()
    (folder / "credentials.yml").write_text(
        f"default:\n  lwa_app_id: '{CLIENT_ID}'\n  lwa_client_secret: '{CLIENT_SECRET}'\n"
        "  clientid: x\n"
    )
    report = run({"PYTHON-SP-APIDIR": str(folder)})
    html = report._repr_html_()
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "unknown-credential-key" in html


def test_html_shows_the_verdict_and_masked_credentials(run):
    report = run({**GOOD_ENV, "LWA_APP_ID": APP_ID})
    html = report._repr_html_()
    assert "lwa_app_id is wrong" in html
    assert "amzn1.oa2-cs.v1.feed…(80 chars)" in html


def test_the_text_and_the_notebook_mark_each_stage_and_source_alike(run):
    report = run({**GOOD_ENV, "LWA_APP_ID": APP_ID})
    text, html = report.render_text(encoding="utf-8"), report._repr_html_()
    # The format stage failed, the environment (the source used) is ok: the same marks.
    assert "✗ Format" in text and "✓ environment" in text
    assert ">✗</span>" in html and ">✓</span>" in html
    # The resolution table of a notebook marks its sources as the text does.
    from spapi_docs_helpers._html import resolution_html

    assert ">✓</span>" in resolution_html(report.resolution)


def test_repr_counts_errors_and_warnings(run):
    report = run({**GOOD_ENV, "LWA_APP_ID": APP_ID})
    assert repr(report) == "Report(account='default', mode='offline', errors=1, warnings=0)"
