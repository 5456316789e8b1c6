"""spapi-doctor authorize: the consent URL, the state, the redirect, the code exchange and
the store, against the mock Amazon's consent pages and LWA over loopback.

Every failure the issue names is here: an App ID or Redirect URI Amazon would refuse, a
state that is forged, used or expired, a code that is expired, used or another app's,
the client identifier or secret wrong, the Log-in URI's request pasted for the redirect.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from _consent_flow import listening_authorize
from _hostile import bounded
from _library_reads import library_reads
from _values import APP_ID, CLIENT_ID

from spapi_docs_helpers import (
    AuthorizeError,
    CredentialsError,
    LwaError,
    complete_authorization,
    consent_request,
    receive_redirect,
    resolve_credentials,
)
from spapi_docs_helpers._authorize import (
    PendingStates,
    app_id_findings,
    exchange_authorization_code,
    redirect_parameters,
    redirect_uri_findings,
)
from spapi_docs_helpers.mock import _consent, _world, consent_as_seller

OLD_APP_ID = "amzn1.sellerapps.app.12345678-90ab-4cde-8f01-23456789abcd"
REDIRECT = _consent.REDIRECT_URI


def codes_of(findings):
    return [finding.code for finding in findings]


# --------------------------------------------------------------------------- offline rules


@pytest.mark.parametrize(
    "value, expected",
    [
        (APP_ID, []),
        (OLD_APP_ID, []),
        (CLIENT_ID, ["client-id-in-app-id-field"]),
        ("amzn1.sp.solution.not-a-uuid", ["app-id-malformed"]),
        (" " + APP_ID, ["app-id-malformed"]),
        (f'"{APP_ID}"', ["app-id-malformed"]),
        ("", ["app-id-malformed"]),
        (None, ["app-id-malformed"]),
    ],
)
def test_the_app_id_is_checked_in_both_directions(value, expected):
    assert codes_of(app_id_findings(value)) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://app.example.com/sp-api/oauth/callback", []),
        ("https://app.example.com/cb?tenant=1", []),
        ("http://app.example.com/cb", ["redirect-uri-not-https"]),
        ("app.example.com/cb", ["redirect-uri-not-https"]),
        ("https://localhost/cb", ["redirect-uri-localhost"]),
        ("https://LOCALHOST:8443/cb", ["redirect-uri-localhost"]),
        ("https://127.0.0.1:5000/success", ["redirect-uri-localhost"]),
        ("https://[::1]/cb", ["redirect-uri-localhost"]),
        ("https://shop.localhost/cb", ["redirect-uri-localhost"]),
        ("http://localhost:5000/cb", ["redirect-uri-not-https", "redirect-uri-localhost"]),
        ("https://app.example.com/cb#done", ["redirect-uri-fragment"]),
        ("", ["redirect-uri-not-https"]),
    ],
)
def test_redirect_uris_amazon_would_refuse_are_caught(value, expected):
    assert codes_of(redirect_uri_findings(value)) == expected


def test_localhost_explains_the_tunnel():
    [finding] = redirect_uri_findings("https://localhost:8443/cb")
    assert "tunnel" in finding.message and "--listen" in finding.message
    assert "tunnel" in finding.fix


# --------------------------------------------------------------------------- the consent URL


def _query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize(
    "options, host",
    [
        ({"marketplace": "US"}, "sellercentral.amazon.com"),
        ({"marketplace": "de"}, "sellercentral-europe.amazon.com"),
        ({"marketplace": "JP"}, "sellercentral.amazon.co.jp"),
        ({"marketplace": "BE"}, "sellercentral.amazon.com.be"),
        ({"region": "EU"}, "sellercentral-europe.amazon.com"),
        ({"region": "FE"}, "sellercentral.amazon.co.jp"),
        ({"marketplace": "UK", "vendor": True}, "vendorcentral.amazon.co.uk"),
        ({"marketplace": "AE", "vendor": True}, "vendorcentral.amazon.me"),
        ({"region": "NA", "vendor": True}, "vendorcentral.amazon.com"),
    ],
)
def test_the_consent_url_goes_to_the_partners_central(options, host):
    request = consent_request(APP_ID, environ={}, **options)
    assert request.url.startswith(f"https://{host}/apps/authorize/consent?")
    assert request.host == host


def test_the_consent_url_carries_the_app_id_a_fresh_state_and_what_was_asked(tmp_path):
    state_file = tmp_path / "states.json"
    plain = consent_request(APP_ID, marketplace="US", state_file=state_file, environ={})
    assert _query(plain.url) == {"application_id": APP_ID, "state": plain.state}
    assert len(plain.state) >= 43  # 32 random bytes
    draft = consent_request(
        APP_ID,
        marketplace="US",
        draft=True,
        redirect_uri=REDIRECT,
        state_file=state_file,
        environ={},
    )
    assert _query(draft.url) == {
        "application_id": APP_ID,
        "state": draft.state,
        "redirect_uri": REDIRECT,
        "version": "beta",
    }
    assert draft.state != plain.state
    # Both are pending, in a private file.
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600
    states = PendingStates(state_file)
    assert states.find(plain.state)["app_id"] == APP_ID
    assert states.find(draft.state)["redirect_uri"] == REDIRECT


def test_printing_a_request_never_shows_its_state(tmp_path):
    request = consent_request(APP_ID, marketplace="US", state_file=tmp_path / "s.json", environ={})
    for shown in (repr(request), request.describe(), request._repr_html_()):
        assert request.state not in shown
    assert "10 minutes" in request.describe()


def test_the_mock_stands_in_for_amazons_hosts_when_told(tmp_path):
    env = {"SPAPI_SELLERCENTRAL_URL": "http://127.0.0.1:9/"}
    request = consent_request(APP_ID, marketplace="DE", state_file=tmp_path / "s", environ=env)
    assert request.url.startswith(
        "http://127.0.0.1:9/sellercentral-europe.amazon.com/apps/authorize/consent?"
    )
    other = consent_request(
        APP_ID,
        region="EU",
        consent_base_url="https://vendorcentral.amazon.ie",
        state_file=tmp_path / "s",
        environ=env,
    )
    assert other.url.startswith("https://vendorcentral.amazon.ie/apps/authorize/consent?")
    # With a base URL of its own, the region still names the marketplace it is described by.
    assert (other.host, other.marketplace, other.region) == ("vendorcentral.amazon.ie", "DE", "EU")


@pytest.mark.parametrize(
    "options, message",
    [
        ({}, "marketplace"),
        ({"marketplace": "XX"}, "unknown marketplace"),
        ({"region": "ASIA"}, "unknown region"),
        ({"marketplace": "DE", "region": "NA"}, "is in EU"),
        ({"marketplace": "IE", "vendor": True}, "--consent-base-url"),
    ],
)
def test_a_marketplace_or_region_that_does_not_fit_is_a_clear_error(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        consent_request(APP_ID, state_file=tmp_path / "s", environ={}, **options)


def test_a_refused_app_id_or_redirect_uri_records_no_state(tmp_path):
    state_file = tmp_path / "s.json"
    with pytest.raises(AuthorizeError) as raised:
        consent_request(CLIENT_ID, marketplace="US", state_file=state_file, environ={})
    assert raised.value.finding.code == "client-id-in-app-id-field"
    with pytest.raises(AuthorizeError) as raised:
        consent_request(
            APP_ID,
            marketplace="US",
            redirect_uri="http://localhost:5000/cb#x",
            state_file=state_file,
            environ={},
        )
    assert codes_of(raised.value.findings) == [
        "redirect-uri-not-https",
        "redirect-uri-localhost",
        "redirect-uri-fragment",
    ]
    assert not state_file.exists()


# --------------------------------------------------------------------------- the redirect


@pytest.mark.parametrize(
    "url, code, says",
    [
        (
            "https://app.example.com/cb?amazon_callback_uri=https%3A%2F%2Fsellercentral.amazon.com"
            "%2Fapps%2Fauthorize%2Fconfirm%2Fx&amazon_state=s&selling_partner_id=A1",
            "redirect-is-login-uri-request",
            "amazon_callback_uri",
        ),
        (
            "https://app.example.com/cb?state=s&code=ANabcdefghijklmnop",
            "redirect-without-code",
            "code=",
        ),
        (
            "https://app.example.com/cb?state=s&error=access_denied&error_description=no",
            "redirect-without-code",
            "access_denied",
        ),
        (
            "https://sellercentral.amazon.com/apps/authorize/consent?application_id=x&state=s",
            "redirect-without-code",
            "consent URL itself",
        ),
        ("https://app.example.com/cb?" + "a=b&" * 3000, "redirect-without-code", "characters long"),
        ("   ", "redirect-without-code", "empty"),
    ],
    ids=["login-uri", "code-not-spapi-oauth-code", "error", "consent-url", "huge", "empty"],
)
def test_an_address_that_is_not_the_redirect_says_what_it_is(url, code, says):
    with pytest.raises(AuthorizeError) as raised:
        redirect_parameters(url)
    assert raised.value.finding.code == code
    assert says in raised.value.finding.message


def test_the_redirect_may_be_pasted_as_its_query_alone():
    params = redirect_parameters("?state=s&selling_partner_id=A1&spapi_oauth_code=ANx")
    assert params == {"state": "s", "selling_partner_id": "A1", "spapi_oauth_code": "ANx"}


# --------------------------------------------------------------------------- completing


@pytest.fixture
def consent(mock_amazon_env, tmp_path):
    """``consent(**options)``: a consent URL for the mock's draft app, confirmed by its
    seller; returns ``(request, redirected address)``."""
    state_file = tmp_path / "states.json"

    def run(app_key=_world.APP_MAIN, *, draft=True, redirect_uri=REDIRECT, **options):
        app_id = mock_amazon_env.world.apps[app_key].app_id
        request = consent_request(
            app_id,
            marketplace=options.pop("marketplace", "US"),
            draft=draft,
            redirect_uri=redirect_uri,
            state_file=state_file,
            **options,
        )
        return request, consent_as_seller(request.url)

    run.state_file = state_file
    run.amazon = mock_amazon_env
    return run


def test_the_flow_gives_the_partners_refresh_token(consent, assert_no_leak):
    request, redirected = consent()
    authorization = complete_authorization(redirected, state_file=consent.state_file)
    amazon = consent.amazon
    assert (
        authorization.selling_partner_id
        == amazon.world.partners[_world.SELLER_NA].selling_partner_id
    )
    assert authorization.region == "NA" and authorization.app_id == request.app_id
    record = amazon.world.authorization(authorization.refresh_token)
    assert (record.app, record.partner) == (_world.APP_MAIN, _world.SELLER_NA)
    # The app's client identifier and secret came from where the library reads them.
    assert authorization.lwa_app_id == amazon.world.apps[_world.APP_MAIN].client_id
    code = _query(redirected)["spapi_oauth_code"]
    shown = [repr(authorization), authorization.summary(), authorization._repr_html_()]
    assert_no_leak(shown, authorization.refresh_token, authorization.lwa_client_secret, code)
    # The exchange sent the redirect_uri of the consent, and its code works once.
    with pytest.raises(LwaError) as raised:
        exchange_authorization_code(code, authorization.credentials, redirect_uri=REDIRECT)
    assert raised.value.finding.code == "authorization-code-rejected"


def test_a_state_is_used_once(consent):
    _request, redirected = consent()
    complete_authorization(redirected, state_file=consent.state_file)
    with pytest.raises(AuthorizeError) as raised:
        complete_authorization(redirected, state_file=consent.state_file)
    assert raised.value.finding.code == "state-mismatch"


def test_a_forged_or_missing_state_is_refused_before_the_code_is_used(consent):
    _request, redirected = consent()
    forged = re.sub(r"state=[^&]+", "state=forged-by-someone", redirected)
    with pytest.raises(AuthorizeError) as raised:
        complete_authorization(forged, state_file=consent.state_file)
    assert raised.value.finding.code == "state-mismatch"
    without = re.sub(r"state=[^&]+&", "", redirected)
    with pytest.raises(AuthorizeError) as raised:
        complete_authorization(without, state_file=consent.state_file)
    assert raised.value.finding.code == "state-mismatch"
    # The real one still works: nothing was spent.
    assert complete_authorization(redirected, state_file=consent.state_file).refresh_token


def test_an_expired_state_is_refused(consent):
    request, redirected = consent()
    with pytest.raises(AuthorizeError) as raised:
        complete_authorization(
            redirected, state_file=consent.state_file, now=request.created_at + 601
        )
    assert raised.value.finding.code == "state-expired"
    assert "expired after 10" in raised.value.finding.message


def test_a_code_older_than_five_minutes_is_rejected_by_lwa(consent):
    _request, redirected = consent()
    consent.amazon.world.advance(timedelta(minutes=5, seconds=1))
    with pytest.raises(LwaError) as raised:
        complete_authorization(redirected, state_file=consent.state_file)
    finding = raised.value.finding
    assert finding.code == "authorization-code-rejected"
    assert "invalid_grant" in finding.message and "five minutes" in finding.message
    assert finding.field is None  # the code is no credential of the user's


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _no_redirect(url):
    """``(status, Location)`` of a GET of ``url``, its redirect not followed."""
    try:
        with urllib.request.build_opener(_NoRedirect).open(url, timeout=10) as answer:
            return answer.status, answer.headers.get("Location")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location")


def _back_from_the_login_uri(request, address):
    """What the app's Log-in page does: send the partner back to ``amazon_callback_uri``
    with ``amazon_state`` and its state; returns the redirect Amazon answers with."""
    params = _query(address)
    back = (
        params["amazon_callback_uri"]
        + "?"
        + urllib.parse.urlencode({"amazon_state": params["amazon_state"], "state": request.state})
    )
    status, location = _no_redirect(back)
    assert status == 302, status
    return location


def test_a_code_of_another_app_is_rejected(consent):
    # The published app's App ID in the consent URL; the exchange uses the main app's client.
    request, address = consent(_world.APP_OTHER, draft=False)
    redirected = _back_from_the_login_uri(request, address)
    with pytest.raises(LwaError) as raised:
        complete_authorization(redirected, state_file=consent.state_file)
    assert raised.value.finding.code == "authorization-code-rejected"


def test_a_published_apps_consent_goes_through_its_login_uri_and_the_catcher(consent):
    """The website workflow through the app's OAuth Login URI, end to end: Amazon sends the
    partner there after the consent, the catcher (both URIs on one address, behind the
    test's tunnel) sends the partner back to Amazon, and Amazon then redirects with the
    code, which the published app's client exchanges."""
    amazon = consent.amazon
    catcher = _Catcher(timeout=60, state_file=consent.state_file, environ=amazon.env)
    request, address = consent(_world.APP_OTHER, draft=False)
    # No code yet: the Log-in URI, with what Amazon documents it sends.
    assert address.startswith(_consent.LOGIN_URI + "?")
    params = _query(address)
    assert set(params) == {"amazon_callback_uri", "amazon_state", "selling_partner_id"}
    seller = amazon.world.partners[_world.SELLER_NA]
    assert params["selling_partner_id"] == seller.selling_partner_id

    def tunnel(url):  # the app's https address, forwarded to the catcher on loopback
        parts = urlsplit(url)
        return catcher.base.rstrip("/") + parts.path + "?" + parts.query

    status, back = _no_redirect(tunnel(address))
    assert status == 302 and back.startswith(params["amazon_callback_uri"] + "?")
    status, redirected = _no_redirect(back)
    assert status == 302 and redirected.startswith(REDIRECT + "?")
    assert set(_query(redirected)) == {"state", "selling_partner_id", "spapi_oauth_code"}
    assert _query(redirected)["state"] == request.state  # the catcher sent its own state on
    assert _no_redirect(tunnel(redirected))[0] == 200
    catcher.join()
    assert catcher.error is None
    other = amazon.world.apps[_world.APP_OTHER]
    authorization = complete_authorization(
        catcher.result,
        credentials={
            "lwa_app_id": other.client_id,
            "lwa_client_secret": other.current_secret.value,
        },
        state_file=consent.state_file,
    )
    record = amazon.world.authorization(authorization.refresh_token)
    assert (record.app, record.partner) == (_world.APP_OTHER, _world.SELLER_NA)
    # Amazon's state for the hop works once.
    page = urllib.request.urlopen(back, timeout=10).read().decode()
    assert 'data-error-code="unknown-amazon-state"' in page


def test_a_wrong_client_secret_is_blamed_on_the_secret(consent, monkeypatch):
    _request, redirected = consent()
    monkeypatch.setenv("LWA_CLIENT_SECRET", "amzn1.oa2-cs.v1." + "0" * 64)
    with pytest.raises(LwaError) as raised:
        complete_authorization(redirected, state_file=consent.state_file)
    assert raised.value.finding.code == "lwa-client-secret-rejected"
    assert raised.value.finding.field == "lwa_client_secret"


def test_an_app_id_as_client_id_is_caught_before_the_state_is_spent(consent, monkeypatch):
    request, redirected = consent()
    client_id = os.environ["LWA_APP_ID"]
    monkeypatch.setenv("LWA_APP_ID", request.app_id)
    with pytest.raises(CredentialsError) as raised:
        complete_authorization(redirected, state_file=consent.state_file)
    assert raised.value.finding.code == "app-id-in-client-id-field"
    monkeypatch.setenv("LWA_APP_ID", client_id)
    assert complete_authorization(redirected, state_file=consent.state_file).refresh_token


def test_the_mocks_own_variables_are_no_near_misses(mock_amazon_env):
    findings = resolve_credentials().findings
    assert "env-name-near-miss" not in codes_of(findings)


# --------------------------------------------------------------------------- the catcher


class _Catcher:
    def __init__(self, **options):
        self.ready = threading.Event()
        self.base = None
        self.result = None
        self.error = None

        def on_ready(url):
            self.base = url
            self.ready.set()

        def run():
            try:
                self.result = receive_redirect(0, on_ready=on_ready, **options)
            except Exception as error:  # handed to the test
                self.error = error
            finally:
                self.ready.set()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert self.ready.wait(30)

    def get(self, path):
        try:
            with urllib.request.urlopen(
                urllib.request.Request(self.base.rstrip("/") + path), timeout=10
            ) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def join(self):
        self.thread.join(30)
        assert not self.thread.is_alive()


def test_the_catcher_waits_for_the_redirect_and_ignores_the_rest(tmp_path):
    state_file = tmp_path / "s.json"
    request = consent_request(APP_ID, marketplace="US", state_file=state_file, environ={})
    catcher = _Catcher(timeout=60, state_file=state_file, environ={})
    assert catcher.get("/favicon.ico")[0] == 404
    # A redirect with a state this machine did not issue does not end the wait.
    status, _headers, body = catcher.get("/cb?state=forged&spapi_oauth_code=ANx")
    assert status == 400 and b"not the redirect" in body
    path = f"/sp-api/oauth/callback?state={request.state}&spapi_oauth_code=ANx"
    status, headers, body = catcher.get(path)
    assert status == 200 and b"Authorisation received" in body
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
    catcher.join()
    assert catcher.error is None
    assert catcher.result.endswith(path)


def test_the_catcher_gives_up_in_time_with_a_finding(tmp_path):
    catcher = _Catcher(timeout=1, state_file=tmp_path / "none.json", environ={})
    assert catcher.get("/cb?state=forged&spapi_oauth_code=ANx")[0] == 400
    catcher.join()
    assert isinstance(catcher.error, AuthorizeError)
    assert catcher.error.finding.code == "redirect-not-received"
    assert (
        "1 request(s) came with a state this machine did not issue" in catcher.error.finding.message
    )


@pytest.mark.parametrize(
    "url, amazon",
    [
        ("https://sellercentral.amazon.com/apps/authorize/confirm/x", True),
        ("https://sellercentral.amazon.co.uk/apps/authorize/confirm/x", True),
        ("https://sellercentral.amazon.com.au/apps/authorize/confirm/x", True),
        ("https://amazon.com/apps/authorize/confirm/x", True),
        ("https://amazon.evil.example/x", False),
        ("https://sellercentral.amazon.com.evil.example/x", False),
        ("http://sellercentral.amazon.com/x", False),
        ("https://user:pw@sellercentral.amazon.com/x", False),
        ("javascript:alert(1)", False),
    ],
)
def test_the_login_hop_goes_to_amazons_hosts_only(url, amazon):
    from spapi_docs_helpers._authorize import _amazon_callback

    assert _amazon_callback(url, {}) is amazon


def test_the_catcher_does_the_login_uri_hop_to_amazon_only(tmp_path):
    state_file = tmp_path / "s.json"
    request = consent_request(
        APP_ID,
        marketplace="US",
        draft=True,
        redirect_uri=REDIRECT,
        state_file=state_file,
        environ={},
    )
    catcher = _Catcher(timeout=60, state_file=state_file, environ={})
    callback = "https://sellercentral.amazon.com/apps/authorize/confirm/" + APP_ID
    query = urllib.parse.urlencode(
        {"amazon_callback_uri": callback, "amazon_state": "amz-1", "selling_partner_id": "A1"}
    )
    status, location = _no_redirect(catcher.base + "login?" + query)
    assert status == 302
    assert location.startswith(callback + "?")
    assert _query(location) == {
        "amazon_state": "amz-1",
        "state": request.state,
        "redirect_uri": REDIRECT,
        "version": "beta",
    }
    evil = urllib.parse.urlencode(
        {"amazon_callback_uri": "https://evil.example.com/amazon", "amazon_state": "x"}
    )
    assert catcher.get("/login?" + evil)[0] == 400
    # Neither hop ended the wait.
    assert catcher.get("/cb?state=" + request.state + "&spapi_oauth_code=ANx")[0] == 200
    catcher.join()
    assert "spapi_oauth_code=ANx" in catcher.result


# --------------------------------------------------------------------------- the command


def _authorize_url(run, amazon, *extra):
    """``run``: the ``cli`` fixture (this process) or ``doctor`` (a child process)."""
    status, out, err = run(
        "authorize",
        "--app-id",
        amazon.env["SPAPI_MOCK_APP_ID"],
        "--marketplace",
        "US",
        "--redirect-uri",
        amazon.env["SPAPI_MOCK_REDIRECT_URI"],
        "--draft",
        "--print-url",
        *extra,
    )
    assert status == 0, err
    [url] = out.splitlines()
    return url, err


def _stored(home_config, account):
    return yaml.safe_load(home_config.read_text())[account]


def _without_lwa_variables():
    return {k: "" for k in ("LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_REFRESH_TOKEN")}


def test_print_url_then_redirected_url_stores_the_token_python_amazon_sp_api_reads(
    mock_amazon_env, cli, assert_no_leak, tmp_path
):
    # In this process: the installed command runs the whole flow in a child in
    # test_listen_receives_the_redirect_through_a_tunnel_and_stores.
    amazon = mock_amazon_env
    url, described = _authorize_url(cli, amazon)
    assert url.startswith(amazon.consent_url + "/sellercentral.amazon.com/apps/authorize/consent?")
    assert "Draft app: version=beta" in described
    redirected = consent_as_seller(url)
    status, out, err = cli(
        "authorize", "--redirected-url", redirected, "--account", "client-1", "--store", "file"
    )
    assert status == 0, err
    assert out == ""
    assert "✓ Authorised: selling partner" in err and "account 'client-1' added" in err
    assert "Your credentials work" in err
    # The environment's plain LWA variables win over the file for every account: said.
    assert "stored-account-shadowed" in err
    config = tmp_path / "mock-amazon-home" / ".config" / "python-sp-api" / "credentials.yml"
    stored = _stored(config, "client-1")
    assert stored["lwa_app_id"] == os.environ["LWA_APP_ID"]
    assert amazon.world.authorization(stored["refresh_token"]).partner == _world.SELLER_NA
    # python-amazon-sp-api's own CredentialProvider reads it (once the variables are gone).
    clean = {k: v for k, v in os.environ.items() if k not in _without_lwa_variables()}
    assert library_reads("client-1", clean) == stored
    code = _query(redirected)["spapi_oauth_code"]
    assert_no_leak([out, err], stored["refresh_token"], stored["lwa_client_secret"], code)
    # The same address again: its state was used.
    status, _out, err = cli(
        "authorize", "--redirected-url", redirected, "--account", "client-2", "--store", "file"
    )
    assert status == 1 and "state-mismatch" in err


def test_the_default_account_is_the_selling_partner_id(mock_amazon_env, cli, tmp_path):
    url, _err = _authorize_url(cli, mock_amazon_env)
    status, _out, err = cli(
        "authorize", "--redirected-url", consent_as_seller(url), "--store", "file", "--no-verify"
    )
    assert status == 0, err
    config = tmp_path / "mock-amazon-home" / ".config" / "python-sp-api" / "credentials.yml"
    partner = mock_amazon_env.world.partners[_world.SELLER_NA]
    assert partner.selling_partner_id in yaml.safe_load(config.read_text())
    assert "Checking the new refresh token" not in err


def test_an_existing_account_is_refused_before_the_code_is_spent(mock_amazon_env, cli):
    first, _err = _authorize_url(cli, mock_amazon_env)
    assert (
        cli(
            "authorize",
            "--redirected-url",
            consent_as_seller(first),
            "--account",
            "c",
            "--store",
            "file",
            "--no-verify",
        )[0]
        == 0
    )
    second, _err = _authorize_url(cli, mock_amazon_env)
    redirected = consent_as_seller(second)
    status, _out, err = cli(
        "authorize", "--redirected-url", redirected, "--account", "c", "--store", "file"
    )
    assert status == 1 and "store-account-exists" in err and "the code was not used" in err
    # Its state and code are intact: with --force the same address completes.
    status, _out, err = cli(
        "authorize",
        "--redirected-url",
        redirected,
        "--account",
        "c",
        "--store",
        "file",
        "--force",
        "--no-verify",
    )
    assert status == 0, err
    assert "account 'c' replaced" in err and ".bak" in err


def test_an_expired_code_through_the_command(mock_amazon_env, cli):
    url, _err = _authorize_url(cli, mock_amazon_env)
    redirected = consent_as_seller(url)
    mock_amazon_env.world.advance(timedelta(minutes=6))
    status, _out, err = cli(
        "authorize", "--redirected-url", redirected, "--account", "c", "--store", "file"
    )
    assert status == 1
    assert "authorization-code-rejected" in err and "invalid_grant" in err
    assert "Stored:" not in err


@pytest.mark.parametrize(
    "args, says",
    [
        ((), "--print-url, --listen PORT or --redirected-url"),
        (
            ("--redirected-url", "https://x.example.com/?state=s&spapi_oauth_code=ANx"),
            "--store is needed",
        ),
        (("--print-url",), "--app-id is needed"),
        (("--print-url", "--app-id", APP_ID), "--marketplace CODE or --region"),
        (("--print-url", "--app-id", APP_ID, "--marketplace", "XX"), "unknown marketplace"),
        (("--print-url", "--listen", "0", "--app-id", APP_ID, "--region", "NA"), "choose one"),
        (("--print-url", "--app-id", APP_ID, "--region", "ASIA"), "invalid choice"),
        (("--listen", "70000"), "between 0 and 65535"),
    ],
)
def test_usage_errors_exit_2_and_say_what_is_missing(cli, args, says):
    status, _out, err = cli("authorize", *args)
    assert status == 2, err
    assert says in err


@pytest.mark.parametrize(
    "args, code, says",
    [
        (("--app-id", CLIENT_ID), "client-id-in-app-id-field", "not an App ID"),
        (
            ("--app-id", APP_ID, "--redirect-uri", "http://localhost:5000/cb"),
            "redirect-uri-localhost",
            "tunnel",
        ),
        (
            ("--app-id", APP_ID, "--redirect-uri", "https://app.example.com/cb#x"),
            "redirect-uri-fragment",
            "MD5110",
        ),
    ],
)
def test_what_amazon_would_refuse_is_a_finding_exit_1(cli, args, code, says):
    status, out, err = cli("authorize", "--print-url", "--marketplace", "US", *args)
    assert status == 1 and out == ""
    assert code in err and says in err


def test_listen_receives_the_redirect_through_a_tunnel_and_stores(
    mock_amazon_env, tmp_path, assert_no_leak
):
    """--listen behind a tunnel: the test plays the tunnel, forwarding Amazon's https
    redirect to the catcher on loopback."""
    amazon = mock_amazon_env
    with listening_authorize(
        amazon.env["SPAPI_MOCK_APP_ID"], "tunnelled", "--no-verify"
    ) as listening:
        url = listening.consent_url
        redirected = consent_as_seller(url)
        forwarded = listening.catcher + redirected[len("https://app.example.com") :]
        with urllib.request.urlopen(forwarded, timeout=10) as answer:
            assert answer.status == 200
        out, err = listening.finish()
    assert listening.process.returncode == 0, err
    config = tmp_path / "mock-amazon-home" / ".config" / "python-sp-api" / "credentials.yml"
    stored = _stored(config, "tunnelled")
    assert amazon.world.authorization(stored["refresh_token"]).app == _world.APP_MAIN
    assert_no_leak([url, out, err], stored["refresh_token"], stored["lwa_client_secret"])


def test_the_state_file_is_private_and_lives_in_the_users_state_folder(
    mock_amazon_env, cli, tmp_path
):
    _authorize_url(cli, mock_amazon_env)
    path = (
        tmp_path / "mock-amazon-home" / ".local" / "state" / "spapi-doctor" / "authorize-state.json"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.with_name(path.name + ".bak").exists()


def test_a_broken_state_file_is_no_crash(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{not json")
    with pytest.raises(AuthorizeError) as raised:
        PendingStates(path).find("x", now=time.time())
    assert raised.value.finding.code == "state-mismatch"
    consent_request(APP_ID, marketplace="US", state_file=path, environ={})
    assert len(json.loads(path.read_text())["pending"]) == 1


def test_a_state_file_that_is_a_fifo_is_a_finding_not_a_hang(tmp_path):
    path = tmp_path / "s.json"
    os.mkfifo(path)
    for attempt in (
        lambda: PendingStates(path).find("x", now=time.time()),
        lambda: consent_request(APP_ID, marketplace="US", state_file=path, environ={}),
    ):
        with pytest.raises(AuthorizeError) as raised:
            bounded(attempt)
        assert raised.value.finding.code == "state-mismatch"
        assert "named pipe" in raised.value.finding.message
    assert stat.S_ISFIFO(path.stat().st_mode)


def test_on_a_terminal_authorize_asks_for_what_is_missing(mock_amazon_env, assert_no_leak):
    from test_init import ScriptedTerminal

    from spapi_docs_helpers import _authorize
    from spapi_docs_helpers._cli import build_parser

    app_id = mock_amazon_env.env["SPAPI_MOCK_APP_ID"]

    def paste(terminal):
        # The partner opens the URL printed on standard output and consents.
        return consent_as_seller(terminal.out.getvalue().strip())

    terminal = ScriptedTerminal(answers=[app_id, "US", paste, "1"])
    args = build_parser().parse_args(["authorize", "--draft", "--redirect-uri", REDIRECT])
    assert _authorize.run(args, terminal=terminal, environ=os.environ) == 0, terminal.said
    assert terminal.prompts == [
        "Your app's App ID (amzn1.sp.solution.…)",
        "The partner's marketplace",
        "Paste the address your browser ended on",
        "Choose 1-4",
    ]
    said = terminal.said
    assert "Open this address, sign in as the selling partner" in said
    account = mock_amazon_env.world.partners[_world.SELLER_NA].selling_partner_id
    assert f"account '{account}' added" in said
    stored = yaml.safe_load(
        (Path(os.environ["XDG_CONFIG_HOME"]) / "python-sp-api" / "credentials.yml").read_text()
    )[account]
    assert_no_leak(said, stored["refresh_token"], stored["lwa_client_secret"])


def test_a_store_that_would_refuse_is_found_before_the_code_is_spent(
    mock_amazon_env, cli, tmp_path
):
    url, _err = _authorize_url(cli, mock_amazon_env)
    redirected = consent_as_seller(url)
    theirs = tmp_path / ".env"
    theirs.write_text("DEBUG=1\n")
    status, _out, err = cli(
        "authorize",
        "--redirected-url",
        redirected,
        "--store",
        "env-file",
        "--env-file",
        str(theirs),
        "--account",
        "partner",
    )
    assert status == 1 and "store-file-not-ours" in err
    assert theirs.read_text() == "DEBUG=1\n"
    # The state and the code were not spent: another store takes them.
    status, _out, err = cli(
        "authorize",
        "--redirected-url",
        redirected,
        "--store",
        "file",
        "--account",
        "partner",
        "--no-verify",
    )
    assert status == 0, err


def test_a_port_that_is_taken_is_said_plainly(mock_amazon_env, cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, _out, err = cli(
            "authorize",
            "--app-id",
            mock_amazon_env.env["SPAPI_MOCK_APP_ID"],
            "--marketplace",
            "US",
            "--draft",
            "--listen",
            str(port),
            "--store",
            "file",
        )
    assert status == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Choose another --listen port" in err
