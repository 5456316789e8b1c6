"""``spapi-doctor authorize``: the website authorisation workflow, end to end.

A selling partner (another seller, a client of an agency, or your own account in another
region) authorises your app on Amazon's consent page; Amazon then sends the browser to
your Redirect URI with ``state``, ``selling_partner_id`` and ``spapi_oauth_code``; the code
is exchanged with Login with Amazon for the partner's refresh token within five minutes.
(oauth-rotation-agencies §1; Amazon's "Website Authorization Workflow".)

This module builds the consent URL (:func:`consent_request`: Seller Central or Vendor
Central of a marketplace or region, the App ID checked against the client identifier
mistake, a fresh random ``state`` kept in a private state file with its expiry,
``version=beta`` for Draft apps, a Redirect URI that Amazon would accept), receives the
redirect (:func:`receive_redirect`, a loopback catcher for a tunnel, bounded in time and
size; or a pasted address), and completes the flow (:func:`complete_authorization`: the
state is checked and used once, ``spapi_oauth_code`` read — never ``code`` —, the code
exchanged with ``grant_type=authorization_code`` and the ``redirect_uri`` that was sent).
Every failure is a catalogue finding, raised as :class:`AuthorizeError` (the flow),
:class:`LwaError` or :class:`TransportError` (the exchange).

The CLI part (:func:`add_arguments`, :func:`run`) stores the refresh token with the stores
``init`` uses, then checks it.
"""

from __future__ import annotations

import contextlib
import hmac
import http.server
import ipaddress
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Mapping
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ._catalogue import entry
from ._config_file import _home
from ._credentials import Credentials
from ._endpoints import (
    ENV_SELLERCENTRAL,
    MARKETPLACES,
    REGION_CONSENT_MARKETPLACE,
    SELLER_CENTRAL_HOSTS,
    VENDOR_CENTRAL_HOSTS,
    central_url,
    endpoints_from_env,
)
from ._errors import (
    AuthorizeError,
    CheckError,
    CredentialsError,
    LwaError,
    StoreError,
    raise_verdict,
)
from ._files import FileProblem, read_regular_file
from ._formats import CLIENT_ID_PREFIX, check_formats
from ._init import (
    EXIT_OK,
    EXIT_PROBLEM,
    Terminal,
    add_store_arguments,
    check_account_fits_store,
    choose_store,
    color_wanted,
    library_reads,
    open_store_for,
    report_stored,
    require_store_unless_asked,
    say_findings,
    show_verification,
    store_values,
    usage,
    verify_values,
)
from ._options import port
from ._redaction import mask, protect_logs, redact_text
from ._sources import credentials_for
from ._stores import atomic_write

# Amazon asks for a state that is "short-lived and verifiably unique"; its own sample keeps
# one five minutes. Signing in with two-step verification takes longer than that, so ten.
STATE_LIFETIME_S = 600
# "An LWA authorization code expires after five minutes" (DG-2021, website workflow).
CODE_LIFETIME_S = 300
STATE_BYTES = 32
MAX_PENDING = 50
MAX_STATE_FILE = 256 * 1024
# A redirected address is a few hundred characters; anything far longer is no redirect.
MAX_URL = 8192
LISTEN_TIMEOUT_S = 600
CONNECTION_TIMEOUT_S = 10
CONSENT_PATH = "/apps/authorize/consent"
APP_ID_PREFIXES = ("amzn1.sp.solution.", "amzn1.sellerapps.app.")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def _problem(code, message, *, fix=None):
    return AuthorizeError(entry(code).finding(message, fix=fix))


# --------------------------------------------------------------------------- what Amazon accepts


def app_id_findings(app_id) -> list:
    """Why ``app_id`` cannot be the consent URL's application_id (empty when it can)."""
    if not isinstance(app_id, str) or not app_id:
        return [entry("app-id-malformed").finding("The App ID is empty.")]
    if app_id != app_id.strip() or app_id.strip("\"'") != app_id:
        return [
            entry("app-id-malformed").finding(
                f"The App ID {mask(app_id)} has spaces or quotes around it."
            )
        ]
    if app_id.startswith(CLIENT_ID_PREFIX):
        return [
            entry("client-id-in-app-id-field").finding(
                f"{mask(app_id)} is an LWA client identifier, not an App ID: the consent URL "
                "takes amzn1.sp.solution.…"
            )
        ]
    for prefix in APP_ID_PREFIXES:
        if app_id.startswith(prefix) and _UUID.fullmatch(app_id[len(prefix) :]):
            return []
    return [
        entry("app-id-malformed").finding(
            f"{app_id[:60]!r} is not amzn1.sp.solution. followed by a UUID."
        )
    ]


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def redirect_uri_findings(redirect_uri) -> list:
    """Why Amazon would refuse ``redirect_uri`` as an OAuth Redirect URI (empty if none)."""
    if not isinstance(redirect_uri, str) or not redirect_uri.strip():
        return [entry("redirect-uri-not-https").finding("The Redirect URI is empty.")]
    try:
        parts = urlsplit(redirect_uri)
        host = parts.hostname or ""
    except ValueError:
        return [
            entry("redirect-uri-not-https").finding(
                f"{redirect_uri[:200]!r} is not an address (it does not parse as a URL)."
            )
        ]
    findings = []
    if parts.scheme != "https" or not host or redirect_uri != redirect_uri.strip():
        findings.append(
            entry("redirect-uri-not-https").finding(
                f"{redirect_uri[:200]!r} is not an absolute https address"
                + (" (it is http)" if parts.scheme == "http" else "")
                + "."
            )
        )
    if host and _is_loopback(host):
        findings.append(
            entry("redirect-uri-localhost").finding(
                f"{redirect_uri[:200]!r} points at this machine ({host}): Amazon refuses "
                "localhost as a Redirect URI. Register the https address of a tunnel to "
                "spapi-doctor authorize --listen PORT instead."
            )
        )
    if "#" in redirect_uri:
        findings.append(
            entry("redirect-uri-fragment").finding(
                f"{redirect_uri[:200]!r} has a fragment (#…); Amazon's consent page would answer "
                "MD5110."
            )
        )
    return findings


# --------------------------------------------------------------------------- the state file


def state_path(environ=None) -> str:
    """Where pending authorisations are kept: ``$XDG_STATE_HOME/spapi-doctor`` (default
    ``~/.local/state``), or ``%LOCALAPPDATA%\\spapi-doctor`` on Windows."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or os.path.join(_home(env), "AppData", "Local")
    else:
        base = env.get("XDG_STATE_HOME") or os.path.join(_home(env), ".local", "state")
    return os.path.join(base, "spapi-doctor", "authorize-state.json")


class PendingStates:
    """The consent URLs issued here and not yet used: one entry per ``state``.

    A private JSON file (mode 0600, written atomically), so that the redirect can come
    back to another process (``--print-url`` now, ``--redirected-url`` later). Expired
    entries are dropped whenever the file is written; a state is removed when used.
    """

    def __init__(self, path=None, *, environ=None):
        self.path = os.fspath(path) if path is not None else state_path(environ)

    def _read(self):
        try:
            raw = read_regular_file(self.path, MAX_STATE_FILE)
        except FileProblem as problem:
            if problem.kind == "missing":
                return None, []
            # A FIFO, a folder, an unreadable or oversized file: nothing this command wrote.
            raise _problem(
                "state-mismatch",
                f"The state file cannot be used: {problem.message}. Remove it, or give "
                "another --state-file.",
            ) from None
        try:
            data = json.loads(raw)
            entries = [e for e in data["pending"] if isinstance(e, dict) and "state" in e]
        except (ValueError, TypeError, KeyError):
            # A state file is ours alone; a broken one holds nothing usable. It is
            # replaced (atomically) at the next write.
            entries = []
        return raw, entries

    def _write(self, raw, entries):
        data = json.dumps({"version": 1, "pending": entries[-MAX_PENDING:]}, indent=1)
        atomic_write(self.path, data.encode("utf-8"), expected=raw)
        # The state file needs no backup: drop the one atomic_write keeps (OSError: none).
        with contextlib.suppress(OSError):
            os.unlink(self.path + ".bak")

    def add(self, request, *, now=None):
        now = time.time() if now is None else now
        raw, entries = self._read()
        entries = [e for e in entries if e.get("expires_at", 0) > now]
        entries.append(request.as_state())
        self._write(raw, entries)

    def find(self, state, *, now=None):
        """The entry of ``state``; raises :class:`AuthorizeError` when it is unknown or
        expired."""
        now = time.time() if now is None else now
        _raw, entries = self._read()
        return self._match(entries, state, now)

    def _match(self, entries, state, now):
        """:meth:`find` in entries already read (``take`` reads the file once)."""
        if not isinstance(state, str) or not state:
            raise _problem(
                "state-mismatch",
                "The address has no state parameter, so it cannot be told apart from a forged "
                "one; its code was not used.",
            )
        for item in entries:
            if isinstance(item.get("state"), str) and hmac.compare_digest(item["state"], state):
                if item.get("expires_at", 0) <= now:
                    minutes = (now - item.get("created_at", now)) / 60
                    raise _problem(
                        "state-expired",
                        f"This consent URL was made {minutes:.0f} minutes ago and its state "
                        f"expired after {STATE_LIFETIME_S // 60}; the code was not used.",
                    )
                return item
        raise _problem(
            "state-mismatch",
            f"The state of this address is not one this machine issued (the state file "
            f"{self.path} has {len(entries)} pending); its code was not used.",
        )

    def take(self, state, *, now=None):
        """:meth:`find`, and the state is then removed: each is used once."""
        now = time.time() if now is None else now
        raw, entries = self._read()
        item = self._match(entries, state, now)
        kept = [
            e for e in entries if e.get("state") != item["state"] and e.get("expires_at", 0) > now
        ]
        self._write(raw, kept)
        return item

    def latest(self, *, now=None):
        """The newest pending entry (for the Log-in URI hop), or None."""
        now = time.time() if now is None else now
        _raw, entries = self._read()
        live = [e for e in entries if e.get("expires_at", 0) > now]
        return live[-1] if live else None


# --------------------------------------------------------------------------- the consent URL


class ConsentRequest:
    """One consent URL, issued with a fresh state. ``url`` is what the selling partner
    opens; printing the request never shows the state (it guards the redirect), and shows
    the App ID masked like every other identifier."""

    __slots__ = (
        "app_id",
        "central",
        "created_at",
        "draft",
        "expires_at",
        "host",
        "marketplace",
        "redirect_uri",
        "region",
        "state",
        "url",
    )

    def __init__(
        self,
        *,
        app_id: str,
        central: str,
        host: str,
        marketplace: str,
        region: str,
        draft: bool,
        redirect_uri: str | None,
        state: str,
        url: str,
        now: float,
    ) -> None:
        self.app_id = app_id
        self.central = central
        self.host = host
        self.marketplace = marketplace
        self.region = region
        self.draft = draft
        self.redirect_uri = redirect_uri
        self.state = state
        self.url = url
        self.created_at = now
        self.expires_at = now + STATE_LIFETIME_S

    def as_state(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "app_id": self.app_id,
            "central": self.central,
            "host": self.host,
            "marketplace": self.marketplace,
            "region": self.region,
            "draft": self.draft,
            "redirect_uri": self.redirect_uri,
            "url": self.url,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }

    def describe(self) -> str:
        where = "Vendor Central" if self.central == "vendor" else "Seller Central"
        lines = [
            f"Consent page: {where} {self.host} (marketplace {self.marketplace}, region "
            f"{self.region}; the authorisation covers the partner's account in that region)",
            f"App ID: {mask(self.app_id)}"
            + (" — Draft app: version=beta is in the URL" if self.draft else ""),
            "Redirect URI: "
            + (self.redirect_uri or "not given: Amazon uses the first one registered"),
            f"State: {len(self.state)} random characters, valid for "
            f"{STATE_LIFETIME_S // 60} minutes; the code that comes back lives 5 minutes",
        ]
        return "\n".join(lines)

    def __repr__(self):
        return (
            f"ConsentRequest({self.central} {self.host}, {mask(self.app_id)}"
            + (", draft" if self.draft else "")
            + (f", redirect_uri={self.redirect_uri}" if self.redirect_uri else "")
            + ")"
        )

    def _repr_html_(self):
        return "<pre>" + escape(self.describe()) + "</pre>"


def _consent_host(marketplace, region, vendor):
    if marketplace is None and region is None:
        raise ValueError("give a marketplace (US, DE, JP…) or a region (NA, EU, FE)")
    if marketplace is not None:
        code = marketplace.strip().upper()
        if code not in MARKETPLACES:
            raise ValueError(
                f"unknown marketplace {marketplace!r}; the marketplaces: "
                + ", ".join(sorted(MARKETPLACES))
            )
        if region is not None and MARKETPLACES[code].region != region.strip().upper():
            raise ValueError(
                f"the marketplace {code} is in {MARKETPLACES[code].region}, not {region}"
            )
    else:
        wanted = region.strip().upper()
        if wanted not in REGION_CONSENT_MARKETPLACE:
            raise ValueError(f"unknown region {region!r}; the regions: NA, EU, FE")
        code = REGION_CONSENT_MARKETPLACE[wanted]
    table = VENDOR_CENTRAL_HOSTS if vendor else SELLER_CENTRAL_HOSTS
    host = table[code]
    if host is None:
        raise ValueError(
            f"no Vendor Central address is documented for {code}: give --consent-base-url "
            "(the Vendor Central address you sign in to)"
        )
    return code, MARKETPLACES[code].region, host


def consent_request(
    app_id: str,
    *,
    marketplace: str | None = None,
    region: str | None = None,
    vendor: bool = False,
    draft: bool = False,
    redirect_uri: str | None = None,
    consent_base_url: str | None = None,
    state_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    now: float | None = None,
) -> ConsentRequest:
    """A consent URL for ``app_id`` (``amzn1.sp.solution.…``), recorded with its fresh state.

    The host is the Seller Central (``vendor``: Vendor Central) of ``marketplace``, or of
    the region's main marketplace; ``SPAPI_SELLERCENTRAL_URL`` stands in for Amazon's
    hosts when set, ``consent_base_url`` for the table altogether. ``draft`` adds
    ``version=beta`` (Draft apps). Raises :class:`AuthorizeError` for an App ID or
    Redirect URI Amazon would refuse, ValueError for an unknown marketplace or region.
    """
    problems = app_id_findings(app_id)
    if redirect_uri is not None:
        problems += redirect_uri_findings(redirect_uri)
    if problems:
        raise AuthorizeError(problems[0], findings=problems)
    if consent_base_url:
        parts = urlsplit(consent_base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{consent_base_url!r} is not an http(s) address")
        base = consent_base_url.rstrip("/")
        host = parts.hostname
        code = (marketplace or "").strip().upper()
        if code not in MARKETPLACES:
            code = REGION_CONSENT_MARKETPLACE.get((region or "NA").strip().upper(), "US")
        market_region = MARKETPLACES[code].region
    else:
        code, market_region, host = _consent_host(marketplace, region, vendor)
        base = central_url(host, environ)
    now = time.time() if now is None else now
    state = secrets.token_urlsafe(STATE_BYTES)
    parameters = {"application_id": app_id, "state": state}
    if redirect_uri is not None:
        parameters["redirect_uri"] = redirect_uri
    if draft:
        parameters["version"] = "beta"
    url = f"{base}{CONSENT_PATH}?{urlencode(parameters)}"
    request = ConsentRequest(
        app_id=app_id,
        central="vendor" if vendor else "seller",
        host=host,
        marketplace=code,
        region=market_region,
        draft=draft,
        redirect_uri=redirect_uri,
        state=state,
        url=url,
        now=now,
    )
    PendingStates(state_file, environ=environ).add(request, now=now)
    return request


# --------------------------------------------------------------------------- the redirect


def redirect_parameters(url) -> dict:
    """The query parameters of a redirected address (first value of each); raises
    :class:`AuthorizeError` when it is not the redirect that carries a code."""
    if not isinstance(url, str) or not url.strip():
        raise _problem("redirect-without-code", "The address is empty.")
    url = url.strip()
    if len(url) > MAX_URL:
        raise _problem(
            "redirect-without-code",
            f"The address is {len(url)} characters long: far longer than a redirect.",
        )
    try:
        parts = urlsplit(url)
        query = parts.query if (parts.scheme or parts.query) else url.lstrip("?")
        parsed = parse_qs(query, keep_blank_values=True, max_num_fields=100)
    except ValueError:
        raise _problem("redirect-without-code", "The address does not parse as a URL.") from None
    params = {name: values[0] for name, values in parsed.items()}
    if "amazon_callback_uri" in params and "spapi_oauth_code" not in params:
        raise _problem(
            "redirect-is-login-uri-request",
            "This is Amazon's request to your OAuth Login URI (it has amazon_callback_uri and "
            "amazon_state), not the redirect that carries the code.",
        )
    if not params.get("spapi_oauth_code"):
        said = ""
        if params.get("code"):
            said = " It has code= instead: Amazon's consent page sends spapi_oauth_code."
        elif params.get("error"):
            said = f" It reports error={redact_text(params['error'])[:80]!r}" + (
                f" ({redact_text(params['error_description'])[:200]!r})"
                if params.get("error_description")
                else ""
            )
            said += "."
        elif "application_id" in params:
            said = " It is the consent URL itself: open it, confirm, and paste where you end."
        raise _problem("redirect-without-code", "The address has no spapi_oauth_code." + said)
    return params


class SellerAuthorization:
    """A selling partner's authorisation of your app: the refresh token LWA issued for the
    code, and what it belongs to. Printing it shows the token masked."""

    __slots__ = (
        "_refresh_token",
        "app_id",
        "lwa_app_id",
        "lwa_client_secret",
        "region",
        "selling_partner_id",
    )

    def __init__(
        self,
        *,
        selling_partner_id: str | None,
        refresh_token: str,
        lwa_app_id: str,
        lwa_client_secret: str,
        app_id: str,
        region: str,
    ) -> None:
        self.selling_partner_id = selling_partner_id
        self._refresh_token = refresh_token
        self.lwa_app_id = lwa_app_id
        self.lwa_client_secret = lwa_client_secret
        self.app_id = app_id
        self.region = region

    @property
    def refresh_token(self) -> str:
        """The refresh token itself (never print it)."""
        return self._refresh_token

    @property
    def credentials(self) -> Credentials:
        """The three LWA credentials of this authorisation, for a store or a client."""
        return Credentials(
            refresh_token=self._refresh_token,
            lwa_app_id=self.lwa_app_id,
            lwa_client_secret=self.lwa_client_secret,
        )

    def summary(self) -> str:
        partner = self.selling_partner_id or "(no selling_partner_id in the redirect)"
        return (
            f"selling partner {partner} authorised {mask(self.app_id)} in {self.region}: refresh "
            "token "
            f"{mask(self._refresh_token)}"
        )

    def __repr__(self) -> str:
        return f"SellerAuthorization({self.summary()})"

    def _repr_html_(self) -> str:
        return f"<p><strong>Authorised</strong>: {escape(self.summary())}</p>"


def exchange_authorization_code(
    code, credentials, *, redirect_uri=None, endpoint=None, timeout=10.0, transport=None
) -> dict:
    """``grant_type=authorization_code`` at LWA; the token response, or raises
    :class:`LwaError` / :class:`TransportError` with the verdict."""
    from ._diagnose import diagnose_lwa, unexpected
    from ._lwa import FORM_CONTENT_TYPE

    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": credentials.lwa_app_id,
        "client_secret": credentials.lwa_client_secret,
    }
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    secrets = [code, credentials.lwa_app_id, credentials.lwa_client_secret]
    protect_logs(secrets)
    endpoint = endpoint or endpoints_from_env().lwa
    owned = transport is None
    if owned:
        from ._transport import Transport

        # One retry only: a code works once, and a lost answer cannot be asked for again.
        transport = Transport(timeout=timeout, retries=1)
    try:
        http = transport.request(
            "POST", endpoint, data=form, headers={"Content-Type": FORM_CONTENT_TYPE}
        )
    finally:
        if owned:
            transport.close()
    finding = diagnose_lwa(http, grant="authorization_code", secrets=secrets)
    body = http.json() if finding is None else None
    if finding is None and isinstance(body, dict):
        token = body.get("refresh_token")
        if not (isinstance(token, str) and token.isascii() and token.isprintable() and token):
            finding = unexpected(
                http, "lwa", secrets, why="a success without a refresh token for the code"
            )
        else:
            protect_logs((token, body.get("access_token")))
    if finding is not None or not isinstance(body, dict):
        # diagnose_lwa accepts only a JSON object with an access token: never None here.
        assert finding is not None
        raise_verdict(finding, LwaError)
    return body


def complete_authorization(
    redirected_url: str,
    *,
    credentials: Credentials | Mapping[str, Any] | None = None,
    account: str = "default",
    state_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    now: float | None = None,
) -> SellerAuthorization:
    """Check the redirect's state, then exchange its ``spapi_oauth_code`` for the partner's
    refresh token.

    ``credentials``: your app's client identifier and secret (a :class:`Credentials` or a
    dict), else loaded as python-amazon-sp-api loads ``account``'s. Raises
    :class:`AuthorizeError` (the redirect), :class:`CredentialsError` (your app's
    credentials), :class:`LwaError` or :class:`TransportError` (the exchange).
    """
    params = redirect_parameters(redirected_url)
    states = PendingStates(state_file, environ=environ)
    states.find(params.get("state"), now=now)
    client = credentials_for(credentials, account)
    client = Credentials(lwa_app_id=client.lwa_app_id, lwa_client_secret=client.lwa_client_secret)
    errors = [f for f in check_formats(client, sp_api_version=None) if f.severity == "error"]
    if errors:
        raise CredentialsError(errors[0], findings=errors)
    pending = states.take(params["state"], now=now)

    body = exchange_authorization_code(
        params["spapi_oauth_code"],
        client,
        redirect_uri=pending.get("redirect_uri"),
        endpoint=endpoints_from_env(environ).lwa,
        timeout=timeout,
    )
    return SellerAuthorization(
        selling_partner_id=params.get("selling_partner_id") or None,
        refresh_token=body["refresh_token"],
        lwa_app_id=client.lwa_app_id,
        lwa_client_secret=client.lwa_client_secret,
        app_id=pending.get("app_id"),
        region=pending.get("region"),
    )


# --------------------------------------------------------------------------- the catcher

_RECEIVED_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>spapi-doctor</title></head>"
    b"<body><h1>Authorisation received</h1><p>You can close this tab and go back to "
    b"spapi-doctor.</p></body></html>"
)
_NOT_FOUND_PAGE = b"<!doctype html><html><body><p>Not the redirect.</p></body></html>"
_STRAY_PAGE = (
    b"<!doctype html><html><body><p>This is not the redirect of a consent URL that "
    b"spapi-doctor is waiting for.</p></body></html>"
)
_REFUSED_PAGE = (
    b"<!doctype html><html><body><p>spapi-doctor will not send the browser to an address "
    b"that is not Amazon's.</p></body></html>"
)
OAUTH_PARAMETERS = ("state", "spapi_oauth_code", "error", "selling_partner_id")


def _amazon_callback(url, environ) -> bool:
    """Whether ``url`` is an Amazon address (or under ``SPAPI_SELLERCENTRAL_URL``)."""
    env = os.environ if environ is None else environ
    override = (env.get(ENV_SELLERCENTRAL) or "").strip().rstrip("/")
    if override and url.startswith(override + "/"):
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    labels = (parts.hostname or "").lower().split(".")
    # amazon.<tld> (amazon.com, amazon.de) or amazon.co.<cc> / amazon.com.<cc>, and their
    # subdomains; amazon.example.com is not Amazon's.
    amazons = len(labels) >= 2 and (
        labels[-2] == "amazon"
        or (len(labels) >= 3 and labels[-3] == "amazon" and labels[-2] in ("co", "com"))
    )
    return parts.scheme == "https" and amazons and not parts.username and not parts.password


def login_hop_url(params, pending) -> str:
    """Where the Log-in URI sends the browser on: ``amazon_callback_uri`` with
    ``amazon_state``, the pending ``state`` (and ``redirect_uri``, ``version=beta``)."""
    forward = {"amazon_state": params.get("amazon_state", ""), "state": pending["state"]}
    if pending.get("redirect_uri"):
        forward["redirect_uri"] = pending["redirect_uri"]
    if pending.get("draft"):
        forward["version"] = "beta"
    callback = params["amazon_callback_uri"]
    joiner = "&" if "?" in callback else "?"
    return callback + joiner + urlencode(forward)


def receive_redirect(
    port: int,
    *,
    timeout: float = LISTEN_TIMEOUT_S,
    state_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> str:
    """Listen on 127.0.0.1:``port`` (0: any free port) until the redirect arrives; returns
    the address it was sent to (on loopback: a tunnel forwards Amazon's https address).

    A request with OAuth parameters (state, spapi_oauth_code, error) ends the wait, unless
    its state is not one issued here (a stray or forged request: 400, and the wait goes
    on); other requests (a favicon, a probe) get a 404. A request to the OAuth Login URI (with
    ``amazon_callback_uri``) is sent on to Amazon with the pending state, as your login
    page would. Each connection may take at most ten seconds, the whole wait ``timeout``
    seconds (then :class:`AuthorizeError`); ``on_ready(base_url)`` is called once listening.
    """
    received: dict = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        # One request per connection, each read bounded in time (the request line and
        # headers are bounded in size by http.server itself).
        timeout = CONNECTION_TIMEOUT_S
        protocol_version = "HTTP/1.0"
        server_version = "spapi-doctor"
        sys_version = ""

        def log_message(self, format, *args):
            """Silent: the address carries the code."""

        def _answer(self, status, body, headers=()):
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            target = self.path if len(self.path) <= MAX_URL else ""
            try:
                query = parse_qs(urlsplit(target).query, max_num_fields=100)
            except ValueError:
                query = {}
            params = {name: values[0] for name, values in query.items()}
            if "amazon_callback_uri" in params and "spapi_oauth_code" not in params:
                pending = PendingStates(state_file, environ=environ).latest()
                callback = params["amazon_callback_uri"]
                if pending is None or not _amazon_callback(callback, environ):
                    self._answer(400, _REFUSED_PAGE)
                    return
                self._answer(302, b"", (("Location", login_hop_url(params, pending)),))
                return
            if any(name in params for name in OAUTH_PARAMETERS) and "url" not in received:
                if params.get("state") and not _pending(params["state"]):
                    # Not a redirect of a consent URL made here: a stray or forged request
                    # must not end the wait.
                    received["strays"] = received.get("strays", 0) + 1
                    self._answer(400, _STRAY_PAGE)
                    return
                port = self.server.server_address[1]  # type: ignore[index]  # (host, port)
                received["url"] = f"http://127.0.0.1:{port}{target}"
                self._answer(200, _RECEIVED_PAGE)
                return
            self._answer(404, _NOT_FOUND_PAGE)

        do_HEAD = do_GET

        def do_POST(self):
            self._answer(405, _NOT_FOUND_PAGE, (("Allow", "GET"),))

        do_PUT = do_DELETE = do_PATCH = do_POST

    def _pending(state):
        try:
            PendingStates(state_file, environ=environ).find(state)
        except Exception:  # unknown, expired or unreadable: not one to wait for
            return False
        return True

    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    try:
        server.timeout = 0.2
        if on_ready is not None:
            on_ready(f"http://127.0.0.1:{server.server_address[1]}/")
        deadline = time.monotonic() + timeout
        while "url" not in received:
            if time.monotonic() >= deadline:
                strays = received.get("strays", 0)
                raise _problem(
                    "redirect-not-received",
                    f"No redirect arrived at 127.0.0.1:{server.server_address[1]} within "
                    f"{timeout:.0f} s"
                    + (
                        f" ({strays} request(s) came with a state this machine did not issue)"
                        if strays
                        else ""
                    )
                    + ".",
                )
            server.handle_request()
    finally:
        server.server_close()
    return received["url"]


# --------------------------------------------------------------------------- the command


def add_arguments(parser) -> None:
    """The options of ``spapi-doctor authorize``."""
    consent = parser.add_argument_group("the consent URL")
    consent.add_argument(
        "--app-id", metavar="ID", help="your app's App ID (amzn1.sp.solution.…), not its client id"
    )
    where = consent.add_mutually_exclusive_group()
    where.add_argument(
        "--marketplace", metavar="CODE", help="the partner's marketplace (US, DE, JP…)"
    )
    where.add_argument(
        "--region", choices=("NA", "EU", "FE"), help="the partner's region (its main marketplace)"
    )
    consent.add_argument(
        "--vendor", action="store_true", help="Vendor Central instead of Seller Central"
    )
    consent.add_argument(
        "--draft",
        action="store_true",
        help="the app is a Draft (not published): add version=beta (without it: MD1000)",
    )
    consent.add_argument(
        "--redirect-uri",
        metavar="URL",
        help="one of the app's OAuth Redirect URIs (https, no #; localhost is refused by "
        "Amazon: use a tunnel); default: the first one registered",
    )
    consent.add_argument(
        "--consent-base-url",
        metavar="URL",
        help="the Seller/Vendor Central address to use instead of the built-in table",
    )
    consent.add_argument(
        "--print-url", action="store_true", help="print the consent URL and exit (for scripts)"
    )
    redirect = parser.add_argument_group("the redirect")
    redirect.add_argument(
        "--listen",
        metavar="PORT",
        type=port,
        help="receive the redirect on 127.0.0.1:PORT (0: any free port), behind an https tunnel",
    )
    redirect.add_argument(
        "--listen-timeout",
        metavar="S",
        type=float,
        default=LISTEN_TIMEOUT_S,
        help="how long --listen waits, in seconds (default: 600)",
    )
    redirect.add_argument(
        "--redirected-url",
        metavar="URL",
        help="the address the browser ended on after the consent (completes the flow)",
    )
    redirect.add_argument(
        "--client-account",
        metavar="NAME",
        default="default",
        help="where your app's client identifier and secret are read from, as "
        "python-amazon-sp-api reads an account (default: default)",
    )
    redirect.add_argument(
        "--state-file", metavar="PATH", help="the private file of pending consent URLs"
    )
    add_store_arguments(
        parser,
        account_help="the account to store the refresh token under "
        "(default: the selling_partner_id)",
    )


def _make_request(terminal, args, environ, color):
    """The consent URL from the options (asking for what is missing on a terminal)."""
    if not args.app_id:
        if not terminal.interactive:
            usage(args, "--app-id is needed (your app's App ID, amzn1.sp.solution.…)")
        args.app_id = terminal.ask("Your app's App ID (amzn1.sp.solution.…)").strip()
    if not (args.marketplace or args.region or args.consent_base_url):
        if not terminal.interactive:
            usage(args, "--marketplace CODE or --region NA|EU|FE is needed")
        args.marketplace = terminal.ask("The partner's marketplace", default="US").strip()
    try:
        return consent_request(
            args.app_id,
            marketplace=args.marketplace,
            region=args.region,
            vendor=args.vendor,
            draft=args.draft,
            redirect_uri=args.redirect_uri,
            consent_base_url=args.consent_base_url,
            state_file=args.state_file,
            environ=environ,
        )
    except AuthorizeError as error:
        say_findings(terminal, error.findings, color)
        return None
    except ValueError as error:
        usage(args, str(error))


def _show_request(terminal, request):
    terminal.say(request.describe())
    terminal.say("Open this address, sign in as the selling partner and choose Confirm:")
    terminal.print(request.url)


def run(args, *, terminal=None, environ=None) -> int:
    """``spapi-doctor authorize``; returns the exit status."""
    env = os.environ if environ is None else environ
    terminal = terminal or Terminal()
    color = color_wanted(args, terminal.err)
    modes = [m for m in ("print_url", "listen", "redirected_url") if getattr(args, m) is not None]
    modes = [m for m in modes if getattr(args, m) is not False]
    if len(modes) > 1:
        usage(args, "choose one of --print-url, --listen and --redirected-url")
    if not modes and not terminal.interactive:
        usage(
            args,
            "standard input is not a terminal: pass --print-url, --listen PORT or "
            "--redirected-url URL",
        )
    if args.print_url:
        request = _make_request(terminal, args, env, color)
        if request is None:
            return EXIT_PROBLEM
        terminal.say(request.describe())
        terminal.print(request.url)
        return EXIT_OK
    require_store_unless_asked(terminal, args)
    store = open_store_for(args, env) if args.store else None
    try:
        if args.redirected_url is not None:
            redirected = args.redirected_url
        else:
            request = _make_request(terminal, args, env, color)
            if request is None:
                return EXIT_PROBLEM
            _show_request(terminal, request)
            if args.listen is not None:
                try:
                    redirected = receive_redirect(
                        args.listen,
                        timeout=args.listen_timeout,
                        state_file=args.state_file,
                        environ=env,
                        on_ready=lambda url: terminal.say(
                            f"Waiting for the redirect on {url} (your https tunnel must forward "
                            f"the Redirect URI here), for {args.listen_timeout:.0f} s…"
                        ),
                    )
                except OSError as error:  # the port is taken, or not ours to bind
                    terminal.say(
                        f"spapi-doctor authorize: cannot listen on 127.0.0.1:{args.listen}: "
                        f"{error.strerror or error}. Choose another --listen port."
                    )
                    return EXIT_PROBLEM
            else:
                redirected = terminal.ask("Paste the address your browser ended on")
        params = redirect_parameters(redirected)
        account = args.account or params.get("selling_partner_id")
        if not account:
            if not terminal.interactive:
                usage(args, "the redirect has no selling_partner_id: pass --account NAME")
            account = terminal.ask("Account name for this partner").strip()
        args.account = account
        if store is None:
            store = choose_store(terminal, args, env)
            if store is None:
                terminal.say("No store chosen; the code was not used.")
                return EXIT_PROBLEM
        else:
            check_account_fits_store(args)
        # What the store would refuse is refused before the code is used: afterwards the new
        # token would be lost. (A broken or foreign file raises here; any refresh token
        # already there differs from the one the code will bring.)
        planned = store.plan({account: {"refresh_token": "(the new refresh token)"}})
        may_ask = terminal.interactive and not args.yes
        if not args.force and not may_ask and any(change.replaces for change in planned):
            raise StoreError(
                entry("store-account-exists").finding(
                    f"{store.location} already has account {account!r}; the code was not "
                    "used. Pass --force to replace it with the new refresh token, or "
                    "choose another --account."
                )
            )
        authorization = complete_authorization(
            redirected,
            account=args.client_account,
            state_file=args.state_file,
            environ=env,
            timeout=args.timeout,
        )
        terminal.say(f"✓ Authorised: {authorization.summary()}")
        result = store_values(
            terminal,
            args,
            store,
            account,
            authorization.credentials,
            replace_note="Declining discards the new refresh token (authorise again for another).",
        )
        if result is None:
            return EXIT_PROBLEM
    except (AuthorizeError, CredentialsError, CheckError, StoreError) as error:
        say_findings(terminal, error.findings, color)
        return EXIT_PROBLEM
    except (EOFError, KeyboardInterrupt):
        terminal.say("\nStopped.")
        return EXIT_PROBLEM
    report_stored(terminal, result)
    shadowed = library_reads(account, result, env)
    if shadowed is not None:
        say_findings(terminal, [shadowed], color)
    if not args.no_verify:
        terminal.say("Checking the new refresh token…")
        report = verify_values(
            authorization.credentials, account=account, timeout=args.timeout, environ=env
        )
        show_verification(terminal, report, color)
        terminal.say(("✓ " if report.ok else "! ") + report.verdict)
    return EXIT_OK
