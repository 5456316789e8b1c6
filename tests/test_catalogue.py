"""The failure catalogue: well-formed entries, and every code the package raises is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import spapi_docs_helpers
from spapi_docs_helpers import CATALOGUE, Entry, Finding
from spapi_docs_helpers._catalogue import DOCS_BASE_URL, SEVERITIES, STAGES, docs_url, entry
from spapi_docs_helpers._credentials import FIELD_KEYS

PACKAGE = Path(spapi_docs_helpers.__file__).parent
CODES = [item.code for item in CATALOGUE]
KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# entry("code") anywhere; in the format rules also add("code", ...), which wraps entry().
ENTRY_CALL = re.compile(r"""\bentry\(\s*["']([^"']+)["']""")
ADD_CALL = re.compile(r"""\badd\(\s*["']([^"']+)["']""")


def test_codes_are_unique():
    assert len(set(CODES)) == len(CODES)


@pytest.mark.parametrize("item", CATALOGUE, ids=CODES)
def test_entry_is_complete(item):
    assert isinstance(item, Entry)
    assert KEBAB.fullmatch(item.code), item.code
    assert item.severity in SEVERITIES
    assert item.stage in STAGES
    assert item.field is None or item.field in FIELD_KEYS
    for text in (item.title, item.cause, item.fix):
        assert isinstance(text, str) and text.strip() == text and len(text) > 10
    for title, url in item.sources:
        assert title and url.startswith("https://")
    assert all(isinstance(text, str) and text for text in item.texts)


def _codes_used_in(path):
    text = path.read_text(encoding="utf-8")
    used = set(ENTRY_CALL.findall(text))
    if path.name == "_formats.py":
        used |= set(ADD_CALL.findall(text))
    return used


def test_the_pattern_finds_the_codes_the_format_rules_raise():
    used = _codes_used_in(PACKAGE / "_formats.py")
    assert {"app-id-in-client-id-field", "value-not-text", "aws-example-key"} <= used


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_every_code_used_in_the_package_is_in_the_catalogue(path):
    assert _codes_used_in(path) - set(CODES) == set()


def test_unknown_code_is_a_key_error():
    with pytest.raises(KeyError):
        entry("no-such-code")


def test_finding_takes_the_entrys_field_unless_told_otherwise():
    item = entry("app-id-in-client-id-field")
    assert item.finding("seen").field == "lwa_app_id"
    assert item.finding("seen", field=None).field is None
    assert entry("value-empty").finding("seen", field="refresh_token").field == "refresh_token"


def test_finding_carries_the_entrys_severity_stage_and_fix():
    item = entry("client-secret-legacy-format")
    finding = item.finding("the secret is old", source="environment")
    assert (finding.code, finding.severity, finding.stage, finding.fix, finding.source) == (
        item.code,
        "warning",
        "format",
        item.fix,
        "environment",
    )
    assert finding.title == item.title
    assert item.finding("x", fix="Do this.").fix == "Do this."


def test_finding_as_dict_and_one_line():
    finding = entry("value-empty").finding(
        "lwa_app_id is empty.", field="lwa_app_id", details={"length": 0}
    )
    data = finding.as_dict()
    assert data == {
        "code": "value-empty",
        "severity": "error",
        "field": "lwa_app_id",
        "subject": "lwa_app_id",
        "message": "lwa_app_id is empty.",
        "fix": entry("value-empty").fix,
        "stage": "format",
        "source": None,
        "docs": docs_url("value-empty"),
        "details": {"length": 0},
    }
    assert "details" not in entry("value-empty").finding("x").as_dict()
    assert finding.one_line().startswith("value-empty [lwa_app_id]: lwa_app_id is empty. Fix: ")
    assert repr(finding) == "Finding('value-empty', 'error', field='lwa_app_id')"


def test_findings_compare_by_content_and_are_unhashable():
    first = entry("value-empty").finding("x")
    assert first == entry("value-empty").finding("x")
    assert first != entry("value-empty").finding("y")
    assert isinstance(first, Finding)
    with pytest.raises(TypeError):
        hash(first)


def test_docs_url_points_at_the_anchor_on_the_page_for_who_meets_it(monkeypatch):
    assert DOCS_BASE_URL.startswith("https://") and DOCS_BASE_URL.endswith("/")
    # Users meet an LWA error without the doctor: the troubleshooting page explains it.
    assert entry("lwa-refresh-token-rejected").prevalence != "doctor-only"
    assert (
        entry("lwa-refresh-token-rejected").docs
        == f"{DOCS_BASE_URL}troubleshooting.html#lwa-refresh-token-rejected"
    )
    # An empty value is the doctor's own finding: the findings reference explains it.
    assert entry("value-empty").prevalence == "doctor-only"
    assert entry("value-empty").docs == f"{DOCS_BASE_URL}reference/findings.html#value-empty"
    # A code the catalogue lacks still gets a page that exists.
    assert docs_url("no-such-code").endswith("troubleshooting.html#no-such-code")
    monkeypatch.setenv("SPAPI_DOCS_URL", "http://127.0.0.1:8000/site")
    assert docs_url("value-empty") == (
        "http://127.0.0.1:8000/site/reference/findings.html#value-empty"
    )


# --------------------------------------------------------------------------- every code is tested

TESTS = Path(__file__).resolve().parent


def _names(text: str) -> set:
    """Every maximal run of ``[a-z0-9-]`` in ``text``: a code is named whole exactly when it
    is one of them (``network-tls``, not ``network-tls-foo`` or ``no-network-tls``). One
    pass over the text, instead of a search of all of it for each of the 135 codes (seconds)."""
    return set(re.findall(r"[a-z0-9-]+", text))


def _mentions(text: str, code: str) -> bool:
    """Whether ``text`` names ``code`` whole (``network-tls``, not ``network-tls-foo``)."""
    return code in _names(text)


def _tested_codes() -> set:
    """Codes named in a test file under tests/, or expected by a scenario of the mock."""
    from spapi_docs_helpers.mock import SCENARIOS

    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(TESTS.rglob("*.py")))
    named = set(CODES) & _names(text)
    expected = {code for scenario in SCENARIOS.values() for code, _field in scenario.expect}
    return named | expected


def test_every_catalogue_code_is_named_by_a_test_or_a_mock_scenario():
    """A rule whose code no test names can break unnoticed (mutation testing found five)."""
    untested = sorted(set(CODES) - _tested_codes())
    assert untested == [], f"catalogue codes no test names and no scenario expects: {untested}"


def test_the_search_for_tested_codes_matches_whole_codes_only():
    assert _mentions('"network-tls"', "network-tls")
    assert _mentions("== 'network-tls'", "network-tls")
    assert not _mentions('"network-tls-foo"', "network-tls")
    assert not _mentions('"no-network-tls"', "network-tls")
