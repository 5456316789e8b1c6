"""A fleet of selling partners for the mock: what an agency's ``credentials.yml`` holds.

``spapi-doctor mock --sellers N --broken K --accounts-file PATH`` (and
:meth:`MockAmazon.stand_up_fleet`) adds N sellers to the world, each with an account in one
region (NA, EU and FE in turn, with that region's marketplaces), and authorises the cast's
main app (``My SP-API App``: one client identifier and secret for every account, as an
agency's app) on each of them. Each account is an authorisation of its own, so each has its
own rate-limit buckets, as each seller-and-app pair has at Amazon.

K of the accounts have a seller-level fault, the kinds in turn:

* ``revoked``: the seller removed the app (LWA answers ``invalid_grant``);
* ``no-roles``: the authorisation carries no role (authorised before the app had any):
  LWA issues a token, and every SP-API operation answers the bare 403;
* ``another-app``: the refresh token is the seller's authorisation of another app of the
  developer (LWA answers ``unauthorized_client``).

The values are derived from the seller's number (the same N gives the same file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from . import _world as w

__all__ = ["FAULTS", "FleetAccount", "fleet"]

FAULTS = ("revoked", "no-roles", "another-app")
REGION_ORDER = ("NA", "EU", "FE")
# Each region's marketplaces (python-amazon-sp-api's codes), as the cast's sellers have them.
MARKETPLACES = {"NA": ("US", "CA", "MX"), "EU": ("DE", "FR", "IT", "ES", "UK"), "FE": ("JP", "AU")}
MAX_SELLERS = 100_000


@dataclass(frozen=True)
class FleetAccount:
    """One account of the fleet: its name in the file, its region, its fault (or None) and
    its three LWA credentials."""

    name: str
    region: str
    fault: str | None
    credentials: dict[str, str]


def _partner_key(number: int) -> str:
    return f"mock-fleet-seller-{number:06d}"


def fleet(world: w.World, sellers: int, broken: int = 0) -> list[FleetAccount]:
    """Add ``sellers`` sellers to ``world``, authorise the main app on each, ``broken`` of
    them with a fault (spread evenly through the fleet); their accounts, in order."""
    if not 0 < sellers <= MAX_SELLERS:
        raise ValueError(f"sellers must be between 1 and {MAX_SELLERS}")
    if not 0 <= broken <= sellers:
        raise ValueError(f"broken must be between 0 and sellers ({sellers})")
    main = world.apps[w.APP_MAIN]
    step = sellers / broken if broken else 0
    faulty = {int(index * step) for index in range(broken)}
    issued = world.now - timedelta(days=20)
    accounts = []
    faults_so_far = 0
    for number in range(sellers):
        region = REGION_ORDER[number % len(REGION_ORDER)]
        key = _partner_key(number)
        world.add_partner(
            w.Partner(key, f"Mock Fleet Seller {number}", "seller", region, MARKETPLACES[region])
        )
        fault = None
        if number in faulty:
            fault = FAULTS[faults_so_far % len(FAULTS)]
            faults_so_far += 1
        roles = frozenset() if fault == "no-roles" else w.COMMON_ROLES
        authorization = w.Authorization(
            f"{w.APP_MAIN}/{key}", w.APP_MAIN, key, region, roles, issued, fault == "revoked"
        )
        world.add_authorization(authorization)
        token = authorization.refresh_token
        if fault == "another-app":
            elsewhere = w.Authorization(
                f"{w.APP_OTHER}/{key}", w.APP_OTHER, key, region, w.COMMON_ROLES, issued
            )
            world.add_authorization(elsewhere)
            token = elsewhere.refresh_token
        accounts.append(
            FleetAccount(
                name=f"seller-{number:06d}-{region.lower()}",
                region=region,
                fault=fault,
                credentials={
                    "refresh_token": token,
                    "lwa_app_id": main.client_id,
                    "lwa_client_secret": main.current_secret.value,
                },
            )
        )
    return accounts


def accounts_file_text(accounts: list[FleetAccount], marker: str) -> str:
    """``credentials.yml``'s shape: ``version`` and one mapping per account, after the
    ``marker`` comment line (the values are hex and base64url: plain YAML needs quotes only
    for the refresh token's ``|``)."""
    lines = [marker, "version: '1.0'"]
    for account in accounts:
        lines.append(f"{account.name}:")
        for key in ("refresh_token", "lwa_app_id", "lwa_client_secret"):
            lines.append(f'  {key}: "{account.credentials[key]}"')
    return "\n".join(lines) + "\n"
