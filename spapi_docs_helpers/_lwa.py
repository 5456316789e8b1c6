"""Login with Amazon: the token exchange (``POST /auth/o2/token``, form-encoded).

``grant_type=refresh_token`` turns a refresh token into a one-hour access token for
seller-authorised calls; ``grant_type=client_credentials`` with a scope gives a grantless
token (notifications, client-secret rotation). :func:`request_token` makes one request and
returns a :class:`TokenResult` that carries the verdict; it never raises. The notebook steps
that load the credentials and raise the verdict are in :mod:`._steps`.
"""

from __future__ import annotations

from ._diagnose import diagnose_lwa
from ._redaction import mask, protect_logs

GRANTLESS_SCOPES = (
    "sellingpartnerapi::notifications",
    "sellingpartnerapi::client_credential:rotation",
)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"


class TokenResult:
    """What LWA answered. ``access_token`` is the real token; display shows it masked."""

    __slots__ = ("_access_token", "expires_in", "finding", "grant", "http", "scope", "token_type")

    def __init__(
        self,
        *,
        grant,
        http,
        finding,
        access_token=None,
        token_type=None,
        expires_in=None,
        scope=None,
    ):
        self.grant = grant
        self.http = http
        self.finding = finding
        self._access_token = access_token
        self.token_type = token_type
        self.expires_in = expires_in
        self.scope = scope

    @property
    def ok(self) -> bool:
        """True when LWA issued an access token."""
        return self.finding is None and bool(self._access_token)

    @property
    def access_token(self):
        """The access token itself, to send in x-amz-access-token (never print it)."""
        return self._access_token

    def summary(self) -> str:
        """One line: the masked token and its lifetime, or the finding's code."""
        if self.ok:
            scope = f" for {self.scope}" if self.scope else ""
            return (
                f"access token {mask(self._access_token)}{scope}, {self.token_type}, "
                f"expires in {self.expires_in} s"
            )
        return f"no token: {self.finding.code}"

    def as_dict(self) -> dict:
        """The JSON form used in the LWA stage's data (token masked)."""
        return {
            "ok": self.ok,
            "grant": self.grant,
            "scope": self.scope,
            "access_token": mask(self._access_token) if self._access_token else None,
            "expires_in": self.expires_in,
            "status": self.http.status if self.http else None,
            "request_id": self.http.request_id if self.http else None,
            "attempts": self.http.attempts if self.http else None,
        }

    def __repr__(self):
        return f"TokenResult({self.summary()})"

    def _repr_html_(self):
        from ._html import result_html

        return result_html("LWA token", self.ok, self.summary(), self.finding)


def request_token(
    transport, endpoint, credentials, *, grant="refresh_token", scope=None, format_findings=()
) -> TokenResult:
    """One LWA token request; never raises (the result carries the verdict)."""
    form = {
        "grant_type": grant,
        "client_id": credentials.lwa_app_id,
        "client_secret": credentials.lwa_client_secret,
    }
    if grant == "refresh_token":
        form["refresh_token"] = credentials.refresh_token
    else:
        form["scope"] = scope
    secrets = [v for k, v in form.items() if k != "grant_type" and isinstance(v, str)]
    protect_logs(secrets)
    http = transport.request(
        "POST", endpoint, data=form, headers={"Content-Type": FORM_CONTENT_TYPE}
    )
    finding = diagnose_lwa(http, format_findings=format_findings, grant=grant, secrets=secrets)
    if finding is not None:
        return TokenResult(grant=grant, http=http, finding=finding, scope=scope)
    body = http.json()
    protect_logs((body["access_token"],))
    return TokenResult(
        grant=grant,
        http=http,
        finding=None,
        access_token=body["access_token"],
        token_type=body.get("token_type"),
        expires_in=body.get("expires_in"),
        scope=scope,
    )
