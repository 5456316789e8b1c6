"""Endpoints that leave a region out: refusals everywhere else prove nothing.

A refresh token works in one region only; every other region answers each operation with
the bare 403 that an app without the role gets too. So "every region refused every probe:
the roles are wrong" holds only when every region was asked. With the endpoints of a Python
caller that name two regions, a token of the third must get "cannot be judged", never a
role verdict or a sandbox verdict.
"""

from __future__ import annotations

import pytest

from spapi_docs_helpers import Endpoints, check, endpoints_from_env
from spapi_docs_helpers._diagnose import region_findings, sandbox_findings
from spapi_docs_helpers._probes import probe
from spapi_docs_helpers._spapi import DENIED, ProbeAnswer
from spapi_docs_helpers._transport import HttpResult

BARE_403 = b'{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}'


def _denied(region: str) -> ProbeAnswer:
    http = HttpResult("GET", f"https://{region.lower()}.example/x", status=403, body=BARE_403)
    return ProbeAnswer(probe("getMarketplaceParticipations"), region, http, DENIED, None)


@pytest.mark.parametrize("asked", [("NA", "EU"), ("FE",), ("NA", "FE")])
def test_refusals_in_some_regions_only_give_no_role_verdict(asked):
    answers = [_denied(region) for region in asked]
    (finding,) = region_findings(answers)
    assert finding.code == "region-not-asked"
    assert finding.field is None, "no credential is blamed"
    unasked = [code for code in ("NA", "EU", "FE") if code not in asked]
    assert f"{', '.join(unasked)} " in finding.message
    # Nor a sandbox verdict: the sandbox letting it through may be the same story.
    assert [f.code for f in sandbox_findings(answers, [])] == ["region-not-asked"]


def test_refusals_in_every_region_remain_the_role_verdict():
    answers = [_denied(region) for region in ("NA", "EU", "FE")]
    assert [f.code for f in region_findings(answers)] == ["roles-deny-every-probe"]


def test_a_check_given_two_regions_cannot_judge_a_token_of_the_third(mock_amazon_env):
    """Over the mock's HTTP: an FE seller's token, checked with the NA and EU endpoints
    only, is refused in both; the check says the region was not asked and blames nothing.
    The same token with every region's endpoint is found in FE."""
    amazon = mock_amazon_env
    credentials = amazon.new_authorisation(["Product Listing"], "FE")
    every = endpoints_from_env()
    two = Endpoints(every.lwa, {code: every.spapi[code] for code in ("NA", "EU")})
    report = check(credentials=credentials, endpoints=two)
    codes = [f.code for f in report.findings]
    assert "region-not-asked" in codes, report.render_text()
    assert "roles-deny-every-probe" not in codes and "role-missing" not in codes
    assert report.blamed == [], report.render_text()
    assert not report.ok
    assert "FE was not asked" in report.render_text()

    found = check(credentials=credentials, endpoints=every)
    assert found.ok, found.render_text()
    assert "The token works in FE" in found.render_text()
