"""The mock's world, as data: apps, sellers, authorisations, IAM users and roles.

Amazon's side of SP-API authorisation is a handful of facts, and every answer the mock
gives is computed from them:

* an **app** has an LWA client identifier, its client secrets (the current one, and the
  previous one for 7 days after a rotation), and the roles it was granted;
* a **seller** has selling accounts in one or more regions (NA, EU, FE), each with its
  marketplaces;
* an **authorisation** ("Authorize app" in Seller Central) is a refresh token: it binds
  one app to one seller's account in one region, with the roles the app had at that
  moment, and it can be revoked;
* an **access token** issued by LWA carries all of that (app, seller, region, roles,
  the client secret used), frozen when it is issued.

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
only chooses which credentials the user has configured.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from .._credentials import field_spec
from . import _samples

__all__ = [
    "MOCK_NOW",
    "ROLES",
    "AccessGrant",
    "App",
    "Authorization",
    "AwsWorld",
    "ClientSecret",
    "IamRole",
    "IamUser",
    "Seller",
    "StoredSecret",
    "World",
    "default_world",
]

MOCK_NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)

SECRET_LIFETIME = timedelta(days=180)
ROTATION_GRACE = timedelta(days=7)

ROLE_ORDERS = "Inventory and Order Tracking"
ROLE_LISTING = "Product Listing"
ROLE_FULFILLMENT = "Amazon Fulfillment"
ROLE_INSIGHTS = "Selling Partner Insights"
ROLE_FINANCE = "Finance and Accounting"
# The common roles, each with one cheap read the mock serves (see _spapi.OPERATIONS).
ROLES = (ROLE_ORDERS, ROLE_LISTING, ROLE_FULFILLMENT, ROLE_INSIGHTS, ROLE_FINANCE)

# Scopes of grantless (client_credentials) tokens that LWA grants today.
SCOPE_NOTIFICATIONS = "sellingpartnerapi::notifications"
SCOPE_ROTATION = "sellingpartnerapi::client_credential:rotation"
GRANTLESS_SCOPES = frozenset({SCOPE_NOTIFICATIONS, SCOPE_ROTATION})


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
    client_id: str = field(init=False)
    app_id: str = field(init=False)

    def __post_init__(self):
        self.client_id = _samples.client_id(self.key)
        self.app_id = _samples.app_id(self.key)

    @property
    def current_secret(self) -> ClientSecret:
        return self.secrets[0]

    @property
    def previous_secret(self) -> ClientSecret | None:
        return self.secrets[1] if len(self.secrets) > 1 else None


@dataclass(frozen=True)
class Seller:
    """A selling partner: a store with accounts in one or more regions."""

    key: str
    store_name: str
    # region code -> marketplace codes (python-amazon-sp-api's names, see _endpoints)
    marketplaces: dict

    def marketplaces_in(self, region: str) -> tuple:
        return tuple(self.marketplaces.get(region, ()))


@dataclass
class Authorization:
    """One self-authorisation: a refresh token for (app, seller, region, roles)."""

    key: str
    app: str
    seller: str
    region: str
    roles: frozenset
    issued_at: datetime
    revoked: bool = False
    refresh_token: str = field(init=False)

    def __post_init__(self):
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
    def seller(self) -> str | None:
        return self.authorization.seller if self.authorization else None


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

    def user_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{name}"

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    def user(self, name: str) -> IamUser:
        return next(user for user in self.users if user.name == name)


class World:
    """The state the mock serves. Thread-safe: the servers share one world."""

    def __init__(self, *, now, apps, sellers, authorizations, aws):
        self.now = now
        self.apps = {app.key: app for app in apps}
        self.sellers = {seller.key: seller for seller in sellers}
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
        """The seller removes the app's authorisation (Manage Your Apps)."""
        with self._lock:
            self.authorizations[authorization_key].revoked = True


# ---------------------------------------------------------------------- the cast
APP_MAIN = "mock-app-1"
APP_OTHER = "mock-app-2"
APP_ROTATED_3_DAYS = "mock-app-rotated-3-days-ago"
APP_ROTATED_10_DAYS = "mock-app-rotated-10-days-ago"
APP_EXPIRED_SECRET = "mock-app-secret-200-days-old"
APP_WITHOUT_FULFILLMENT = "mock-app-without-fulfillment"
APP_FULFILLMENT_ADDED = "mock-app-fulfillment-added-later"
APP_WITHOUT_ROLES = "mock-app-without-roles"

SELLER_NA = "mock-seller-na"
SELLER_EU = "mock-seller-eu"

AUTH_MAIN_NA = "mock-app-1/mock-seller-na"
AUTH_MAIN_EU = "mock-app-1/mock-seller-eu"
AUTH_MAIN_NA_REVOKED = "mock-app-1/mock-seller-na/revoked"
AUTH_OTHER_NA = "mock-app-2/mock-seller-na"
AUTH_ROTATED_3_DAYS = "mock-app-rotated-3-days-ago/mock-seller-na"
AUTH_ROTATED_10_DAYS = "mock-app-rotated-10-days-ago/mock-seller-na"
AUTH_EXPIRED_SECRET = "mock-app-secret-200-days-old/mock-seller-na"
AUTH_WITHOUT_FULFILLMENT = "mock-app-without-fulfillment/mock-seller-na"
AUTH_FULFILLMENT_ADDED = "mock-app-fulfillment-added-later/mock-seller-na"
AUTH_WITHOUT_ROLES = "mock-app-without-roles/mock-seller-na"

IAM_USER = "sp-api-user"
IAM_USER_WITHOUT_STS = "sp-api-user-without-sts-policy"
IAM_SECRETS_READER = "sp-api-secrets-reader"
# May create and update secrets too (spapi-doctor init --store secrets-manager).
IAM_SECRETS_WRITER = "sp-api-secrets-writer"
IAM_ROLE = "SellingPartnerAPIRole"
ACCOUNT_ID = "123456789012"  # moto's default account, also AWS's documentation account
SECRET_NAME = "spapi-docs/mock/sp-api-credentials"


# A rotated app of the cast got its previous secret this long ago.
PREVIOUS_SECRET_AGE = timedelta(days=150)


def _app(key, name, roles, *, issued_days_ago=30, rotated_days_ago=None):
    """An app of the cast; its dates count back from MOCK_NOW."""
    if rotated_days_ago is None:
        secrets = [
            ClientSecret(
                _samples.client_secret(f"{key}#0"), MOCK_NOW - timedelta(days=issued_days_ago)
            )
        ]
        return App(key, name, frozenset(roles), secrets)
    rotated_at = MOCK_NOW - timedelta(days=rotated_days_ago)
    secrets = [
        ClientSecret(_samples.client_secret(f"{key}#1"), rotated_at),
        ClientSecret(
            _samples.client_secret(f"{key}#0"), MOCK_NOW - PREVIOUS_SECRET_AGE, rotated_at
        ),
    ]
    return App(key, name, frozenset(roles), secrets, generation=1)


def default_world(now: datetime = MOCK_NOW) -> World:
    """The one world every scenario runs in (a fresh copy each time).

    The cast's dates are fixed, counted back from :data:`MOCK_NOW`; ``now`` is the world's
    clock. A later ``now`` ages every secret: ``MOCK_NOW + 5 days`` puts the secret rotated
    "3 days ago" 8 days past its rotation, out of its grace week."""
    all_roles = frozenset(ROLES)
    without_fulfillment = all_roles - {ROLE_FULFILLMENT}
    apps = [
        _app(APP_MAIN, "My SP-API App", all_roles),
        _app(APP_OTHER, "My SP-API App (second registration)", all_roles, issued_days_ago=60),
        _app(APP_ROTATED_3_DAYS, "App rotated 3 days ago", all_roles, rotated_days_ago=3),
        _app(APP_ROTATED_10_DAYS, "App rotated 10 days ago", all_roles, rotated_days_ago=10),
        _app(APP_EXPIRED_SECRET, "App with a 200-day-old secret", all_roles, issued_days_ago=200),
        _app(APP_WITHOUT_FULFILLMENT, "App without Amazon Fulfillment", without_fulfillment),
        _app(APP_FULFILLMENT_ADDED, "App that got Amazon Fulfillment last week", all_roles),
        _app(APP_WITHOUT_ROLES, "App registered without roles", ()),
    ]
    sellers = [
        Seller(SELLER_NA, "Mock Store North America", {"NA": ("US", "CA", "MX")}),
        Seller(SELLER_EU, "Mock Store Europe", {"EU": ("DE", "FR", "IT", "ES", "UK")}),
    ]

    def authorize(key, app, seller, region, roles, *, days_ago=20, revoked=False):
        return Authorization(
            key, app, seller, region, frozenset(roles), MOCK_NOW - timedelta(days=days_ago), revoked
        )

    authorizations = [
        authorize(AUTH_MAIN_NA, APP_MAIN, SELLER_NA, "NA", all_roles),
        authorize(AUTH_MAIN_EU, APP_MAIN, SELLER_EU, "EU", all_roles),
        authorize(
            AUTH_MAIN_NA_REVOKED, APP_MAIN, SELLER_NA, "NA", all_roles, days_ago=90, revoked=True
        ),
        authorize(AUTH_OTHER_NA, APP_OTHER, SELLER_NA, "NA", all_roles, days_ago=50),
        authorize(AUTH_ROTATED_3_DAYS, APP_ROTATED_3_DAYS, SELLER_NA, "NA", all_roles),
        authorize(AUTH_ROTATED_10_DAYS, APP_ROTATED_10_DAYS, SELLER_NA, "NA", all_roles),
        authorize(AUTH_EXPIRED_SECRET, APP_EXPIRED_SECRET, SELLER_NA, "NA", all_roles),
        authorize(
            AUTH_WITHOUT_FULFILLMENT, APP_WITHOUT_FULFILLMENT, SELLER_NA, "NA", without_fulfillment
        ),
        # Authorised 40 days ago, before the role was added to the app.
        authorize(
            AUTH_FULFILLMENT_ADDED,
            APP_FULFILLMENT_ADDED,
            SELLER_NA,
            "NA",
            without_fulfillment,
            days_ago=40,
        ),
        authorize(AUTH_WITHOUT_ROLES, APP_WITHOUT_ROLES, SELLER_NA, "NA", ()),
    ]
    main_app = apps[0]
    main_token = authorizations[0].refresh_token
    return World(
        now=now,
        apps=apps,
        sellers=sellers,
        authorizations=authorizations,
        aws=_default_aws(main_app, main_token),
    )


def _default_aws(main_app: App, main_refresh_token: str) -> AwsWorld:
    account = AwsWorld(ACCOUNT_ID, "us-east-1", users=(), roles=(), secrets=())
    role_arn = account.role_arn(IAM_ROLE)
    assume_policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}],
    }
    # moto evaluates Secrets Manager permissions against the resource "*" only, so a
    # policy naming the secret's ARN would never match there (AWS would accept it).
    read_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": "*",
            }
        ],
    }
    write_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:CreateSecret",
                    "secretsmanager:PutSecretValue",
                ],
                "Resource": "*",
            }
        ],
    }
    # The policy the 2021 developer guide has the role carry (unused since 2023-10-02).
    execute_api_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:*:*:*",
            }
        ],
    }
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
    return replace(account, users=users, roles=roles, secrets=(secret,))
