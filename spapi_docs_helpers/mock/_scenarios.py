"""Named scenarios: which credentials the user has configured, and what Amazon answers.

Every scenario runs in the same world (:func:`._world.default_world`); a scenario only
says which values the user put in their environment (or in AWS Secrets Manager), and
records, as data, what the services answer to them (:class:`Wire`) and which findings
the checker must report (``expect``). There is one scenario for each failure of
``failure-modes.md`` that shows over the wire and that the mock can reproduce
faithfully; ``A5`` (root-account keys) is missing because moto has no root user (see
:mod:`._aws`). The role scenarios follow Amazon's role model: the developer guide's
example roles, each role held alone, no role, a vendor, a sandbox-only app and an app
with restricted roles only.

``expect`` lists catalogue codes with the field each blames (None: no credential): the
findings that define the scenario. The checker may report more (for example
``aws-fields-ignored``, which depends on the installed python-amazon-sp-api, or
``aws-example-key`` for AWS's example keys); those are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from .._credentials import FIELD_KEYS
from . import _samples
from . import _world as w

__all__ = ["SCENARIOS", "Scenario", "UnknownScenarioError", "Wire", "scenario"]

PATHS = ("modern", "legacy")
SOURCES = ("environment", "secrets-manager")

DENIED = ""  # the empty "details" of SP-API's bare 403
SECRET_EXPIRED = "The LWA secret token you provided has expired."


@dataclass(frozen=True)
class Wire:
    """What the services answer to the scenario's credentials.

    Written by hand from Amazon's documents (the role mappings, the quoted error texts of
    the research), never computed from the role model or the world: the test that compares
    it with the running mock's answers then checks the mock against the documents, not
    against itself.

    ``lwa``: (status, ``error``) of the refresh-token exchange, error None on success.
    ``region``: the production region whose gateway lets a call with the access token
    through to the service (a 2xx, or a 400 or 404 from the service), None when no region
    does (or LWA issued no token). ``sandbox_region``: the same on the sandbox hosts.
    ``refusal``: the ``details`` of the 403 every call gets where none goes through
    (``""``: the bare 403). ``account_type``: "seller" or "vendor", the account the
    refresh token was issued for (None without one). ``operations``: for a few operations
    (named as the role model names them; ``API:name`` where the name is ambiguous), the
    status they get in ``region`` (in ``sandbox_region`` when ``sandbox``), called with
    valid parameters. ``caller_identity`` / ``assume_role``: "ok" or the error code of the
    answer to STS GetCallerIdentity and AssumeRole(role_arn) with the configured AWS keys
    (None when the scenario has no AWS keys). ``sandbox``: the calls go to the sandbox hosts.
    """

    lwa: tuple = (200, None)
    region: str | None = "NA"
    sandbox_region: str | None = "NA"
    refusal: str = DENIED
    account_type: str | None = "seller"
    operations: dict = field(default_factory=dict)
    caller_identity: str | None = None
    assume_role: str | None = None
    sandbox: bool = False

    def __post_init__(self):
        object.__setattr__(self, "operations", MappingProxyType(dict(self.operations)))


def _refused_by_lwa(status: int, error: str) -> Wire:
    """LWA refuses the exchange: no access token, so no SP-API call is made."""
    return Wire(lwa=(status, error), region=None, sandbox_region=None, account_type=None)


# Compared by identity: every scenario is a distinct constant.
@dataclass(frozen=True, eq=False)
class Scenario:
    """One named situation a user can be in."""

    name: str
    title: str
    story: str
    path: str
    # The reference in failure-modes.md ("A1", "B2", ...), None for the happy paths.
    failure_mode: str | None
    # The configured values: every key of _credentials.FIELD_KEYS (None when unset).
    credentials: dict
    expect: tuple
    wire: Wire
    credential_source: str = "environment"
    # Extra environment the user has set, besides endpoints and credentials.
    extra_env: dict = field(default_factory=dict)
    # The scenario reads the application's notification queue (SQS): secret-status, rotate.
    notification_queue: bool = False
    # Apps (world keys) whose expiry notifications Amazon has sent by "now": on the queue
    # when the mock starts.
    notifications: tuple = ()

    def __post_init__(self):
        assert self.path in PATHS, self.name
        assert self.credential_source in SOURCES, self.name
        assert tuple(self.credentials) == FIELD_KEYS, self.name
        # Scenarios are shared constants: their mappings are read-only views.
        object.__setattr__(self, "credentials", MappingProxyType(dict(self.credentials)))
        object.__setattr__(self, "extra_env", MappingProxyType(dict(self.extra_env)))

    @property
    def needs_aws(self) -> bool:
        """Whether the scenario talks to AWS (STS, Secrets Manager for its credentials, or
        SQS for the notification queue)."""
        return (
            self.path == "legacy"
            or self.credential_source == "secrets-manager"
            or self.notification_queue
            or bool(self.notifications)
        )

    def configured_credentials(self) -> dict:
        """The fields the user has a value for (in the order of FIELD_KEYS)."""
        return {key: value for key, value in self.credentials.items() if value is not None}

    def __repr__(self):
        return f"Scenario({self.name!r})"


class UnknownScenarioError(LookupError):
    """No scenario has that name; the message lists the names there are."""


# The values below are read from (a copy of) the world every scenario runs in.
_CAST = w.default_world()


def _credentials(
    authorization_key, *, lwa_app_id=None, lwa_client_secret=None, refresh_token=None, aws=None
):
    authorization = _CAST.authorizations[authorization_key]
    app = _CAST.apps[authorization.app]
    values = dict.fromkeys(FIELD_KEYS)
    values["refresh_token"] = refresh_token or authorization.refresh_token
    values["lwa_app_id"] = lwa_app_id or app.client_id
    values["lwa_client_secret"] = lwa_client_secret or app.current_secret.value
    values.update(aws or {})
    return values


def _aws(access_key, secret_key, role_arn, session_token=None):
    return {
        "aws_access_key": access_key,
        "aws_secret_key": secret_key,
        "role_arn": role_arn,
        "aws_session_token": session_token,
    }


_MAIN_APP = _CAST.apps[w.APP_MAIN]
_ROLE_ARN = _CAST.aws.role_arn(w.IAM_ROLE)
_USER_ARN = _CAST.aws.user_arn(w.IAM_USER)
_EXAMPLE_KEYS = (_samples.AWS_EXAMPLE_ACCESS_KEY, _samples.AWS_EXAMPLE_SECRET_KEY)
_READER = _CAST.aws.user(w.IAM_SECRETS_READER)
# Who reads the notification queue and writes the credentials' secret (rotation scenarios).
_OPERATOR = _CAST.aws.user(w.IAM_ROTATION_OPERATOR)
_OPERATOR_ENV = {
    "AWS_ACCESS_KEY_ID": _OPERATOR.access_key[0],
    "AWS_SECRET_ACCESS_KEY": _OPERATOR.access_key[1],
    "AWS_DEFAULT_REGION": _CAST.aws.region,
}
_LEGACY_LWA = w.AUTH_MAIN_NA
_NA_TOKEN = _CAST.authorizations[w.AUTH_MAIN_NA].refresh_token
_ACCESS_TOKEN = _CAST.issue_access_token(
    _MAIN_APP, _MAIN_APP.current_secret, authorization=_CAST.authorizations[w.AUTH_MAIN_NA]
)
_LWA_OK_STS_OK = {"caller_identity": "ok", "assume_role": "ok"}
# The five common roles (Inventory and Order Tracking, Product Listing, Amazon Fulfillment,
# Selling Partner Insights, Finance and Accounting) in NA: the role probes' operations go
# through; getAccount exists in EU only; a seller cannot call the Vendor Orders API.
_NA_OPERATIONS = {
    "getMarketplaceParticipations": 200,
    "getOrders": 200,
    "searchCatalogItems": 200,
    "getInventorySummaries": 200,
    "getReports": 200,
    "listFinancialEventGroups": 200,
    "getAccount": 403,
    "getPurchaseOrders": 403,
}
_NA_WIRE = Wire(operations=_NA_OPERATIONS)
# The same roles in EU, where Finance and Accounting grants getAccount.
_EU_WIRE = Wire(
    region="EU",
    sandbox_region="EU",
    operations={"getMarketplaceParticipations": 200, "getAccount": 200, "getOrders": 200},
)

# The common roles without Product Listing: getMarketplaceParticipations through Selling
# Partner Insights, the FBA inventory through Amazon Fulfillment, no catalogue call.
_WITHOUT_LISTING = {
    "getMarketplaceParticipations": 200,
    "getInventorySummaries": 200,
    "getOrders": 200,
    "searchCatalogItems": 403,
    "getCatalogItem": 403,
}

# One app per role, holding that role alone: (region, what getMarketplaceParticipations
# answers there, a few other operations and their status). From the Sellers API roles table
# (Product Listing, Selling Partner Insights and Direct to Consumer Shipping in every
# region, five more in FE only), the role pages and the other APIs' roles tables.
_SINGLE_ROLE = {
    "Account Information Service Provider": (
        "EU",
        403,
        {"getAccount": 200, "listFinancialEventGroups": 200, "searchOrders": 403},
    ),
    "Amazon Fulfillment": (
        "NA",
        403,
        {"getInventorySummaries": 200, "searchOrders": 200, "searchCatalogItems": 403},
    ),
    "Amazon Warehousing and Distribution": (
        "NA",
        403,
        {"listInventory": 200, "searchOrders": 403, "getReports": 403},
    ),
    "Brand Analytics": ("NA", 403, {"getReports": 200, "getQueries": 200, "searchOrders": 403}),
    "Buyer Communication": ("NA", 403, {"searchOrders": 200, "getReports": 200, "getOrders": 403}),
    "Buyer Solicitation": (
        "NA",
        403,
        {"getOrders": 200, "searchOrders": 200, "getOrderMetrics": 403},
    ),
    "Direct to Consumer Shipping (Restricted)": (
        "NA",
        200,
        {"searchOrders": 200, "getFeeds": 200, "getOrders": 403},
    ),
    "Finance and Accounting": (
        "NA",
        403,
        {"listFinancialEventGroups": 200, "listTransactions": 200, "getAccount": 403},
    ),
    "Inventory and Order Tracking": (
        "NA",
        403,
        {"getOrders": 200, "searchDefinitionsProductTypes": 200, "getInventorySummaries": 403},
    ),
    "Pricing": ("NA", 403, {"getPricing": 200, "getCompetitiveSummary": 200, "getOrders": 403}),
    "Product Listing": (
        "NA",
        200,
        {"searchCatalogItems": 200, "getInventorySummaries": 200, "getOrders": 403},
    ),
    "Professional Services (Restricted)": (
        "NA",
        403,
        {"searchOrders": 200, "createRestrictedDataToken": 200, "getReports": 403},
    ),
    "Selling Partner Insights": (
        "NA",
        200,
        {"getReports": 200, "getMyFeesEstimateForASIN": 200, "searchCatalogItems": 403},
    ),
    "Tax Invoicing (Restricted)": (
        "NA",
        403,
        {"searchOrders": 200, "getFeeds": 200, "getOrders": 403},
    ),
    "Tax Remittance (Restricted)": (
        "NA",
        403,
        {"getReports": 200, "getMyFeesEstimateForASIN": 200, "getFeeds": 403},
    ),
}
_REGION_NAMES = {"NA": "North America", "EU": "Europe", "FE": "the Far East"}


def _single_role_scenario(role, region, participations, operations) -> Scenario:
    if participations == 200:
        listed = "getMarketplaceParticipations lists the seller's marketplaces"
    else:
        listed = (
            "getMarketplaceParticipations answers the bare 403, as the role does not count "
            f"for it in {region}"
        )
    return Scenario(
        name=f"role-only-{w.role_slug(role)}",
        title=f"The app holds {role} only",
        story=(
            f"An app registered with the {role} role alone, self-authorised by a seller in "
            f"{_REGION_NAMES[region]}. LWA issues a token, and the {region} endpoint lets "
            f"through the operations that role grants; {listed}."
        ),
        path="modern",
        failure_mode="D3" if participations == 403 else None,
        credentials=_credentials(w.single_role_authorization(role)),
        expect=(("participations-not-permitted", None),) if participations == 403 else (),
        wire=Wire(
            region=region,
            sandbox_region=region,
            operations={"getMarketplaceParticipations": participations, **operations},
        ),
    )


_SCENARIO_LIST = (
    Scenario(
        name="happy",
        title="Everything is right (North America)",
        story=(
            "A seller in the US, Canada and Mexico self-authorised their private app, which has "
            "the five common roles, and put the three LWA credentials in the environment. LWA "
            "issues an access token, the NA endpoint lists the three marketplaces, and every "
            "role's call succeeds."
        ),
        path="modern",
        failure_mode=None,
        credentials=_credentials(w.AUTH_MAIN_NA),
        expect=(),
        wire=_NA_WIRE,
    ),
    Scenario(
        name="happy-eu",
        title="Everything is right, for a European seller",
        story=(
            "The seller sells in Germany, France, Italy, Spain and the UK, so the refresh token "
            "belongs to the EU region. Only the EU endpoint accepts it; a library that calls the "
            "US marketplace by default gets a bare 403 until the region is selected."
        ),
        path="modern",
        failure_mode="D1",
        credentials=_credentials(w.AUTH_MAIN_EU),
        expect=(("region-selection-needed", None),),
        wire=_EU_WIRE,
    ),
    Scenario(
        name="happy-legacy",
        title="Everything is right, with the pre-2023 AWS credentials as well",
        story=(
            "The user followed the old six-credential guide: besides the LWA credentials they "
            "have an IAM user's access key and the ARN of the role the user may assume. SP-API no"
            " longer needs them, but they are valid: STS knows the key and lets the user assume "
            "the role."
        ),
        path="legacy",
        failure_mode=None,
        credentials=_credentials(_LEGACY_LWA, aws=_aws(*_EXAMPLE_KEYS, _ROLE_ARN)),
        expect=(),
        wire=Wire(operations=_NA_OPERATIONS, **_LWA_OK_STS_OK),
    ),
    Scenario(
        name="sandbox",
        title="Everything is right, and the calls go to the sandbox",
        story=(
            "AWS_ENV=SANDBOX is set, so python-amazon-sp-api calls the sandbox hosts. The sandbox"
            " takes the same LWA token and applies the same permission checks, and answers canned"
            " data."
        ),
        path="modern",
        failure_mode="D5",
        credentials=_credentials(w.AUTH_MAIN_NA),
        expect=(("sandbox-selected", None),),
        wire=Wire(operations=_NA_OPERATIONS, sandbox=True),
        extra_env={"AWS_ENV": "SANDBOX"},
    ),
    Scenario(
        name="secrets-manager",
        title="The credentials are stored in AWS Secrets Manager",
        story=(
            "No LWA variable is set: SP_API_AWS_SECRET_ID names a Secrets Manager secret holding "
            "SP_API_REFRESH_TOKEN, LWA_APP_ID and LWA_CLIENT_SECRET, and the AWS_* variables give"
            " an identity allowed to read it. The credentials in the secret are right."
        ),
        path="modern",
        failure_mode=None,
        credentials=_credentials(w.AUTH_MAIN_NA),
        expect=(),
        wire=_NA_WIRE,
        credential_source="secrets-manager",
        extra_env={
            "SP_API_AWS_SECRET_ID": w.SECRET_NAME,
            "AWS_ACCESS_KEY_ID": _READER.access_key[0],
            "AWS_SECRET_ACCESS_KEY": _READER.access_key[1],
            "AWS_DEFAULT_REGION": _CAST.aws.region,
        },
    ),
    Scenario(
        name="app-id-as-client-id",
        title="The App ID is in LWA_APP_ID",
        story=(
            "lwa_app_id invites pasting the App ID (amzn1.sp.solution.…) that Develop Apps shows "
            "next to the app. LWA needs the Client identifier from LWA credentials → View, and "
            "answers 401 invalid_client."
        ),
        path="modern",
        failure_mode="A1",
        credentials=_credentials(w.AUTH_MAIN_NA, lwa_app_id=_MAIN_APP.app_id),
        expect=(
            ("app-id-in-client-id-field", "lwa_app_id"),
            ("lwa-client-id-rejected", "lwa_app_id"),
        ),
        wire=_refused_by_lwa(401, "invalid_client"),
    ),
    Scenario(
        name="client-id-without-prefix",
        title="The client identifier lost its prefix",
        story=(
            "Only the 32 hexadecimal characters of the Client identifier were copied, without "
            "amzn1.application-oa2-client. LWA does not know such a client: 401 invalid_client."
        ),
        path="modern",
        failure_mode="A2",
        credentials=_credentials(w.AUTH_MAIN_NA, lwa_app_id=_MAIN_APP.client_id.rsplit(".", 1)[1]),
        expect=(
            ("client-id-prefix-missing", "lwa_app_id"),
            ("lwa-client-id-rejected", "lwa_app_id"),
        ),
        wire=_refused_by_lwa(401, "invalid_client"),
    ),
    Scenario(
        name="wrong-client-secret",
        title="The client secret belongs to another app",
        story=(
            "The user has two apps and took the client secret from the other one. The client "
            "identifier is well formed and known, so the secret is at fault: 401 invalid_client."
        ),
        path="modern",
        failure_mode="B1",
        credentials=_credentials(
            w.AUTH_MAIN_NA, lwa_client_secret=_CAST.apps[w.APP_OTHER].current_secret.value
        ),
        expect=(("lwa-client-secret-rejected", "lwa_client_secret"),),
        wire=_refused_by_lwa(401, "invalid_client"),
    ),
    Scenario(
        name="whitespace-in-client-secret",
        title="A trailing space came with the client secret",
        story=(
            "The client secret was copied from a web page with a space after it. LWA compares it "
            "exactly and answers 401 invalid_client."
        ),
        path="modern",
        failure_mode="A7",
        credentials=_credentials(
            w.AUTH_MAIN_NA, lwa_client_secret=_MAIN_APP.current_secret.value + " "
        ),
        expect=(
            ("whitespace-around", "lwa_client_secret"),
            ("lwa-client-secret-rejected", "lwa_client_secret"),
        ),
        wire=_refused_by_lwa(401, "invalid_client"),
    ),
    Scenario(
        name="rotated-secret-in-grace-week",
        title="The secret was rotated 3 days ago; the old one is used",
        story=(
            "Someone clicked Rotate secret three days ago and the configuration still holds the "
            "previous secret. For 7 days after a rotation the old secret keeps working, so "
            "nothing fails yet."
        ),
        path="modern",
        failure_mode="B1",
        credentials=_credentials(
            w.AUTH_ROTATED_3_DAYS,
            lwa_client_secret=_CAST.apps[w.APP_ROTATED_3_DAYS].previous_secret.value,
        ),
        expect=(),
        wire=_NA_WIRE,
    ),
    Scenario(
        name="rotated-secret-after-grace-week",
        title="The secret was rotated 10 days ago; the old one is used",
        story=(
            "The previous secret stopped working 7 days after the rotation. LWA answers 401 "
            "invalid_client, although nothing changed in the configuration."
        ),
        path="modern",
        failure_mode="B1",
        credentials=_credentials(
            w.AUTH_ROTATED_10_DAYS,
            lwa_client_secret=_CAST.apps[w.APP_ROTATED_10_DAYS].previous_secret.value,
        ),
        expect=(("lwa-client-secret-rejected", "lwa_client_secret"),),
        wire=_refused_by_lwa(401, "invalid_client"),
    ),
    Scenario(
        name="expired-client-secret",
        title="The client secret is older than 180 days",
        story=(
            "The app's only secret was issued 200 days ago and never rotated. LWA still issues "
            'access tokens with it, but SP-API refuses them: 403 "The LWA secret token you '
            'provided has expired."'
        ),
        path="modern",
        failure_mode="B1",
        credentials=_credentials(w.AUTH_EXPIRED_SECRET),
        expect=(("spapi-secret-expired", "lwa_client_secret"),),
        wire=Wire(region=None, sandbox_region=None, refusal=SECRET_EXPIRED),
    ),
    Scenario(
        name="revoked-refresh-token",
        title="The seller revoked the authorisation",
        story=(
            "The refresh token was right once, but the authorisation behind it was removed in "
            "Manage Your Apps. LWA accepts the client and rejects the token: 400 invalid_grant."
        ),
        path="modern",
        failure_mode="B2",
        credentials=_credentials(
            w.AUTH_MAIN_NA, refresh_token=_CAST.authorizations[w.AUTH_MAIN_NA_REVOKED].refresh_token
        ),
        expect=(("lwa-refresh-token-rejected", "refresh_token"),),
        wire=_refused_by_lwa(400, "invalid_grant"),
    ),
    Scenario(
        name="truncated-refresh-token",
        title="The refresh token was cut short",
        story=(
            "Only the first few dozen characters of the refresh token made it into the "
            "configuration. LWA does not know the token: 400 invalid_grant."
        ),
        path="modern",
        failure_mode="B2",
        credentials=_credentials(w.AUTH_MAIN_NA, refresh_token=_NA_TOKEN[:48]),
        expect=(
            ("refresh-token-short", "refresh_token"),
            ("lwa-refresh-token-rejected", "refresh_token"),
        ),
        wire=_refused_by_lwa(400, "invalid_grant"),
    ),
    Scenario(
        name="access-token-as-refresh-token",
        title="An access token (Atza|) is in the refresh-token field",
        story=(
            "The user stored the access token from a token response instead of the refresh token."
            " Access tokens are no grant: LWA answers 400 invalid_grant."
        ),
        path="modern",
        failure_mode="A8",
        credentials=_credentials(w.AUTH_MAIN_NA, refresh_token=_ACCESS_TOKEN.access_token),
        expect=(
            ("access-token-in-refresh-token-field", "refresh_token"),
            ("lwa-refresh-token-rejected", "refresh_token"),
        ),
        wire=_refused_by_lwa(400, "invalid_grant"),
    ),
    Scenario(
        name="token-of-another-app",
        title="The refresh token was issued to another app",
        story=(
            "A second app was registered, and its refresh token ended up next to the first app's "
            "client identifier and secret. LWA answers 400 unauthorized_client."
        ),
        path="modern",
        failure_mode="B3",
        credentials=_credentials(
            w.AUTH_MAIN_NA, refresh_token=_CAST.authorizations[w.AUTH_OTHER_NA].refresh_token
        ),
        expect=(("lwa-token-from-another-app", "refresh_token"),),
        wire=_refused_by_lwa(400, "unauthorized_client"),
    ),
    Scenario(
        name="eu-token-called-on-na",
        title="A European token, with the US as default marketplace",
        story=(
            "The seller's token belongs to the EU region, but SP_API_DEFAULT_MARKETPLACE=US sends"
            " every python-amazon-sp-api call to the NA endpoint, which answers the bare 403."
        ),
        path="modern",
        failure_mode="D1",
        credentials=_credentials(w.AUTH_MAIN_EU),
        expect=(("default-marketplace-wrong-region", None),),
        wire=_EU_WIRE,
        extra_env={"SP_API_DEFAULT_MARKETPLACE": "US"},
    ),
    Scenario(
        name="role-missing",
        title="The app lacks the Product Listing role",
        story=(
            "The app was registered with the common roles except Product Listing, the one role "
            "that grants the Catalog Items and Listings Items reads. The token works and the "
            "other roles' calls succeed, but the catalogue calls answer the bare 403."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_WITHOUT_LISTING),
        expect=(("role-missing", None),),
        wire=Wire(operations=_WITHOUT_LISTING),
    ),
    Scenario(
        name="role-added-without-reauthorising",
        title="A role was added, but the app was not authorised again",
        story=(
            "Product Listing was added to the app last week; the refresh token dates from "
            "before that. Roles reach a token only when the app is authorised again, so the "
            "catalogue calls still answer the bare 403."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_LISTING_ADDED),
        expect=(("role-missing", None),),
        wire=Wire(operations=_WITHOUT_LISTING),
    ),
    Scenario(
        name="no-roles",
        title="The app holds no role",
        story=(
            "The app was registered and authorised without any role. LWA issues access tokens, "
            "as the three credentials belong together, but every operation needs at least one "
            "role: NA, EU and FE answer the bare 403 to every call."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_WITHOUT_ROLES),
        expect=(("roles-deny-every-probe", None),),
        wire=Wire(region=None, sandbox_region=None),
    ),
    Scenario(
        name="roles-guide-example",
        title="The app holds the guide's example roles",
        story=(
            "The app holds Inventory and Order Tracking and Amazon Fulfillment, the roles the "
            "developer guide ticks in its example. Orders and FBA inventory work in NA, but "
            "getMarketplaceParticipations answers the bare 403: in NA and EU only Product "
            "Listing and Selling Partner Insights grant it."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_GUIDE_EXAMPLE),
        expect=(("participations-not-permitted", None),),
        wire=Wire(
            operations={
                "getMarketplaceParticipations": 403,
                "getOrders": 200,
                "searchOrders": 200,
                "getInventorySummaries": 200,
                "searchCatalogItems": 403,
            }
        ),
    ),
    Scenario(
        name="vendor",
        title="A vendor's token (Vendor Central)",
        story=(
            "A vendor authorised an app holding Amazon Fulfillment, Product Listing and Brand "
            "Analytics from Vendor Central in North America. Vendor Orders, the catalogue and "
            "reports work; the Sellers API and the FBA inventory, which serve sellers only, "
            "answer the bare 403."
        ),
        path="modern",
        failure_mode=None,
        credentials=_credentials(w.AUTH_VENDOR),
        expect=(("vendor-account", None),),
        wire=Wire(
            account_type="vendor",
            operations={
                "getMarketplaceParticipations": 403,
                "getPurchaseOrders": 200,
                "searchCatalogItems": 200,
                "getReports": 200,
                "getInventorySummaries": 403,
            },
        ),
    ),
    Scenario(
        name="sandbox-only-app",
        title="A sandbox app called on the production hosts",
        story=(
            "The app is registered for the sandbox only. LWA issues tokens with its credentials "
            "and the sandbox hosts let its calls through, but every production region answers "
            "every call with the bare 403."
        ),
        path="modern",
        failure_mode="D5",
        credentials=_credentials(w.AUTH_SANDBOX_ONLY),
        expect=(("app-sandbox-only", None),),
        wire=Wire(region=None, sandbox_region="NA"),
    ),
    Scenario(
        name="restricted-role-only",
        title="The app holds restricted roles only",
        story=(
            "A tax compliance app holds Tax Invoicing (Restricted) and Tax Remittance "
            "(Restricted) and no general role. The orders search and reports work in NA; "
            "getMarketplaceParticipations and the Orders v0 list answer the bare 403."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_RESTRICTED_ONLY),
        expect=(("participations-not-permitted", None),),
        wire=Wire(
            operations={
                "getMarketplaceParticipations": 403,
                "searchOrders": 200,
                "getReports": 200,
                "getOrders": 403,
            }
        ),
    ),
    *(_single_role_scenario(role, *facts) for role, facts in _SINGLE_ROLE.items()),
    Scenario(
        name="user-without-assume-role",
        title="The IAM user may not assume the role",
        story=(
            "The IAM user's key is valid, but the user has no policy allowing sts:AssumeRole on "
            "the role: STS answers AccessDenied."
        ),
        path="legacy",
        failure_mode="C1",
        credentials=_credentials(
            _LEGACY_LWA,
            aws=_aws(
                _samples.AWS_SECOND_EXAMPLE_ACCESS_KEY,
                _samples.AWS_SECOND_EXAMPLE_SECRET_KEY,
                _ROLE_ARN,
            ),
        ),
        expect=(("sts-assume-role-denied", None),),
        wire=Wire(caller_identity="ok", assume_role="AccessDenied"),
    ),
    Scenario(
        name="user-arn-as-role-arn",
        title="The user's ARN is in role_arn",
        story=(
            "role_arn holds arn:aws:iam::…:user/sp-api-user, the IAM user's own ARN. AssumeRole "
            "on a user is denied: the caller and the resource are the same user."
        ),
        path="legacy",
        failure_mode="A6",
        credentials=_credentials(_LEGACY_LWA, aws=_aws(*_EXAMPLE_KEYS, _USER_ARN)),
        expect=(("role-arn-is-user-arn", "role_arn"), ("sts-role-arn-is-caller", "role_arn")),
        wire=Wire(caller_identity="ok", assume_role="AccessDenied"),
    ),
    Scenario(
        name="swapped-aws-keys",
        title="The AWS access key and secret key are swapped",
        story=(
            "The secret access key sits in aws_access_key and the key ID in aws_secret_key. AWS "
            "answers InvalidClientTokenId; moto, which cannot parse a key ID with a slash, "
            "answers an S3-style 403 InvalidAccessKeyId (boto3 shows it as 'Unknown')."
        ),
        path="legacy",
        failure_mode="A3",
        credentials=_credentials(
            _LEGACY_LWA,
            aws=_aws(_samples.AWS_EXAMPLE_SECRET_KEY, _samples.AWS_EXAMPLE_ACCESS_KEY, _ROLE_ARN),
        ),
        expect=(("fields-swapped", "aws_access_key"),),
        wire=Wire(caller_identity="InvalidAccessKeyId", assume_role="InvalidAccessKeyId"),
    ),
    Scenario(
        name="unknown-access-key",
        title="AWS does not know the access key",
        story=(
            "The access key was deleted in IAM (or never existed): STS answers "
            "InvalidClientTokenId to every call made with it."
        ),
        path="legacy",
        failure_mode="C2",
        credentials=_credentials(
            _LEGACY_LWA, aws=_aws(*_samples.aws_key_pair("mock-deleted-access-key"), _ROLE_ARN)
        ),
        expect=(("sts-access-key-invalid", "aws_access_key"),),
        wire=Wire(caller_identity="InvalidClientTokenId", assume_role="InvalidClientTokenId"),
    ),
    Scenario(
        name="wrong-secret-key",
        title="The AWS secret key does not belong to the access key",
        story=(
            "The access key is the IAM user's, but the secret key is another one. AWS knows the "
            "key and the signature does not match: SignatureDoesNotMatch."
        ),
        path="legacy",
        failure_mode="C3",
        credentials=_credentials(
            _LEGACY_LWA,
            aws=_aws(
                _samples.AWS_EXAMPLE_ACCESS_KEY,
                _samples.aws_key_pair("mock-other-secret-key")[1],
                _ROLE_ARN,
            ),
        ),
        expect=(("sts-secret-key-wrong", "aws_secret_key"),),
        wire=Wire(caller_identity="SignatureDoesNotMatch", assume_role="SignatureDoesNotMatch"),
    ),
    Scenario(
        name="temporary-keys-without-session-token",
        title="Temporary ASIA… keys without their session token",
        story=(
            "The user copied keys from an assume-role or Lambda session: an ASIA… key works only "
            "with its session token, which was left behind. STS answers InvalidClientTokenId."
        ),
        path="legacy",
        failure_mode="A4",
        credentials=_credentials(
            _LEGACY_LWA,
            aws=_aws(*_samples.aws_key_pair("mock-temporary-key", prefix="ASIA"), _ROLE_ARN),
        ),
        expect=(
            ("aws-temporary-key-without-session-token", "aws_access_key"),
            ("sts-access-key-invalid", "aws_access_key"),
        ),
        wire=Wire(caller_identity="InvalidClientTokenId", assume_role="InvalidClientTokenId"),
    ),
    # ------------------------------------------------------------ client-secret rotation
    Scenario(
        name="secret-expires-in-5-days",
        title="The client secret expires in 5 days; Amazon has sent its warnings",
        story=(
            "The app's client secret was issued 175 days ago. Amazon has posted an "
            "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY notification to the app's SQS queue 90, 60, "
            "30, 15 and 7 days before the 180th day; nobody has read them. Everything still "
            "works today. The AWS_* variables give the operator who may read the queue and "
            "rotate."
        ),
        path="modern",
        failure_mode="B1",
        credentials=_credentials(w.AUTH_SECRET_EXPIRES_IN_5_DAYS),
        expect=(),
        wire=_NA_WIRE,
        extra_env=_OPERATOR_ENV,
        notification_queue=True,
        notifications=(w.APP_SECRET_EXPIRES_IN_5_DAYS,),
    ),
    Scenario(
        name="secret-expires-in-45-days",
        title="The client secret expires in 45 days",
        story=(
            "The app's client secret was issued 135 days ago: Amazon's notifications 90 and 60 "
            "days before its expiry are on the queue. Nothing is urgent yet, and a rotation now "
            "leaves plenty of time to update every copy."
        ),
        path="modern",
        failure_mode="B1",
        credentials=_credentials(w.AUTH_SECRET_EXPIRES_IN_45_DAYS),
        expect=(),
        wire=_NA_WIRE,
        extra_env=_OPERATOR_ENV,
        notification_queue=True,
        notifications=(w.APP_SECRET_EXPIRES_IN_45_DAYS,),
    ),
    Scenario(
        name="rotation-not-enrolled",
        title="The app registered no queue for its notifications",
        story=(
            "The app's credentials work, but nobody added an SQS queue to the app's rows of "
            "Notification Preferences. rotateApplicationClientSecret answers 400: 'Application "
            "is not enrolled for rotation notification.'"
        ),
        path="modern",
        failure_mode="B1",
        credentials=_credentials(w.AUTH_NOT_ENROLLED),
        expect=(),
        wire=_NA_WIRE,
        extra_env=_OPERATOR_ENV,
        notification_queue=True,
    ),
)

# Read-only, in the order above (happy paths first, then by stage).
SCENARIOS = MappingProxyType({item.name: item for item in _SCENARIO_LIST})
assert len(SCENARIOS) == len(_SCENARIO_LIST), "duplicate scenario name"


def scenario(name: str) -> Scenario:
    """The scenario called ``name``; :class:`UnknownScenarioError` lists the valid names."""
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        raise UnknownScenarioError(
            f"no mock scenario named {name!r}; the scenarios are: {', '.join(SCENARIOS)}"
        ) from None
