"""The failure catalogue: every finding the doctor can report, as data.

One entry per failure mode: a stable code (also the anchor of its section on the
troubleshooting page), a severity, the stage that detects it, the credential it blames
(or None), a title, the cause, the fix, the exact error texts that identify it in the
wild, and where the facts come from. The checker raises its findings from these entries
and ``docs/troubleshooting.md`` is rendered from them, so the two cannot disagree.
"""

from __future__ import annotations

import os

__all__ = ["CATALOGUE", "CatalogueView", "Entry", "Finding", "catalogue", "docs_url", "entry"]

SEVERITIES = ("error", "warning", "info")
STAGES = ("load", "format", "lwa", "sts", "region", "roles", "transport")

# The site's pages live under docs/ (conf.py sits at the repository root).
DOCS_BASE_URL = "https://spapi-docs.readthedocs.io/en/latest/docs/"

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


class Entry:
    """One failure mode of the catalogue."""

    __slots__ = ("cause", "code", "field", "fix", "severity", "sources", "stage", "texts", "title")

    def __init__(self, code, severity, stage, field, title, cause, fix, texts=(), sources=()):
        assert severity in SEVERITIES, code
        assert stage in STAGES, code
        self.code = code
        self.severity = severity
        self.stage = stage
        self.field = field
        self.title = title
        self.cause = cause
        self.fix = fix
        self.texts = tuple(texts)
        self.sources = tuple(sources)

    @property
    def docs(self) -> str:
        """The URL of this entry's section on the troubleshooting page."""
        return docs_url(self.code)

    def finding(self, message, *, field=..., fix=None, source=None, details=None) -> Finding:
        """A finding of this entry; ``message`` says what was seen, specifically."""
        return Finding(
            code=self.code,
            severity=self.severity,
            field=self.field if field is ... else field,
            message=message,
            fix=fix or self.fix,
            stage=self.stage,
            source=source,
            details=details,
        )

    def __repr__(self):
        return f"Entry({self.code!r})"


class Finding:
    """One problem found: what, where, why it matters and the fix. Holds no secret."""

    __slots__ = ("code", "details", "field", "fix", "message", "severity", "source", "stage")

    def __init__(self, code, severity, field, message, fix, stage, source=None, details=None):
        self.code = code
        self.severity = severity
        self.field = field
        self.message = message
        self.fix = fix
        self.stage = stage
        self.source = source
        self.details = details

    @property
    def docs(self) -> str:
        """The URL of this finding's section on the troubleshooting page."""
        return docs_url(self.code)

    @property
    def title(self) -> str:
        """The catalogue entry's title (the general name of this problem)."""
        return entry(self.code).title

    def one_line(self) -> str:
        """Code, blamed credential, message, fix and docs URL on one line."""
        blame = f" [{self.field}]" if self.field else ""
        return f"{self.code}{blame}: {self.message} Fix: {self.fix} ({self.docs})"

    def as_dict(self) -> dict:
        """The JSON form used in the report's ``findings`` list."""
        data = {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
            "stage": self.stage,
            "source": self.source,
            "docs": self.docs,
        }
        if self.details:
            data["details"] = self.details
        return data

    def __eq__(self, other):
        if not isinstance(other, Finding):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None

    def __repr__(self):
        return f"Finding({self.code!r}, {self.severity!r}, field={self.field!r})"


def docs_url(code: str) -> str:
    """The troubleshooting section of ``code`` (``SPAPI_DOCS_URL`` overrides the site)."""
    base = os.environ.get("SPAPI_DOCS_URL") or DOCS_BASE_URL
    if not base.endswith("/"):
        base += "/"
    return f"{base}troubleshooting.html#{code}"


_E = Entry

CATALOGUE = (
    # ---------------------------------------------------------------- where credentials come from
    _E(
        "no-credentials",
        "error",
        "load",
        None,
        "No credentials found in any source",
        "python-amazon-sp-api takes the first source that holds both lwa_app_id and "
        "lwa_client_secret: the code dict, then the environment variables, then AWS Secrets "
        "Manager (when SP_API_AWS_SECRET_ID is set), then credentials.yml. None of them holds both.",
        "Put the Client identifier in LWA_APP_ID and the Client secret in LWA_CLIENT_SECRET (or in "
        "credentials.yml under your account name), then run spapi-doctor again.",
        texts=(
            "sp_api.base.credential_provider.MissingCredentials: Credentials are missing: "
            "lwa_app_id, lwa_client_secret",
        ),
        sources=(SRC_SW_CREDS,),
    ),
    _E(
        "refresh-token-missing",
        "error",
        "load",
        "refresh_token",
        "No refresh token in the source that is used",
        "The source that wins holds the LWA client identifier and secret but no refresh token. "
        "Sources are never merged: a refresh token in a lower source is not used.",
        "Add the refresh token to the same source as LWA_APP_ID and LWA_CLIENT_SECRET "
        "(SP_API_REFRESH_TOKEN, or refresh_token in credentials.yml), or pass refresh_token= to "
        "the client.",
        texts=("The request has an invalid grant parameter : refresh_token",),
        sources=(SRC_SW_CREDS,),
    ),
    _E(
        "source-skipped-incomplete",
        "warning",
        "load",
        None,
        "A source was skipped because it is incomplete (sources are not merged)",
        "A source that holds only some of the credentials is skipped as a whole: "
        "python-amazon-sp-api moves on to the next source and uses all of its values. "
        "Values you set in the skipped source are silently ignored.",
        "Keep all credentials of one account in one source: complete the skipped source, or "
        "remove its partial values so nobody believes they are used.",
        sources=(SRC_SW_CREDS,),
    ),
    _E(
        "value-shadowed",
        "warning",
        "load",
        None,
        "A different value in a lower source is ignored",
        "The same credential is set in more than one source with different values. Only the "
        "source that wins counts; the other value is ignored (and may be the one you updated).",
        "Remove the stale value, so that one source holds the credentials.",
        sources=(SRC_SW_CREDS,),
    ),
    _E(
        "env-name-near-miss",
        "warning",
        "load",
        None,
        "An environment variable looks like a credential but has a name no library reads",
        "python-amazon-sp-api reads exactly SP_API_REFRESH_TOKEN, LWA_APP_ID and LWA_CLIENT_SECRET "
        "(each optionally suffixed with _<account>); versions before 1.0 also read "
        "SP_API_ACCESS_KEY, SP_API_SECRET_KEY and SP_API_ROLE_ARN. A variable named otherwise "
        "(LWA_CLIENT_ID, SP_API_LWA_APP_ID, lowercase names...) is never read.",
        "Rename the variable to the name shown.",
        texts=("Credentials are missing: lwa_app_id, lwa_client_secret",),
        sources=(SRC_SW_ENV,),
    ),
    _E(
        "account-name-mismatch",
        "warning",
        "load",
        None,
        "Credentials exist for an account name that differs only in case or spelling",
        "Account names are case-sensitive, in the _<account> suffix of environment variables and "
        "in the account keys of credentials.yml.",
        "Use the account name exactly as it is written where the credentials are stored.",
        sources=(SRC_SW_ENV, SRC_SW_CONFIG),
    ),
    _E(
        "config-file-not-found",
        "info",
        "load",
        None,
        "No credentials.yml where python-amazon-sp-api looks",
        "python-amazon-sp-api reads credentials.yml from one directory: PYTHON-SP-APIDIR when set, "
        "else the platform's config directory (~/.config/python-sp-api on Linux and macOS, "
        "%APPDATA%\\python-sp-api on Windows).",
        "Create the file there if you want to keep your credentials in a file.",
        sources=(SRC_SW_CONFIG,),
    ),
    _E(
        "config-file-near-miss",
        "warning",
        "load",
        None,
        "A credentials file sits where python-amazon-sp-api does not look",
        "A file named like the credentials file (credentials.yaml, a copy in another folder or "
        "under another app name) exists, but python-amazon-sp-api reads only credentials.yml in "
        "its config directory.",
        "Move or rename the file to the path shown.",
        sources=(SRC_SW_CONFIG,),
    ),
    _E(
        "config-file-unreadable",
        "error",
        "load",
        None,
        "credentials.yml cannot be read",
        "The file (or the directory PYTHON-SP-APIDIR names) exists but cannot be read: a "
        "permission problem, a directory where a file belongs, or a file where the directory "
        "belongs. python-amazon-sp-api skips such a file without a word, or stops with a "
        "ConfigError.",
        "Fix the path or the permissions shown.",
        texts=("confuse.exceptions.ConfigError: PYTHON-SP-APIDIR must be a directory",),
        sources=(SRC_SW_CONFIG,),
    ),
    _E(
        "config-file-invalid-yaml",
        "error",
        "load",
        None,
        "credentials.yml is not valid YAML",
        "python-amazon-sp-api skips a file it cannot parse without a word, and then reports "
        "missing credentials. Tabs for indentation and unquoted values with ': ' are the usual "
        "causes.",
        "Fix the YAML at the line shown (indent with spaces; quote every value).",
        texts=("Credentials are missing: lwa_app_id, lwa_client_secret",),
        sources=(SRC_SW_CONFIG,),
    ),
    _E(
        "source-wrong-shape",
        "error",
        "load",
        None,
        "A source does not have the shape python-amazon-sp-api expects",
        "credentials.yml must map account names to mappings of credential keys; the code "
        "dict must be a dict; the Secrets Manager secret must be a JSON object. A list, a "
        "plain value, or an account that is not a mapping is rejected (TypeError: YAML config "
        "must be a mapping) or silently skipped.",
        "Give the source the shape shown: for credentials.yml, `version: '1.0'`, then "
        "`default:` and the credential keys indented under it.",
        texts=(
            "TypeError: YAML config must be a mapping",
            "AttributeError: 'list' object has no attribute 'get'",
        ),
        sources=(SRC_SW_CONFIG, SRC_SW_CREDS),
    ),
    _E(
        "config-duplicate-key",
        "warning",
        "load",
        None,
        "A key appears twice in credentials.yml",
        "YAML keeps only the last of two equal keys, without a word: a second `default:` "
        "block, or a key repeated inside an account, silently replaces the first.",
        "Keep one of the two and delete the other.",
        sources=(SRC_SW_CONFIG,),
    ),
    _E(
        "config-keys-at-top-level",
        "warning",
        "load",
        None,
        "Credential keys at the top level of credentials.yml",
        "Keys such as lwa_app_id sit at the top level of the file, outside any account, so "
        "python-amazon-sp-api never finds them.",
        "Indent the keys under an account name such as `default:`.",
        sources=(SRC_SW_CONFIG,),
    ),
    _E(
        "config-account-missing",
        "error",
        "load",
        None,
        "The account is not in credentials.yml",
        "credentials.yml has no top-level key with this account name, so the file gives "
        "nothing for it.",
        "Use one of the account names the file has, or add the account to the file.",
        texts=(
            "The account X was not setup in your configuration file.",
            "Credentials are missing: lwa_app_id, lwa_client_secret",
        ),
        sources=(SRC_SW_CONFIG,),
    ),
    _E(
        "unknown-credential-key",
        "warning",
        "load",
        None,
        "A key no library reads",
        "The source holds a key that python-amazon-sp-api ignores, such as lws_app_id (a typo "
        "that python-amazon-sp-api's own old guide made), client_id or app_id. The value it "
        "holds is never used.",
        "Rename the key to the one shown.",
        sources=(SRC_SW_CONFIG, SRC_SW_CREDS),
    ),
    _E(
        "secrets-manager-unavailable",
        "error",
        "load",
        None,
        "The AWS Secrets Manager secret could not be read",
        "SP_API_AWS_SECRET_ID is set, but reading the secret failed (it does not exist, the "
        "AWS credentials in use may not read it, or no AWS credentials or region are "
        "configured). python-amazon-sp-api swallows this error and moves on to the next source.",
        "Check the secret's name and region, and that the AWS identity in use may call "
        "secretsmanager:GetSecretValue on it.",
        sources=(SRC_SW_CREDS,),
    ),
    _E(
        "secrets-manager-invalid",
        "error",
        "load",
        None,
        "The AWS Secrets Manager secret is not a JSON object",
        "The secret string must be a JSON object with the keys SP_API_REFRESH_TOKEN, LWA_APP_ID and "
        "LWA_CLIENT_SECRET. Anything else makes python-amazon-sp-api stop with a JSON error.",
        "Store the secret as key/value pairs with those key names.",
        texts=("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",),
        sources=(SRC_SW_CREDS,),
    ),
    # ---------------------------------------------------------------- the shape of each value
    _E(
        "value-not-text",
        "error",
        "format",
        None,
        "The value is not text",
        "A credential must be a string. A number, a list, a mapping or a YAML null is not one "
        "(in YAML, an unquoted value such as 1234 or yes is read as a number or a boolean).",
        "Quote the value in the file, or pass it as a string.",
    ),
    _E(
        "value-empty",
        "error",
        "format",
        None,
        "The value is empty",
        "The key is present but holds nothing (or only whitespace).",
        "Fill in the value, or remove the key.",
    ),
    _E(
        "whitespace-around",
        "error",
        "format",
        None,
        "Leading or trailing whitespace",
        "Spaces, tabs or a line break around the value are sent to Amazon as part of it, and "
        "the value no longer matches: LWA answers invalid_client or invalid_grant, STS "
        "SignatureDoesNotMatch. Copying from a web page, a PDF or an editor often adds them.",
        "Remove the whitespace where the value is stored (not just in your code).",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "SignatureDoesNotMatch",
        ),
    ),
    _E(
        "whitespace-inside",
        "error",
        "format",
        None,
        "Whitespace or a line break inside the value",
        "A value split over two lines, or with a space inside, was copied in pieces. No "
        "credential contains whitespace.",
        "Copy the value again in one piece.",
    ),
    _E(
        "quote-characters",
        "error",
        "format",
        None,
        "Quote characters in the value",
        "Quotes were copied along with the value (for example '\"Atzr|...'), or typographic "
        "quotes were typed by an editor. They become part of the value.",
        "Remove the quotes from the stored value; quote it only in YAML or shell syntax.",
    ),
    _E(
        "invisible-character",
        "error",
        "format",
        None,
        "An invisible character in the value",
        "A zero-width space, a byte-order mark, a soft hyphen, a non-breaking space or a "
        "control character travels invisibly with copied text and makes the value wrong.",
        "Delete the value and type or paste it again from the source, then check it again.",
    ),
    _E(
        "non-ascii-character",
        "error",
        "format",
        None,
        "A non-ASCII character in the value",
        "Credentials are plain ASCII. A letter that only looks like a Latin one (Cyrillic а, "
        "Greek ο, a full-width digit) or any other non-ASCII character makes the value wrong.",
        "Copy the value again from Amazon's or AWS's page.",
    ),
    _E(
        "url-encoded",
        "error",
        "format",
        None,
        "The value is URL-encoded",
        "The value holds %XX escapes (%7C for |, %2F for /, %2B for +, %3D for =). It was "
        "copied from a URL or a form-encoded body; Amazon expects the decoded value.",
        "Decode it: replace each %XX by its character (for a refresh token, %7C by |).",
    ),
    _E(
        "unexpanded-variable",
        "error",
        "format",
        None,
        "A variable reference instead of the value",
        "The value is a reference such as ${LWA_APP_ID}, $LWA_APP_ID or %LWA_APP_ID% that was "
        "never expanded: .env files read by some tools, docker-compose env_file entries, YAML "
        "and Python strings do not expand them.",
        "Store the value itself, or make sure the tool that loads the file expands variables.",
    ),
    _E(
        "value-too-long",
        "error",
        "format",
        None,
        "The value is longer than any valid one",
        "The value is longer than Amazon or AWS allows for this credential (a refresh token is "
        "at most 2048 bytes), so something else was pasted with it.",
        "Copy only the credential itself.",
    ),
    _E(
        "placeholder-value",
        "error",
        "format",
        None,
        "A placeholder instead of the real value",
        "The value is a placeholder from an example (<your token>, xxxx, ..., your_client_id, "
        "changeme).",
        "Replace it with the real value.",
    ),
    _E(
        "value-in-wrong-field",
        "error",
        "format",
        None,
        "A value of another credential in this field",
        "The value has the exact shape of another credential (for example a client secret in "
        "lwa_app_id), so it was pasted into the wrong field.",
        "Move the value to the field it belongs to, and put the right value here.",
    ),
    _E(
        "fields-swapped",
        "error",
        "format",
        None,
        "Two credentials are swapped",
        "Each of two fields holds the value that belongs in the other.",
        "Swap the two values back.",
        texts=(
            "An error occurred (InvalidClientTokenId) when calling the AssumeRole operation: "
            "The security token included in the request is invalid.",
        ),
    ),
    _E(
        "app-id-in-client-id-field",
        "error",
        "format",
        "lwa_app_id",
        "The App ID is in lwa_app_id; it needs the LWA Client identifier",
        "lwa_app_id (LWA_APP_ID) must hold the LWA Client identifier, "
        "amzn1.application-oa2-client.<32 hex>, shown under LWA credentials → View. The App ID "
        "(amzn1.sp.solution.… or amzn1.sellerapps.app.…) names the app in Seller Central and "
        "is not a credential: LWA answers 401 invalid_client.",
        "Put the Client identifier from LWA credentials → View in lwa_app_id / LWA_APP_ID.",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "sp_api.auth.exceptions.AuthorizationError: ('invalid_client', 'Client "
            "authentication failed', 401)",
        ),
        sources=(SRC_SW_1505, SRC_DOCS_499),
    ),
    _E(
        "client-id-prefix-missing",
        "error",
        "format",
        "lwa_app_id",
        "The client identifier lacks its amzn1.application-oa2-client. prefix",
        "Only the hexadecimal tail of the Client identifier was copied. LWA needs the whole "
        "identifier, prefix included.",
        "Copy the whole Client identifier, starting with amzn1.application-oa2-client.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    _E(
        "client-id-truncated",
        "error",
        "format",
        "lwa_app_id",
        "The client identifier is cut short",
        "A Client identifier is amzn1.application-oa2-client. followed by 32 hexadecimal "
        "characters; part of it is missing.",
        "Copy the whole Client identifier again from LWA credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    _E(
        "client-id-malformed",
        "error",
        "format",
        "lwa_app_id",
        "lwa_app_id does not look like an LWA client identifier",
        "A Client identifier is amzn1.application-oa2-client. followed by 32 hexadecimal "
        "characters.",
        "Copy the Client identifier from LWA credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    _E(
        "client-secret-legacy-format",
        "warning",
        "format",
        "lwa_client_secret",
        "The client secret predates 180-day rotation",
        "Secrets issued since rotation became mandatory (2023) start with amzn1.oa2-cs.v1.; a "
        "bare hexadecimal secret is an old one. Every client secret now expires 180 days "
        "after it was issued, so this one has expired or is about to.",
        "Rotate the secret (LWA credentials → View → Rotate secret) and store the new one; the "
        "old one keeps working for 7 days.",
        sources=(SRC_ROTATION,),
    ),
    _E(
        "client-secret-truncated",
        "error",
        "format",
        "lwa_client_secret",
        "The client secret is cut short",
        "A client secret is amzn1.oa2-cs.v1. followed by 64 hexadecimal characters; part of it "
        "is missing.",
        "Copy the whole Client secret again from LWA credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    _E(
        "client-secret-malformed",
        "error",
        "format",
        "lwa_client_secret",
        "lwa_client_secret does not look like an LWA client secret",
        "A client secret is amzn1.oa2-cs.v1. followed by hexadecimal characters (older secrets "
        "are 64 bare hexadecimal characters).",
        "Copy the Client secret from LWA credentials → View.",
        texts=('{"error_description":"Client authentication failed","error":"invalid_client"}',),
    ),
    _E(
        "access-token-in-refresh-token-field",
        "error",
        "format",
        "refresh_token",
        "An access token (Atza|) where the refresh token (Atzr|) belongs",
        "Access tokens start with Atza| and live one hour; refresh tokens start with Atzr| and "
        "do not expire. With an access token here everything works for an hour at most, then "
        "LWA answers invalid_grant.",
        "Store the refresh token (Atzr|…) from Authorize app, not the access token.",
        texts=(
            '{"error_description":"The request has an invalid grant parameter : refresh_token",'
            '"error":"invalid_grant"}',
        ),
        sources=(SRC_CONNECT,),
    ),
    _E(
        "authorization-code-in-refresh-token-field",
        "error",
        "format",
        "refresh_token",
        "An OAuth authorization code where the refresh token belongs",
        "The short code an OAuth redirect carries (spapi_oauth_code) lives five minutes and must "
        "be exchanged for a refresh token; it is not one.",
        "Self-authorise the app (Authorize app) and store the Atzr| refresh token it shows, or "
        "exchange the code with grant_type=authorization_code.",
        sources=(SRC_CONNECT,),
    ),
    _E(
        "refresh-token-prefix-typo",
        "error",
        "format",
        "refresh_token",
        "The refresh token's Atzr| prefix is mistyped",
        "Refresh tokens start with exactly Atzr| (A-t-z-r and a vertical bar). Amazon's own "
        "2021 guide wrote Aztr| once; a retyped or altered prefix makes LWA answer invalid_grant.",
        "Copy the refresh token again instead of typing it.",
        texts=(
            '{"error_description":"The request has an invalid grant parameter : refresh_token",'
            '"error":"invalid_grant"}',
        ),
    ),
    _E(
        "refresh-token-malformed",
        "error",
        "format",
        "refresh_token",
        "refresh_token does not look like a refresh token",
        "A refresh token starts with Atzr| and is several hundred characters long.",
        "Copy the refresh token shown by Authorize app.",
    ),
    _E(
        "refresh-token-short",
        "warning",
        "format",
        "refresh_token",
        "The refresh token is unusually short",
        "Refresh tokens Amazon issues are several hundred characters long; a much shorter one "
        "was probably cut off when copied.",
        "If LWA rejects it, authorise again and copy the whole token.",
    ),
    _E(
        "aws-access-key-malformed",
        "error",
        "format",
        "aws_access_key",
        "aws_access_key does not look like an AWS access key ID",
        "An access key ID is 20 characters: AKIA (long-term, an IAM user's) or ASIA "
        "(temporary) and 16 capital letters or digits. IDs starting AIDA or AROA are IAM "
        "unique IDs of a user or role, not keys.",
        "Copy the Access key ID of the IAM user (IAM → Users → Security credentials).",
        sources=(SRC_AWS_KEYS,),
    ),
    _E(
        "aws-temporary-key-without-session-token",
        "error",
        "format",
        "aws_access_key",
        "Temporary AWS keys (ASIA…) without their session token",
        "Keys starting with ASIA come from STS (assume-role, SSO, a Lambda or EC2 role) and "
        "work only together with their session token, for a few hours. Without it AWS answers "
        "InvalidClientTokenId.",
        "Use the IAM user's long-term AKIA… key, or add the session token (SP_API_SESSION_TOKEN).",
        texts=("The security token included in the request is invalid.",),
        sources=(SRC_AWS_KEYS,),
    ),
    _E(
        "aws-temporary-key",
        "warning",
        "format",
        "aws_access_key",
        "Temporary AWS keys will expire",
        "ASIA… keys with a session token work until they expire (usually within hours).",
        "For a lasting set-up use the IAM user's long-term AKIA… key.",
        texts=("The security token included in the request is expired",),
        sources=(SRC_AWS_KEYS,),
    ),
    _E(
        "session-token-with-long-term-key",
        "warning",
        "format",
        "aws_session_token",
        "A session token next to a long-term AKIA… key",
        "Session tokens belong to temporary ASIA… keys. With a long-term key, AWS rejects the "
        "request because of the extra token.",
        "Remove the session token, or use the ASIA… key it was issued with.",
    ),
    _E(
        "aws-secret-key-malformed",
        "error",
        "format",
        "aws_secret_key",
        "aws_secret_key does not look like an AWS secret access key",
        "A secret access key is 40 characters of letters, digits, / and +.",
        "Copy the Secret access key shown when the key was created; if it is lost, create a new "
        "access key.",
    ),
    _E(
        "role-arn-is-user-arn",
        "error",
        "format",
        "role_arn",
        "role_arn holds a user ARN",
        "role_arn must name the IAM role (arn:aws:iam::<account>:role/<name>). A user ARN "
        "here makes AssumeRole fail with 'User: … is not authorized to perform: "
        "sts:AssumeRole on resource: …:user/…'.",
        "Put the ARN of the role (IAM → Roles → your role → ARN) in role_arn.",
        texts=("is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::",),
        sources=(SRC_AWS_ARN,),
    ),
    _E(
        "role-arn-is-assumed-role-arn",
        "error",
        "format",
        "role_arn",
        "role_arn holds an STS assumed-role ARN",
        "arn:aws:sts::<account>:assumed-role/<role>/<session> names one session of the role, "
        "as printed by get-caller-identity. The role's own ARN is "
        "arn:aws:iam::<account>:role/<role>.",
        "Use the role ARN shown in the message.",
        sources=(SRC_AWS_ARN,),
    ),
    _E(
        "role-arn-account-id-malformed",
        "error",
        "format",
        "role_arn",
        "The account ID in role_arn is not 12 digits",
        "The account part of an IAM ARN is exactly 12 digits (leading zeros included).",
        "Copy the role ARN from the IAM console instead of assembling it.",
        sources=(SRC_AWS_ARN,),
    ),
    _E(
        "role-arn-malformed",
        "error",
        "format",
        "role_arn",
        "role_arn is not an IAM role ARN",
        "A role ARN reads arn:aws:iam::<12-digit account>:role/<path/name>; IAM ARNs have no "
        "region part.",
        "Copy the role ARN from IAM → Roles → your role.",
        sources=(SRC_AWS_ARN,),
    ),
    _E(
        "aws-example-key",
        "info",
        "format",
        None,
        "AWS's documented example key",
        "AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY are the example keys "
        "of AWS's documentation: they work against a mock (as in this project's demo), never "
        "against AWS.",
        "Use your IAM user's own keys when you check against AWS.",
        sources=(SRC_AWS_EXAMPLE_KEYS,),
    ),
    _E(
        "aws-fields-ignored",
        "info",
        "format",
        None,
        "The AWS fields are not needed, and the installed library ignores them",
        "Since 2023-10-02 SP-API authorises with the LWA access token alone. "
        "python-amazon-sp-api 1.0 and later ignore aws_access_key, aws_secret_key and role_arn.",
        "Nothing to fix. You may delete the AWS fields, and the IAM user and role if nothing "
        "else uses them.",
        sources=(SRC_IAM_REMOVED,),
    ),
    _E(
        "aws-fields-used-by-legacy-library",
        "info",
        "format",
        None,
        "The installed python-amazon-sp-api is older than 1.0 and still signs with AWS keys",
        "Releases before 1.0 assume the IAM role and sign every call with SigV4. Amazon has not "
        "needed that since 2023-10-02 and ignores the signature.",
        "Upgrade to python-amazon-sp-api 1.0 or later, which needs only the three LWA credentials.",
        texts=("KeyError: 'AWS Access Key ID and Secret Access Key are required'",),
        sources=(SRC_IAM_REMOVED,),
    ),
    _E(
        "aws-fields-incomplete",
        "warning",
        "format",
        None,
        "Only some of the AWS fields are set",
        "The legacy path needs an access key and its secret key (and, to assume a role, the "
        "role ARN). With only some of them the legacy check cannot run.",
        "Set all of them, or none (today's path needs none).",
    ),
    # ---------------------------------------------------------------- Login with Amazon
    _E(
        "lwa-client-id-rejected",
        "error",
        "lwa",
        "lwa_app_id",
        "LWA rejected the client: the client identifier is wrong",
        "LWA answered invalid_client and lwa_app_id is not a well-formed Client identifier (see "
        "the format findings above): LWA does not know this client.",
        "Put the Client identifier from LWA credentials → View in lwa_app_id.",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "AuthorizationError: ('invalid_client', 'Client authentication failed', 401)",
        ),
        sources=(SRC_CONNECT, SRC_SW_1505),
    ),
    _E(
        "lwa-client-secret-rejected",
        "error",
        "lwa",
        "lwa_client_secret",
        "LWA rejected the client: the client secret is wrong, rotated or expired",
        "LWA answered invalid_client although lwa_app_id is a well-formed Client identifier. "
        "The secret is then the one at fault: it belongs to another app, it was rotated more "
        "than 7 days ago, or it expired (secrets live 180 days).",
        "Copy the current Client secret from LWA credentials → View (rotate it if it has "
        "expired). Refresh tokens stay valid across rotations.",
        texts=(
            '{"error_description":"Client authentication failed","error":"invalid_client"}',
            "AuthorizationError: ('invalid_client', 'Client authentication failed', 401)",
        ),
        sources=(SRC_ROTATION, SRC_ROTATION_DEADLINE),
    ),
    _E(
        "lwa-refresh-token-rejected",
        "error",
        "lwa",
        "refresh_token",
        "LWA rejected the refresh token",
        "LWA answered invalid_grant: it accepted the client identifier and secret (otherwise it "
        "would say invalid_client) but not the refresh token. The token is mistyped or cut "
        "short, or the authorisation was revoked.",
        "Authorise the app again (Edit App ▸ Authorize → Authorize app) and store the new "
        "refresh token. Earlier tokens stay valid, so nothing else breaks.",
        texts=(
            '{"error_description":"The request has an invalid grant parameter : refresh_token. '
            'User may have revoked or didn\'t grant the permission.","error":"invalid_grant"}',
            "AuthorizationError: ('invalid_grant', 'The request has an invalid grant parameter "
            ": refresh_token', 400)",
        ),
        sources=(SRC_CONNECT, SRC_SELF_AUTH),
    ),
    _E(
        "lwa-token-from-another-app",
        "error",
        "lwa",
        "refresh_token",
        "The refresh token belongs to another app",
        "LWA answered unauthorized_client: the refresh token was issued to a different app "
        "than the client identifier and secret. This happens after a second app was created, "
        "or when credentials of two apps are mixed.",
        "Take the client identifier, secret and refresh token from the same app row in "
        "Develop Apps.",
        texts=(
            '{"error_description":"Not authorized for requested operation","error":'
            '"unauthorized_client"}',
        ),
        sources=(SRC_SELF_AUTH,),
    ),
    _E(
        "lwa-invalid-request",
        "error",
        "lwa",
        None,
        "LWA rejected the request as malformed",
        "LWA answered invalid_request: a parameter is missing or repeated, or the body is not "
        "form-encoded. Libraries send this right; hand-written requests (JSON bodies) get it "
        "wrong.",
        "POST https://api.amazon.com/auth/o2/token with Content-Type "
        "application/x-www-form-urlencoded and grant_type, refresh_token, client_id, "
        "client_secret.",
        texts=('{"error":"invalid_request"}',),
        sources=(SRC_CONNECT, SRC_RFC6749),
    ),
    _E(
        "lwa-unsupported-grant-type",
        "error",
        "lwa",
        None,
        "LWA does not support the grant type sent",
        "grant_type must be refresh_token (seller-authorised calls) or client_credentials "
        "(grantless calls).",
        "Send grant_type=refresh_token with a refresh token.",
        texts=('{"error":"unsupported_grant_type"}',),
        sources=(SRC_CONNECT, SRC_RFC6749),
    ),
    _E(
        "lwa-invalid-scope",
        "error",
        "lwa",
        None,
        "LWA rejected the grantless scope",
        "A grantless (client_credentials) token needs one of Amazon's scopes, spelled exactly: "
        "sellingpartnerapi::notifications or sellingpartnerapi::client_credential:rotation "
        "(sellingpartnerapi::migration belongs to the removed Authorization API).",
        "Ask for one of the scopes listed.",
        texts=(
            "AuthorizationError: ('invalid_scope', 'The request has an invalid parameter : "
            "scope', 400)",
        ),
        sources=(SRC_GRANTLESS,),
    ),
    # ---------------------------------------------------------------- AWS STS (legacy path)
    _E(
        "sts-access-key-invalid",
        "error",
        "sts",
        "aws_access_key",
        "AWS does not know this access key",
        "STS answered InvalidClientTokenId to GetCallerIdentity: the access key ID does not "
        "exist, was deleted or deactivated, or temporary keys arrived without their session "
        "token.",
        "Create a new access key for the IAM user and store both halves.",
        texts=(
            "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity "
            "operation: The security token included in the request is invalid.",
        ),
        sources=(SRC_AWS_KEYS,),
    ),
    _E(
        "sts-secret-key-wrong",
        "error",
        "sts",
        "aws_secret_key",
        "The AWS secret key does not match the access key",
        "STS answered SignatureDoesNotMatch: AWS knows the access key, but the secret key "
        "that signed the request is not its secret (wrong, from another key, or with "
        "whitespace). A badly wrong clock gives the same answer.",
        "Store the secret key that belongs to this access key; if it is lost, create a new "
        "access key.",
        texts=(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        ),
    ),
    _E(
        "sts-token-expired",
        "error",
        "sts",
        "aws_session_token",
        "The temporary AWS credentials have expired",
        "STS answered ExpiredToken: the ASIA… keys and their session token have run out.",
        "Use the IAM user's long-term keys, or fetch new temporary ones.",
        texts=("The security token included in the request is expired",),
    ),
    _E(
        "sts-root-keys",
        "error",
        "sts",
        "aws_access_key",
        "The AWS keys belong to the root user",
        "GetCallerIdentity names the account's root user. Root keys cannot assume a role "
        "('Roles may not be assumed by root accounts.') and should not exist at all.",
        "Create an IAM user and an access key for it, and delete the root access key.",
        texts=("Roles may not be assumed by root accounts.",),
        sources=(SRC_AWS_ROOT,),
    ),
    _E(
        "sts-role-arn-is-caller",
        "error",
        "sts",
        "role_arn",
        "AssumeRole was asked to assume a user",
        "AccessDenied names the same user as caller and resource: role_arn holds the user's "
        "own ARN instead of the role's.",
        "Put the role's ARN (IAM → Roles) in role_arn.",
        texts=(
            "User: arn:aws:iam::123456789012:user/X is not authorized to perform: "
            "sts:AssumeRole on resource: arn:aws:iam::123456789012:user/X",
        ),
        sources=(SRC_AWS_ASSUME,),
    ),
    _E(
        "sts-assume-role-denied",
        "error",
        "sts",
        "role_arn",
        "The IAM user may not assume the role",
        "STS answered AccessDenied to AssumeRole: the user lacks a policy allowing "
        "sts:AssumeRole on this role ARN, or the role's trust relationship does not trust the "
        "user (or its account), or the role does not exist.",
        "Attach the STS policy (Allow sts:AssumeRole on the role ARN) to the user, and check "
        "the role's trust relationship names the user's account.",
        texts=(
            "User: arn:aws:iam::123456789012:user/X is not authorized to perform: "
            "sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Y",
        ),
        sources=(SRC_AWS_ASSUME,),
    ),
    # ---------------------------------------------------------------- the SP-API calls
    _E(
        "spapi-secret-expired",
        "error",
        "region",
        "lwa_client_secret",
        "SP-API says the LWA client secret has expired",
        "Client secrets expire 180 days after they were issued. SP-API answers 403 with 'The LWA "
        "secret token you provided has expired.'",
        "Rotate the secret (LWA credentials → View → Rotate secret), store the new one and "
        "restart whatever caches the old one. Refresh tokens stay valid.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"The LWA secret token you provided has expired."}]}',
        ),
        sources=(SRC_ROTATION_DEADLINE, SRC_ROTATION),
    ),
    _E(
        "spapi-access-token-invalid",
        "error",
        "region",
        "refresh_token",
        "SP-API rejects the access token as revoked, malformed or invalid",
        "SP-API answered 'The access token you provided is revoked, malformed or invalid.' to "
        "a token LWA had just issued: the authorisation behind it was revoked, or the token was "
        "altered on the way.",
        "Authorise the app again and store the new refresh token.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"The access token you provided is revoked, malformed or '
            'invalid."}]}',
        ),
    ),
    _E(
        "spapi-access-token-missing",
        "error",
        "region",
        None,
        "The SP-API call carried no access token",
        "SP-API answered 'Access token is missing in the request header.': the "
        "x-amz-access-token header was empty, usually because an earlier LWA error was not "
        "noticed and its error body was used as the token.",
        "Check the LWA step first; send the access token in x-amz-access-token.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"Access token is missing in the request header."}]}',
        ),
    ),
    _E(
        "no-region-accepts-token",
        "error",
        "region",
        "refresh_token",
        "LWA issued a token, but no SP-API region accepts it",
        "The LWA exchange worked, so the client identifier, secret and refresh token belong "
        "together, but NA, EU and FE all answer 403 to marketplaceParticipations. The "
        "authorisation behind the refresh token does not reach any seller account: it was "
        "revoked on the seller's side, or the app has no role that allows the call.",
        "Authorise the app again from the seller account you want to reach (Edit App ▸ "
        "Authorize) and store the new refresh token; check the app's roles in Edit App.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":""}]}',
        ),
        sources=(SRC_SELF_AUTH, SRC_ENDPOINTS),
    ),
    _E(
        "region-selection-needed",
        "info",
        "region",
        None,
        "Your token belongs to a region your library may not call by default",
        "Refresh tokens are issued per region (NA, EU, FE) and work only against that region's "
        "endpoint. python-amazon-sp-api calls the US marketplace (NA) unless told otherwise; "
        "amzn-sp-api's SPAPIConfig defaults to the NA sandbox.",
        "Select the region shown, as the message says for your library.",
        texts=(
            "SellingApiForbiddenException: [{'message': 'Access to requested resource is "
            "denied.', 'code': 'Unauthorized', 'details': ''}]",
        ),
        sources=(SRC_ENDPOINTS,),
    ),
    _E(
        "default-marketplace-wrong-region",
        "error",
        "region",
        None,
        "SP_API_DEFAULT_MARKETPLACE points at a region the token does not work in",
        "python-amazon-sp-api sends every call to the region of SP_API_DEFAULT_MARKETPLACE, "
        "and that variable even overrides an explicit marketplace= argument. The refresh token "
        "works in another region, so every call gets a bare 403.",
        "Set SP_API_DEFAULT_MARKETPLACE to a marketplace of the token's region (or unset it).",
        texts=(
            "SellingApiForbiddenException: [{'message': 'Access to requested resource is "
            "denied.', 'code': 'Unauthorized', 'details': ''}]",
        ),
        sources=(SRC_ENDPOINTS,),
    ),
    _E(
        "endpoint-url-invalid",
        "error",
        "load",
        None,
        "An endpoint setting is not an http(s) URL",
        "SPAPI_LWA_ENDPOINT, SPAPI_ENDPOINT_NA/EU/FE (and their sandbox twins) and "
        "AWS_ENDPOINT_URL_STS must be full URLs such as https://host or http://127.0.0.1:PORT. "
        "A value without a scheme or a host sends nothing anywhere.",
        "Fix or unset the variable named; unset, Amazon's and AWS's own endpoints are used.",
    ),
    _E(
        "default-marketplace-invalid",
        "error",
        "load",
        None,
        "SP_API_DEFAULT_MARKETPLACE is not a marketplace name",
        "python-amazon-sp-api looks the value up in its Marketplaces enum when sp_api.base is "
        "imported, so anything but an exact member name (US, DE, UK, JP, ...; upper case) stops "
        "every import with a KeyError.",
        "Set SP_API_DEFAULT_MARKETPLACE to a two-letter marketplace name such as US or DE, or "
        "unset it.",
        texts=("KeyError: 'de'",),
        sources=(SRC_ENDPOINTS,),
    ),
    _E(
        "aws-env-invalid",
        "error",
        "load",
        None,
        "AWS_ENV is neither PRODUCTION nor SANDBOX",
        "python-amazon-sp-api reads AWS_ENV when it is imported and accepts exactly PRODUCTION "
        "or SANDBOX; any other value (sandbox in lower case, prod, ...) stops the import with a "
        "ValueError.",
        "Set AWS_ENV=SANDBOX for the sandbox, or unset it for production.",
        texts=("ValueError: 'sandbox' is not a valid AwsEnv",),
    ),
    _E(
        "marketplace-not-participating",
        "warning",
        "region",
        None,
        "The default marketplace is one the seller does not sell in",
        "SP_API_DEFAULT_MARKETPLACE names a marketplace of the token's region in which the "
        "seller does not participate, so calls for it are refused. In the Far East each "
        "marketplace (JP, AU, SG) is authorised on its own.",
        "Set SP_API_DEFAULT_MARKETPLACE to one of the marketplaces listed as participating.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":"The marketplaces you provided are not valid for region."}]}',
        ),
        sources=(SRC_ENDPOINTS,),
    ),
    _E(
        "sandbox-selected",
        "info",
        "load",
        None,
        "Calls go to the SP-API sandbox",
        "The sandbox answers canned responses with the same credentials and permission checks "
        "as production. python-amazon-sp-api selects it with AWS_ENV=SANDBOX, read once when "
        "sp_api is imported.",
        "Unset AWS_ENV (and restart the Python process) to reach production.",
    ),
    _E(
        "role-missing",
        "warning",
        "roles",
        "refresh_token",
        "The token lacks a role",
        "One call per common role tells what the token may do. A 403 on a role's call means "
        "the app was not granted that role, or the refresh token was issued before the role "
        "was added: roles reach a token only when the app is authorised again.",
        "Tick the role in Edit App (your developer profile must have it), then Authorize again "
        "and use the new refresh token.",
        texts=(
            '{"errors":[{"code":"Unauthorized","message":"Access to requested resource is '
            'denied.","details":""}]}',
        ),
        sources=(SRC_RENEW,),
    ),
    _E(
        "clock-skew",
        "warning",
        "transport",
        None,
        "Your clock differs from Amazon's",
        "The Date header of Amazon's answer differs from this machine's clock by more than a "
        "minute. Signed AWS requests (STS, and SP-API calls of old libraries) fail when it "
        "reaches five minutes.",
        "Synchronise the system clock (NTP).",
        texts=("Signature expired: 20230601T095950Z is now earlier than 20230601T135450Z",),
    ),
    # ---------------------------------------------------------------- answers that explain nothing
    _E(
        "unexpected-response",
        "error",
        "transport",
        None,
        "An answer nothing in the catalogue explains",
        "The service answered something no known failure produces: an HTML page (often from a "
        "proxy or a captive portal), truncated or invalid JSON, or an unknown status. It says "
        "nothing about your credentials.",
        "Look at the status and the excerpt shown; check proxies (HTTPS_PROXY) and the endpoint "
        "URLs, then run the check again.",
    ),
    _E(
        "rate-limited",
        "error",
        "transport",
        None,
        "Amazon kept answering 429 (too many requests)",
        "The call was throttled and stayed throttled after the retries. It says nothing about "
        "your credentials.",
        "Wait and run the check again; stop other jobs that share the app's quota.",
        texts=(
            '{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the '
            'requested resource."}]}',
        ),
    ),
    _E(
        "service-unavailable",
        "error",
        "transport",
        None,
        "The service kept answering with a server error",
        "5xx answers stayed after the retries: the service (or something in front of it) is "
        "failing. It says nothing about your credentials.",
        "Run the check again later.",
    ),
    _E(
        "network-dns",
        "error",
        "transport",
        None,
        "The host name could not be resolved",
        "DNS did not resolve the service's host: no network, a DNS problem, or a mistyped "
        "endpoint URL.",
        "Check the network and the endpoint URL.",
    ),
    _E(
        "network-refused",
        "error",
        "transport",
        None,
        "The connection was refused",
        "Nothing listens at the endpoint's address and port: a wrong endpoint URL, a mock that "
        "is not running, or a firewall.",
        "Check the endpoint URL (and start the mock if you meant to use it).",
    ),
    _E(
        "network-reset",
        "error",
        "transport",
        None,
        "The connection was reset",
        "The peer closed the connection in the middle of the exchange: a proxy, a firewall or "
        "a failing service.",
        "Run the check again; check proxies and firewalls if it persists.",
    ),
    _E(
        "network-timeout",
        "error",
        "transport",
        None,
        "No answer in time",
        "The service did not answer within the timeout, even after retries.",
        "Run the check again, or raise --timeout.",
    ),
    _E(
        "network-tls",
        "error",
        "transport",
        None,
        "The secure connection failed",
        "The TLS handshake failed: an intercepting proxy with its own certificate, an outdated "
        "certificate store, or a plain-HTTP endpoint given as https.",
        "Point REQUESTS_CA_BUNDLE at your proxy's certificate, or fix the endpoint URL.",
    ),
)

_BY_CODE = {item.code: item for item in CATALOGUE}
assert len(_BY_CODE) == len(CATALOGUE), "duplicate catalogue code"


class CatalogueView(tuple):
    """Some catalogue entries, shown as a table in a notebook."""

    def __repr__(self):
        return "\n".join(f"{e.code:<40} {e.field or '-':<18} {e.title}" for e in self)

    def _repr_html_(self):
        from ._html import catalogue_html

        return catalogue_html(self)


def catalogue(stage: str | None = None) -> CatalogueView:
    """The catalogue's entries (of one ``stage``: load, format, lwa, sts, region, roles,
    transport), for a notebook to show."""
    if stage is not None and stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    return CatalogueView(e for e in CATALOGUE if stage is None or e.stage == stage)


def entry(code: str) -> Entry:
    """The catalogue entry of ``code`` (``KeyError`` for an unknown code)."""
    return _BY_CODE[code]
