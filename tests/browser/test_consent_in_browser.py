"""The website authorisation workflow in a real browser (issue #13): headless Chromium opens
the consent URL `spapi-doctor authorize --listen` prints, the mock's consent page is
confirmed with a click, the browser follows Amazon's redirect to the Redirect URI, and the
refresh token is found stored.

The Redirect URI is an https address on a domain nothing answers (as Amazon requires: no
localhost); the test plays the https tunnel a user would run, forwarding each request for
it to the catcher on 127.0.0.1, unchanged, and the catcher's answer back.
"""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from _consent_flow import DOCTOR, listening_authorize
from _site import expect

from spapi_docs_helpers.mock import _consent, _world

pytestmark = pytest.mark.browser

TUNNELLED = urlsplit(_consent.REDIRECT_URI)


def _tunnel(catcher_base):
    """A Playwright route handler that forwards to the catcher, as an https tunnel would."""

    def forward(route):
        parts = urlsplit(route.request.url)
        target = catcher_base + parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            with urllib.request.urlopen(target, timeout=10) as answer:
                status, headers, body = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, dict(error.headers), error.read()
        route.fulfill(status=status, headers=headers, body=body)

    return forward


def _for_redirect_uri(request) -> bool:
    parts = urlsplit(request.url)
    return (parts.scheme, parts.netloc) == (TUNNELLED.scheme, TUNNELLED.netloc)


def test_a_seller_confirms_in_the_browser_and_the_refresh_token_is_stored(
    browser, mock_amazon_env, tmp_path
):
    amazon = mock_amazon_env
    with listening_authorize(
        amazon.env["SPAPI_MOCK_APP_ID"], "browser-partner", "--color", "never"
    ) as listening:
        context = browser.new_context()
        context.set_default_timeout(15_000)
        try:
            context.route(f"{TUNNELLED.scheme}://{TUNNELLED.netloc}/**", _tunnel(listening.catcher))
            page = context.new_page()
            page.goto(listening.consent_url)
            expect(page.locator("h1")).to_have_text("Authorize an application")
            expect(page.locator("form")).to_have_count(1)
            # Playwright routes no redirect: the browser's request for the Redirect URI, where
            # Amazon's answer to the form sends it, goes to the refusing proxy and fails, and
            # Chromium shows its error page. The test then loads that URL, as the browser
            # asked for it, as a navigation, which the route (the tunnel) serves.
            with page.expect_event("requestfailed", predicate=_for_redirect_uri) as sent:
                page.click("#confirm")
            page.wait_for_url(lambda url: url.startswith("chrome-error:"))
            page.goto(sent.value.url)
            expect(page.locator("h1")).to_have_text("Authorisation received")
            # The browser is on the Redirect URI, with the three parameters.
            landed = urlsplit(page.url)
            assert (landed.scheme, landed.netloc, landed.path) == TUNNELLED[:3]
            assert {"state", "selling_partner_id", "spapi_oauth_code"} <= set(
                dict(p.split("=", 1) for p in landed.query.split("&"))
            )
        finally:
            context.close()
        out, err = listening.finish()
    assert listening.process.returncode == 0, err
    assert "✓ Authorised: selling partner" in err and "Your credentials work" in err
    config = tmp_path / "mock-amazon-home" / ".config" / "python-sp-api" / "credentials.yml"
    stored = yaml.safe_load(config.read_text())["browser-partner"]
    record = amazon.world.authorization(stored["refresh_token"])
    assert (record.app, record.partner) == (_world.APP_MAIN, _world.SELLER_NA)
    # A refresh token like any other: LWA exchanges it.
    answer = requests.post(
        amazon.lwa_url,
        data={
            "grant_type": "refresh_token",
            **{
                k: stored[v]
                for k, v in (
                    ("refresh_token", "refresh_token"),
                    ("client_id", "lwa_app_id"),
                    ("client_secret", "lwa_client_secret"),
                )
            },
        },
        timeout=10,
    )
    assert answer.status_code == 200
    assert stored["refresh_token"] not in out + err


def test_a_draft_app_without_version_beta_shows_md1000_in_the_browser(browser, mock_amazon_env):
    """What the user sees when --draft is forgotten: the page and the code explain names."""
    from spapi_docs_helpers import consent_request

    request = consent_request(
        mock_amazon_env.env["SPAPI_MOCK_APP_ID"],
        marketplace="US",
        redirect_uri=_consent.REDIRECT_URI,
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(request.url)
        expect(page.locator("body")).to_contain_text("Error code: MD1000")
        expect(page.locator("form")).to_have_count(0)
    finally:
        context.close()
    done = subprocess.run(
        [DOCTOR, "explain", "MD1000"], capture_output=True, text=True, timeout=60, check=True
    )
    assert "version=beta" in done.stdout
