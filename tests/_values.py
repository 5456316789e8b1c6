"""Values the tests share: obviously fake credentials in each one's real shape, the public
markers a masked display may show, and the two helpers that pick findings out of a result.

Written out here, never imported from the package: what a display may show is decided by
the tests, so that a change of the package's own list cannot widen what the tests accept.
"""

from __future__ import annotations

CLIENT_ID = "amzn1.application-oa2-client." + "deadbeef" * 4
CLIENT_SECRET = "amzn1.oa2-cs.v1." + "feedface" * 8
# The 64-hex-digit secret of apps registered before the amzn1.oa2-cs.v1. format.
LEGACY_SECRET = "c0ffee00" * 8
REFRESH_TOKEN = "Atzr|IwEBIFakeRefreshTokenForTestsOnly-" + "QrStUvWxYz" * 8
# The App ID of Developer Central: a frequent paste into lwa_app_id.
APP_ID = "amzn1.sp.solution.12345678-90ab-4cde-8f01-23456789abcd"
# AWS's documented example keys and account.
EXAMPLE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE_ARN = "arn:aws:iam::123456789012:role/SellingPartnerAPIRole"

# The three credentials in the environment variables python-amazon-sp-api reads.
GOOD_ENV = {
    "LWA_APP_ID": CLIENT_ID,
    "LWA_CLIENT_SECRET": CLIENT_SECRET,
    "SP_API_REFRESH_TOKEN": REFRESH_TOKEN,
}
# The same with the App ID where the client identifier belongs: the offline check fails.
FAILING_ENV = {**GOOD_ENV, "LWA_APP_ID": APP_ID}

# The markers that say what a value is; they are public, the same for everyone, and the
# masked display form shows them.
PUBLIC_PREFIXES = (
    "amzn1.application-oa2-client.",
    "amzn1.sellerapps.app.",
    "amzn1.sp.solution.",
    "amzn1.oa2-cs.v1.",
    "Atzr|",
    "Atza|",
    "Atc|",
    "Aztr|",
    "AKIA",
    "ASIA",
)
# The length of a piece of a secret that no output may show.
# The credential fields whose values are secret (role ARNs are not).
SECRET_FIELDS = (
    "refresh_token",
    "lwa_app_id",
    "lwa_client_secret",
    "aws_access_key",
    "aws_secret_key",
    "aws_session_token",
)

PIECE = 12


def findings_of(result) -> list:
    """The findings of a report, a resolution, or a list of findings."""
    return list(getattr(result, "findings", result))


def codes(result) -> list:
    """The codes of ``result``'s findings, in order."""
    return [finding.code for finding in findings_of(result)]


def the(result, code):
    """The one finding of ``result`` with ``code``."""
    matching = [finding for finding in findings_of(result) if finding.code == code]
    assert len(matching) == 1, f"expected one {code}, got {codes(result)}"
    return matching[0]
