"""The consent pages of Seller Central and Vendor Central, and the authorization codes they
issue (the website authorisation workflow; oauth-rotation-agencies §1).

One server answers for every Seller Central and Vendor Central host of
:mod:`spapi_docs_helpers._endpoints`: the Amazon host is the first path segment
(``SPAPI_SELLERCENTRAL_URL`` + ``/sellercentral.amazon.com/apps/authorize/consent?…``),
so one environment variable stands for them all. The host says the region.

``GET …/apps/authorize/consent`` with ``application_id``, ``state`` and optionally
``redirect_uri`` and ``version=beta`` answers, as Amazon documents (``/authorization-errors``):

* a Draft app without ``version=beta``: the MD1000 page;
* a ``redirect_uri`` with a fragment: the MD5110 page; one that is not registered for the
  app, character for character: the MD5101 page; none given: the app's first registered
  Redirect URI is used (DG-2021);
* otherwise the consent page: an HTML page with one form (the app, the roles it asks for,
  the account, a Confirm button). Submitting it (``POST …/apps/authorize/confirm``)
  answers 302 to the Redirect URI with ``state``, ``selling_partner_id`` and
  ``spapi_oauth_code``.

An app with an OAuth Login URI (the published one) goes through it first, as Amazon's
website workflow now does after the partner grants permission ("Amazon sends a request to
your application's log-in URI … including amazon_callback_uri, amazon_state, and
selling_partner_id"; the rest as in the Appstore workflow, DG-2021): Confirm answers 302 to
the Log-in URI with those three (and ``version=beta`` when the consent URL had it); the app
then sends the browser to ``amazon_callback_uri`` (``GET …/apps/authorize/confirm/<App
ID>``) with ``amazon_state``, its ``state`` and optionally ``redirect_uri``, which answers
302 to the Redirect URI with the code, as above. An ``amazon_state`` works once, for five
minutes (the mock's choice: Amazon states no lifetime), for its own app.

The code lives five minutes on the world's clock (``World.advance`` moves it) and works
once; LWA's ``authorization_code`` grant redeems it (:mod:`._lwa`) for a new refresh
token, an :class:`~._world.Authorization` with the roles the app has at that moment.

Where Amazon is not documented, the mock chooses and says so: an unknown App ID (a client
identifier pasted there, say) or a missing ``state`` get an error page without an MD code;
an app with no Redirect URI registered gets MD9100 (reported by integrators for apps
lacking their OAuth URIs, Amazon's own text unread); a published app with ``version=beta``
is accepted; the redemption refuses, as ``invalid_grant`` (RFC 6749 §5.2), a code that is
expired, used, issued to another app, or sent with a ``redirect_uri`` other than the one
of the consent (sending none is accepted, as Amazon's own samples do). The mock's world has
sellers only: Vendor Central's pages authorise the same accounts, so only the host differs.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from .._endpoints import MARKETPLACES, SELLER_CENTRAL_HOSTS, VENDOR_CENTRAL_HOSTS
from . import _samples
from . import _world as w
from ._http import Response, Service

__all__ = [
    "CODE_LIFETIME",
    "OAUTH_APPS",
    "REDIRECT_URI",
    "AuthorizationCodes",
    "ConsentPages",
    "MockConsentError",
    "OAuthApp",
    "consent_as_seller",
]

CODE_LIFETIME = timedelta(minutes=5)
# Registered for the mock's OAuth apps (a reserved example domain: nothing answers there;
# a tunnel, or a browser test's route, stands in for it).
REDIRECT_URI = "https://app.example.com/sp-api/oauth/callback"
SECOND_REDIRECT_URI = "https://app.example.com/sp-api/oauth/callback-2"
# The published app's OAuth Login URI (the same site, as docs/authorise-other-sellers.md
# advises: spapi-doctor authorize answers both on one address).
LOGIN_URI = "https://app.example.com/sp-api/oauth/login"
CONSENT = "/apps/authorize/consent"
CONFIRM = "/apps/authorize/confirm"
HTML = "text/html; charset=utf-8"
MAX_FORM = 64 * 1024


@dataclass(frozen=True)
class OAuthApp:
    """How an app of the world is set up for OAuth (the app's settings in Solution
    Provider Portal): Draft or published, and its OAuth Redirect URIs, in order."""

    key: str
    draft: bool
    redirect_uris: tuple
    # The OAuth Login URI Amazon sends the partner to after the consent, or None.
    login_uri: str | None = None


# The main app is a Draft, as an app being built is: its website flow needs version=beta.
# The second registration is published, with the Log-in URI a public app registers.
OAUTH_APPS = {
    app.key: app
    for app in (
        OAuthApp(w.APP_MAIN, draft=True, redirect_uris=(REDIRECT_URI, SECOND_REDIRECT_URI)),
        OAuthApp(w.APP_OTHER, draft=False, redirect_uris=(REDIRECT_URI,), login_uri=LOGIN_URI),
    )
}

# host -> (central, region), from the same tables authorize reads.
HOSTS: dict = {}
for _table, _central in ((SELLER_CENTRAL_HOSTS, "seller"), (VENDOR_CENTRAL_HOSTS, "vendor")):
    for _code, _host in _table.items():
        if _host is not None:
            HOSTS.setdefault(_host, (_central, MARKETPLACES[_code].region))


@dataclass
class _Consent:
    """A consent a partner gave, waiting to be taken up once within five minutes: by LWA
    (an authorization code) or by the app's way back from its Log-in URI (an
    ``amazon_state``)."""

    app: str
    seller: str
    region: str
    redirect_uri: str
    issued_at: object
    used: bool = False

    def open_to(self, app_key, now) -> bool:
        """Whether ``app_key``'s app may take it up at ``now``."""
        return not self.used and self.app == app_key and now - self.issued_at <= CODE_LIFETIME


class AuthorizationCodes:
    """The codes the consent pages issued, shared with LWA, which redeems them."""

    def __init__(self, world):
        self.world = world
        self._codes = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def issue(self, app_key, seller_key, region, redirect_uri) -> str:
        with self._lock:
            number = next(self._counter)
            value = _samples.authorization_code(f"{app_key}|{seller_key}|{number}")
            self._codes[value] = _Consent(app_key, seller_key, region, redirect_uri, self.world.now)
            return value

    def redeem(self, value, app, redirect_uri=None):
        """The new :class:`~._world.Authorization` for a valid code, or None."""
        with self._lock:
            code = self._codes.get(value)
            if (
                code is None
                or not code.open_to(app.key, self.world.now)
                or (redirect_uri is not None and redirect_uri != code.redirect_uri)
            ):
                return None
            code.used = True
            number = sum(1 for c in self._codes.values() if c.used)
        authorization = w.Authorization(
            f"{code.app}/{code.seller}/consent-{number}",
            code.app,
            code.seller,
            code.region,
            frozenset(app.roles),
            self.world.now,
        )
        self.world.add_authorization(authorization)
        return authorization


def selling_partner_id(seller_key: str) -> str:
    """The merchant token the redirect carries for a seller of the world."""
    return _samples.selling_partner_id(seller_key)


def _page(title, body, *, status=200, error_code=None) -> Response:
    code_attribute = f' data-error-code="{escape(error_code)}"' if error_code else ""
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body{code_attribute}>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return Response(status, html.encode("utf-8"), HTML, error_code=error_code)


class _Refused(Exception):
    def __init__(self, page):
        super().__init__(page.error_code)
        self.page = page


def _error_page(code, text) -> Response:
    return _page(
        "We could not authorize this app",
        f"<p>{escape(text)}</p><p>Error code: <strong>{escape(code)}</strong></p>",
        error_code=code,
    )


class ConsentPages(Service):
    fault_service = "consent"
    label = "consent"
    max_body = MAX_FORM
    status_errors: ClassVar[dict] = {
        400: ("Bad request",),
        404: ("Page not found",),
        405: ("Method not allowed",),
        413: ("Request too large",),
        429: ("Too many requests",),
        500: ("Something went wrong on our end",),
        503: ("Service unavailable",),
    }

    def __init__(self, world, codes):
        self.world = world
        self.codes = codes
        # amazon_state -> _Consent: the consents waiting for their app's Log-in URI to send
        # the partner back to amazon_callback_uri.
        self._hops = {}
        self._hop_numbers = itertools.count(1)
        self._lock = threading.Lock()

    def error_answer(self, status, described, message, headers) -> Response:
        response = _page(described[0], f"<p>{escape(message or described[0])}</p>", status=status)
        response.headers = tuple(headers)
        response.error_code = f"http-{status}"
        return response

    # ------------------------------------------------------------------ routing
    def handle(self, request) -> Response:
        host, _, rest = request.path.lstrip("/").partition("/")
        if host in HOSTS and ("/" + rest).startswith(CONFIRM + "/"):
            if request.method not in ("GET", "HEAD"):
                return self.error(405)
            app_id = ("/" + rest)[len(CONFIRM) + 1 :]
            params = {name: values[0] for name, values in request.query.items()}
            return self._callback(app_id, params)
        if host not in HOSTS or "/" + rest not in (CONSENT, CONFIRM):
            return self.error(404)
        central, region = HOSTS[host]
        if "/" + rest == CONSENT:
            if request.method not in ("GET", "HEAD"):
                return self.error(405)
            params = {name: values[0] for name, values in request.query.items()}
            return self._consent(host, central, region, params)
        if request.method != "POST":
            return self.error(405)
        if (request.header("Content-Type") or "").split(";")[0].strip().lower() != (
            "application/x-www-form-urlencoded"
        ):
            return self.error(400, "The form was not sent as a form.")
        try:
            form = parse_qs(request.body.decode("utf-8"), max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return self.error(400, "The form does not parse.")
        # Where the browser reached this server, for the address it is sent back to.
        served_as = request.header("Host")
        if not served_as:
            return self.error(400, "The request has no Host header.")
        return self._confirm(host, central, region, {k: v[0] for k, v in form.items()}, served_as)

    # ------------------------------------------------------------------ the rules
    def _app(self, app_id):
        """The world's app with this App ID, or None."""
        return next((a for a in self.world.apps.values() if a.app_id == app_id), None)

    def _check(self, params):
        """``(app, redirect URI)`` of a request Amazon would serve; raises :class:`_Refused`
        with the page Amazon shows instead."""
        app = self._app(params.get("application_id") or "")
        if app is None:
            raise _Refused(
                _page(
                    "We could not find this application",
                    "<p>No application has the ID in this address.</p>",
                    error_code="unknown-application",
                )
            )
        _check_state(params)
        oauth = OAUTH_APPS.get(app.key)
        if oauth is None or not oauth.redirect_uris:
            raise _Refused(
                _error_page("MD9100", "This application has no OAuth Login URI or Redirect URI.")
            )
        if oauth.draft and params.get("version") != "beta":
            raise _Refused(
                _error_page(
                    "MD1000", "This application is in Draft and cannot be authorized this way."
                )
            )
        return app, _redirect_uri(oauth, params.get("redirect_uri"), oauth.redirect_uris[0])

    def _sellers(self, central, region):
        """The world's accounts a Seller (or Vendor) Central of ``region`` can authorise."""
        kind = "vendor" if central == "vendor" else "seller"
        return [
            partner
            for partner in self.world.partners.values()
            if partner.account_type == kind and partner.marketplaces_in(region)
        ]

    def _consent(self, host, central, region, params) -> Response:
        try:
            app, _redirect_uri = self._check(params)
        except _Refused as refused:
            return refused.page
        sellers = self._sellers(central, region)
        if not sellers:
            return _page(
                "No account to authorize",
                f"<p>No account of the mock's world sells in {escape(region)}.</p>",
                error_code="no-account",
            )
        hidden = "".join(
            f"<input type='hidden' name='{escape(name)}' value='{escape(params[name])}'>"
            for name in ("application_id", "state", "redirect_uri", "version")
            if name in params
        )
        choices = "".join(
            f"<label><input type='radio' name='seller' value='{escape(seller.key)}'"
            f"{' checked' if index == 0 else ''}> {escape(seller.store_name)}</label><br>"
            for index, seller in enumerate(sellers)
        )
        roles = "".join(f"<li>{escape(role)}</li>" for role in sorted(app.roles))
        where = "Vendor Central" if central == "vendor" else "Seller Central"
        body = (
            f"<p>{escape(where)} ({escape(host)}): <strong>{escape(app.name)}</strong> asks for "
            f"access to your account in {escape(region)}.</p><ul>{roles}</ul>"
            f"<form method='post' action='/{escape(host)}{CONFIRM}'>{hidden}{choices}"
            "<button type='submit' id='confirm'>Confirm</button></form>"
        )
        return _page("Authorize an application", body)

    def _confirm(self, host, central, region, form, served_as) -> Response:
        try:
            app, redirect_uri = self._check(form)
        except _Refused as refused:
            return refused.page
        sellers = {s.key: s for s in self._sellers(central, region)}
        seller = sellers.get(form.get("seller", ""))
        if seller is None:
            return self.error(400, "Choose the account to authorize.")
        login_uri = OAUTH_APPS[app.key].login_uri
        if login_uri is None:
            return self._redirect_with_code(app, seller, region, redirect_uri, form["state"])
        with self._lock:
            amazon_state = f"mock-amazon-state-{next(self._hop_numbers)}"
            self._hops[amazon_state] = _Consent(
                app.key, seller.key, region, redirect_uri, self.world.now
            )
        # Where the app sends the partner back: this server, as the browser reached it.
        callback = f"http://{served_as}/{host}{CONFIRM}/{app.app_id}"
        forward = {
            "amazon_callback_uri": callback,
            "amazon_state": amazon_state,
            "selling_partner_id": seller.selling_partner_id,
        }
        if form.get("version") == "beta":
            forward["version"] = "beta"
        return _found(login_uri, forward)

    def _callback(self, app_id, params) -> Response:
        """``amazon_callback_uri``: the app sends the partner back after its Log-in URI."""
        app = self._app(app_id)
        with self._lock:
            hop = self._hops.get(params.get("amazon_state") or "")
            if app is None or hop is None or not hop.open_to(app.key, self.world.now):
                return _page(
                    "This authorization has expired",
                    "<p>Start the authorization again from the application's website.</p>",
                    error_code="unknown-amazon-state",
                )
            try:
                _check_state(params)
                redirect_uri = _redirect_uri(
                    OAUTH_APPS[app.key], params.get("redirect_uri"), hop.redirect_uri
                )
            except _Refused as refused:
                return refused.page
            hop.used = True
        seller = self.world.partners[hop.seller]
        return self._redirect_with_code(app, seller, hop.region, redirect_uri, params["state"])

    def _redirect_with_code(self, app, seller, region, redirect_uri, state) -> Response:
        code = self.codes.issue(app.key, seller.key, region, redirect_uri)
        return _found(
            redirect_uri,
            {
                "state": state,
                "selling_partner_id": seller.selling_partner_id,
                "spapi_oauth_code": code,
            },
        )


def _check_state(params) -> None:
    """Raises :class:`_Refused` when the request has no ``state``."""
    if not params.get("state"):
        raise _Refused(
            _page(
                "This address is incomplete",
                "<p>The authorization request has no state.</p>",
                error_code="missing-state",
            )
        )


def _redirect_uri(oauth: OAuthApp, given: str | None, otherwise: str) -> str:
    """The Redirect URI a request names (``otherwise`` when it names none), if the app
    registered it; raises :class:`_Refused` with MD5110 or MD5101 when not."""
    if given is None:
        return otherwise
    if "#" in given:
        raise _Refused(_error_page("MD5110", "The redirect URI must not contain a fragment."))
    if given not in oauth.redirect_uris:
        raise _Refused(
            _error_page(
                "MD5101", "The redirect URI does not match the application's redirect URIs."
            )
        )
    return given


def _found(address: str, parameters: dict) -> Response:
    """302 to ``address`` with ``parameters`` added to its query."""
    joiner = "&" if urlsplit(address).query else "?"
    return Response(
        302,
        b"",
        HTML,
        headers=(
            ("Location", address + joiner + urlencode(parameters)),
            ("Cache-Control", "no-store"),
        ),
    )


# --------------------------------------------------------------------------- the seller's click


class MockConsentError(RuntimeError):
    """The mock's consent page showed an error instead of its form; ``code`` is the
    page's error code (MD1000, MD5101…)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def consent_as_seller(url: str, *, seller: str | None = None, timeout: float = 10.0) -> str:
    """What a selling partner's browser does on the mock's consent page: open ``url``,
    choose Confirm, and return the address Amazon sends the browser to (the redirect, not
    followed). ``seller`` picks the account (a world seller key); default the first."""
    from html.parser import HTMLParser

    import requests

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.action = None
            self.fields = {}
            self.sellers = []
            self.error_code = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "body" and attrs.get("data-error-code"):
                self.error_code = attrs["data-error-code"]
            if tag == "form":
                self.action = attrs.get("action")
            if tag == "input" and attrs.get("type") == "hidden":
                self.fields[attrs["name"]] = attrs.get("value", "")
            if tag == "input" and attrs.get("type") == "radio":
                self.sellers.append(attrs.get("value"))

    page = requests.get(url, timeout=timeout)
    form = Form()
    form.feed(page.text[:MAX_FORM])
    if form.action is None:
        raise MockConsentError(form.error_code, f"the consent page shows {form.error_code}")
    chosen = seller or (form.sellers[0] if form.sellers else None)
    base = urlsplit(url)
    answer = requests.post(
        f"{base.scheme}://{base.netloc}{form.action}",
        data={**form.fields, "seller": chosen},
        allow_redirects=False,
        timeout=timeout,
    )
    if answer.status_code not in (302, 303):
        raise MockConsentError(None, f"the consent was answered {answer.status_code}")
    return answer.headers["Location"]
