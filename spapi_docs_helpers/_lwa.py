"""Login with Amazon: the token exchange (``POST /auth/o2/token``, form-encoded).

``grant_type=refresh_token`` turns a refresh token into a one-hour access token for
seller-authorised calls; ``grant_type=client_credentials`` with a scope gives a grantless
token (notifications, client-secret rotation). :func:`request_token` makes one request and
returns a :class:`TokenResult` that carries the verdict; it never raises. The notebook steps
that load the credentials and raise the verdict are in :mod:`._steps`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._diagnose import diagnose_lwa
from ._redaction import mask, protect_logs
from ._report import ShownResult

if TYPE_CHECKING:
    from ._catalogue import Finding
    from ._credentials import Credentials
    from ._transport import HttpResult, Transport

GRANTLESS_SCOPES = (
    "sellingpartnerapi::notifications",
    "sellingpartnerapi::client_credential:rotation",
)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"


@dataclass(slots=True, kw_only=True, repr=False, eq=False)
class TokenResult(ShownResult):
    """What LWA answered: ``access_token`` is the token itself, to send in
    x-amz-access-token (never print it: the repr, the summary and the JSON show it masked),
    or ``finding`` says why there is none."""

    _html_title = "LWA token"

    grant: str
    http: HttpResult | None
    finding: Finding | None
    access_token: str | None = None
    token_type: str | None = None
    expires_in: int | None = None
    scope: str | None = None

    @property
    def ok(self) -> bool:
        """True when LWA issued an access token."""
        return self.finding is None and bool(self.access_token)

    def summary(self) -> str:
        """One line: the masked token and its lifetime, or the finding's code."""
        if self.ok:
            scope = f" for {self.scope}" if self.scope else ""
            return (
                f"access token {mask(self.access_token)}{scope}, {self.token_type}, "
                f"expires in {self.expires_in} s"
            )
        return f"no token: {self.finding.code if self.finding else 'none issued'}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the LWA stage's data (token masked)."""
        return {
            "ok": self.ok,
            "grant": self.grant,
            "scope": self.scope,
            "access_token": mask(self.access_token) if self.access_token else None,
            "expires_in": self.expires_in,
            "status": self.http.status if self.http else None,
            "request_id": self.http.request_id if self.http else None,
            "attempts": self.http.attempts if self.http else None,
        }


def request_token(
    transport: Transport,
    endpoint: str,
    credentials: Credentials,
    *,
    grant: str = "refresh_token",
    scope: str | None = None,
    format_findings: Iterable[Finding] = (),
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
