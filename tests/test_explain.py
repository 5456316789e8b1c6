"""spapi-doctor explain: every catalogue code, and the consent page's MD codes in Amazon's
spelling, explained from the catalogue itself."""

from __future__ import annotations

import pytest

from spapi_docs_helpers import CATALOGUE
from spapi_docs_helpers._cli import main
from spapi_docs_helpers._explain import lookup

# As Seller Central shows them, and the catalogue entry each is explained by.
CONSENT_PAGE_CODES = {
    "MD1000": "md1000",
    "MD5100": "md5100",
    "MD5101": "md5101",
    "MD5110": "md5110",
    "MD9010": "md9010",
    "MD9100": "md9100",
}


@pytest.mark.parametrize("item", CATALOGUE, ids=[item.code for item in CATALOGUE])
def test_every_code_is_explained_with_its_cause_fix_and_link(item, capsys):
    assert main(["explain", item.code]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{item.code}: {item.title}\n")
    # The catalogue's words, wrapped: compare them without the line breaks.
    flat = " ".join(out.split())
    assert " ".join(item.cause.split()) in flat
    assert " ".join(item.fix.split()) in flat
    assert item.docs in out
    for text in item.texts:
        assert text in out
    for _title, url in item.sources:
        assert url in out


@pytest.mark.parametrize("shown, code", CONSENT_PAGE_CODES.items())
def test_the_consent_page_codes_are_explained_as_amazon_spells_them(shown, code, capsys):
    assert main(["explain", shown]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{code}: {shown}: ")
    assert "stage consent" in out and f"#{code}" in out


def test_an_unknown_code_is_a_usage_error_with_the_closest_codes(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["explain", "MD1001"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "no code 'MD1001'" in err and "md1000" in err


def test_a_code_is_needed_and_list_shows_them_all(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["explain"])
    assert raised.value.code == 2
    capsys.readouterr()
    assert main(["explain", "--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [item.code for item in CATALOGUE]


def test_lookup_ignores_case_and_underscores():
    assert lookup("LWA_CLIENT_SECRET_REJECTED")[0].code == "lwa-client-secret-rejected"
    item, suggestions = lookup("state-missmatch")
    assert item is None and suggestions[0] == "state-mismatch"
    # A part of a code, too far from any whole one, still finds the codes that contain it.
    item, suggestions = lookup("CLIENT_SECRET")
    assert item is None and len(suggestions) == 5
    assert all("client-secret" in name for name in suggestions)
