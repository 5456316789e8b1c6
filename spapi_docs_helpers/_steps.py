"""The notebook-facing steps: one service call each, from the credentials to a typed result.

A step takes the credentials (a :class:`Credentials`, a dict, or nothing: then they are
loaded the way python-amazon-sp-api loads them), opens a transport with the endpoints the
environment selects (the mock's, when its variables are set), calls the service module's
request function and returns its result, or raises the exception that carries the verdict
(:class:`LwaError`, :class:`StsError`, :class:`SellingPartnerApiError`, or
:class:`TransportError` when no usable answer came).

The steps live here, not beside the calls they make, so that ``_lwa``, ``_sts`` and
``_spapi`` stay "request, parse, typed result": they never look credentials up and never
raise, and the check (``_doctor``) uses them as they are.
"""

from __future__ import annotations

from ._credentials import Credentials
from ._endpoints import endpoints_from_env
from ._errors import LwaError, SellingPartnerApiError, StsError, raise_verdict
from ._lwa import TokenResult, request_token
from ._sources import credentials_for
from ._spapi import RegionProbe, RoleTable, find_region, search
from ._sts import (
    IdentityResult,
    RoleResult,
    request_assume_role,
    request_caller_identity,
    sts_client_or_finding,
)
from ._transport import Transport

# The typing names are for the type checker only (the steps need no typing at run time).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


# --------------------------------------------------------------------------- Login with Amazon


def _token(result: TokenResult) -> TokenResult:
    if not result.ok:
        assert result.finding is not None  # not ok means a finding
        raise_verdict(result.finding, LwaError, result=result)
    return result


def exchange_refresh_token(
    credentials: Credentials | Mapping[str, Any] | None = None,
    *,
    account: str = "default",
    endpoint: str | None = None,
    timeout: float = 10.0,
) -> TokenResult:
    """Exchange the refresh token for an access token, as every SP-API client does.

    ``credentials`` may be a :class:`Credentials`, a dict, or None to load them the way
    python-amazon-sp-api does. The endpoint is ``SPAPI_LWA_ENDPOINT`` when set (the mock),
    else Amazon's. Raises :class:`LwaError` (a verdict naming the credential) or
    :class:`TransportError` (no usable answer).
    """
    creds = credentials_for(credentials, account)
    with Transport(timeout=timeout) as transport:
        result = request_token(transport, endpoint or endpoints_from_env().lwa, creds)
    return _token(result)


def get_grantless_token(
    scope: str,
    credentials: Credentials | Mapping[str, Any] | None = None,
    *,
    account: str = "default",
    endpoint: str | None = None,
    timeout: float = 10.0,
) -> TokenResult:
    """A grantless (client_credentials) token for ``scope``; raises like the exchange."""
    creds = credentials_for(credentials, account)
    with Transport(timeout=timeout) as transport:
        result = request_token(
            transport,
            endpoint or endpoints_from_env().lwa,
            creds,
            grant="client_credentials",
            scope=scope,
        )
    return _token(result)


# --------------------------------------------------------------------------- the SP-API


def _search(
    token: TokenResult | str, sandbox: bool, timeout: float, *, roles: bool
) -> tuple[RegionProbe, RoleTable | None]:
    """One transport for the region search (and, with ``roles``, its role probes)."""
    access_token = (token.access_token if isinstance(token, TokenResult) else token) or ""
    endpoints = endpoints_from_env(sandbox=sandbox)
    table = None
    with Transport(timeout=timeout) as transport:
        if roles:
            probe, table = search(transport, endpoints, access_token)
        else:
            probe = find_region(transport, endpoints, access_token)
    if not probe.ok:
        raise_verdict(
            probe.findings[0], SellingPartnerApiError, result=probe, findings=probe.findings
        )
    return probe, table


def probe_regions(
    token: TokenResult | str, *, sandbox: bool = False, timeout: float = 10.0
) -> RegionProbe:
    """Which region lets ``token`` (an access token or a TokenResult) through, and the
    seller's marketplaces, in as few calls as the verdict allows: first
    ``getMarketplaceParticipations`` in every region, the other region probes only when no
    region lets that one through (the calls of ``check(roles=False)``). The role probes
    are :func:`probe_roles`' part; every SP-API call counts against the app's quota for
    its operation.

    Raises :class:`SellingPartnerApiError` or :class:`TransportError` when no region does.
    """
    probe, _table = _search(token, sandbox, timeout, roles=False)
    return probe


def probe_roles(
    token: TokenResult | str, *, sandbox: bool = False, timeout: float = 10.0
) -> RoleTable:
    """Which of the probed operations ``token`` may call in its region, and what that
    proves about the app's roles. Raises like :func:`probe_regions` when no region lets
    the token through."""
    _probe, table = _search(token, sandbox, timeout, roles=True)
    assert table is not None  # a region let the token through: its table was made
    return table


# --------------------------------------------------------------------------- AWS STS (legacy)


def _sts_client(
    credentials: Credentials | Mapping[str, Any] | None,
    account: str,
    endpoint_url: str | None,
    timeout: float,
) -> tuple[Credentials, Any]:
    creds = credentials_for(credentials, account)
    client, finding = sts_client_or_finding(
        creds, endpoint_url=endpoint_url or endpoints_from_env().sts, timeout=timeout
    )
    if finding is not None:
        raise_verdict(finding, StsError)
    return creds, client


def caller_identity(
    credentials: Credentials | Mapping[str, Any] | None = None,
    *,
    account: str = "default",
    endpoint_url: str | None = None,
    timeout: float = 10.0,
) -> IdentityResult:
    """Whose AWS keys these are (GetCallerIdentity). Raises :class:`StsError` on failure."""
    creds, client = _sts_client(credentials, account, endpoint_url, timeout)
    result = request_caller_identity(client, creds)
    if result.finding is not None:
        raise_verdict(result.finding, StsError, result=result)
    return result


def assume_role(
    credentials: Credentials | Mapping[str, Any] | None = None,
    *,
    account: str = "default",
    endpoint_url: str | None = None,
    timeout: float = 10.0,
) -> RoleResult:
    """Assume ``role_arn`` with the user's keys (AssumeRole). Raises :class:`StsError`,
    with GetCallerIdentity's verdict when the keys themselves are the problem."""
    creds, client = _sts_client(credentials, account, endpoint_url, timeout)
    identity = request_caller_identity(client, creds)
    if identity.finding is not None:
        raise_verdict(identity.finding, StsError, result=identity)
    result = request_assume_role(client, creds, caller_arn=identity.arn)
    if result.finding is not None:
        raise_verdict(result.finding, StsError, result=result)
    return result
