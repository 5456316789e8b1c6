"""The mock's world, as data: apps, selling partners, authorisations, IAM users and roles.

Amazon's side of SP-API authorisation is a handful of facts, and every answer the mock
gives is computed from them:

* an **app** has an LWA client identifier, its client secrets (the current one, and the
  previous one for 7 days after a rotation), the roles it was granted, and whether it is
  registered for the sandbox only;
* a **selling partner** is a seller (Seller Central) or a vendor (Vendor Central) with an
  account in one region (NA, EU or FE) and that account's marketplaces;
* an **authorisation** ("Authorize app" in Seller Central or Vendor Central) is a refresh
  token: it binds one app to one partner's account in one region, with the roles the app
  had at that moment, and it can be revoked;
* an **access token** issued by LWA carries all of that (app, partner, region, roles,
  the client secret used), frozen when it is issued.

Roles are named as Amazon's role model names them (:func:`spapi_docs_helpers._roles.role_model`,
the only holder of role facts): the world only says which roles each app holds, and
refuses a name the model does not know. Which operation a role grants, in which region, is
the model's to say; the SP-API servers ask it (:mod:`._spapi`).

Time is a fixed "now" (:data:`MOCK_NOW` unless configured), so secret ages, and with them
every answer, are the same on every run; a later "now" ages the world's secrets. Rules
taken from Amazon's documentation (``/docs/rotating-your-apps-lwa-credentials`` and the
May 2023 rotation changelog):

* a client secret lives 180 days. Past that, LWA still issues tokens with it, and SP-API
  refuses them with "The LWA secret token you provided has expired.";
* after a rotation, the previous secret keeps working for 7 days; then LWA answers
  ``invalid_client``;
* roles reach a refresh token only when the app is authorised again: a refresh token
  carries the roles the app had when it was issued, and an access token those of them the
  app still has when LWA issues it (fixed for the access token's life).

The AWS part (IAM users, keys, the role and the Secrets Manager secret) is described
here as data; :mod:`._aws` loads it into moto, which then answers for it.

One world, :func:`default_world`, holds every cast member the scenarios need; a scenario
only chooses which credentials the user has configured. :meth:`World.new_authorisation`
adds apps and authorisations while the mock runs (for tests that try many role sets).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from .._credentials import field_spec
from .._roles import ACCOUNT_TYPES, REGION_CODES, role_model
from . import _samples

__all__ = [
    "MOCK_NOW",
    "AccessGrant",
    "App",
    "Authorization",
    "AwsWorld",
    "ClientSecret",
    "IamRole",
    "IamUser",
    "Partner",
    "StoredSecret",
    "World",
    "checked_roles",
    "default_world",
    "role_slug",
]

MOCK_NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)

SECRET_LIFETIME = timedelta(days=180)
ROTATION_GRACE = timedelta(days=7)

# Scopes of grantless (client_credentials) tokens that LWA grants today.
SCOPE_NOTIFICATIONS = "sellingpartnerapi::notifications"
SCOPE_ROTATION = "sellingpartnerapi::client_credential:rotation"
GRANTLESS_SCOPES = frozenset({SCOPE_NOTIFICATIONS, SCOPE_ROTATION})


def checked_roles(roles) -> frozenset:
    """``roles`` as a frozenset, each a role of Amazon's role model (else ValueError)."""
    if isinstance(roles, str):
        raise ValueError(f"roles must be a collection of role names, not the string {roles!r}")
    names = frozenset(roles)
    known = role_model().roles
    unknown = sorted(name for name in names if name not in known)
    if unknown:
        raise ValueError(
            f"unknown role(s) {', '.join(map(repr, unknown))}; Amazon's role model names these "
            f"roles: {', '.join(sorted(known))}"
        )
    return names


@functools.lru_cache(maxsize=256)
def role_slug(role: str) -> str:
    """A role's name in lower-case words joined by ``-`` ("Product Listing" → product-listing)."""
    words = "".join(c.lower() if c.isalnum() else " " for c in role).split()
    return "-".join(words)


@dataclass
class ClientSecret:
    """One LWA client secret of an app."""

    value: str
    issued_at: datetime
    # When a rotation replaced it; None while it is the app's current secret.
    superseded_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        """Past its 180-day life (SP-API refuses tokens obtained with it)."""
        return now - self.issued_at > SECRET_LIFETIME

    def accepted_by_lwa(self, now: datetime) -> bool:
        """Current, or replaced less than 7 days ago."""
        return self.superseded_at is None or now - self.superseded_at <= ROTATION_GRACE


@dataclass
class App:
    """A developer's SP-API application, as Develop Apps shows it."""

    key: str
    name: str
    roles: frozenset
    # Newest first: secrets[0] is the current one.
    secrets: list
    # The number of the current secret: 0 for the app's first, one more per rotation. It
    # seeds the next secret's value (the list of secrets is trimmed, so its length cannot).
    generation: int = 0
    # Registered for the sandbox only: the production hosts deny it every operation.
    sandbox_only: bool = False
    # The SQS queue (its name, in the world's AWS account) registered in Notification
    # Preferences for both rows, "Application Client Secret Expiry" and "Application
    # Client New Secret"; None: not enrolled, and rotateApplicationClientSecret answers
    # 400 "Application is not enrolled for rotation notification...".
    notification_queue: str | None = None
    client_id: str = field(init=False)
    app_id: str = field(init=False)

    def __post_init__(self):
        self.roles = checked_roles(self.roles)
        self.client_id = _samples.client_id(self.key)
        self.app_id = _samples.app_id(self.key)

    @property
    def current_secret(self) -> ClientSecret:
        return self.secrets[0]

    @property
    def previous_secret(self) -> ClientSecret | None:
        return self.secrets[1] if len(self.secrets) > 1 else None


@dataclass(frozen=True)
class Partner:
    """A selling partner's account in one region: a seller's (Seller Central) or a
    vendor's (Vendor Central)."""

    key: str
    store_name: str
    account_type: str
    region: str
    # Marketplace codes (python-amazon-sp-api's names, see _endpoints), all in ``region``.
    marketplaces: tuple
    selling_partner_id: str = field(init=False)
    # The one order of the account: an Amazon order number for a seller (Orders API), a
    # purchase order number for a vendor (Vendor Orders API).
    order_id: str = field(init=False)

    def __post_init__(self):
        if self.account_type not in ACCOUNT_TYPES:
            raise ValueError(f"account_type must be one of {ACCOUNT_TYPES}: {self.account_type!r}")
        if self.region not in REGION_CODES:
            raise ValueError(f"region must be one of {REGION_CODES}: {self.region!r}")
        object.__setattr__(self, "marketplaces", tuple(self.marketplaces))
        object.__setattr__(self, "selling_partner_id", _samples.selling_partner_id(self.key))
        order_id = (
            _samples.order_id(self.key)
            if self.account_type == "seller"
            else _samples.purchase_order_number(self.key)
        )
        object.__setattr__(self, "order_id", order_id)

    def marketplaces_in(self, region: str) -> tuple:
        return self.marketplaces if region == self.region else ()


@dataclass
class Authorization:
    """One self-authorisation: a refresh token for (app, partner, region, roles)."""

    key: str
    app: str
    partner: str
    region: str
    roles: frozenset
    issued_at: datetime
    revoked: bool = False
    refresh_token: str = field(init=False)

    def __post_init__(self):
        self.roles = checked_roles(self.roles)
        self.refresh_token = _samples.refresh_token(self.key)


@dataclass(frozen=True)
class AccessGrant:
    """What one access token stands for, frozen when LWA issued it."""

    access_token: str
    app: str
    secret: ClientSecret
    # None for a grantless (client_credentials) token.
    authorization: Authorization | None
    roles: frozenset
    scopes: frozenset

    @property
    def region(self) -> str | None:
        return self.authorization.region if self.authorization else None

    @property
    def partner(self) -> str | None:
        return self.authorization.partner if self.authorization else None


@dataclass(frozen=True)
class IamUser:
    name: str
    # (access key ID, secret access key), or None for a user without keys
    access_key: tuple | None
    # (policy name, policy document) pairs, attached inline
    policies: tuple = ()


@dataclass(frozen=True)
class IamRole:
    name: str
    # Users named as principals in the trust policy. (moto matches principals exactly
    # and does not expand "arn:aws:iam::<account>:root", so users are listed.)
    trusted_users: tuple
    policies: tuple = ()


@dataclass(frozen=True)
class StoredSecret:
    """An AWS Secrets Manager secret holding SP-API credentials as JSON."""

    name: str
    value: dict


@dataclass(frozen=True)
class AwsWorld:
    account_id: str
    region: str
    users: tuple
    roles: tuple
    secrets: tuple
    # SQS queues: (name, attributes) pairs, created in this order (a dead-letter queue
    # before the queue that names it); the attributes are SQS's (Policy, RedrivePolicy).
    queues: tuple = ()

    def user_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{name}"

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    def user(self, name: str) -> IamUser:
        return next(user for user in self.users if user.name == name)

    def queue_arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"


class World:
    """The state the mock serves. Thread-safe: the servers share one world."""

    def __init__(self, *, now, apps, partners, authorizations, aws):
        self.now = now
        # The world's clock stands still at ``now``; what it tells the outside in wall-clock
        # time (the dates of Amazon's notifications) is shifted by this much, so that a
        # reader comparing them with its own clock sees the days the scenario describes.
        # MockAmazon sets it to "the moment it starts" minus ``now``.
        self.clock_offset = timedelta(0)
        self.apps = {app.key: app for app in apps}
        self.partners = {partner.key: partner for partner in partners}
        self.authorizations = {auth.key: auth for auth in authorizations}
        self.aws = aws
        self._by_refresh_token = {auth.refresh_token: auth for auth in authorizations}
        self._by_client_id = {app.client_id: app for app in apps}
        self._grants = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ LWA's view
    def authenticate_client(self, client_id: str, secret: str):
        """``(app, client_secret)`` when LWA accepts the pair, else None."""
        with self._lock:
            app = self._by_client_id.get(client_id)
            if app is None:
                return None
            for candidate in app.secrets:
                if candidate.value == secret and candidate.accepted_by_lwa(self.now):
                    return app, candidate
            return None

    def authorization(self, refresh_token: str) -> Authorization | None:
        with self._lock:
            return self._by_refresh_token.get(refresh_token)

    def issue_access_token(
        self, app: App, secret: ClientSecret, *, authorization=None, scopes=()
    ) -> AccessGrant:
        """A token for the grant. The same grant (same app, secret, refresh token or
        scopes, and roles) always gets the same token: notebook outputs stay stable."""
        scopes = frozenset(scopes)
        with self._lock:
            roles = authorization.roles & app.roles if authorization else frozenset()
            subject = (
                authorization.refresh_token
                if authorization
                else "client_credentials:" + " ".join(sorted(scopes))
            )
            material = f"{app.client_id}|{secret.value}|{subject}|{'|'.join(sorted(roles))}"
            seed = hashlib.sha256(material.encode()).hexdigest()
            token = _samples.access_token(seed, grantless=authorization is None)
            grant = AccessGrant(token, app.key, secret, authorization, roles, scopes)
            self._grants[token] = grant
            return grant

    # ------------------------------------------------------------------ SP-API's view
    def access_grant(self, access_token: str) -> AccessGrant | None:
        """The grant behind a token, or None if it is unknown or was revoked since."""
        with self._lock:
            grant = self._grants.get(access_token)
            if (
                grant is not None
                and grant.authorization is not None
                and grant.authorization.revoked
            ):
                return None
            return grant

    def rotate_client_secret(self, app: App) -> ClientSecret:
        """rotateApplicationClientSecret: a new current secret; the old one gets 7 days."""
        with self._lock:
            app.generation += 1
            fresh = ClientSecret(_samples.client_secret(f"{app.key}#{app.generation}"), self.now)
            app.current_secret.superseded_at = self.now
            # Only one previous secret stays usable; older ones are gone for good.
            app.secrets = [fresh, app.secrets[0]]
            return fresh

    def new_secret_notification(self, app: App, fresh: ClientSecret) -> dict:
        """The APPLICATION_OAUTH_CLIENT_NEW_SECRET notification of the rotation that
        issued ``fresh`` (Amazon's payload; see :mod:`._notifications`), in wall-clock
        time: the new secret lives 180 days, the one it replaced 7 more days."""
        from ._notifications import new_secret_notification

        issued = fresh.issued_at + self.clock_offset
        return new_secret_notification(
            client_id=app.client_id,
            application_id=app.app_id,
            new_secret=fresh.value,
            new_expires_at=issued + SECRET_LIFETIME,
            old_expires_at=issued + ROTATION_GRACE,
            event_time=issued,
        )

    def expiry_notifications(self, app: App) -> list:
        """Every APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY notification Amazon has sent by now
        for the app's current secret (90, 60, 30, 15, 7 and 1 days before it expires)."""
        from ._notifications import expiry_notifications_sent

        with self._lock:
            return expiry_notifications_sent(
                client_id=app.client_id,
                application_id=app.app_id,
                expires_at=app.current_secret.issued_at + SECRET_LIFETIME + self.clock_offset,
                now=self.now + self.clock_offset,
            )

    def add_partner(self, partner: Partner) -> None:
        """A new selling partner's account (a fleet's: see :mod:`._fleet`)."""
        with self._lock:
            if partner.key in self.partners:
                raise ValueError(f"the world already has the partner {partner.key!r}")
            self.partners[partner.key] = partner

    def add_authorization(self, authorization: Authorization) -> None:
        """A new authorisation (a seller consented to an app: see :mod:`._consent`)."""
        with self._lock:
            self.authorizations[authorization.key] = authorization
            self._by_refresh_token[authorization.refresh_token] = authorization

    def advance(self, delta: timedelta) -> None:
        """Move the world's clock on (authorization codes and secrets age with it)."""
        with self._lock:
            self.now += delta

    def revoke(self, authorization_key: str) -> None:
        """The partner removes the app's authorisation (Manage Your Apps)."""
        with self._lock:
            self.authorizations[authorization_key].revoked = True

    # ------------------------------------------------------------------ new members
    def new_authorisation(
        self, roles, region: str, *, account_type: str = "seller", sandbox_only: bool = False
    ) -> Authorization:
        """Register an app holding ``roles`` (one app per distinct role set and
        ``sandbox_only``) and authorise it on the cast's ``account_type`` account in
        ``region``. The values derive from the arguments alone: the same arguments give
        the same app and refresh token, on every run and in every mock."""
        roles = checked_roles(roles)
        if region not in REGION_CODES:
            raise ValueError(f"region must be one of {', '.join(REGION_CODES)}, not {region!r}")
        if account_type not in ACCOUNT_TYPES:
            raise ValueError(
                f"account_type must be one of {', '.join(ACCOUNT_TYPES)}, not {account_type!r}"
            )
        if not isinstance(sandbox_only, bool):
            raise ValueError(f"sandbox_only must be True or False, not {sandbox_only!r}")
        digest = hashlib.sha256("|".join(sorted(roles)).encode()).hexdigest()[:16]
        app_key = f"mock-app-roles-{digest}" + ("-sandbox-only" if sandbox_only else "")
        partner_key = PARTNER_BY_REGION[(region, account_type)]
        with self._lock:
            app = self.apps.get(app_key)
            if app is None:
                app = _app(
                    app_key,
                    f"App holding {len(roles)} role(s)",
                    roles,
                    sandbox_only=sandbox_only,
                    issued_at=self.now - timedelta(days=30),
                )
                self.apps[app.key] = app
                self._by_client_id[app.client_id] = app
            key = f"{app_key}/{partner_key}"
            authorization = self.authorizations.get(key)
            if authorization is None:
                authorization = Authorization(
                    key, app_key, partner_key, region, roles, self.now - timedelta(days=1)
                )
                self.authorizations[key] = authorization
                self._by_refresh_token[authorization.refresh_token] = authorization
            return authorization


# ---------------------------------------------------------------------- the cast
APP_MAIN = "mock-app-1"
APP_OTHER = "mock-app-2"
APP_ROTATED_3_DAYS = "mock-app-rotated-3-days-ago"
APP_ROTATED_10_DAYS = "mock-app-rotated-10-days-ago"
APP_EXPIRED_SECRET = "mock-app-secret-200-days-old"
APP_WITHOUT_LISTING = "mock-app-without-product-listing"
APP_LISTING_ADDED = "mock-app-product-listing-added-later"
APP_WITHOUT_ROLES = "mock-app-without-roles"
APP_GUIDE_EXAMPLE = "mock-app-guide-example-roles"
APP_VENDOR = "mock-app-vendor-roles"
APP_SANDBOX_ONLY = "mock-app-sandbox-only"
APP_RESTRICTED_ONLY = "mock-app-restricted-roles-only"
# Secrets 5 and 45 days from their 180th day: Amazon has sent expiry notifications.
APP_SECRET_EXPIRES_IN_5_DAYS = "mock-app-secret-175-days-old"
APP_SECRET_EXPIRES_IN_45_DAYS = "mock-app-secret-135-days-old"
# Registered no queue in Notification Preferences: it cannot rotate through the API.
APP_NOT_ENROLLED = "mock-app-not-enrolled-for-rotation"

SELLER_NA = "mock-seller-na"
SELLER_EU = "mock-seller-eu"
SELLER_FE = "mock-seller-fe"
VENDOR_NA = "mock-vendor-na"
VENDOR_EU = "mock-vendor-eu"
VENDOR_FE = "mock-vendor-fe"
# The account new_authorisation() authorises on, per (region, account type).
PARTNER_BY_REGION = {
    ("NA", "seller"): SELLER_NA,
    ("EU", "seller"): SELLER_EU,
    ("FE", "seller"): SELLER_FE,
    ("NA", "vendor"): VENDOR_NA,
    ("EU", "vendor"): VENDOR_EU,
    ("FE", "vendor"): VENDOR_FE,
}

AUTH_MAIN_NA = "mock-app-1/mock-seller-na"
AUTH_MAIN_EU = "mock-app-1/mock-seller-eu"
AUTH_MAIN_NA_REVOKED = "mock-app-1/mock-seller-na/revoked"
AUTH_OTHER_NA = "mock-app-2/mock-seller-na"
AUTH_ROTATED_3_DAYS = "mock-app-rotated-3-days-ago/mock-seller-na"
AUTH_ROTATED_10_DAYS = "mock-app-rotated-10-days-ago/mock-seller-na"
AUTH_EXPIRED_SECRET = "mock-app-secret-200-days-old/mock-seller-na"
AUTH_WITHOUT_LISTING = "mock-app-without-product-listing/mock-seller-na"
AUTH_LISTING_ADDED = "mock-app-product-listing-added-later/mock-seller-na"
AUTH_WITHOUT_ROLES = "mock-app-without-roles/mock-seller-na"
AUTH_GUIDE_EXAMPLE = "mock-app-guide-example-roles/mock-seller-na"
AUTH_VENDOR = "mock-app-vendor-roles/mock-vendor-na"
AUTH_SANDBOX_ONLY = "mock-app-sandbox-only/mock-seller-na"
AUTH_RESTRICTED_ONLY = "mock-app-restricted-roles-only/mock-seller-na"
AUTH_SECRET_EXPIRES_IN_5_DAYS = "mock-app-secret-175-days-old/mock-seller-na"
AUTH_SECRET_EXPIRES_IN_45_DAYS = "mock-app-secret-135-days-old/mock-seller-na"
AUTH_NOT_ENROLLED = "mock-app-not-enrolled-for-rotation/mock-seller-na"

# The roles of the cast's apps: scenario data, in the role model's names.
# The five roles most private seller apps start with.
COMMON_ROLES = frozenset(
    {
        "Inventory and Order Tracking",
        "Product Listing",
        "Amazon Fulfillment",
        "Selling Partner Insights",
        "Finance and Accounting",
    }
)
# The roles the developer guide's registration example ticks.
GUIDE_EXAMPLE_ROLES = frozenset({"Inventory and Order Tracking", "Amazon Fulfillment"})
# Three of the roles a vendor can hold.
VENDOR_APP_ROLES = frozenset({"Amazon Fulfillment", "Product Listing", "Brand Analytics"})
# An app for tax compliance work, registered with the two restricted tax roles only.
RESTRICTED_APP_ROLES = frozenset({"Tax Invoicing (Restricted)", "Tax Remittance (Restricted)"})
# The role that role-missing lacks: the only one granting the catalogue and listings reads.
LISTING = "Product Listing"
# Where an app holding one role alone is authorised: NA, except for a role that counts in
# one other region only (Account Information Service Provider: its operations are EU-only).
SINGLE_ROLE_REGION = {"Account Information Service Provider": "EU"}

IAM_USER = "sp-api-user"
IAM_USER_WITHOUT_STS = "sp-api-user-without-sts-policy"
IAM_SECRETS_READER = "sp-api-secrets-reader"
# May create and update secrets too (spapi-doctor init --store secrets-manager).
IAM_SECRETS_WRITER = "sp-api-secrets-writer"
IAM_ROLE = "SellingPartnerAPIRole"
ACCOUNT_ID = "123456789012"  # moto's default account, also AWS's documentation account
SECRET_NAME = "spapi-docs/mock/sp-api-credentials"
# The Standard SQS queue every enrolled app of the cast registered for both notification
# rows, and the AWS identities around it: Amazon's sender (account 437568002678 at Amazon,
# an IAM user of the world's account here: moto has no other account to send from) and the
# developer's operator, who reads the queue and writes the credentials' secret.
NOTIFICATION_QUEUE = "spapi-docs-mock-lwa-notifications"
# A queue set up as Amazon's lwa-rotation sample sets up its own: a dead-letter queue after
# 3 receives. No app registers it; a reader of it must mind its receive counts.
SAMPLE_QUEUE = "spapi-docs-mock-lwa-sample-queue"
SAMPLE_DEAD_LETTER_QUEUE = "spapi-docs-mock-lwa-sample-dlq"
SAMPLE_MAX_RECEIVE_COUNT = 3
AMAZON_NOTIFICATIONS_ACCOUNT = "437568002678"
IAM_ROTATION_OPERATOR = "sp-api-rotation-operator"


# A rotated app of the cast got its previous secret this long ago.
PREVIOUS_SECRET_AGE = timedelta(days=150)


def single_role_app(role: str) -> str:
    """The key of the cast's app that holds ``role`` alone."""
    return f"mock-app-only-{role_slug(role)}"


def _single_role_partner(role: str) -> str:
    """The key of the seller who authorised the app that holds ``role`` alone."""
    return PARTNER_BY_REGION[(SINGLE_ROLE_REGION.get(role, "NA"), "seller")]


def single_role_authorization(role: str) -> str:
    """The key of the authorisation of the app that holds ``role`` alone."""
    return f"{single_role_app(role)}/{_single_role_partner(role)}"


def _app(
    key,
    name,
    roles,
    *,
    issued_days_ago=30,
    rotated_days_ago=None,
    sandbox_only=False,
    issued_at=None,
    notification_queue=NOTIFICATION_QUEUE,
):
    """An app of the cast; its dates count back from MOCK_NOW (or from ``issued_at``).
    Every app registered the cast's notification queue unless told otherwise."""
    if rotated_days_ago is None:
        issued = issued_at or MOCK_NOW - timedelta(days=issued_days_ago)
        secrets = [ClientSecret(_samples.client_secret(f"{key}#0"), issued)]
        return App(
            key,
            name,
            frozenset(roles),
            secrets,
            sandbox_only=sandbox_only,
            notification_queue=notification_queue,
        )
    rotated_at = MOCK_NOW - timedelta(days=rotated_days_ago)
    secrets = [
        ClientSecret(_samples.client_secret(f"{key}#1"), rotated_at),
        ClientSecret(
            _samples.client_secret(f"{key}#0"), MOCK_NOW - PREVIOUS_SECRET_AGE, rotated_at
        ),
    ]
    return App(
        key,
        name,
        frozenset(roles),
        secrets,
        generation=1,
        sandbox_only=sandbox_only,
        notification_queue=notification_queue,
    )


def default_world(now: datetime = MOCK_NOW) -> World:
    """The one world every scenario runs in (a fresh copy each time).

    The cast's dates are fixed, counted back from :data:`MOCK_NOW`; ``now`` is the world's
    clock. A later ``now`` ages every secret: ``MOCK_NOW + 5 days`` puts the secret rotated
    "3 days ago" 8 days past its rotation, out of its grace week."""
    without_listing = COMMON_ROLES - {LISTING}
    apps = [
        _app(APP_MAIN, "My SP-API App", COMMON_ROLES),
        _app(APP_OTHER, "My SP-API App (second registration)", COMMON_ROLES, issued_days_ago=60),
        _app(APP_ROTATED_3_DAYS, "App rotated 3 days ago", COMMON_ROLES, rotated_days_ago=3),
        _app(APP_ROTATED_10_DAYS, "App rotated 10 days ago", COMMON_ROLES, rotated_days_ago=10),
        _app(
            APP_EXPIRED_SECRET, "App with a 200-day-old secret", COMMON_ROLES, issued_days_ago=200
        ),
        _app(APP_WITHOUT_LISTING, "App without Product Listing", without_listing),
        _app(APP_LISTING_ADDED, "App that got Product Listing last week", COMMON_ROLES),
        _app(APP_WITHOUT_ROLES, "App registered without roles", ()),
        _app(APP_GUIDE_EXAMPLE, "App with the guide's example roles", GUIDE_EXAMPLE_ROLES),
        _app(APP_VENDOR, "Vendor app", VENDOR_APP_ROLES),
        _app(APP_SANDBOX_ONLY, "Sandbox app", COMMON_ROLES, sandbox_only=True),
        _app(APP_RESTRICTED_ONLY, "Tax compliance app", RESTRICTED_APP_ROLES),
        _app(
            APP_SECRET_EXPIRES_IN_5_DAYS,
            "App whose secret expires in 5 days",
            COMMON_ROLES,
            issued_days_ago=175,
        ),
        _app(
            APP_SECRET_EXPIRES_IN_45_DAYS,
            "App whose secret expires in 45 days",
            COMMON_ROLES,
            issued_days_ago=135,
        ),
        _app(
            APP_NOT_ENROLLED,
            "App without a notification queue",
            COMMON_ROLES,
            notification_queue=None,
        ),
    ]
    apps.extend(
        _app(single_role_app(role), f"App holding {role} only", {role})
        for role in role_model().roles
    )
    partners = [
        Partner(SELLER_NA, "Mock Store North America", "seller", "NA", ("US", "CA", "MX")),
        Partner(SELLER_EU, "Mock Store Europe", "seller", "EU", ("DE", "FR", "IT", "ES", "UK")),
        Partner(SELLER_FE, "Mock Store Far East", "seller", "FE", ("JP", "AU", "SG")),
        Partner(VENDOR_NA, "Mock Vendor North America", "vendor", "NA", ("US", "CA")),
        Partner(VENDOR_EU, "Mock Vendor Europe", "vendor", "EU", ("DE", "UK")),
        Partner(VENDOR_FE, "Mock Vendor Far East", "vendor", "FE", ("JP",)),
    ]
    by_key = {partner.key: partner for partner in partners}

    def authorize(key, app, partner, roles, *, days_ago=20, revoked=False):
        return Authorization(
            key,
            app,
            partner,
            by_key[partner].region,
            frozenset(roles),
            MOCK_NOW - timedelta(days=days_ago),
            revoked,
        )

    authorizations = [
        authorize(AUTH_MAIN_NA, APP_MAIN, SELLER_NA, COMMON_ROLES),
        authorize(AUTH_MAIN_EU, APP_MAIN, SELLER_EU, COMMON_ROLES),
        authorize(
            AUTH_MAIN_NA_REVOKED, APP_MAIN, SELLER_NA, COMMON_ROLES, days_ago=90, revoked=True
        ),
        authorize(AUTH_OTHER_NA, APP_OTHER, SELLER_NA, COMMON_ROLES, days_ago=50),
        authorize(AUTH_ROTATED_3_DAYS, APP_ROTATED_3_DAYS, SELLER_NA, COMMON_ROLES),
        authorize(AUTH_ROTATED_10_DAYS, APP_ROTATED_10_DAYS, SELLER_NA, COMMON_ROLES),
        authorize(AUTH_EXPIRED_SECRET, APP_EXPIRED_SECRET, SELLER_NA, COMMON_ROLES),
        authorize(AUTH_WITHOUT_LISTING, APP_WITHOUT_LISTING, SELLER_NA, without_listing),
        # Authorised 40 days ago, before the role was added to the app.
        authorize(AUTH_LISTING_ADDED, APP_LISTING_ADDED, SELLER_NA, without_listing, days_ago=40),
        authorize(AUTH_WITHOUT_ROLES, APP_WITHOUT_ROLES, SELLER_NA, ()),
        authorize(AUTH_GUIDE_EXAMPLE, APP_GUIDE_EXAMPLE, SELLER_NA, GUIDE_EXAMPLE_ROLES),
        authorize(AUTH_VENDOR, APP_VENDOR, VENDOR_NA, VENDOR_APP_ROLES),
        authorize(AUTH_SANDBOX_ONLY, APP_SANDBOX_ONLY, SELLER_NA, COMMON_ROLES),
        authorize(AUTH_RESTRICTED_ONLY, APP_RESTRICTED_ONLY, SELLER_NA, RESTRICTED_APP_ROLES),
        authorize(
            AUTH_SECRET_EXPIRES_IN_5_DAYS, APP_SECRET_EXPIRES_IN_5_DAYS, SELLER_NA, COMMON_ROLES
        ),
        authorize(
            AUTH_SECRET_EXPIRES_IN_45_DAYS, APP_SECRET_EXPIRES_IN_45_DAYS, SELLER_NA, COMMON_ROLES
        ),
        authorize(AUTH_NOT_ENROLLED, APP_NOT_ENROLLED, SELLER_NA, COMMON_ROLES),
    ]
    authorizations.extend(
        authorize(
            single_role_authorization(role),
            single_role_app(role),
            _single_role_partner(role),
            {role},
        )
        for role in role_model().roles
    )
    main_app = apps[0]
    main_token = authorizations[0].refresh_token
    return World(
        now=now,
        apps=apps,
        partners=partners,
        authorizations=authorizations,
        aws=_default_aws(main_app, main_token),
    )


def _allow(*actions, resource: str = "*") -> dict:
    """An IAM policy with one Allow statement per item of ``actions`` (an action, or a
    tuple of them) on ``resource``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": list(action) if isinstance(action, tuple) else action,
                "Resource": resource,
            }
            for action in actions
        ],
    }


def _default_aws(main_app: App, main_refresh_token: str) -> AwsWorld:
    account = AwsWorld(ACCOUNT_ID, "us-east-1", users=(), roles=(), secrets=())
    role_arn = account.role_arn(IAM_ROLE)
    assume_policy = _allow("sts:AssumeRole", resource=role_arn)
    # moto evaluates Secrets Manager permissions against the resource "*" only, so a
    # policy naming the secret's ARN would never match there (AWS would accept it).
    read_actions = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
    write_actions = (*read_actions, "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue")
    read_policy = _allow(read_actions)
    write_policy = _allow(write_actions)
    # Amazon posts to the queue (SendMessage) and checks it (GetQueueAttributes): what the
    # queue policy of Amazon's set-up page allows its principal.
    # The developer's operator: reads the queue without taking what others need (receive,
    # make visible again, delete what it consumed) and writes the credentials' secret.
    operator_policy = _allow(
        (
            "sqs:ReceiveMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
        ),
        write_actions,
    )
    # The policy the 2021 developer guide has the role carry (unused since 2023-10-02).
    execute_api_policy = _allow("execute-api:Invoke", resource="arn:aws:execute-api:*:*:*")
    users = (
        IamUser(
            IAM_USER,
            (_samples.AWS_EXAMPLE_ACCESS_KEY, _samples.AWS_EXAMPLE_SECRET_KEY),
            (("AssumeSellingPartnerAPIRole", assume_policy),),
        ),
        IamUser(
            IAM_USER_WITHOUT_STS,
            (_samples.AWS_SECOND_EXAMPLE_ACCESS_KEY, _samples.AWS_SECOND_EXAMPLE_SECRET_KEY),
        ),
        IamUser(
            IAM_SECRETS_READER,
            _samples.aws_key_pair(IAM_SECRETS_READER),
            (("ReadSpApiCredentials", read_policy),),
        ),
        IamUser(
            IAM_SECRETS_WRITER,
            _samples.aws_key_pair(IAM_SECRETS_WRITER),
            (("WriteSpApiCredentials", write_policy),),
        ),
        IamUser(
            IAM_ROTATION_OPERATOR,
            _samples.aws_key_pair(IAM_ROTATION_OPERATOR),
            (("RotateSpApiClientSecret", operator_policy),),
        ),
    )
    roles = (
        IamRole(
            IAM_ROLE, (IAM_USER, IAM_USER_WITHOUT_STS), (("SellingPartnerAPI", execute_api_policy),)
        ),
    )
    # The JSON keys python-amazon-sp-api reads from the secret.
    stored = {
        "refresh_token": main_refresh_token,
        "lwa_app_id": main_app.client_id,
        "lwa_client_secret": main_app.current_secret.value,
    }
    secret = StoredSecret(
        SECRET_NAME, {field_spec(key).secret_json_key: value for key, value in stored.items()}
    )

    # Amazon's set-up page: the queue policy lets Amazon's principal send to the queue and
    # read its attributes (moto stores it; it does not evaluate policies across accounts).
    def queue_policy(name):
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AllowSellingPartnerApiNotifications",
                        "Effect": "Allow",
                        "Principal": {"AWS": AMAZON_NOTIFICATIONS_ACCOUNT},
                        "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                        "Resource": account.queue_arn(name),
                    }
                ],
            }
        )

    redrive = {
        "deadLetterTargetArn": account.queue_arn(SAMPLE_DEAD_LETTER_QUEUE),
        "maxReceiveCount": SAMPLE_MAX_RECEIVE_COUNT,
    }
    queues: tuple[tuple[str, dict[str, str]], ...] = (
        (NOTIFICATION_QUEUE, {"Policy": queue_policy(NOTIFICATION_QUEUE)}),
        (SAMPLE_DEAD_LETTER_QUEUE, {}),
        (
            SAMPLE_QUEUE,
            {"Policy": queue_policy(SAMPLE_QUEUE), "RedrivePolicy": json.dumps(redrive)},
        ),
    )
    return replace(account, users=users, roles=roles, secrets=(secret,), queues=queues)
