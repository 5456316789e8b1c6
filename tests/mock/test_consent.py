"""The mock's consent pages and the authorization_code grant, spoken to with plain HTTP as
a browser and a web app would: the rules come from Amazon's documents (the consent URL's
parameters, the MD error codes, a code that lives five minutes and works once), not from
what spapi-doctor authorize happens to send."""

from __future__ import annotations

import socket
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from mock_helpers import TIMEOUT_S

from spapi_docs_helpers.mock import MockConsentError, _consent, _world, consent_as_seller

MAIN_DRAFT = _world.APP_MAIN
PUBLISHED = _world.APP_OTHER
STATE = "a-state-of-the-web-app"


class _Page(HTMLParser):
    """The forms, inputs and error code of a page."""

    def __init__(self, text):
        super().__init__()
        self.forms = []
        self.inputs = []
        self.error_code = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(attrs)
        elif tag == "input":
            self.inputs.append(attrs)
        elif tag == "body":
            self.error_code = attrs.get("data-error-code")


def consent_url(amazon, app_key=MAIN_DRAFT, host="sellercentral.amazon.com", **parameters):
    app = amazon.world.apps[app_key]
    query = {"application_id": app.app_id, "state": STATE, **parameters}
    query = {k: v for k, v in query.items() if v is not None}
    return f"{amazon.consent_url}/{host}/apps/authorize/consent?{urlencode(query)}"


def open_page(url):
    answer = requests.get(url, timeout=TIMEOUT_S)
    return answer, _Page(answer.text)


def confirm(amazon, page, host="sellercentral.amazon.com", seller=None):
    fields = {i["name"]: i.get("value", "") for i in page.inputs if i.get("type") == "hidden"}
    radios = [i["value"] for i in page.inputs if i.get("type") == "radio"]
    fields["seller"] = seller or radios[0]
    [form] = page.forms
    return requests.post(
        amazon.consent_url + form["action"], data=fields, allow_redirects=False, timeout=TIMEOUT_S
    )


def exchange(amazon, code, app_key=MAIN_DRAFT, **extra):
    app = amazon.world.apps[app_key]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.current_secret.value,
        **extra,
    }
    return requests.post(amazon.lwa_url, data=form, timeout=TIMEOUT_S)


def redirected(answer):
    location = answer.headers["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_a_draft_app_with_version_beta_gets_one_form_that_redirects_with_the_three_parameters(
    amazon,
):
    answer, page = open_page(consent_url(amazon, version="beta"))
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert len(page.forms) == 1 and page.forms[0]["method"] == "post"
    assert page.error_code is None
    sent = confirm(amazon, page)
    assert sent.status_code in (302, 303)
    location, params = redirected(sent)
    # No redirect_uri in the consent URL: the first one registered.
    assert location.startswith(_consent.REDIRECT_URI + "?")
    assert set(params) == {"state", "selling_partner_id", "spapi_oauth_code"}
    assert params["state"] == STATE
    assert params["selling_partner_id"] == _consent.selling_partner_id(_world.SELLER_NA)
    assert params["spapi_oauth_code"].startswith("AN")


def test_the_code_gives_a_new_refresh_token_that_works_and_the_roles_of_the_app(amazon):
    _page_answer, page = open_page(consent_url(amazon, version="beta"))
    _location, params = redirected(confirm(amazon, page))
    answer = exchange(amazon, params["spapi_oauth_code"])
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    refresh_token = body["refresh_token"]
    assert refresh_token.startswith("Atzr|")
    known = {a.refresh_token for a in amazon.world.authorizations.values()}
    assert refresh_token in known
    authorization = amazon.world.authorization(refresh_token)
    assert (authorization.app, authorization.partner, authorization.region) == (
        MAIN_DRAFT,
        _world.SELLER_NA,
        "NA",
    )
    assert authorization.roles == amazon.world.apps[MAIN_DRAFT].roles
    # The refresh token is one like any other: the refresh_token grant takes it.
    app = amazon.world.apps[MAIN_DRAFT]
    again = requests.post(
        amazon.lwa_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": app.client_id,
            "client_secret": app.current_secret.value,
        },
        timeout=TIMEOUT_S,
    )
    assert again.status_code == 200


def _code(amazon, **parameters):
    _answer, page = open_page(consent_url(amazon, version="beta", **parameters))
    return redirected(confirm(amazon, page))[1]["spapi_oauth_code"]


def test_a_code_works_once(amazon):
    code = _code(amazon)
    assert exchange(amazon, code).status_code == 200
    again = exchange(amazon, code)
    assert again.status_code == 400
    assert again.json() == {
        "error_description": "The request has an invalid grant parameter : code",
        "error": "invalid_grant",
    }


def test_a_code_lives_five_minutes_on_the_worlds_clock(amazon):
    code = _code(amazon)
    amazon.world.advance(timedelta(minutes=5))
    young = _code(amazon)
    assert exchange(amazon, code).status_code == 200  # exactly five minutes: still valid
    amazon.world.advance(timedelta(minutes=5, seconds=1))
    answer = exchange(amazon, young)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


def test_a_code_is_refused_to_another_app(amazon):
    answer = exchange(amazon, _code(amazon), app_key=PUBLISHED)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


def test_the_client_is_checked_before_the_code(amazon):
    answer = exchange(amazon, "ANnotacodeatall12345", client_secret="amzn1.oa2-cs.v1.wrong")
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


def test_redirect_uri_must_match_when_sent_and_may_be_left_out(amazon):
    second = _consent.SECOND_REDIRECT_URI
    code = _code(amazon, redirect_uri=second)
    refused = exchange(amazon, code, redirect_uri=_consent.REDIRECT_URI)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert exchange(amazon, _code(amazon, redirect_uri=second), redirect_uri=second).ok
    assert exchange(amazon, _code(amazon, redirect_uri=second)).ok


def test_the_redirect_goes_to_the_redirect_uri_given(amazon):
    _answer, page = open_page(
        consent_url(amazon, version="beta", redirect_uri=_consent.SECOND_REDIRECT_URI)
    )
    location, _params = redirected(confirm(amazon, page))
    assert location.startswith(_consent.SECOND_REDIRECT_URI + "?state=")


@pytest.mark.parametrize(
    "app_key, parameters, code",
    [
        (MAIN_DRAFT, {}, "MD1000"),
        (MAIN_DRAFT, {"version": "1"}, "MD1000"),
        (
            MAIN_DRAFT,
            {"version": "beta", "redirect_uri": "https://elsewhere.example.com/cb"},
            "MD5101",
        ),
        (MAIN_DRAFT, {"version": "beta", "redirect_uri": _consent.REDIRECT_URI + "/"}, "MD5101"),
        (MAIN_DRAFT, {"version": "beta", "redirect_uri": _consent.REDIRECT_URI + "#top"}, "MD5110"),
        (PUBLISHED, {"redirect_uri": "https://elsewhere.example.com/cb"}, "MD5101"),
        (_world.APP_WITHOUT_ROLES, {}, "MD9100"),
    ],
    ids=[
        "draft-without-beta",
        "draft-other-version",
        "unregistered-uri",
        "trailing-slash",
        "fragment",
        "published-unregistered-uri",
        "no-oauth-uris",
    ],
)
def test_the_consent_page_answers_amazons_error_codes(amazon, app_key, parameters, code):
    url = consent_url(amazon, app_key, **parameters)
    answer, page = open_page(url)
    assert answer.status_code == 200
    assert page.error_code == code
    assert f"Error code: <strong>{code}</strong>" in answer.text
    assert page.forms == []
    with pytest.raises(MockConsentError) as raised:
        consent_as_seller(url)
    assert raised.value.code == code


def test_a_published_app_needs_no_version_beta(amazon):
    answer, page = open_page(consent_url(amazon, PUBLISHED))
    assert answer.status_code == 200 and len(page.forms) == 1


# --------------------------------------------------------------------------- the Log-in URI hop


def _to_the_login_uri(amazon, **parameters):
    """The published app's consent, confirmed: the Log-in URI's address and parameters."""
    _answer, page = open_page(consent_url(amazon, PUBLISHED, **parameters))
    answer = confirm(amazon, page)
    assert answer.status_code == 302
    return redirected(answer)


def _back(params, **query):
    """The app's Log-in page sending the partner back to ``amazon_callback_uri``."""
    url = params["amazon_callback_uri"] + "?" + urlencode({k: v for k, v in query.items() if v})
    return requests.get(url, allow_redirects=False, timeout=TIMEOUT_S)


def test_an_app_with_a_login_uri_gets_the_partner_there_before_the_code(amazon):
    location, params = _to_the_login_uri(amazon, version="beta")
    # Amazon's words: "amazon_callback_uri, amazon_state, and selling_partner_id".
    assert location.startswith(_consent.LOGIN_URI + "?")
    seller = amazon.world.partners[_world.SELLER_NA]
    assert params["selling_partner_id"] == seller.selling_partner_id
    assert params["version"] == "beta"
    assert set(params) == {"amazon_callback_uri", "amazon_state", "selling_partner_id", "version"}
    app = amazon.world.apps[PUBLISHED]
    assert params["amazon_callback_uri"] == (
        f"{amazon.consent_url}/sellercentral.amazon.com/apps/authorize/confirm/{app.app_id}"
    )
    # The app's own state comes back with the code, to the Redirect URI of the consent URL.
    answer = _back(params, amazon_state=params["amazon_state"], state="the-apps-state")
    assert answer.status_code == 302
    location, query = redirected(answer)
    assert location.startswith(_consent.REDIRECT_URI + "?")
    assert query["state"] == "the-apps-state"
    assert query["selling_partner_id"] == seller.selling_partner_id
    token = exchange(amazon, query["spapi_oauth_code"], PUBLISHED)
    assert token.status_code == 200, token.text
    # Once only.
    again = _back(params, amazon_state=params["amazon_state"], state="the-apps-state")
    assert _Page(again.text).error_code == "unknown-amazon-state"


def test_an_app_without_a_login_uri_gets_the_code_at_once(amazon):
    _answer, page = open_page(consent_url(amazon, MAIN_DRAFT, version="beta"))
    location, query = redirected(confirm(amazon, page))
    assert location.startswith(_consent.REDIRECT_URI + "?") and "spapi_oauth_code" in query


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amazon_state": "mock-amazon-state-999"}, "unknown-amazon-state"),
        ({"state": None}, "missing-state"),
        ({"redirect_uri": "https://elsewhere.example.com/cb"}, "MD5101"),
        ({"redirect_uri": _consent.REDIRECT_URI + "#top"}, "MD5110"),
    ],
    ids=["unknown-amazon-state", "no-state", "unregistered-uri", "fragment"],
)
def test_the_way_back_from_the_login_uri_is_checked(amazon, change, code):
    _location, params = _to_the_login_uri(amazon)
    query = {"amazon_state": params["amazon_state"], "state": "s", **change}
    answer = _back(params, **query)
    assert answer.status_code == 200 and _Page(answer.text).error_code == code


def test_a_confirmation_without_a_host_header_is_refused(amazon):
    # The way back is built from the address the browser used; HTTP/1.0 may leave it out.
    _answer, page = open_page(consent_url(amazon, PUBLISHED))
    fields = {i["name"]: i.get("value", "") for i in page.inputs if i.get("type") == "hidden"}
    body = urlencode({**fields, "seller": _world.SELLER_NA}).encode()
    [form] = page.forms
    parts = urlsplit(amazon.consent_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT_S) as sock:
        sock.sendall(
            f"POST {form['action']} HTTP/1.0\r\n".encode()
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"400"


def test_amazons_state_belongs_to_its_app_and_lives_five_minutes(amazon):
    _location, params = _to_the_login_uri(amazon)
    main = amazon.world.apps[MAIN_DRAFT]
    elsewhere = params["amazon_callback_uri"].rsplit("/", 1)[0] + "/" + main.app_id
    answer = _back(
        {"amazon_callback_uri": elsewhere}, amazon_state=params["amazon_state"], state="s"
    )
    assert _Page(answer.text).error_code == "unknown-amazon-state"
    amazon.world.advance(timedelta(minutes=5, seconds=1))
    answer = _back(params, amazon_state=params["amazon_state"], state="s")
    assert _Page(answer.text).error_code == "unknown-amazon-state"


def test_a_client_identifier_as_application_id_and_a_missing_state_get_error_pages(amazon):
    app = amazon.world.apps[MAIN_DRAFT]
    base = f"{amazon.consent_url}/sellercentral.amazon.com/apps/authorize/consent?"
    _answer, page = open_page(base + urlencode({"application_id": app.client_id, "state": "s"}))
    assert page.error_code == "unknown-application"
    _answer, page = open_page(base + urlencode({"application_id": app.app_id, "version": "beta"}))
    assert page.error_code == "missing-state"


def test_hosts_say_the_region_and_vendor_central_is_served(amazon):
    _answer, page = open_page(
        consent_url(amazon, host="sellercentral-europe.amazon.com", version="beta")
    )
    assert [i["value"] for i in page.inputs if i.get("type") == "radio"] == [_world.SELLER_EU]
    _location, params = redirected(confirm(amazon, page, host="sellercentral-europe.amazon.com"))
    body = exchange(amazon, params["spapi_oauth_code"]).json()
    assert amazon.world.authorization(body["refresh_token"]).region == "EU"
    answer, page = open_page(consent_url(amazon, host="vendorcentral.amazon.de", version="beta"))
    assert answer.status_code == 200 and "Vendor Central" in answer.text
    # Vendor Central offers the region's vendor account, Seller Central its seller account.
    assert [i["value"] for i in page.inputs if i.get("type") == "radio"] == [_world.VENDOR_EU]
    assert redirected(confirm(amazon, page, host="vendorcentral.amazon.de"))[1]["state"] == STATE
    japan = consent_url(amazon, host="sellercentral.amazon.co.jp", version="beta")
    _answer, page = open_page(japan)
    assert [i["value"] for i in page.inputs if i.get("type") == "radio"] == [_world.SELLER_FE]
    # A region where the world has no account of that kind gets Amazon's "no account" page.
    del amazon.world.partners[_world.SELLER_FE]
    _answer, page = open_page(japan)
    assert page.error_code == "no-account" and page.forms == []


def test_unknown_hosts_paths_and_methods(amazon):
    assert (
        requests.get(
            f"{amazon.consent_url}/www.example.com/apps/authorize/consent", timeout=TIMEOUT_S
        ).status_code
        == 404
    )
    assert (
        requests.get(
            f"{amazon.consent_url}/sellercentral.amazon.com/home", timeout=TIMEOUT_S
        ).status_code
        == 404
    )
    assert requests.post(consent_url(amazon), timeout=TIMEOUT_S).status_code == 405
    confirm_url = f"{amazon.consent_url}/sellercentral.amazon.com/apps/authorize/confirm"
    assert requests.get(confirm_url, timeout=TIMEOUT_S).status_code == 405
    assert requests.post(confirm_url, json={"a": 1}, timeout=TIMEOUT_S).status_code == 400


def test_the_confirmation_is_checked_again_and_needs_an_account_of_the_region(amazon):
    confirm_url = f"{amazon.consent_url}/sellercentral.amazon.com/apps/authorize/confirm"
    app = amazon.world.apps[MAIN_DRAFT]
    fields = {"application_id": app.app_id, "state": STATE, "seller": _world.SELLER_NA}
    answer = requests.post(confirm_url, data=fields, allow_redirects=False, timeout=TIMEOUT_S)
    assert _Page(answer.text).error_code == "MD1000"
    fields.update(version="beta", seller=_world.SELLER_EU)
    answer = requests.post(confirm_url, data=fields, allow_redirects=False, timeout=TIMEOUT_S)
    assert answer.status_code == 400


def test_page_text_is_escaped(amazon):
    answer, _page = open_page(consent_url(amazon, version="beta", state="<script>x</script>"))
    assert "<script>" not in answer.text and "&lt;script&gt;" in answer.text


def test_faults_reach_the_consent_pages(amazon):
    amazon.faults.add("consent", "unavailable")
    assert requests.get(consent_url(amazon, version="beta"), timeout=TIMEOUT_S).status_code == 503
    assert requests.get(consent_url(amazon, version="beta"), timeout=TIMEOUT_S).status_code == 200


def test_the_environment_names_the_consent_pages_the_app_and_its_redirect_uri(amazon):
    env = amazon.env
    assert env["SPAPI_SELLERCENTRAL_URL"] == amazon.consent_url
    assert env["SPAPI_MOCK_APP_ID"] == amazon.world.apps[MAIN_DRAFT].app_id
    assert env["SPAPI_MOCK_REDIRECT_URI"] == _consent.REDIRECT_URI
    assert env["SPAPI_MOCK_REDIRECT_URI"] in _consent.OAUTH_APPS[MAIN_DRAFT].redirect_uris


def test_consent_as_seller_returns_the_redirect(amazon):
    location = consent_as_seller(consent_url(amazon, version="beta"))
    assert location.startswith(_consent.REDIRECT_URI + "?state=" + STATE)
