"""The failure catalogue: every finding the doctor can report, as data.

One entry per failure mode: a stable code (also the anchor of its section in the docs),
a severity, the stage that detects it, how often users meet it, the credential it blames
(or None), a title, the cause, the fix, the exact error texts that identify it in the
wild, and where the facts come from. The checker raises its findings from these entries
and the docs are rendered from them, so the two cannot disagree: what users meet on
``docs/troubleshooting.md`` (most frequent first), the doctor's own findings on
``docs/reference/findings.md``.
"""

from __future__ import annotations

import os

from . import __version__

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import EllipsisType
    from typing import Any

SEVERITIES = ("error", "warning", "info")
STAGES = (
    "load",
    "format",
    "lwa",
    "sts",
    "region",
    "roles",
    "consent",
    "store",
    "rotation",
    "transport",
)
# Who meets a failure, and how often: it decides where the docs show the entry, and in
# which order. The first three are failures users of python-amazon-sp-api or amzn-sp-api
# meet whether or not they run the doctor, so each such entry quotes the error text they
# see (``texts``); the tiers follow the evidence in the project's research on real users
# (failure-modes.md): "common" for the failures marked as common there, "occasional" for
# those several independent reports describe, "rare" for one report or a behaviour known
# only from a library's code or Amazon's documents. "doctor-only": the doctor's own
# finding, which no library shows as an error of its own (a format rule whose symptom is
# another entry's error, a note, the doctor's settings and its reading of network failures).
PREVALENCES = ("common", "occasional", "rare", "doctor-only")

DOCS_SITE = "https://spapi-docs.readthedocs.io/"


def _docs_version(version: str) -> str:
    """The docs version a release links to: Read the Docs names it after the release's tag
    (releases are tagged with the bare version, 0.1.0); a development version reads the
    newest docs ("latest")."""
    return version if all(part.isdigit() for part in version.split(".")) else "latest"


# The docs of this very version, so that a link never explains another version's codes.
DOCS_VERSION = _docs_version(__version__)
# The site's pages live under docs/ (conf.py sits at the repository root).
DOCS_BASE_URL = f"{DOCS_SITE}en/{DOCS_VERSION}/docs/"
# The page of an entry's section, by who meets it (see PREVALENCES).
TROUBLESHOOTING_PAGE = "troubleshooting.html"
FINDINGS_PAGE = "reference/findings.html"

_AMZ = "https://developer-docs.amazon.com/sp-api"
SRC_IAM_REMOVED = (
    "Amazon changelog, 2023-10-02: SP-API no longer requires AWS IAM or SigV4",
    f"{_AMZ}/changelog/sp-api-will-no-longer-require-aws-iam-or-aws-signature-version-4",
)
SRC_ROTATION = (
    "Amazon: rotating your app's LWA credentials (180 days; old secret expires 7 days later)",
    f"{_AMZ}/docs/rotating-your-apps-lwa-credentials",
)
SRC_ROTATION_DEADLINE = (
    "Amazon changelog: LWA rotation deadline (the 403 'LWA secret token … expired' body)",
    f"{_AMZ}/changelog/urgent-login-with-amazon-rotation-deadline-is-may-22-2023",
)
SRC_SELF_AUTH = ("Amazon: Authorize Private Applications", f"{_AMZ}/docs/self-authorization")
SRC_CONNECT = (
    "Amazon: Connecting to the Selling Partner API (the LWA token request)",
    f"{_AMZ}/docs/connecting-to-the-selling-partner-api",
)
SRC_ENDPOINTS = ("Amazon: SP-API endpoints", f"{_AMZ}/docs/sp-api-endpoints")
SRC_GRANTLESS = ("Amazon: grantless operations", f"{_AMZ}/docs/grantless-operations")
SRC_ROLE_MAPPINGS = (
    "Amazon: Role Mappings for SP-API Operations (any one listed role grants access)",
    f"{_AMZ}/docs/role-mappings",
)
SRC_SANDBOX = (
    "amzn/selling-partner-api-models#4958 (the sandbox applies production's permission checks)",
    "https://github.com/amzn/selling-partner-api-models/issues/4958",
)
SRC_RENEW = (
    "Amazon: renew authorizations (roles need a new token)",
    f"{_AMZ}/docs/renew-authorizations",
)
SRC_SW_CREDS = (
    "python-amazon-sp-api: sp_api/base/credential_provider.py",
    "https://github.com/saleweaver/python-amazon-sp-api/blob/master/sp_api/base/credential_provider.py",
)
SRC_SW_CONFIG = (
    "python-amazon-sp-api docs: config file",
    "https://python-amazon-sp-api.readthedocs.io/en/latest/config_file.html",
)
SRC_SW_ENV = (
    "python-amazon-sp-api docs: environment variables",
    "https://python-amazon-sp-api.readthedocs.io/en/latest/env_variables.html",
)
SRC_SW_1505 = (
    "saleweaver/python-amazon-sp-api#1505 (App ID in lwa_app_id)",
    "https://github.com/saleweaver/python-amazon-sp-api/issues/1505",
)
SRC_DOCS_499 = (
    "amzn/selling-partner-api-docs#499 (App ID used as client id)",
    "https://github.com/amzn/selling-partner-api-docs/issues/499",
)
SRC_AWS_KEYS = (
    "AWS: GetAccessKeyInfo (AKIA long-term, ASIA temporary keys)",
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html",
)
SRC_AWS_ARN = (
    "AWS: IAM identifiers and ARNs",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html",
)
SRC_AWS_ASSUME = (
    "AWS: AssumeRole",
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
)
SRC_AWS_ROOT = (
    "AWS: tasks that need root / root cannot assume roles",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html",
)
SRC_AWS_EXAMPLE_KEYS = (
    "AWS: example access keys used throughout AWS's documentation",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html",
)
SRC_RFC6749 = (
    "RFC 6749 §5.2: OAuth 2.0 error responses",
    "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
)
SRC_AUTH_ERRORS = (
    "Amazon: authorization errors (the MD codes of the consent page)",
    f"{_AMZ}/docs/authorization-errors",
)
SRC_WEBSITE_FLOW = (
    "Amazon: the website authorization workflow",
    f"{_AMZ}/docs/website-authorization-workflow",
)
SRC_DOCS_265 = (
    "amzn/selling-partner-api-docs#265 (MD1000 on a Draft app without version=beta)",
    "https://github.com/amzn/selling-partner-api-docs/issues/265",
)
SRC_DOCS_1926 = (
    "amzn/selling-partner-api-docs#1926 (MD5100: both OAuth Login and Redirect URIs needed)",
    "https://github.com/amzn/selling-partner-api-docs/issues/1926",
)
SRC_DOCS_3190 = (
    "amzn/selling-partner-api-docs#3190 (MD5101: the Redirect URI is not registered)",
    "https://github.com/amzn/selling-partner-api-docs/issues/3190",
)
SRC_APIDECK_MD9100 = (
    "Apideck's Amazon Seller Central set-up guide (MD9100 for Draft and Sandbox apps)",
    "https://developers.apideck.com/apis/ecommerce/amazon-seller-central/configuration",
)
SRC_SAMPLE_LOCALHOST = (
    "Amazon's website-authorization sample: localhost is not an allowed Redirect URI",
    "https://github.com/amzn/selling-partner-api-samples/blob/main/use-cases/"
    "website-authorization/docs/DEPLOYMENT.md",
)
SRC_DOCS_26 = (
    "amzn/selling-partner-api-docs#26 (only https links are valid Log-in and Redirect URIs)",
    "https://github.com/amzn/selling-partner-api-docs/issues/26",
)
SRC_MODELS_4093 = (
    "amzn/selling-partner-api-models#4093 (reading code instead of spapi_oauth_code)",
    "https://github.com/amzn/selling-partner-api-models/issues/4093",
)
SRC_DOCS_466 = (
    "amzn/selling-partner-api-docs#466 (invalid_grant on the authorization code)",
    "https://github.com/amzn/selling-partner-api-docs/issues/466",
)
SRC_RFC6749_STATE = (
    "RFC 6749 §10.12: the state parameter against cross-site request forgery",
    "https://www.rfc-editor.org/rfc/rfc6749#section-10.12",
)
SRC_RENEW_365 = (
    "Amazon: renew authorizations (public apps every 365 days)",
    f"{_AMZ}/docs/renew-authorizations",
)
SRC_ROTATE_API = (
    "Amazon: rotate your application's client secret (grantless scope, 204, sandbox apps "
    "cannot call it)",
    f"{_AMZ}/docs/rotate-your-application-client-secret",
)
SRC_ROTATION_SETUP = (
    "Amazon: set up credential rotation notifications (SQS queue policy for 437568002678)",
    f"{_AMZ}/docs/set-up-credential-rotation-notifications",
)
SRC_APP_MANAGEMENT_MODEL = (
    "Amazon's API model: application_2023-11-30.json (rate 0.0167, burst 1; the 400 when "
    "not enrolled)",
    "https://github.com/amzn/selling-partner-api-models/blob/main/models/"
    "application-management-api-model/application_2023-11-30.json",
)
SRC_ROTATION_SAMPLE = (
    "amzn/selling-partner-api-samples, use-cases/lwa-rotation (the notification payloads)",
    "https://github.com/amzn/selling-partner-api-samples/tree/main/use-cases/lwa-rotation",
)
SRC_EXPIRY_CADENCE = (
    "amzn/selling-partner-api-samples#116 (expiry notices 90, 60, 30, 15, 7 and 1 days before)",
    "https://github.com/amzn/selling-partner-api-samples/issues/116",
)
SRC_SQS_VISIBILITY = (
    "AWS: Amazon SQS visibility timeout (a received message is hidden, not removed)",
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
    "sqs-visibility-timeout.html",
)
SRC_SQS_DLQ = (
    "AWS: Amazon SQS dead-letter queues (maxReceiveCount counts every receive)",
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
    "sqs-dead-letter-queues.html",
)


# What a finding blames when it blames no credential field (the JSON report's ``subject``).
SUBJECTS = {
    "app_roles": "the app's roles",
    "app": "the app's registration",
    "endpoint": "an endpoint setting",
    "amazon": "Amazon's side",
    "aws_iam": "the IAM user's policies and the IAM role's trust relationship",
}
# What the verdict says of the credentials when an error blames a subject. Most subjects
# clear every credential; AWS answers AccessDenied to AssumeRole alike for a missing
# permission and for a role_arn that names no role, so that one clears the keys only.
SUBJECT_VERDICTS = {
    "aws_iam": "The AWS keys work (STS knows them): look at {subject}, then check that "
    "role_arn names an existing role.",
}
SUBJECT_VERDICT = "The credentials themselves are not to blame: look at {subject}."


class Entry:
    """One failure mode of the catalogue.

    ``field``: the credential it blames, or None. ``subject``: what it blames instead of a
    credential (a key of ``SUBJECTS``), or None. ``match``: the strings that identify the
    failure in a service's answer, for the diagnosis (``_diagnose``) to key on: LWA's
    JSON ``error`` code, STS's error ``Code`` (and, for root keys, the words of its message),
    SP-API's 403 ``details`` or error ``code``. Entries that share a string (``invalid_client``,
    ``AccessDenied``) are told apart by the diagnosis from other evidence. ``texts`` are the
    whole answers as users see them, for the docs. This is the checker's one copy of each
    string: the mock Amazon spells its answers itself, so that a typo in either shows.
    """

    __slots__ = (
        "cause",
        "code",
        "field",
        "fix",
        "match",
        "prevalence",
        "severity",
        "sources",
        "stage",
        "subject",
        "texts",
        "title",
    )

    def __init__(
        self,
        *,
        code: str,
        severity: str,
        stage: str,
        prevalence: str,
        field: str | None,
        title: str,
        cause: str,
        fix: str,
        texts: Iterable[str] = (),
        sources: Iterable[tuple[str, str]] = (),
        subject: str | None = None,
        match: Iterable[str] = (),
    ) -> None:
        # Raised, not asserted: ``python -O`` must not let a malformed entry through.
        if severity not in SEVERITIES:
            raise ValueError(f"{code}: severity must be one of {SEVERITIES}, not {severity!r}")
        if stage not in STAGES:
            raise ValueError(f"{code}: stage must be one of {STAGES}, not {stage!r}")
        if subject is not None and (field is not None or subject not in SUBJECTS):
            raise ValueError(f"{code}: subject must be one of {tuple(SUBJECTS)}, without a field")
        if prevalence not in PREVALENCES:
            raise ValueError(f"{code}: prevalence must be one of {PREVALENCES}, not {prevalence!r}")
        if isinstance(match, str) or not all(isinstance(text, str) and text for text in match):
            raise ValueError(f"{code}: match must be a tuple of non-empty strings")
        self.code = code
        self.severity = severity
        self.stage = stage
        self.prevalence = prevalence
        self.field = field
        self.subject = subject
        self.title = title
        self.cause = cause
        self.fix = fix
        self.texts = tuple(texts)
        self.sources = tuple(sources)
        self.match = tuple(match)

    @property
    def docs(self) -> str:
        """The URL of this entry's section in the docs."""
        return docs_url(self.code)

    def finding(
        self,
        message: str,
        *,
        field: str | EllipsisType | None = ...,
        fix: str | None = None,
        source: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding of this entry; ``message`` says what was seen, specifically."""
        return Finding(
            code=self.code,
            severity=self.severity,
            field=self.field if field is ... else field,
            subject=self.subject,
            message=message,
            fix=fix or self.fix,
            stage=self.stage,
            source=source,
            details=details,
        )

    def __repr__(self) -> str:
        return f"Entry({self.code!r})"


class Finding:
    """One problem found: what, where, why it matters and the fix. Holds no secret."""

    __slots__ = (
        "code",
        "details",
        "field",
        "fix",
        "message",
        "severity",
        "source",
        "stage",
        "subject",
    )

    def __init__(
        self,
        code: str,
        severity: str,
        field: str | None,
        message: str,
        fix: str,
        stage: str,
        source: str | None = None,
        details: dict[str, Any] | None = None,
        subject: str | None = None,
    ) -> None:
        self.code = code
        self.severity = severity
        self.field = field
        # What is blamed: the credential field, else a key of SUBJECTS, else None.
        self.subject = field or subject
        self.message = message
        self.fix = fix
        self.stage = stage
        self.source = source
        self.details = details

    def with_message(self, message: str) -> Finding:
        """A copy saying ``message`` instead (findings an answer holds are not edited)."""
        return Finding(
            self.code,
            self.severity,
            self.field,
            message,
            self.fix,
            self.stage,
            source=self.source,
            details=self.details,
            subject=self.subject,
        )

    @property
    def docs(self) -> str:
        """The URL of this finding's section in the docs."""
        return docs_url(self.code)

    @property
    def title(self) -> str:
        """The catalogue entry's title (the general name of this problem)."""
        return entry(self.code).title

    def one_line(self) -> str:
        """Code, blamed credential, message, fix and docs URL on one line."""
        blame = f" [{self.field}]" if self.field else ""
        return f"{self.code}{blame}: {self.message} Fix: {self.fix} ({self.docs})"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the report's ``findings`` list."""
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
            "stage": self.stage,
            "source": self.source,
            "docs": self.docs,
        }
        if self.details:
            data["details"] = self.details
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    # Compared by content, so not hashable (mypy expects a method here).
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Finding({self.code!r}, {self.severity!r}, field={self.field!r})"


def docs_page(code: str) -> str:
    """The page that explains ``code``, relative to the docs: the doctor's own findings are
    on the findings reference, everything users meet (and an unknown code) on the
    troubleshooting page."""
    known = _BY_CODE.get(code)
    if known is not None and known.prevalence == "doctor-only":
        return FINDINGS_PAGE
    return TROUBLESHOOTING_PAGE


def _docs_base() -> str:
    base = os.environ.get("SPAPI_DOCS_URL") or DOCS_BASE_URL
    return base if base.endswith("/") else base + "/"


def docs_url(code: str) -> str:
    """The section of ``code`` in the docs (``SPAPI_DOCS_URL`` overrides the site)."""
    return f"{_docs_base()}{docs_page(code)}#{code}"


def docs_home() -> str:
    """The start page of the docs the links point into (``spapi-doctor --version`` shows it)."""
    return f"{_docs_base()}index.html"


# Why every region refused every probe of a token LWA issued (roles-deny-every-probe), most
# likely first, each with its fix: the entry's cause lists them and the finding carries them,
# less the sandbox cause when the sandbox hosts were asked and refused too.
SANDBOX_ONLY_CAUSE = (
    "the app is registered for the sandbox only",
    "use the sandbox endpoints for this app, or register a production app (or switch this one "
    "to production) and authorise it again",
)
ROLE_CAUSES = (
    (
        "the app holds no role, or none that counts in the token's region",
        "add the roles you need to the app (Solution Provider Portal → your app → Edit App; "
        "your developer profile must have them), then authorise it again",
    ),
    (
        "the roles were added after the refresh token was issued",
        "authorise the app again and use the new refresh token",
    ),
    (
        "the developer profile's roles are still under review",
        "wait for Amazon's approval of the profile, then authorise the app again",
    ),
    SANDBOX_ONLY_CAUSE,
    (
        "the token is a vendor's and the app serves sellers (or the reverse)",
        "authorise the app from the Central (Seller or Vendor) it was made for",
    ),
)


CATALOGUE = (
    # ---------------------------------------------------------------- where credentials come from
    Entry(
        code="no-credentials",
        severity="error",
        stage="load",
        prevalence="occasional",
        field=None,
        title="No credentials found in any source",
        cause="python-amazon-sp-api takes the first source that holds both lwa_app_id and "
        "lwa_client_secret: the code dict, then the environment variables, then AWS Secrets "
        "Manager (when SP_API_AWS_SECRET_ID is set), then credentials.yml. None of them holds both.",
        fix="Put the Client identifier in LWA_APP_ID and the Client secret in LWA_CLIENT_SECRET (or in "
        "credentials.yml under your account name), then run spapi-doctor again.",
        texts=(
            "sp_api.base.credential_provider.MissingCredentials: Credentials are missing: "
            "lwa_app_id, lwa_client_secret",
        ),
        sources=(SRC_SW_CREDS,),
    ),
    Entry(
        code="refresh-token-missing",
        severity="error",
        stage="load",
        prevalence="occasional",
        field="refresh_token",
        title="No refresh token in the source that is used",
        cause="The source that wins holds the LWA client identifier and secret but no refresh token. "
        "Sources are never merged: a refresh token in a lower source is not used.",
        fix="Add the refresh token to the same source as LWA_APP_ID and LWA_CLIENT_SECRET "
        "(SP_API_REFRESH_TOKEN, or refresh_token in credentials.yml), or pass refresh_token= to "
        "the client.",
        texts=("The request has an invalid grant parameter : refresh_token",),
        sources=(SRC_SW_CREDS,),
    ),
    Entry(
        code="source-skipped-incomplete",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="A source was skipped because it is incomplete (sources are not merged)",
        cause="A source that holds only some of the credentials is skipped as a whole: "
        "python-amazon-sp-api moves on to the next source and uses all of its values. "
        "Values you set in the skipped source are silently ignored.",
        fix="Keep all credentials of one account in one source: complete the skipped source, or "
        "remove its partial values so nobody believes they are used.",
        sources=(SRC_SW_CREDS,),
    ),
    Entry(
        code="value-shadowed",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="A different value in a lower source is ignored",
        cause="The same credential is set in more than one source with different values. Only the "
        "source that wins counts; the other value is ignored (and may be the one you updated).",
        fix="Remove the stale value, so that one source holds the credentials.",
        sources=(SRC_SW_CREDS,),
    ),
    Entry(
        code="env-name-near-miss",
        severity="warning",
        stage="load",
        prevalence="occasional",
        field=None,
        title="An environment variable looks like a credential but has a name no library reads",
        cause="python-amazon-sp-api reads exactly SP_API_REFRESH_TOKEN, LWA_APP_ID and LWA_CLIENT_SECRET "
        "(each optionally suffixed with _<account>); versions before 1.0 also read "
        "SP_API_ACCESS_KEY, SP_API_SECRET_KEY and SP_API_ROLE_ARN. A variable named otherwise "
        "(LWA_CLIENT_ID, SP_API_LWA_APP_ID, lowercase names...) is never read.",
        fix="Rename the variable to the name shown.",
        texts=("Credentials are missing: lwa_app_id, lwa_client_secret",),
        sources=(SRC_SW_ENV,),
    ),
    Entry(
        code="account-name-mismatch",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="Credentials exist for an account name that differs only in case or spelling",
        cause="Account names are case-sensitive, in the _<account> suffix of environment variables and "
        "in the account keys of credentials.yml.",
        fix="Use the account name exactly as it is written where the credentials are stored.",
        sources=(SRC_SW_ENV, SRC_SW_CONFIG),
    ),
    Entry(
        code="config-file-not-found",
        severity="info",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="No credentials.yml where python-amazon-sp-api looks",
        cause="python-amazon-sp-api reads credentials.yml from one directory: PYTHON-SP-APIDIR when set, "
        "else the platform's config directory (~/.config/python-sp-api on Linux and macOS, "
        "%APPDATA%\\python-sp-api on Windows).",
        fix="Create the file there if you want to keep your credentials in a file.",
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="config-file-near-miss",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="A credentials file sits where python-amazon-sp-api does not look",
        cause="A file named like the credentials file (credentials.yaml, a copy in another folder or "
        "under another app name) exists, but python-amazon-sp-api reads only credentials.yml in "
        "its config directory.",
        fix="Move or rename the file to the path shown.",
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="config-file-unreadable",
        severity="error",
        stage="load",
        prevalence="rare",
        field=None,
        title="credentials.yml cannot be read",
        cause="The file (or the directory PYTHON-SP-APIDIR names) exists but cannot be read: a "
        "permission problem, a directory where a file belongs, or a file where the directory "
        "belongs. python-amazon-sp-api skips such a file without a word, or stops with a "
        "ConfigError.",
        fix="Fix the path or the permissions shown.",
        texts=("confuse.exceptions.ConfigError: PYTHON-SP-APIDIR must be a directory",),
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="config-file-invalid-yaml",
        severity="error",
        stage="load",
        prevalence="rare",
        field=None,
        title="credentials.yml is not valid YAML",
        cause="python-amazon-sp-api skips a file it cannot parse without a word, and then reports "
        "missing credentials. Tabs for indentation and unquoted values with ': ' are the usual "
        "causes.",
        fix="Fix the YAML at the line shown (indent with spaces; quote every value).",
        texts=("Credentials are missing: lwa_app_id, lwa_client_secret",),
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="source-wrong-shape",
        severity="error",
        stage="load",
        prevalence="rare",
        field=None,
        title="A source does not have the shape python-amazon-sp-api expects",
        cause="credentials.yml must map account names to mappings of credential keys; the code "
        "dict must be a dict; the Secrets Manager secret must be a JSON object. A list, a "
        "plain value, or an account that is not a mapping is rejected (TypeError: YAML config "
        "must be a mapping) or silently skipped.",
        fix="Give the source the shape shown: for credentials.yml, `version: '1.0'`, then "
        "`default:` and the credential keys indented under it.",
        texts=(
            "TypeError: YAML config must be a mapping",
            "AttributeError: 'list' object has no attribute 'get'",
        ),
        sources=(SRC_SW_CONFIG, SRC_SW_CREDS),
    ),
    Entry(
        code="config-duplicate-key",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="A key appears twice in credentials.yml",
        cause="YAML keeps only the last of two equal keys, without a word: a second `default:` "
        "block, or a key repeated inside an account, silently replaces the first.",
        fix="Keep one of the two and delete the other.",
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="config-keys-at-top-level",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="Credential keys at the top level of credentials.yml",
        cause="Keys such as lwa_app_id sit at the top level of the file, outside any account, so "
        "python-amazon-sp-api never finds them.",
        fix="Indent the keys under an account name such as `default:`.",
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="config-account-missing",
        severity="error",
        stage="load",
        prevalence="occasional",
        field=None,
        title="The account is not in credentials.yml",
        cause="credentials.yml has no top-level key with this account name, so the file gives "
        "nothing for it.",
        fix="Use one of the account names the file has, or add the account to the file.",
        texts=(
            "The account X was not setup in your configuration file.",
            "Credentials are missing: lwa_app_id, lwa_client_secret",
        ),
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="unknown-credential-key",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="A key no library reads",
        cause="The source holds a key that python-amazon-sp-api ignores, such as lws_app_id (a typo "
        "that python-amazon-sp-api's own old guide made), client_id or app_id. The value it "
        "holds is never used.",
        fix="Rename the key to the one shown.",
        sources=(SRC_SW_CONFIG, SRC_SW_CREDS),
    ),
    Entry(
        code="secrets-manager-unavailable",
        severity="error",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="The AWS Secrets Manager secret could not be read",
        cause="SP_API_AWS_SECRET_ID is set, but reading the secret failed. When AWS refused the "
        "read (the secret does not exist, or the AWS credentials in use may not read it), "
        "python-amazon-sp-api swallows the error (a botocore ClientError) and moves on to the "
        "next source. When no AWS region or no AWS credentials are configured at all, boto3 "
        "raises NoRegionError or NoCredentialsError, which python-amazon-sp-api does not catch: "
        "your program stops.",
        fix="Check the secret's name and region, and that the AWS identity in use may call "
        "secretsmanager:GetSecretValue on it.",
        sources=(SRC_SW_CREDS,),
    ),
    Entry(
        code="secrets-manager-invalid",
        severity="error",
        stage="load",
        prevalence="rare",
        field=None,
        title="The AWS Secrets Manager secret is not a JSON object",
        cause="The secret string must be a JSON object with the keys SP_API_REFRESH_TOKEN, LWA_APP_ID and "
        "LWA_CLIENT_SECRET. Anything else makes python-amazon-sp-api stop with a JSON error.",
        fix="Store the secret as key/value pairs with those key names.",
        texts=("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",),
        sources=(SRC_SW_CREDS,),
    ),
    # ---------------------------------------------------------------- the shape of each value
    Entry(
        code="value-not-text",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="The value is not text",
        cause="A credential must be a string. A number, a list, a mapping or a YAML null is not one "
        "(in YAML, an unquoted value such as 1234 or yes is read as a number or a boolean).",
        fix="Quote the value in the file, or pass it as a string.",
    ),
    Entry(
        code="value-empty",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="The value is empty",
        cause="The key is present but holds nothing (or only whitespace).",
        fix="Fill in the value, or remove the key.",
    ),
    Entry(
        code="whitespace-around",
        severity="error",
        stage="format",
        prevalence="occasional",
        field=None,
        title="Leading or trailing whitespace",
        cause="Spaces, tabs or a line break around the value are sent to Amazon as part of it, and "
        "the value no longer matches: LWA answers invalid_client or invalid_grant, STS "
        "SignatureDoesNotMatch. Copying from a web page, a PDF or an editor often adds them.",
        fix="Remove the whitespace where the value is stored (not just in your code).",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "SignatureDoesNotMatch",
        ),
    ),
    Entry(
        code="whitespace-inside",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="Whitespace or a line break inside the value",
        cause="A value split over two lines, or with a space inside, was copied in pieces. No "
        "credential contains whitespace.",
        fix="Copy the value again in one piece.",
    ),
    Entry(
        code="quote-characters",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="Quote characters in the value",
        cause="Quotes were copied along with the value (for example '\"Atzr|...'), or typographic "
        "quotes were typed by an editor. They become part of the value.",
        fix="Remove the quotes from the stored value; quote it only in YAML or shell syntax.",
    ),
    Entry(
        code="invisible-character",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="An invisible character in the value",
        cause="A zero-width space, a byte-order mark, a soft hyphen, a non-breaking space or a "
        "control character travels invisibly with copied text and makes the value wrong.",
        fix="Delete the value and type or paste it again from the source, then check it again.",
    ),
    Entry(
        code="non-ascii-character",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="A non-ASCII character in the value",
        cause="Credentials are plain ASCII. A letter that only looks like a Latin one (Cyrillic а, "
        "Greek ο, a full-width digit) or any other non-ASCII character makes the value wrong.",
        fix="Copy the value again from Amazon's or AWS's page.",
    ),
    Entry(
        code="url-encoded",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="The value is URL-encoded",
        cause="The value holds %XX escapes (%7C for |, %2F for /, %2B for +, %3D for =). It was "
        "copied from a URL or a form-encoded body; Amazon expects the decoded value.",
        fix="Decode it: replace each %XX by its character (for a refresh token, %7C by |).",
    ),
    Entry(
        code="unexpanded-variable",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="A variable reference instead of the value",
        cause="The value is a reference such as ${LWA_APP_ID}, $LWA_APP_ID or %LWA_APP_ID% that was "
        "never expanded: .env files read by some tools, docker-compose env_file entries, YAML "
        "and Python strings do not expand them.",
        fix="Store the value itself, or make sure the tool that loads the file expands variables.",
    ),
    Entry(
        code="value-too-long",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="The value is longer than any valid one",
        cause="The value is longer than Amazon or AWS allows for this credential (a refresh token is "
        "at most 2048 bytes), so something else was pasted with it.",
        fix="Copy only the credential itself.",
    ),
    Entry(
        code="placeholder-value",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="A placeholder instead of the real value",
        cause="The value is a placeholder from an example (<your token>, xxxx, ..., your_client_id, "
        "changeme).",
        fix="Replace it with the real value.",
    ),
    Entry(
        code="value-in-wrong-field",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="A value of another credential in this field",
        cause="The value has the exact shape of another credential (for example a client secret in "
        "lwa_app_id), so it was pasted into the wrong field.",
        fix="Move the value to the field it belongs to, and put the right value here.",
    ),
    Entry(
        code="fields-swapped",
        severity="error",
        stage="format",
        prevalence="occasional",
        field=None,
        title="Two credentials are swapped",
        cause="Each of two fields holds the value that belongs in the other.",
        fix="Swap the two values back.",
        texts=(
            "An error occurred (InvalidClientTokenId) when calling the AssumeRole operation: "
            "The security token included in the request is invalid.",
        ),
    ),
    Entry(
        code="app-id-in-client-id-field",
        severity="error",
        stage="format",
        prevalence="common",
        field="lwa_app_id",
        title="The App ID is in lwa_app_id; it needs the LWA Client identifier",
        cause="lwa_app_id (LWA_APP_ID) must hold the LWA Client identifier, "
        "amzn1.application-oa2-client.<32 hex>, shown under LWA credentials → View. The App ID "
        "(amzn1.sp.solution.… or amzn1.sellerapps.app.…) names the app in Seller Central and "
        "is not a credential: LWA answers 401 invalid_client.",
        fix="Put the Client identifier from LWA credentials → View in lwa_app_id / LWA_APP_ID.",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "sp_api.auth.exceptions.AuthorizationError: ('invalid_client', 'Client "
            "authentication failed', 401)",
        ),
        sources=(SRC_SW_1505, SRC_DOCS_499),
    ),
    Entry(
        code="client-id-prefix-missing",
        severity="error",
        stage="format",
        prevalence="occasional",
        field="lwa_app_id",
        title="The client identifier lacks its amzn1.application-oa2-client. prefix",
        cause="Only the hexadecimal tail of the Client identifier was copied. LWA needs the whole "
        "identifier, prefix included.",
        fix="Copy the whole Client identifier, starting with amzn1.application-oa2-client.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    Entry(
        code="client-id-truncated",
        severity="error",
        stage="format",
        prevalence="rare",
        field="lwa_app_id",
        title="The client identifier is cut short",
        cause="A Client identifier is amzn1.application-oa2-client. followed by 32 hexadecimal "
        "characters; part of it is missing.",
        fix="Copy the whole Client identifier again from LWA credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    Entry(
        code="client-id-malformed",
        severity="error",
        stage="format",
        prevalence="rare",
        field="lwa_app_id",
        title="lwa_app_id does not look like an LWA client identifier",
        cause="A Client identifier is amzn1.application-oa2-client. followed by 32 hexadecimal "
        "characters.",
        fix="Copy the Client identifier from LWA credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    Entry(
        code="client-secret-legacy-format",
        severity="warning",
        stage="format",
        prevalence="doctor-only",
        field="lwa_client_secret",
        title="The client secret predates 180-day rotation",
        cause="Secrets issued since rotation became mandatory (2023) start with amzn1.oa2-cs.v1.; a "
        "bare hexadecimal secret is an old one. Every client secret now expires 180 days "
        "after it was issued, so this one has expired or is about to.",
        fix="Rotate the secret (LWA credentials → View → Rotate secret) and store the new one; the "
        "old one keeps working for 7 days.",
        sources=(SRC_ROTATION,),
    ),
    Entry(
        code="client-secret-length-unusual",
        severity="warning",
        stage="format",
        prevalence="rare",
        field="lwa_client_secret",
        title="The client secret is not the length seen so far",
        cause="Every client secret seen so far is amzn1.oa2-cs.v1. followed by 64 hexadecimal "
        "characters, and this one has another number. Amazon publishes no length, so this is a "
        "warning only: the secret may be fine, or its end was lost when it was copied.",
        fix="If LWA answers invalid_client, copy the whole Client secret again from LWA "
        "credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    Entry(
        code="client-secret-malformed",
        severity="error",
        stage="format",
        prevalence="rare",
        field="lwa_client_secret",
        title="lwa_client_secret does not look like an LWA client secret",
        cause="A client secret is amzn1.oa2-cs.v1. followed by hexadecimal characters (older secrets "
        "are 64 bare hexadecimal characters).",
        fix="Copy the Client secret from LWA credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    Entry(
        code="access-token-in-refresh-token-field",
        severity="error",
        stage="format",
        prevalence="occasional",
        field="refresh_token",
        title="An access token (Atza|) where the refresh token (Atzr|) belongs",
        cause="Access tokens start with Atza| and live one hour; refresh tokens start with Atzr| and "
        "do not expire. With an access token here everything works for an hour at most, then "
        "LWA answers invalid_grant.",
        fix="Store the refresh token (Atzr|…) from Authorize app, not the access token.",
        texts=(
            '{"error_description":"The request has an invalid grant parameter : refresh_token",'
            '"error":"invalid_grant"}',
        ),
        sources=(SRC_CONNECT,),
    ),
    Entry(
        code="authorization-code-in-refresh-token-field",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field="refresh_token",
        title="An OAuth authorization code where the refresh token belongs",
        cause="The short code an OAuth redirect carries (spapi_oauth_code) lives five minutes and must "
        "be exchanged for a refresh token; it is not one.",
        fix="Self-authorise the app (Authorize app) and store the Atzr| refresh token it shows, or "
        "exchange the code with grant_type=authorization_code.",
        sources=(SRC_CONNECT,),
    ),
    Entry(
        code="refresh-token-prefix-typo",
        severity="error",
        stage="format",
        prevalence="rare",
        field="refresh_token",
        title="The refresh token's Atzr| prefix is mistyped",
        cause="Refresh tokens start with exactly Atzr| (A-t-z-r and a vertical bar). Amazon's own "
        "2021 guide wrote Aztr| once; a retyped or altered prefix makes LWA answer invalid_grant.",
        fix="Copy the refresh token again instead of typing it.",
        texts=(
            '{"error_description":"The request has an invalid grant parameter : refresh_token",'
            '"error":"invalid_grant"}',
        ),
    ),
    Entry(
        code="refresh-token-malformed",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field="refresh_token",
        title="refresh_token does not look like a refresh token",
        cause="A refresh token starts with Atzr| and is several hundred characters long.",
        fix="Copy the refresh token shown by Authorize app.",
    ),
    Entry(
        code="refresh-token-short",
        severity="warning",
        stage="format",
        prevalence="doctor-only",
        field="refresh_token",
        title="The refresh token is unusually short",
        cause="Refresh tokens Amazon issues are several hundred characters long; a much shorter one "
        "was probably cut off when copied.",
        fix="If LWA rejects it, authorise again and copy the whole token.",
    ),
    Entry(
        code="aws-access-key-malformed",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field="aws_access_key",
        title="aws_access_key does not look like an AWS access key ID",
        cause="An access key ID is 20 characters: AKIA (long-term, an IAM user's) or ASIA "
        "(temporary) and 16 capital letters or digits. IDs starting AIDA or AROA are IAM "
        "unique IDs of a user or role, not keys.",
        fix="Copy the Access key ID of the IAM user (IAM → Users → Security credentials).",
        sources=(SRC_AWS_KEYS,),
    ),
    Entry(
        code="aws-temporary-key-without-session-token",
        severity="error",
        stage="format",
        prevalence="occasional",
        field="aws_access_key",
        title="Temporary AWS keys (ASIA…) without their session token",
        cause="Keys starting with ASIA come from STS (assume-role, SSO, a Lambda or EC2 role) and "
        "work only together with their session token, for a few hours. Without it AWS answers "
        "InvalidClientTokenId.",
        fix="Use the IAM user's long-term AKIA… key, or add the session token (SP_API_SESSION_TOKEN).",
        texts=("The security token included in the request is invalid.",),
        sources=(SRC_AWS_KEYS,),
    ),
    Entry(
        code="aws-temporary-key",
        severity="warning",
        stage="format",
        prevalence="rare",
        field="aws_access_key",
        title="Temporary AWS keys will expire",
        cause="ASIA… keys with a session token work until they expire (usually within hours).",
        fix="For a lasting set-up use the IAM user's long-term AKIA… key.",
        texts=("The security token included in the request is expired",),
        sources=(SRC_AWS_KEYS,),
    ),
    Entry(
        code="session-token-with-long-term-key",
        severity="warning",
        stage="format",
        prevalence="doctor-only",
        field="aws_session_token",
        title="A session token next to a long-term AKIA… key",
        cause="Session tokens belong to temporary ASIA… keys. With a long-term key, AWS rejects the "
        "request because of the extra token.",
        fix="Remove the session token, or use the ASIA… key it was issued with.",
    ),
    Entry(
        code="aws-secret-key-malformed",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field="aws_secret_key",
        title="aws_secret_key does not look like an AWS secret access key",
        cause="A secret access key is 40 characters of letters, digits, / and +.",
        fix="Copy the Secret access key shown when the key was created; if it is lost, create a new "
        "access key.",
    ),
    Entry(
        code="role-arn-is-user-arn",
        severity="error",
        stage="format",
        prevalence="occasional",
        field="role_arn",
        title="role_arn holds a user ARN",
        cause="role_arn must name the IAM role (arn:aws:iam::<account>:role/<name>). A user ARN "
        "here makes AssumeRole fail with 'User: … is not authorized to perform: "
        "sts:AssumeRole on resource: …:user/…'.",
        fix="Put the ARN of the role (IAM → Roles → your role → ARN) in role_arn.",
        texts=("is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::",),
        sources=(SRC_AWS_ARN,),
    ),
    Entry(
        code="role-arn-is-assumed-role-arn",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field="role_arn",
        title="role_arn holds an STS assumed-role ARN",
        cause="arn:aws:sts::<account>:assumed-role/<role>/<session> names one session of the role, "
        "as printed by get-caller-identity. The role's own ARN is "
        "arn:aws:iam::<account>:role/<role>.",
        fix="Use the role ARN shown in the message.",
        sources=(SRC_AWS_ARN,),
    ),
    Entry(
        code="role-arn-account-id-malformed",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field="role_arn",
        title="The account ID in role_arn is not 12 digits",
        cause="The account part of an IAM ARN is exactly 12 digits (leading zeros included).",
        fix="Copy the role ARN from the IAM console instead of assembling it.",
        sources=(SRC_AWS_ARN,),
    ),
    Entry(
        code="role-arn-malformed",
        severity="error",
        stage="format",
        prevalence="doctor-only",
        field="role_arn",
        title="role_arn is not an IAM role ARN",
        cause="A role ARN reads arn:aws:iam::<12-digit account>:role/<path/name>; IAM ARNs have no "
        "region part.",
        fix="Copy the role ARN from IAM → Roles → your role.",
        sources=(SRC_AWS_ARN,),
        # What STS answers AssumeRole when the ARN is malformed.
        match=("ValidationError",),
    ),
    Entry(
        code="aws-example-key",
        severity="info",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="AWS's documented example key",
        cause="AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY are the example keys "
        "of AWS's documentation: they work against a mock (as in this project's demo), never "
        "against AWS.",
        fix="Use your IAM user's own keys when you check against AWS.",
        sources=(SRC_AWS_EXAMPLE_KEYS,),
    ),
    Entry(
        code="aws-fields-ignored",
        severity="info",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="The AWS fields are not needed, and the installed library ignores them",
        cause="Since 2023-10-02 SP-API authorises with the LWA access token alone. "
        "python-amazon-sp-api 1.0 and later ignore aws_access_key, aws_secret_key and role_arn.",
        fix="Nothing to fix. You may delete the AWS fields, and the IAM user and role if nothing "
        "else uses them.",
        sources=(SRC_IAM_REMOVED,),
    ),
    Entry(
        code="aws-fields-used-by-legacy-library",
        severity="info",
        stage="format",
        prevalence="occasional",
        field=None,
        title="The installed python-amazon-sp-api is older than 1.0 and still signs with AWS keys",
        cause="Releases before 1.0 assume the IAM role and sign every call with SigV4. Amazon has not "
        "needed that since 2023-10-02 and ignores the signature.",
        fix="Upgrade to python-amazon-sp-api 1.0 or later, which needs only the three LWA credentials.",
        texts=("KeyError: 'AWS Access Key ID and Secret Access Key are required'",),
        sources=(SRC_IAM_REMOVED,),
    ),
    Entry(
        code="aws-fields-incomplete",
        severity="warning",
        stage="format",
        prevalence="doctor-only",
        field=None,
        title="Only some of the AWS fields are set",
        cause="The legacy path needs an access key and its secret key (and, to assume a role, the "
        "role ARN). With only some of them the legacy check cannot run.",
        fix="Set all of them, or none (today's path needs none).",
    ),
    # ---------------------------------------------------------------- Login with Amazon
    Entry(
        code="lwa-client-id-rejected",
        severity="error",
        stage="lwa",
        prevalence="common",
        field="lwa_app_id",
        title="LWA rejected the client: the client identifier is wrong",
        cause="LWA answered invalid_client and lwa_app_id is not a well-formed Client identifier (see "
        "the format findings above): LWA does not know this client.",
        fix="Put the Client identifier from LWA credentials → View in lwa_app_id.",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "AuthorizationError: ('invalid_client', 'Client authentication failed', 401)",
        ),
        sources=(SRC_CONNECT, SRC_SW_1505),
        match=("invalid_client",),
    ),
    Entry(
        code="lwa-client-secret-rejected",
        severity="error",
        stage="lwa",
        prevalence="common",
        field="lwa_client_secret",
        title="LWA rejected the client: the client secret (most likely) or the client identifier "
        "is wrong",
        cause="LWA answered invalid_client although lwa_app_id is a well-formed Client identifier. "
        "LWA gives the same answer to a wrong secret and to an identifier it does not know, and "
        "a well-formed identifier may still belong to another app or be mistyped. The secret is "
        "the more likely one: it belongs to another app, it was rotated more than 7 days ago, or "
        "it expired (secrets live 180 days).",
        fix="In the Solution Provider Portal (Develop Apps), open LWA credentials → View for your "
        "app and compare its Client identifier with your lwa_app_id, character by character. If "
        "they differ, copy the identifier (and the secret shown beside it). If they are equal, "
        "the secret is at fault: copy the current Client secret (rotate it if it has expired). "
        "Refresh tokens stay valid across rotations.",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "AuthorizationError: ('invalid_client', 'Client authentication failed', 401)",
        ),
        sources=(SRC_ROTATION, SRC_ROTATION_DEADLINE, SRC_CONNECT),
        match=("invalid_client",),
    ),
    Entry(
        code="lwa-refresh-token-rejected",
        severity="error",
        stage="lwa",
        prevalence="common",
        field="refresh_token",
        title="LWA rejected the refresh token",
        cause="LWA answered invalid_grant: it accepted the client identifier and secret (otherwise it "
        "would say invalid_client) but not the refresh token. The token is mistyped or cut "
        "short, or the authorisation was revoked.",
        fix="Authorise the app again (Edit App ▸ Authorize → Authorize app) and store the new "
        "refresh token. Earlier tokens stay valid, so nothing else breaks.",
        texts=(
            '{"error_description":"The request has an invalid grant parameter : refresh_token. '
            'User may have revoked or didn\'t grant the permission.","error":"invalid_grant"}',
            "AuthorizationError: ('invalid_grant', 'The request has an invalid grant parameter "
            ": refresh_token', 400)",
        ),
        sources=(SRC_CONNECT, SRC_SELF_AUTH),
        match=("invalid_grant",),
    ),
    Entry(
        code="lwa-token-from-another-app",
        severity="error",
        stage="lwa",
        prevalence="occasional",
        field="refresh_token",
        title="The refresh token and the client identifier belong to different apps",
        cause="LWA answered unauthorized_client: the refresh token was issued to a different app "
        "than the client identifier and secret. This happens after a second app was created, "
        "or when credentials of two apps are mixed. LWA accepted the identifier and secret "
        "as a pair, so either the token is another app's or the identifier and secret are.",
        fix="Take the client identifier, secret and refresh token from the same app row in "
        "Develop Apps: the app the seller authorised is the one whose client to use (or "
        "authorise the app whose client you hold again, for a new refresh token).",
        texts=(
            '{"error_description":"Not authorized for requested operation","error":'
            '"unauthorized_client"}',
        ),
        sources=(SRC_SELF_AUTH,),
        match=("unauthorized_client",),
    ),
    Entry(
        code="lwa-invalid-request",
        severity="error",
        stage="lwa",
        prevalence="rare",
        field=None,
        title="LWA rejected the request as malformed",
        cause="LWA answered invalid_request: a parameter is missing or repeated, or the body is not "
        "form-encoded. Libraries send this right; hand-written requests (JSON bodies) get it "
        "wrong.",
        fix="POST https://api.amazon.com/auth/o2/token with Content-Type "
        "application/x-www-form-urlencoded and grant_type, refresh_token, client_id, "
        "client_secret.",
        texts=('{"error":"invalid_request"}',),
        sources=(SRC_CONNECT, SRC_RFC6749),
        match=("invalid_request",),
    ),
    Entry(
        code="lwa-unsupported-grant-type",
        severity="error",
        stage="lwa",
        prevalence="rare",
        field=None,
        title="LWA does not support the grant type sent",
        cause="grant_type must be refresh_token (seller-authorised calls) or client_credentials "
        "(grantless calls).",
        fix="Send grant_type=refresh_token with a refresh token.",
        texts=('{"error":"unsupported_grant_type"}',),
        sources=(SRC_CONNECT, SRC_RFC6749),
        match=("unsupported_grant_type",),
    ),
    Entry(
        code="lwa-invalid-scope",
        severity="error",
        stage="lwa",
        prevalence="occasional",
        field=None,
        title="LWA rejected the grantless scope",
        cause="A grantless (client_credentials) token needs one of Amazon's scopes, spelled exactly: "
        "sellingpartnerapi::notifications or sellingpartnerapi::client_credential:rotation "
        "(sellingpartnerapi::migration belongs to the removed Authorization API).",
        fix="Ask for one of the scopes listed.",
        texts=(
            "AuthorizationError: ('invalid_scope', 'The request has an invalid parameter : "
            "scope', 400)",
        ),
        sources=(SRC_GRANTLESS,),
        match=("invalid_scope",),
    ),
    # ---------------------------------------------------------------- AWS STS (legacy path)
    Entry(
        code="sts-access-key-invalid",
        severity="error",
        stage="sts",
        prevalence="occasional",
        field="aws_access_key",
        title="AWS does not know this access key",
        cause="STS answered InvalidClientTokenId to GetCallerIdentity: the access key ID does not "
        "exist, was deleted or deactivated, or temporary keys arrived without their session "
        "token.",
        fix="Create a new access key for the IAM user and store both halves.",
        texts=(
            "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity "
            "operation: The security token included in the request is invalid.",
        ),
        sources=(SRC_AWS_KEYS,),
        # InvalidAccessKeyId: the S3-style name some endpoints (and moto) use for the same.
        match=("InvalidClientTokenId", "InvalidAccessKeyId"),
    ),
    Entry(
        code="sts-secret-key-wrong",
        severity="error",
        stage="sts",
        prevalence="occasional",
        field="aws_secret_key",
        title="The AWS secret key does not match the access key",
        cause="STS answered SignatureDoesNotMatch: AWS knows the access key, but the secret key "
        "that signed the request is not its secret (wrong, from another key, or with "
        "whitespace). A badly wrong clock gives the same answer.",
        fix="Store the secret key that belongs to this access key; if it is lost, create a new "
        "access key.",
        texts=(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        ),
        match=("SignatureDoesNotMatch",),
    ),
    Entry(
        code="sts-keys-missing",
        severity="error",
        stage="sts",
        prevalence="doctor-only",
        field=None,
        title="No AWS keys to call STS with",
        cause="The legacy path signs its STS calls with an IAM user's access key and secret key. "
        "The credentials hold none, and neither does botocore's own chain (AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, an instance role), or it holds only "
        "half of a pair; so nothing was sent to AWS.",
        fix="Store the IAM user's aws_access_key and aws_secret_key with the other "
        "credentials, or leave the legacy path: since 2023-10-02 SP-API needs no AWS keys.",
        texts=("Unable to locate credentials",),
        sources=(SRC_IAM_REMOVED,),
    ),
    Entry(
        code="sts-token-expired",
        severity="error",
        stage="sts",
        prevalence="occasional",
        field="aws_session_token",
        title="The temporary AWS credentials have expired",
        cause="STS answered ExpiredToken: the ASIA… keys and their session token have run out.",
        fix="Use the IAM user's long-term keys, or fetch new temporary ones.",
        texts=("The security token included in the request is expired",),
        match=("ExpiredToken", "ExpiredTokenException"),
    ),
    Entry(
        code="sts-root-keys",
        severity="error",
        stage="sts",
        prevalence="occasional",
        field="aws_access_key",
        title="The AWS keys belong to the root user",
        cause="GetCallerIdentity names the account's root user. Root keys cannot assume a role "
        "('Roles may not be assumed by root accounts.') and should not exist at all.",
        fix="Create an IAM user and an access key for it, and delete the root access key.",
        texts=("Roles may not be assumed by root accounts.",),
        sources=(SRC_AWS_ROOT,),
        # Words of AccessDenied's message ("Roles may not be assumed by root accounts."),
        # kept short so that a rewording of the sentence still finds them.
        match=("root account",),
    ),
    Entry(
        code="sts-role-arn-is-caller",
        severity="error",
        stage="sts",
        prevalence="occasional",
        field="role_arn",
        title="AssumeRole was asked to assume a user",
        cause="AccessDenied names the same user as caller and resource: role_arn holds the user's "
        "own ARN instead of the role's.",
        fix="Put the role's ARN (IAM → Roles) in role_arn.",
        texts=(
            "User: arn:aws:iam::123456789012:user/X is not authorized to perform: "
            "sts:AssumeRole on resource: arn:aws:iam::123456789012:user/X",
        ),
        sources=(SRC_AWS_ASSUME,),
        match=("AccessDenied",),
    ),
    Entry(
        code="sts-assume-role-denied",
        severity="error",
        stage="sts",
        prevalence="common",
        field=None,
        title="The IAM user may not assume the role",
        cause="STS answered AccessDenied to AssumeRole: the user lacks a policy allowing "
        "sts:AssumeRole on this role ARN, or the role's trust relationship does not trust the "
        "user (or its account), or the role does not exist. AWS gives the same answer to all "
        "three, so the doctor blames the IAM setup, not role_arn: the keys themselves work.",
        fix="Attach the STS policy (Allow sts:AssumeRole on the role ARN) to the user, and check "
        "the role's trust relationship names the user's account.",
        texts=(
            "User: arn:aws:iam::123456789012:user/X is not authorized to perform: "
            "sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Y",
        ),
        sources=(SRC_AWS_ASSUME,),
        subject="aws_iam",
        match=("AccessDenied",),
    ),
    # ---------------------------------------------------------------- the SP-API calls
    Entry(
        code="spapi-secret-expired",
        severity="error",
        stage="region",
        prevalence="common",
        field="lwa_client_secret",
        title="SP-API says the LWA client secret has expired",
        cause="Client secrets expire 180 days after they were issued. SP-API answers 403 with 'The LWA "
        "secret token you provided has expired.'",
        fix="Rotate the secret (LWA credentials → View → Rotate secret), store the new one and "
        "restart whatever caches the old one. Refresh tokens stay valid.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"The LWA secret token you provided has expired."}]}',
        ),
        sources=(SRC_ROTATION_DEADLINE, SRC_ROTATION),
        match=("The LWA secret token you provided has expired.",),
    ),
    Entry(
        code="spapi-access-token-invalid",
        severity="error",
        stage="region",
        prevalence="occasional",
        field=None,
        title="SP-API refuses the access token as revoked, malformed or invalid",
        cause="SP-API answered 'The access token you provided is revoked, malformed or invalid.' "
        "to a token LWA had just issued. LWA's acceptance proves the client identifier, the "
        "secret and the refresh token right, so the cause is between the two calls: the seller "
        "revoked the authorisation in the meantime, something on the way altered the header, or "
        "the SP-API endpoints are not the ones of the LWA that issued the token.",
        fix="Run the check again; if it persists, check the endpoint settings and any proxy, and "
        "authorise the app again if the seller removed it.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"The access token you provided is revoked, malformed or '
            'invalid."}]}',
        ),
        match=("The access token you provided is revoked, malformed or invalid.",),
    ),
    Entry(
        code="spapi-access-token-missing",
        severity="error",
        stage="region",
        prevalence="occasional",
        field=None,
        title="The SP-API call carried no access token",
        cause="SP-API answered 'Access token is missing in the request header.': the "
        "x-amz-access-token header was empty, usually because an earlier LWA error was not "
        "noticed and its error body was used as the token.",
        fix="Check the LWA step first; send the access token in x-amz-access-token.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"Access token is missing in the request header."}]}',
        ),
        match=("Access token is missing in the request header.",),
    ),
    Entry(
        code="roles-deny-every-probe",
        severity="error",
        stage="region",
        prevalence="occasional",
        field=None,
        title="The credentials work, but the app's roles deny every operation probed",
        cause="LWA issued an access token, so the client identifier, the client secret and the "
        "refresh token are right for some region. Yet no region let any probed operation through: "
        "each answered the bare 403 (empty details). Every SP-API operation needs one of the roles "
        "Amazon lists for it, and the probes cover every role a seller or vendor app can hold. The "
        "likely causes, most likely first: "
        + "; ".join(cause for cause, _fix in ROLE_CAUSES)
        + ".",
        fix="In the Solution Provider Portal, open the app (Edit App) and check its roles; add one "
        "your developer profile has, then authorise the app again and use the new refresh token.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":""}]}',
        ),
        sources=(SRC_ROLE_MAPPINGS, SRC_RENEW),
        subject="app_roles",
    ),
    Entry(
        code="region-not-asked",
        severity="error",
        stage="region",
        prevalence="doctor-only",
        field=None,
        title="A region was not asked, so refusals everywhere else prove nothing",
        cause="A refresh token works in one region only: in every other region each operation "
        "answers the bare 403 with empty details, the answer an app without the role gets too. "
        "When the endpoints given to the check leave a region out, a token of that region is "
        "refused wherever it is asked, and that cannot be told apart from missing roles. It "
        "says nothing against any credential.",
        fix="Check with an endpoint for every region: spapi-doctor check asks NA, EU and FE; "
        "from Python, give Endpoints all three regions (endpoints_from_env() does).",
        sources=(SRC_ENDPOINTS,),
    ),
    Entry(
        code="app-sandbox-only",
        severity="error",
        stage="region",
        prevalence="doctor-only",
        field=None,
        title="The app is answered only in the sandbox",
        cause="Every production region denied every probed operation, while the sandbox host let "
        "them through with the same access token: the app is registered for the sandbox only, or "
        "has not been given production access yet.",
        fix="Use the sandbox endpoints for this app, or register a production app (or switch this "
        "one to production) and authorise it again.",
        sources=(SRC_SANDBOX,),
        subject="app",
    ),
    Entry(
        code="participations-not-permitted",
        severity="warning",
        stage="roles",
        prevalence="doctor-only",
        field=None,
        title="The token may not call getMarketplaceParticipations",
        cause="In North America and Europe only Product Listing and Selling Partner Insights "
        "grant getMarketplaceParticipations (other roles count for it in the Far East only). "
        "The token works, but the seller's marketplaces cannot be listed, and the usual first "
        "call (Sellers().get_marketplace_participation()) answers 403.",
        fix="Add Product Listing or Selling Partner Insights to the app and authorise it again, "
        "or make your first call one your app's roles allow.",
        sources=(SRC_ROLE_MAPPINGS,),
    ),
    Entry(
        code="vendor-account",
        severity="info",
        stage="region",
        prevalence="doctor-only",
        field=None,
        title="The token belongs to a vendor (Vendor Central)",
        cause="A vendor-only operation let the token through: the app was authorised from Vendor "
        "Central. Vendors can hold five roles only (Amazon Fulfillment, Amazon Warehousing and "
        "Distribution, Brand Analytics, Direct to Consumer Shipping (Restricted), Product "
        "Listing), and the Sellers API and seller-only operations answer 403.",
        fix="Use the vendor APIs (for example Vendor Orders) and the region shown.",
        sources=(SRC_ROLE_MAPPINGS,),
    ),
    Entry(
        code="spapi-missing-authentication-token",
        severity="error",
        stage="region",
        prevalence="occasional",
        field=None,
        title="SP-API found no operation at the address called",
        cause="The gateway answered 403 MissingAuthenticationToken, its answer to a path that "
        "names no operation (whatever the token): the endpoint setting carries a path, a proxy "
        "rewrites the URL, or the request went to the wrong host. It says nothing about the "
        "credentials.",
        fix="Set SPAPI_ENDPOINT_NA/EU/FE to a bare base URL (https://sellingpartnerapi-na.amazon.com), "
        "or unset them.",
        texts=(
            '{"message":"Access to requested resource is denied.","code":"MissingAuthenticationToken"}',
        ),
        sources=(SRC_ENDPOINTS,),
        subject="endpoint",
        match=("MissingAuthenticationToken",),
    ),
    Entry(
        code="spapi-security-token-expired",
        severity="error",
        stage="region",
        prevalence="rare",
        field=None,
        title="SP-API answered that a security token has expired",
        cause="'The security token included in the request is expired' is AWS's answer to a signed "
        "request with old temporary AWS credentials. SP-API calls carry no AWS signature since "
        "2023-10-02, so this comes from Amazon's side (an incident) or from something on the way "
        "that signs requests. It says nothing about the LWA credentials.",
        fix="Retry later; if it persists, check for a proxy or an old library that signs requests, "
        "and report it to Amazon with the request id.",
        texts=("The security token included in the request is expired",),
        sources=(SRC_IAM_REMOVED,),
        subject="amazon",
        match=("The security token included in the request is expired",),
    ),
    Entry(
        code="region-selection-needed",
        severity="info",
        stage="region",
        prevalence="common",
        field=None,
        title="Your token belongs to a region your library may not call by default",
        cause="Refresh tokens are issued per region (NA, EU, FE) and work only against that region's "
        "endpoint. python-amazon-sp-api calls the US marketplace (NA) unless told otherwise; "
        "amzn-sp-api's SPAPIConfig defaults to the NA sandbox.",
        fix="Select the region shown, as the message says for your library.",
        texts=(
            "SellingApiForbiddenException: [{'message': 'Access to requested resource is "
            "denied.', 'code': 'Unauthorized', 'details': ''}]",
        ),
        sources=(SRC_ENDPOINTS,),
    ),
    Entry(
        code="default-marketplace-wrong-region",
        severity="error",
        stage="region",
        prevalence="rare",
        field=None,
        title="SP_API_DEFAULT_MARKETPLACE points at a region the token does not work in",
        cause="python-amazon-sp-api sends every call to the region of SP_API_DEFAULT_MARKETPLACE, "
        "and that variable even overrides an explicit marketplace= argument. The refresh token "
        "works in another region, so every call gets a bare 403.",
        fix="Set SP_API_DEFAULT_MARKETPLACE to a marketplace of the token's region (or unset it).",
        texts=(
            "SellingApiForbiddenException: [{'message': 'Access to requested resource is "
            "denied.', 'code': 'Unauthorized', 'details': ''}]",
        ),
        sources=(SRC_ENDPOINTS,),
    ),
    Entry(
        code="endpoint-url-invalid",
        severity="error",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="An endpoint setting is not an http(s) URL",
        cause="SPAPI_LWA_ENDPOINT, SPAPI_ENDPOINT_NA/EU/FE (and their sandbox twins) and "
        "AWS_ENDPOINT_URL_STS must be full URLs such as https://host or http://127.0.0.1:PORT. "
        "A value without a scheme or a host, with a port that is not a number between 1 and "
        "65535, or with a host name no resolver accepts (a part longer than 63 characters) "
        "sends nothing anywhere.",
        fix="Fix or unset the variable named; unset, Amazon's and AWS's own endpoints are used.",
    ),
    Entry(
        code="default-marketplace-invalid",
        severity="error",
        stage="load",
        prevalence="rare",
        field=None,
        title="SP_API_DEFAULT_MARKETPLACE is not a marketplace name",
        cause="python-amazon-sp-api looks the value up in its Marketplaces enum when sp_api.base is "
        "imported, so anything but an exact member name (US, DE, UK, JP, ...; upper case) stops "
        "every import with a KeyError.",
        fix="Set SP_API_DEFAULT_MARKETPLACE to a two-letter marketplace name such as US or DE, or "
        "unset it.",
        texts=("KeyError: 'de'",),
        sources=(SRC_ENDPOINTS,),
    ),
    Entry(
        code="aws-env-invalid",
        severity="error",
        stage="load",
        prevalence="rare",
        field=None,
        title="AWS_ENV is neither PRODUCTION nor SANDBOX",
        cause="python-amazon-sp-api reads AWS_ENV when it is imported and accepts exactly PRODUCTION "
        "or SANDBOX; any other value (sandbox in lower case, prod, ...) stops the import with a "
        "ValueError.",
        fix="Set AWS_ENV=SANDBOX for the sandbox, or unset it for production.",
        texts=("ValueError: 'sandbox' is not a valid AwsEnv",),
    ),
    Entry(
        code="marketplace-not-participating",
        severity="warning",
        stage="region",
        prevalence="occasional",
        field=None,
        title="The default marketplace is one the seller does not sell in",
        cause="SP_API_DEFAULT_MARKETPLACE names a marketplace of the token's region in which the "
        "seller does not participate, so calls for it are refused. In the Far East each "
        "marketplace (JP, AU, SG) is authorised on its own.",
        fix="Set SP_API_DEFAULT_MARKETPLACE to one of the marketplaces listed as participating.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"The marketplaces you provided are not valid for region."}]}',
        ),
        sources=(SRC_ENDPOINTS,),
    ),
    Entry(
        code="sandbox-selected",
        severity="info",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="Calls go to the SP-API sandbox",
        cause="The sandbox answers canned responses with the same credentials and permission checks "
        "as production. python-amazon-sp-api selects it with AWS_ENV=SANDBOX, read once when "
        "sp_api is imported.",
        fix="Unset AWS_ENV (and restart the Python process) to reach production.",
    ),
    Entry(
        code="role-missing",
        severity="info",
        stage="roles",
        prevalence="common",
        field=None,
        title="The token does not carry some roles",
        cause="An operation answers the bare 403 (empty details) when the token carries none of "
        "the roles Amazon lists for it in that region. The check calls a few operations in the "
        "token's region; those refused show roles the token does not carry: the app was not "
        "granted them, or the refresh token was issued before they were added (a role reaches a "
        "refresh token only when the app is authorised again).",
        fix="If you need a role listed, add it to the app in the Solution Provider Portal (your "
        "developer profile must have it), then authorise the app again and use the new refresh "
        "token.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":""}]}',
        ),
        sources=(SRC_ROLE_MAPPINGS, SRC_RENEW),
    ),
    Entry(
        code="clock-skew",
        severity="warning",
        stage="transport",
        prevalence="occasional",
        field=None,
        title="Your clock differs from Amazon's",
        cause="The Date header of Amazon's answer differs from this machine's clock by more than a "
        "minute. Signed AWS requests (STS, and SP-API calls of old libraries) fail when it "
        "reaches five minutes.",
        fix="Synchronise the system clock (NTP).",
        texts=("Signature expired: 20230601T095950Z is now earlier than 20230601T135450Z",),
    ),
    # ---------------------------------------------------------------- authorising an app (consent)
    # The codes Seller Central and Vendor Central show on the consent page. They never
    # reach a program: the user reads them there, and `spapi-doctor explain` explains them.
    Entry(
        code="md1000",
        severity="error",
        stage="consent",
        prevalence="occasional",
        field=None,
        title="MD1000: a Draft app was sent through the production consent flow",
        cause="The app is still in Draft (not published), and the consent URL lacks version=beta. "
        "Draft apps can be authorised only through the test flow that version=beta selects.",
        fix="Add version=beta to the consent URL (spapi-doctor authorize --draft) while the app "
        "is a Draft; drop it once the app is published.",
        texts=("MD1000",),
        sources=(SRC_AUTH_ERRORS, SRC_DOCS_265),
    ),
    Entry(
        code="md5100",
        severity="error",
        stage="consent",
        prevalence="rare",
        field=None,
        title="MD5100: the app lacks an OAuth Login URI or Redirect URI",
        cause="The consent flow of a public app goes through both addresses registered for it: "
        "Amazon first loads the OAuth Login URI, then sends the seller to the OAuth Redirect "
        "URI. The error is reported when the two were not both saved in the app's settings.",
        fix="In the app's settings (Solution Provider Portal or Develop Apps → Edit App), enter "
        "both an OAuth Login URI and an OAuth Redirect URI, both https, and save.",
        texts=("MD5100",),
        sources=(SRC_DOCS_1926, SRC_AUTH_ERRORS),
    ),
    Entry(
        code="md5101",
        severity="error",
        stage="consent",
        prevalence="occasional",
        field=None,
        title="MD5101: the redirect_uri is not one of the app's Redirect URIs",
        cause="The redirect_uri in the consent URL does not match, character for character, any "
        "OAuth Redirect URI registered for the app. For a published app, an edited list counts "
        "only once the edit is published.",
        fix="Use one of the registered Redirect URIs exactly (scheme, host, path and trailing "
        "slash), or register this one; publish the change if the app is published.",
        texts=("MD5101",),
        sources=(SRC_AUTH_ERRORS, SRC_DOCS_3190),
    ),
    Entry(
        code="md5110",
        severity="error",
        stage="consent",
        prevalence="rare",
        field=None,
        title="MD5110: the redirect_uri has a fragment",
        cause="A Redirect URI must not contain a fragment (a # and what follows), as OAuth 2.0 "
        "requires (RFC 6749 §3.1.2).",
        fix="Remove the # part from the Redirect URI, in the app's settings and in the consent URL.",
        texts=("MD5110",),
        sources=(SRC_AUTH_ERRORS,),
    ),
    Entry(
        code="md9010",
        severity="error",
        stage="consent",
        prevalence="rare",
        field=None,
        title="MD9010: no MWS developer ID in this region",
        cause="A hybrid app (SP-API and the retired MWS) needs an MWS developer ID in the region of "
        "the account being authorised, and the developer has none there.",
        fix="Authorise in a region where the developer is registered, or make the app SP-API only.",
        texts=("MD9010",),
        sources=(SRC_AUTH_ERRORS,),
    ),
    Entry(
        code="md9100",
        severity="error",
        stage="consent",
        prevalence="rare",
        field=None,
        title="MD9100: the app cannot be authorised this way",
        cause="Reported when the app lacks its OAuth Login URI or Redirect URI, and when a Draft or "
        "Sandbox app is authorised where only a published app is accepted (integration "
        "platforms that use their own consent flow). Amazon's own description was not found.",
        fix="Register both OAuth URIs; for a Draft app use version=beta, or self-authorise it "
        "(Authorize app) if it is your own account; publish the app before offering it to others.",
        texts=("MD9100",),
        sources=(SRC_APIDECK_MD9100, SRC_AUTH_ERRORS),
    ),
    Entry(
        code="client-id-in-app-id-field",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The client identifier was given where the App ID belongs",
        cause="The consent URL's application_id takes the App ID (amzn1.sp.solution.…), which "
        "Develop Apps shows next to the app's name; the LWA client identifier "
        "(amzn1.application-oa2-client.…) goes only into the token request. The reverse mistake "
        "is as common.",
        fix="Pass the App ID (amzn1.sp.solution.…) to --app-id, and keep the client identifier in "
        "LWA_APP_ID.",
        sources=(SRC_WEBSITE_FLOW, SRC_SW_1505),
    ),
    Entry(
        code="app-id-malformed",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The App ID does not look like an App ID",
        cause="An App ID is amzn1.sp.solution. followed by a UUID (older apps: "
        "amzn1.sellerapps.app.…). Anything else is not an app Seller Central knows.",
        fix="Copy the App ID from the app's row in Develop Apps or Solution Provider Portal.",
        sources=(SRC_WEBSITE_FLOW,),
    ),
    Entry(
        code="redirect-uri-not-https",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The Redirect URI is not an https address",
        cause="Amazon accepts only absolute https addresses as OAuth Login and Redirect URIs.",
        fix="Use an https address. To receive the redirect on this machine, run a tunnel (ngrok, "
        "cloudflared...) that gives an https address forwarding to spapi-doctor authorize "
        "--listen PORT, and register that address.",
        sources=(SRC_DOCS_26, SRC_SAMPLE_LOCALHOST),
    ),
    Entry(
        code="redirect-uri-localhost",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The Redirect URI points at this machine (localhost)",
        cause="Amazon refuses localhost and loopback addresses as Redirect URIs, even over https.",
        fix="Register the https address of a tunnel (ngrok, cloudflared...) that forwards to "
        "spapi-doctor authorize --listen PORT on this machine, or an https address of yours "
        "that redirects to it.",
        sources=(SRC_SAMPLE_LOCALHOST,),
    ),
    Entry(
        code="redirect-uri-fragment",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The Redirect URI has a fragment",
        cause="A Redirect URI must not contain a fragment (# and what follows); Amazon's consent "
        "page answers MD5110.",
        fix="Remove the # part.",
        sources=(SRC_AUTH_ERRORS,),
    ),
    Entry(
        code="state-mismatch",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The state of the redirect is not one this machine issued",
        cause="Every consent URL carries a fresh random state, which comes back with the redirect. "
        "A state that is missing or unknown means the address belongs to another attempt (an "
        "older URL, another machine), or was forged: its code must not be used.",
        fix="Start again: build a new consent URL on this machine (spapi-doctor authorize "
        "--print-url) and open that one.",
        sources=(SRC_RFC6749_STATE, SRC_WEBSITE_FLOW),
    ),
    Entry(
        code="state-expired",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The consent URL's state has expired",
        cause="The state is kept for a short time only, as Amazon asks (short-lived and unique); "
        "this redirect came back after it expired.",
        fix="Build a new consent URL and complete the consent within the time shown.",
        sources=(SRC_WEBSITE_FLOW,),
    ),
    Entry(
        code="redirect-without-code",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The address holds no spapi_oauth_code",
        cause="After the consent, Amazon sends the browser to the Redirect URI with state, "
        "selling_partner_id and spapi_oauth_code (not code). An address without "
        "spapi_oauth_code is not that redirect: the consent URL itself, a page before it, or a "
        "consent that failed.",
        fix="Paste the full address the browser shows after you chose Confirm, starting with "
        "your Redirect URI.",
        sources=(SRC_WEBSITE_FLOW, SRC_MODELS_4093),
    ),
    Entry(
        code="redirect-not-received",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="No redirect arrived while spapi-doctor was listening",
        cause="spapi-doctor authorize --listen waits on 127.0.0.1 for the browser to come back from "
        "the consent page. Nothing with a state or a code arrived in time: the consent was not "
        "completed, or the https tunnel does not forward the Redirect URI to this port.",
        fix="Check that the tunnel forwards to the port shown and that its https address is the "
        "Redirect URI registered for the app, then start again; or paste the address instead "
        "(--redirected-url).",
        sources=(SRC_SAMPLE_LOCALHOST,),
    ),
    Entry(
        code="redirect-is-login-uri-request",
        severity="error",
        stage="consent",
        prevalence="doctor-only",
        field=None,
        title="The address is Amazon's call to your OAuth Login URI, not the redirect",
        cause="In the website and Appstore flows Amazon first loads the app's OAuth Login URI with "
        "amazon_callback_uri, amazon_state and selling_partner_id. Your login page must send "
        "the browser on to amazon_callback_uri with amazon_state and state; only then does "
        "Amazon redirect to the Redirect URI with the code.",
        fix="Open the next address shown (amazon_callback_uri with amazon_state and state), confirm, "
        "and paste the address you end on; or let spapi-doctor authorize --listen serve the "
        "Login URI, which does that hop itself.",
        sources=(SRC_WEBSITE_FLOW,),
    ),
    Entry(
        code="authorization-code-rejected",
        severity="error",
        # LWA answers it, but only in the authorisation flow: it belongs with that flow's
        # findings (the check's LWA stage never exchanges a code).
        stage="consent",
        prevalence="occasional",
        field=None,
        title="LWA rejected the authorization code",
        cause="LWA answered invalid_grant (or unauthorized_client) on the code: it accepted the "
        "client identifier and secret, not the code. An authorization code lives five minutes "
        "and works once; it is also refused when it was issued for another app than this "
        "client identifier, or for another redirect_uri than the one sent with it.",
        fix="Run the consent again and exchange the new code at once, with the client identifier "
        "and secret of the app whose App ID is in the consent URL.",
        texts=(
            '{"error_description":"The request has an invalid grant parameter : code",'
            '"error":"invalid_grant"}',
        ),
        sources=(SRC_CONNECT, SRC_DOCS_466, SRC_RFC6749),
        match=("invalid_grant", "unauthorized_client"),
    ),
    # ---------------------------------------------------------------- storing the credentials
    Entry(
        code="store-account-exists",
        severity="error",
        stage="store",
        prevalence="doctor-only",
        field=None,
        title="The account already holds other values",
        cause="The place chosen already has this account with different values. Replacing them "
        "silently could break a working set-up, so nothing was written.",
        fix="Choose another account name (--account), confirm the replacement when asked, or "
        "pass --force to replace it (credentials.yml keeps a backup).",
    ),
    Entry(
        code="store-file-not-ours",
        severity="error",
        stage="store",
        prevalence="doctor-only",
        field=None,
        title="The file exists and was not written by spapi-doctor",
        cause="spapi-doctor rewrites only env files it wrote itself (their first line says so); "
        "this one may hold other settings of yours, so it was left untouched.",
        fix="Choose another file (--env-file), or pass --force to replace it (a backup is kept).",
    ),
    Entry(
        code="store-write-failed",
        severity="error",
        stage="store",
        prevalence="doctor-only",
        field=None,
        title="The credentials could not be written",
        cause="Writing failed (no permission, no space, a folder where the file belongs, or the "
        "file changed while it was being written). The file was written to a temporary file "
        "and renamed, so the previous file is intact.",
        fix="Fix what the message names and run the command again.",
        sources=(SRC_SW_CONFIG,),
    ),
    Entry(
        code="secrets-manager-write-failed",
        severity="error",
        stage="store",
        prevalence="doctor-only",
        field=None,
        title="The AWS Secrets Manager secret could not be written",
        cause="Creating or updating the secret failed: the AWS identity in use may not call "
        "secretsmanager:CreateSecret or PutSecretValue on it, no AWS credentials or region are "
        "configured, or the service did not answer.",
        fix="Check the AWS identity (AWS_PROFILE or the AWS_* variables), its permissions on the "
        "secret, and the region.",
        sources=(SRC_SW_CREDS,),
    ),
    Entry(
        code="stored-account-shadowed",
        severity="warning",
        stage="store",
        prevalence="doctor-only",
        field=None,
        title="python-amazon-sp-api will not read what was just stored",
        cause="python-amazon-sp-api takes the first source that holds lwa_app_id and "
        "lwa_client_secret: the code dict, the environment, Secrets Manager, then credentials.yml. "
        "A source above the one written holds this account, so it wins and the stored values "
        "are not used.",
        fix="Remove the values from the source that wins (for the environment: unset LWA_APP_ID, "
        "LWA_CLIENT_SECRET and SP_API_REFRESH_TOKEN, or use names with the _<account> suffix).",
        sources=(SRC_SW_CREDS,),
    ),
    # ---------------------------------------------------------------- answers that explain nothing
    Entry(
        code="unexpected-response",
        severity="error",
        stage="transport",
        prevalence="doctor-only",
        field=None,
        title="An answer nothing in the catalogue explains",
        cause="The service answered something no known failure produces: an HTML page (often from a "
        "proxy or a captive portal), truncated or invalid JSON or XML, or an unknown status. "
        "It says nothing about your credentials.",
        fix="Look at the status and the excerpt shown; check proxies (HTTPS_PROXY) and the endpoint "
        "URLs, then run the check again.",
    ),
    Entry(
        code="rate-limited",
        severity="error",
        stage="transport",
        prevalence="rare",
        field=None,
        title="Amazon kept answering 429 (too many requests)",
        cause="The call was throttled and stayed throttled after the retries. It says nothing about "
        "your credentials.",
        fix="Wait and run the check again; stop other jobs that share the app's quota.",
        texts=(
            '{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the '
            'requested resource."}]}',
        ),
        # STS's codes for it; LWA and SP-API say it with the status 429 alone.
        match=("Throttling", "ThrottlingException", "RequestLimitExceeded"),
    ),
    Entry(
        code="service-unavailable",
        severity="error",
        stage="transport",
        prevalence="doctor-only",
        field=None,
        title="The service kept answering with a server error",
        cause="5xx answers stayed after the retries: the service (or something in front of it) is "
        "failing. It says nothing about your credentials.",
        fix="Run the check again later.",
    ),
    Entry(
        code="network-dns",
        severity="error",
        stage="transport",
        prevalence="doctor-only",
        field=None,
        title="The host name could not be resolved",
        cause="DNS did not resolve the service's host: no network, a DNS problem, or a mistyped "
        "endpoint URL.",
        fix="Check the network and the endpoint URL.",
    ),
    Entry(
        code="network-refused",
        severity="error",
        stage="transport",
        prevalence="doctor-only",
        field=None,
        title="The connection was refused",
        cause="Nothing listens at the endpoint's address and port: a wrong endpoint URL, a mock that "
        "is not running, or a firewall.",
        fix="Check the endpoint URL (and start the mock if you meant to use it).",
    ),
    Entry(
        code="network-reset",
        severity="error",
        stage="transport",
        prevalence="doctor-only",
        field=None,
        title="The connection was reset",
        cause="The peer closed the connection in the middle of the exchange: a proxy, a firewall or "
        "a failing service.",
        fix="Run the check again; check proxies and firewalls if it persists.",
    ),
    Entry(
        code="network-timeout",
        severity="error",
        stage="transport",
        prevalence="doctor-only",
        field=None,
        title="No answer in time",
        cause="The service did not answer within the timeout, even after retries.",
        fix="Run the check again, or raise --timeout.",
    ),
    Entry(
        code="network-tls",
        severity="error",
        stage="transport",
        prevalence="doctor-only",
        field=None,
        title="The secure connection (TLS) failed",
        cause="The TLS handshake failed: an intercepting proxy with its own certificate, an outdated "
        "certificate store, or a plain-HTTP endpoint given as https.",
        fix="Point REQUESTS_CA_BUNDLE at your proxy's certificate, or fix the endpoint URL.",
    ),
    # ---------------------------------------------------------------- the machine's own settings
    Entry(
        code="endpoint-plain-http",
        severity="warning",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="A secret would go over plain HTTP to another machine",
        cause="An endpoint setting names an http:// URL on a host that is not this machine. The "
        "token exchange sends the client secret and the refresh token in its body, SP-API calls "
        "send the access token, and AWS's answers carry keys and secrets: over plain HTTP anyone "
        "on the way can read them. Only the mock Amazon, on this machine, is meant to be plain "
        "HTTP.",
        fix="Use https:// for every endpoint that is not on this machine, or unset the variable to "
        "use Amazon's own endpoints. If the secrets did go out, rotate the client secret and "
        "authorise the app again.",
    ),
    Entry(
        code="ca-bundle-unusable",
        severity="error",
        stage="transport",
        prevalence="rare",
        field=None,
        title="The CA bundle named in the environment cannot be used",
        cause="REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (read by requests, for every https call) or "
        "AWS_CA_BUNDLE (read by botocore) names a file that does not exist, cannot be read, is "
        "not a regular file (a pipe or a device, which would block the call), or is far larger "
        "than any certificate bundle. No https call can be made with it. It says nothing about "
        "your credentials.",
        fix="Point the variable at the PEM file of certificates your network needs (a corporate "
        "proxy's CA, for instance), or unset it to use the default bundle.",
        texts=("OSError: Could not find a suitable TLS CA certificate bundle, invalid path: ",),
    ),
    Entry(
        code="proxy-invalid",
        severity="error",
        stage="transport",
        prevalence="rare",
        field=None,
        title="A proxy setting cannot be used",
        cause="HTTPS_PROXY, HTTP_PROXY or ALL_PROXY (in upper or lower case) names a proxy that "
        "requests cannot use for the calls: no URL, no host, an unknown scheme, or a SOCKS proxy "
        "without PySocks installed. Every call through it fails before anything is sent. It says "
        "nothing about your credentials.",
        fix="Fix the variable to a URL such as http://proxy.example:3128, unset it, or list the "
        "hosts that need no proxy in NO_PROXY.",
        texts=("requests.exceptions.InvalidProxyURL: Please check proxy URL.",),
    ),
    # ---------------------------------------------------------------- secret expiry and rotation
    Entry(
        code="client-secret-expires-soon",
        severity="warning",
        stage="rotation",
        prevalence="doctor-only",
        field="lwa_client_secret",
        title="The client secret expires within 30 days",
        cause="Amazon's notifications (read by spapi-doctor secret-status or rotate) date the "
        "expiry of this very secret: the new-secret notification of its rotation, or an expiry "
        "notice that came after it. On that day Login with Amazon and the SP-API stop "
        "accepting it, for every account of the app at once.",
        fix="Rotate it now (spapi-doctor rotate --queue-url URL, or Rotate secret in the "
        "Developer Console), so that every copy can be updated before the day.",
        sources=(SRC_ROTATION, SRC_ROTATE_API),
    ),
    Entry(
        code="client-secret-replaced",
        severity="warning",
        stage="rotation",
        prevalence="doctor-only",
        field="lwa_client_secret",
        title="A rotation replaced this client secret: it stops working within 7 days",
        cause="Amazon's new-secret notification of a later rotation (read by spapi-doctor "
        "secret-status or rotate) replaced the secret checked here. Amazon keeps accepting the "
        "old secret for 7 days after a rotation, then Login with Amazon answers invalid_client "
        "for every copy still holding it, for every account of the app at once.",
        fix="Store the new secret wherever this one is configured: spapi-doctor rotate "
        "--queue-url URL stores the new secret waiting on the queue without rotating again. Do "
        "not rotate again by hand: that replaces the new secret too and starts another 7 days.",
        sources=(SRC_ROTATION, SRC_ROTATE_API),
    ),
    Entry(
        code="client-secret-past-expiry",
        severity="error",
        stage="rotation",
        prevalence="common",
        field="lwa_client_secret",
        title="The client secret is past the expiry Amazon announced for it",
        cause="Amazon's notifications date the expiry of this very secret, and the date has "
        "passed: a secret lives 180 days, and a secret replaced by a rotation 7 more days. "
        "Login with Amazon answers invalid_client, or the SP-API answers 403 'The LWA secret "
        "token you provided has expired.', for every account of the app.",
        fix="Store the current secret everywhere (spapi-doctor rotate recovers one waiting on "
        "the queue), or rotate: Developer Console → LWA credentials → View → Rotate secret. "
        "Refresh tokens stay valid.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"The LWA secret token you provided has expired."}]}',
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
        ),
        sources=(SRC_ROTATION, SRC_ROTATION_DEADLINE),
    ),
    Entry(
        code="client-secret-expiry-announced",
        severity="warning",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="Amazon announced that this app's client secret expires soon",
        cause="An APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY notification for this client "
        "identifier names a date within 30 days, or past. It is about the secret that was "
        "current when Amazon sent it; whether that is the secret checked here cannot be told "
        "(a rotation by hand in the Developer Console since then would have replaced it).",
        fix="If nobody rotated since the notice, rotate now (spapi-doctor rotate --queue-url "
        "URL); run spapi-doctor secret-status to read the queue again.",
        sources=(SRC_EXPIRY_CADENCE, SRC_ROTATION_SAMPLE),
    ),
    Entry(
        code="client-secret-expiry-unknown",
        severity="info",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="No notification on the queue dates this client's secret",
        cause="Amazon has no API that tells a secret's expiry; it sends notifications 90, 60, "
        "30, 15, 7 and 1 days before it, and a new-secret notification after each rotation. "
        "None of them, for this client identifier, was on the queue (or another consumer took "
        "them).",
        fix="Nothing is due within 90 days if the queue receives the notices. The Developer "
        "Console shows the expiry in the LWA credentials view.",
        sources=(SRC_EXPIRY_CADENCE,),
    ),
    Entry(
        code="rotation-not-enrolled",
        severity="error",
        stage="rotation",
        prevalence="rare",
        field=None,
        subject="app",
        title="The app is not enrolled for the rotation notifications",
        cause="rotateApplicationClientSecret answered 400: the app has no SQS queue in the "
        "'Application Client New Secret' row of Notification Preferences, so Amazon has "
        "nowhere to send the new secret, and refuses to rotate. Nothing was rotated.",
        fix="In the Developer Console, open Notification Preferences, and for the app's rows "
        "'Application Client Secret Expiry' and 'Application Client New Secret' add the queue's "
        "ARN as a destination and Subscribe; the queue's policy must let 437568002678 call "
        "sqs:SendMessage and sqs:GetQueueAttributes.",
        texts=(
            '{"errors":[{"code":"InvalidInput","message":"Application is not enrolled for '
            "rotation notification. Please update application notification preference in "
            'Developer console."}]}',
        ),
        sources=(SRC_APP_MANAGEMENT_MODEL, SRC_ROTATION_SETUP),
        match=("Application is not enrolled for rotation notification.",),
    ),
    Entry(
        code="rotation-denied",
        severity="error",
        stage="rotation",
        prevalence="rare",
        field=None,
        subject="app",
        title="The SP-API refused to rotate this app's secret",
        cause="rotateApplicationClientSecret answered 403 to a grantless token of the rotation "
        "scope. Amazon documents one app that may not call it: a sandbox app ('The API cannot "
        "be called using a sandbox application'). Nothing was rotated.",
        fix="Rotate a production app's secret; a sandbox app's secret is rotated in the "
        "Developer Console (LWA credentials → View → Rotate secret), if at all.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":""}]}',
        ),
        sources=(SRC_ROTATE_API,),
    ),
    Entry(
        code="rotation-rate-limited",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="Amazon allows one rotation a minute",
        cause="rotateApplicationClientSecret answered 429: its usage plan is 0.0167 requests "
        "per second with a burst of 1, per app. A rotation was asked for less than a minute "
        "ago (by this command, another program, or the console). Nothing was rotated now; the "
        "earlier rotation's new secret is on its way to the queue.",
        fix="Do not rotate again: run spapi-doctor rotate again in a minute, and it takes the "
        "new secret of the earlier rotation from the queue.",
        sources=(SRC_APP_MANAGEMENT_MODEL,),
    ),
    Entry(
        code="queue-unreachable",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="The notification queue could not be read",
        cause="The SQS call did not get an answer of the queue: the network, the endpoint "
        "(AWS_ENDPOINT_URL_SQS), a proxy, or the region of the queue URL is wrong, or SQS "
        "answered something unexpected. Nothing was rotated.",
        fix="Check the queue URL (SQS console → the queue → URL, not the ARN's account), the "
        "network and AWS_ENDPOINT_URL_SQS, then run the command again.",
        sources=(SRC_ROTATION_SETUP,),
    ),
    Entry(
        code="queue-not-found",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="The notification queue does not exist",
        cause="SQS answered QueueDoesNotExist: no queue of that name in that account and "
        "region, for these AWS credentials. Nothing was rotated.",
        fix="Copy the queue's URL from the SQS console (it names the region, the account and "
        "the queue), and use the credentials of that account.",
        sources=(SRC_ROTATION_SETUP,),
        match=("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
    ),
    Entry(
        code="queue-access-denied",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="These AWS credentials may not read the notification queue",
        cause="SQS refused the call (AccessDenied): the AWS identity in use lacks "
        "sqs:ReceiveMessage, sqs:ChangeMessageVisibility, sqs:DeleteMessage or "
        "sqs:GetQueueAttributes on the queue. Nothing was rotated.",
        fix="Allow the identity (AWS_PROFILE or the AWS_* variables) those four actions on the "
        "queue, in its IAM policy or the queue's policy.",
        sources=(SRC_SQS_VISIBILITY,),
        match=("AccessDenied", "AccessDeniedException", "AuthorizationError"),
    ),
    Entry(
        code="queue-aws-credentials",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="No usable AWS credentials for the notification queue",
        cause="Reading an SQS queue needs AWS credentials of the queue's account; none were "
        "found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role), "
        "or AWS does not know them. These are not the SP-API credentials. Nothing was rotated.",
        fix="Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, to an identity of "
        "the queue's account that may read it.",
        sources=(SRC_ROTATION_SETUP,),
        match=(
            "InvalidClientTokenId",
            "UnrecognizedClientException",
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId",
            "ExpiredToken",
            "ExpiredTokenException",
            "MissingAuthenticationToken",
        ),
    ),
    Entry(
        code="queue-counts-receives",
        severity="warning",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="Reading the queue counts towards its dead-letter limit",
        cause="The queue has a redrive policy: a message received maxReceiveCount times moves "
        "to the dead-letter queue. spapi-doctor makes every message it reads visible again at "
        "once and deletes none it did not use, but each read still counts as a receive (Amazon's "
        "own sample sets the limit to 3).",
        fix="Raise maxReceiveCount above the number of times you read the queue between two "
        "notices, or point the two rows of Notification Preferences at a queue without a "
        "redrive policy that only spapi-doctor reads.",
        sources=(SRC_SQS_DLQ, SRC_ROTATION_SAMPLE),
    ),
    Entry(
        code="new-secret-not-arrived",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="The new client secret did not arrive on the queue in time",
        cause="Amazon rotated the secret (204), but no APPLICATION_OAUTH_CLIENT_NEW_SECRET "
        "notification for this client identifier came within the wait. It may come later; "
        "another consumer of the queue may have taken it; the 'Application Client New Secret' "
        "row may name another queue. No store was changed: they hold the old secret, which "
        "works for 7 more days.",
        fix="Run spapi-doctor rotate again (it takes the new secret from the queue and does not "
        "rotate twice); if the notification never comes, copy the new secret from the "
        "Developer Console (LWA credentials → View) into every store within the 7 days.",
        sources=(SRC_ROTATE_API, SRC_ROTATION_SAMPLE),
    ),
    Entry(
        code="new-secret-rejected",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="Login with Amazon refused the new client secret",
        cause="The notification's new secret was tried with Login with Amazon before anything "
        "was stored, and LWA answered invalid_client. No store was changed: they hold the old "
        "secret, which works for 7 more days.",
        fix="Compare the new secret with the one the Developer Console shows (LWA credentials "
        "→ View); store that one with spapi-doctor init, within the 7 days.",
        sources=(SRC_ROTATE_API,),
    ),
    Entry(
        code="rotation-unfinished",
        severity="error",
        stage="rotation",
        prevalence="doctor-only",
        field=None,
        title="A rotation's new secret was never stored",
        cause="spapi-doctor asked Amazon to rotate this app's secret earlier and never stored "
        "the new one: its notification was not found on the queue. Rotating again now could "
        "end, at once, the secret every store still holds (Amazon keeps one previous secret "
        "only), so spapi-doctor does not.",
        fix="Find the earlier rotation's new secret (another consumer of the queue, or the "
        "Developer Console: LWA credentials → View) and store it; or, knowing the risk, pass "
        "--force to rotate again.",
        sources=(SRC_ROTATION, SRC_ROTATE_API),
    ),
    Entry(
        code="config-file-too-large",
        severity="error",
        stage="load",
        prevalence="doctor-only",
        field=None,
        title="credentials.yml is too large to be a credentials file",
        cause="The file is larger than 256 KiB. A credentials file holds a few hundred bytes per "
        "account; parsing megabytes of YAML takes many seconds, so the doctor does not read it "
        "and cannot check the credentials in it. python-amazon-sp-api would read it.",
        fix="Keep only the accounts' credentials in credentials.yml, or check a smaller copy with "
        "PYTHON-SP-APIDIR pointing at its folder.",
        sources=(SRC_SW_CONFIG,),
    ),
)

_BY_CODE = {item.code: item for item in CATALOGUE}
if len(_BY_CODE) != len(CATALOGUE):
    raise ValueError("duplicate catalogue code")


class CatalogueView(tuple[Entry, ...]):
    """Some catalogue entries, shown as a table in a notebook."""

    def __repr__(self) -> str:
        return "\n".join(f"{e.code:<40} {e.field or e.subject or '-':<18} {e.title}" for e in self)

    def _repr_html_(self) -> str:
        from ._html import catalogue_html

        return catalogue_html(self)


def catalogue(stage: str | None = None) -> CatalogueView:
    """The catalogue's entries (of one ``stage``: load, format, lwa, sts, region, roles,
    transport, consent, store), for a notebook to show."""
    if stage is not None and stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    return CatalogueView(e for e in CATALOGUE if stage is None or e.stage == stage)


def entry(code: str) -> Entry:
    """The catalogue entry of ``code`` (``KeyError`` for an unknown code)."""
    return _BY_CODE[code]
