"""Named scenarios: which credentials the user has configured, and what Amazon answers.

Every scenario runs in the same world (:func:`._world.default_world`); a scenario only
says which values the user put in their environment (or in AWS Secrets Manager), and
records, as data, what the services answer to them (:class:`Wire`) and which findings
the checker must report (``expect``). There is one scenario for each failure of
``failure-modes.md`` that shows over the wire and that the mock can reproduce
faithfully; ``A5`` (root-account keys) is missing because moto has no root user (see
:mod:`._aws`).

``expect`` lists catalogue codes with the field each blames: the findings that define
the scenario. The checker may report more (for example ``aws-fields-ignored``, which
depends on the installed python-amazon-sp-api, or ``aws-example-key`` for AWS's example
keys); those are not listed.
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

    ``lwa``: (status, ``error``) of the refresh-token exchange, error None on success.
    ``regions``: per region, (status, ``details``) of ``GET
    /sellers/v1/marketplaceParticipations`` with the access token (details None on 200).
    ``denied_roles``: roles whose probe answers 403 in the region that accepts the token.
    ``caller_identity`` / ``assume_role``: "ok" or the error code of the answer to STS
    GetCallerIdentity and AssumeRole(role_arn) with the configured AWS keys (None when the
    scenario has no AWS keys). ``sandbox``: the calls go to the sandbox hosts.
    """

    lwa: tuple = (200, None)
    regions: dict = field(
        default_factory=lambda: {"NA": (200, None), "EU": (403, DENIED), "FE": (403, DENIED)}
    )
    denied_roles: frozenset = frozenset()
    caller_identity: str | None = None
    assume_role: str | None = None
    sandbox: bool = False

    def __post_init__(self):
        object.__setattr__(self, "regions", MappingProxyType(dict(self.regions)))


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

    def __post_init__(self):
        assert self.path in PATHS, self.name
        assert self.credential_source in SOURCES, self.name
        assert tuple(self.credentials) == FIELD_KEYS, self.name
        # Scenarios are shared constants: their mappings are read-only views.
        object.__setattr__(self, "credentials", MappingProxyType(dict(self.credentials)))
        object.__setattr__(self, "extra_env", MappingProxyType(dict(self.extra_env)))

    @property
    def needs_aws(self) -> bool:
        """Whether the scenario talks to AWS (STS, or Secrets Manager for its credentials)."""
        return self.path == "legacy" or self.credential_source == "secrets-manager"

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
_LEGACY_LWA = w.AUTH_MAIN_NA
_NA_TOKEN = _CAST.authorizations[w.AUTH_MAIN_NA].refresh_token
_ACCESS_TOKEN = _CAST.issue_access_token(
    _MAIN_APP, _MAIN_APP.current_secret, authorization=_CAST.authorizations[w.AUTH_MAIN_NA]
)
_ALL_DENIED = {"NA": (403, DENIED), "EU": (403, DENIED), "FE": (403, DENIED)}
_LWA_OK_STS_OK = {"caller_identity": "ok", "assume_role": "ok"}

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
        wire=Wire(),
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
        wire=Wire(regions={"NA": (403, DENIED), "EU": (200, None), "FE": (403, DENIED)}),
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
        wire=Wire(**_LWA_OK_STS_OK),
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
        wire=Wire(sandbox=True),
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
        wire=Wire(),
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
        wire=Wire(lwa=(401, "invalid_client"), regions={}),
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
        wire=Wire(lwa=(401, "invalid_client"), regions={}),
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
        wire=Wire(lwa=(401, "invalid_client"), regions={}),
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
        wire=Wire(lwa=(401, "invalid_client"), regions={}),
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
        wire=Wire(),
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
        wire=Wire(lwa=(401, "invalid_client"), regions={}),
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
        wire=Wire(
            regions={
                "NA": (403, SECRET_EXPIRED),
                "EU": (403, SECRET_EXPIRED),
                "FE": (403, SECRET_EXPIRED),
            }
        ),
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
        wire=Wire(lwa=(400, "invalid_grant"), regions={}),
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
        wire=Wire(lwa=(400, "invalid_grant"), regions={}),
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
        wire=Wire(lwa=(400, "invalid_grant"), regions={}),
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
        wire=Wire(lwa=(400, "unauthorized_client"), regions={}),
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
        wire=Wire(regions={"NA": (403, DENIED), "EU": (200, None), "FE": (403, DENIED)}),
        extra_env={"SP_API_DEFAULT_MARKETPLACE": "US"},
    ),
    Scenario(
        name="role-missing",
        title="The app lacks the Amazon Fulfillment role",
        story=(
            "The app was registered without Amazon Fulfillment. The token works, but the FBA "
            "inventory call answers the bare 403 while the other roles' calls succeed."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_WITHOUT_FULFILLMENT),
        expect=(("role-missing", "refresh_token"),),
        wire=Wire(denied_roles=frozenset({w.ROLE_FULFILLMENT})),
    ),
    Scenario(
        name="role-added-without-reauthorising",
        title="A role was added, but the app was not authorised again",
        story=(
            "Amazon Fulfillment was added to the app last week; the refresh token dates from "
            "before that. Roles reach a token only when the app is authorised again, so the FBA "
            "call still answers the bare 403."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_FULFILLMENT_ADDED),
        expect=(("role-missing", "refresh_token"),),
        wire=Wire(denied_roles=frozenset({w.ROLE_FULFILLMENT})),
    ),
    Scenario(
        name="no-region-accepts-token",
        title="LWA issues a token that no region accepts",
        story=(
            "The app was authorised while it had no role, so the refresh token reaches no data: "
            "LWA issues access tokens, and NA, EU and FE all answer the bare 403."
        ),
        path="modern",
        failure_mode="D3",
        credentials=_credentials(w.AUTH_WITHOUT_ROLES),
        expect=(("no-region-accepts-token", "refresh_token"),),
        wire=Wire(regions=_ALL_DENIED, denied_roles=frozenset(w.ROLES)),
    ),
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
        expect=(("sts-assume-role-denied", "role_arn"),),
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
