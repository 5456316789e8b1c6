"""Login with Amazon's token endpoint: ``POST /auth/o2/token``.

Faithful to what Amazon sends (sp-api-auth-facts §3, failure-modes B1-B5):

* success: ``{"access_token":"Atza|…","refresh_token":"Atzr|…","token_type":"bearer",
  "expires_in":3600}`` for the ``refresh_token`` grant (the refresh token is echoed);
  ``{"access_token":"Atc|…","scope":"…","token_type":"bearer","expires_in":3600}`` for
  ``client_credentials`` (grantless) tokens, whose ``Atc|`` prefix is what LWA issues;
* errors: ``{"error_description":…,"error":…}`` with ``Content-Type:
  application/json;charset=UTF-8``, in the order LWA checks: the client first
  (``invalid_client``, 401: unknown client identifier, wrong secret, a previous secret
  more than 7 days after its rotation), then the grant (``invalid_request``,
  ``unsupported_grant_type``, ``invalid_grant``, ``unauthorized_client``,
  ``invalid_scope``, all 400). That order is what makes ``invalid_grant`` mean "the client
  is fine, the refresh token is not" (failure-modes B2);
* the body is read according to its Content-Type: form-encoded, or a JSON object
  (Amazon's own Java SDK sends JSON). A body of any other type, or one that does not
  parse, yields no client identifier, hence 401 ``invalid_client``: what users who sent
  JSON as a form, or no Content-Type, got (failure-modes B4).

Choices where Amazon's answer is not documented (and so may differ): another path gets
404, another method 405 (``Allow: POST``), a repeated parameter ``invalid_request``, a
body over 64 KiB 413; the descriptions of ``invalid_request`` and
``unsupported_grant_type`` follow Amazon's "The request has an invalid parameter : X"
wording and RFC 6749. The ``authorization_code`` grant redeems the codes the consent pages
issued (:mod:`._consent`): a valid one gets a new refresh token with its access token;
an unknown, expired, used or foreign one ``invalid_grant`` with Amazon's "…parameter :
code" text.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from ._http import Response, Service
from ._world import GRANTLESS_SCOPES

__all__ = ["TOKEN_PATH", "LoginWithAmazon"]

TOKEN_PATH = "/auth/o2/token"
CONTENT_TYPE = "application/json;charset=UTF-8"
EXPIRES_IN = 3600
# Form and JSON bodies of real token requests are a few hundred bytes.
MAX_BODY = 64 * 1024
MAX_PARAMETERS = 50

# LWA's wording. The checker has its own copy of the texts it recognises, on purpose: the
# mock must not agree with it by construction (a drift in either shows up in the tests).
INVALID_CLIENT = "Client authentication failed"
INVALID_GRANT = (
    "The request has an invalid grant parameter : refresh_token. User may have "
    "revoked or didn't grant the permission."
)
INVALID_CODE = "The request has an invalid grant parameter : code"
UNAUTHORIZED_CLIENT = "Not authorized for requested operation"
INVALID_SCOPE = "The request has an invalid parameter : scope"
UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server"

_STATUS_ERRORS = {
    400: ("invalid_request", "The request is malformed"),
    404: ("invalid_request", "The requested resource was not found"),
    405: ("invalid_request", "The request method must be POST"),
    413: ("invalid_request", "The request is too large"),
    429: ("temporarily_unavailable", "The request rate is too high; retry later"),
    500: ("server_error", "Internal server error"),
    503: ("temporarily_unavailable", "The service is temporarily unavailable"),
}

# RFC 6749 §5.1: token responses must not be cached.
_NO_STORE = (("Cache-Control", "no-cache, no-store"), ("Pragma", "no-cache"))


def _lwa_error(status, error, description, *, headers=()) -> Response:
    body = json.dumps(
        {"error_description": description, "error": error}, separators=(",", ":")
    ).encode()
    return Response(status, body, CONTENT_TYPE, headers=(*_NO_STORE, *headers), error_code=error)


class _Duplicate(Exception):
    def __init__(self, name):
        super().__init__(name)
        self.name = name


def _parameters(request) -> dict:
    """The parameters of the body, as one string each ({} when they cannot be read)."""
    media_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    text = request.body.decode("utf-8", errors="replace")
    if media_type == "application/x-www-form-urlencoded":
        try:
            parsed = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_PARAMETERS)
        except ValueError:
            return {}
        for name, values in parsed.items():
            if len(values) > 1:
                raise _Duplicate(name)
        return {name: values[0] for name, values in parsed.items()}
    if media_type == "application/json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(name): value if isinstance(value, str) else json.dumps(value)
            for name, value in data.items()
        }
    return {}


class LoginWithAmazon(Service):
    fault_service = "lwa"
    label = "lwa"
    max_body = MAX_BODY
    status_errors = _STATUS_ERRORS

    def __init__(self, world, codes=None):
        self.world = world
        # The consent pages' authorization codes (None: no code is ever valid).
        self.codes = codes

    def error_answer(self, status, described, message, headers) -> Response:
        error, description = described
        return _lwa_error(status, error, message or description, headers=headers)

    def handle(self, request) -> Response:
        if request.path != TOKEN_PATH:
            return self.error(404)
        if request.method != "POST":
            return _lwa_error(
                405,
                "invalid_request",
                "The request method must be POST",
                headers=(("Allow", "POST"),),
            )
        try:
            params = _parameters(request)
        except _Duplicate as duplicate:
            return _lwa_error(
                400, "invalid_request", f"The request has a duplicate parameter : {duplicate.name}"
            )

        client = self.world.authenticate_client(
            params.get("client_id") or "", params.get("client_secret") or ""
        )
        if client is None:
            return _lwa_error(401, "invalid_client", INVALID_CLIENT)
        app, secret = client

        grant_type = params.get("grant_type")
        if not grant_type:
            return _missing("grant_type")
        if grant_type == "refresh_token":
            return self._refresh_token_grant(app, secret, params)
        if grant_type == "client_credentials":
            return self._client_credentials_grant(app, secret, params)
        if grant_type == "authorization_code":
            return self._authorization_code_grant(app, secret, params)
        return _lwa_error(400, "unsupported_grant_type", UNSUPPORTED_GRANT)

    def _refresh_token_grant(self, app, secret, params) -> Response:
        refresh_token = params.get("refresh_token")
        if not refresh_token:
            return _missing("refresh_token")
        authorization = self.world.authorization(refresh_token)
        if authorization is None or authorization.revoked:
            return _lwa_error(400, "invalid_grant", INVALID_GRANT)
        if authorization.app != app.key:
            return _lwa_error(400, "unauthorized_client", UNAUTHORIZED_CLIENT)
        grant = self.world.issue_access_token(app, secret, authorization=authorization)
        return _token_response(
            {
                "access_token": grant.access_token,
                "refresh_token": refresh_token,
                "token_type": "bearer",
                "expires_in": EXPIRES_IN,
            }
        )

    def _authorization_code_grant(self, app, secret, params) -> Response:
        code = params.get("code")
        if not code:
            return _missing("code")
        authorization = (
            self.codes.redeem(code, app, params.get("redirect_uri")) if self.codes else None
        )
        if authorization is None:
            return _lwa_error(400, "invalid_grant", INVALID_CODE)
        grant = self.world.issue_access_token(app, secret, authorization=authorization)
        return _token_response(
            {
                "access_token": grant.access_token,
                "refresh_token": authorization.refresh_token,
                "token_type": "bearer",
                "expires_in": EXPIRES_IN,
            }
        )

    def _client_credentials_grant(self, app, secret, params) -> Response:
        scope = params.get("scope") or ""
        scopes = scope.split()
        if not scopes or any(item not in GRANTLESS_SCOPES for item in scopes):
            return _lwa_error(400, "invalid_scope", INVALID_SCOPE)
        grant = self.world.issue_access_token(app, secret, scopes=scopes)
        return _token_response(
            {
                "access_token": grant.access_token,
                "scope": scope,
                "token_type": "bearer",
                "expires_in": EXPIRES_IN,
            }
        )


def _missing(name) -> Response:
    return _lwa_error(
        400, "invalid_request", f"The request is missing a required parameter : {name}"
    )


def _token_response(data) -> Response:
    return Response(
        200, json.dumps(data, separators=(",", ":")).encode(), CONTENT_TYPE, headers=_NO_STORE
    )
