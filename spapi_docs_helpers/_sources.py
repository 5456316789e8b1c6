"""Where the credentials come from, resolved exactly as python-amazon-sp-api resolves them.

The chain is: the code dict → environment variables → AWS Secrets Manager (only when
``SP_API_AWS_SECRET_ID`` is set) → ``credentials.yml``. The first source that holds
truthy ``lwa_app_id`` and ``lwa_client_secret`` wins, and every credential is then taken
from it: nothing is merged across sources. (python-amazon-sp-api's
``sp_api/base/credential_provider.py``; ``tests/test_sources_parity.py`` holds us to it.)

Beyond what the library does, the resolution keeps a trace — which source gave which
field, and what the others held — and reports what the user probably meant: a skipped
incomplete source, a value shadowed in a lower one, an environment variable with a near-miss
name, an unknown key, a missing account, an unreadable or invalid file. Sources below the
winner are only inspected when that costs nothing (environment, local file); Secrets
Manager is called only when python-amazon-sp-api itself would call it.
"""

from __future__ import annotations

import os
import re
import sys

from ._catalogue import entry
from ._credentials import (
    AWS_KEYS,
    FIELD_KEYS,
    FIELDS,
    REQUIRED_KEYS,
    Credentials,
    display,
    field_spec,
)
from ._endpoints import (
    ENDPOINT_VARIABLES,
    ENV_MOCK_APP_ID,
    ENV_MOCK_REDIRECT_URI,
    ENV_MOCK_SCENARIO,
    MARKETPLACES,
)
from ._formats import edit_distance
from ._peers import signs_with_aws

__all__ = ["Resolution", "SourceReport", "resolve_credentials"]

CODE, ENVIRONMENT, SECRETS_MANAGER, CONFIG_FILE = (
    "code",
    "environment",
    "secrets-manager",
    "config-file",
)
SOURCE_LABELS = {
    CODE: "code dict",
    ENVIRONMENT: "environment",
    SECRETS_MANAGER: "AWS Secrets Manager",
    CONFIG_FILE: "config file",
}
CONFIG_DIR_VARIABLE = "PYTHON-SP-APIDIR"
SECRET_ID_VARIABLE = "SP_API_AWS_SECRET_ID"
APP_NAME = "python-sp-api"
CONFIG_FILENAME = "credentials.yml"
# confuse also reads the user's config.yaml from the same folder, behind credentials.yml.
CONFUSE_USER_FILENAME = "config.yaml"

ENV_NAMES = {spec.env: spec.key for spec in FIELDS}
SECRET_JSON_KEYS = {spec.secret_json_key: spec.key for spec in FIELDS}
# Other variables python-amazon-sp-api or this project read: never near misses.
OTHER_KNOWN_VARIABLES = frozenset(
    {
        SECRET_ID_VARIABLE,
        CONFIG_DIR_VARIABLE,
        "SP_API_DEFAULT_MARKETPLACE",
        "AWS_ENV",
        "SP_API_AUTH_CACHE_SIZE",
        "SP_API_AUTH_CACHE_TTL",
        "SPAPI_DOCS_URL",
        ENV_MOCK_SCENARIO,
        ENV_MOCK_APP_ID,
        ENV_MOCK_REDIRECT_URI,
        *ENDPOINT_VARIABLES,
    }
)


class SourceReport:
    """What one source held and what became of it.

    ``status`` is one of: ``used`` (it won), ``skipped`` (reached, but incomplete),
    ``empty`` (reached, nothing in it), ``absent`` (not configured: no dict, no secret id,
    no file), ``error`` (could not be read), ``ignored`` (below the winner; it has values
    that are not used) and ``not-consulted`` (below the winner; not looked at).
    """

    __slots__ = ("label", "location", "name", "note", "odd_keys", "origins", "status", "values")

    def __init__(self, name, location=None):
        self.name = name
        self.label = SOURCE_LABELS[name]
        self.location = location
        self.status = "absent"
        self.values = {}
        self.origins = {}
        self.note = None
        # Keys that are not text (YAML reads `1:` as an int, `yes:` as True).
        self.odd_keys = []

    def truthy(self, key) -> bool:
        return bool(self.values.get(key))

    @property
    def complete(self) -> bool:
        return all(self.truthy(key) for key in REQUIRED_KEYS)

    def origin(self, key) -> str:
        return self.origins.get(key, key)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "location": self.location,
            "status": self.status,
            "note": self.note,
            "fields": {
                key: {"origin": self.origins.get(key), "value": display(key, value)}
                for key, value in self.values.items()
            },
        }

    def __repr__(self):
        return f"SourceReport({self.name!r}, status={self.status!r})"


class Resolution:
    """The outcome of resolving the credentials of one account."""

    __slots__ = (
        "account",
        "config_dir",
        "config_path",
        "credentials",
        "findings",
        "sources",
        "used",
    )

    def __init__(self, account, sources, used, credentials, findings, config_dir, config_path):
        self.account = account
        self.sources = sources
        self.used = used
        self.credentials = credentials
        self.findings = findings
        self.config_dir = config_dir
        self.config_path = config_path

    @property
    def ok(self) -> bool:
        """True when a source holds both lwa_app_id and lwa_client_secret."""
        return self.used is not None

    def origin(self, key) -> str | None:
        """Where the value of ``key`` came from, e.g. ``environment variable LWA_APP_ID``."""
        if self.used is None or key not in self.used.values:
            return None
        origin = self.used.origins.get(key)
        if self.used.name == ENVIRONMENT:
            return f"environment variable {origin}"
        if self.used.name == CONFIG_FILE:
            return f"{self.used.location}: {origin}"
        if self.used.name == SECRETS_MANAGER:
            return f"secret {self.used.location}: {origin}"
        return f"code dict: {origin}"

    def as_dict(self) -> dict:
        """The JSON form used in the report's ``source`` object (values masked)."""
        return {
            "account": self.account,
            "used": self.used.name if self.used else None,
            "config_path": self.config_path,
            "sources": [source.as_dict() for source in self.sources],
        }

    def __repr__(self):
        return (
            f"Resolution(account={self.account!r}, used={self.used.name if self.used else None!r})"
        )

    def _repr_html_(self):
        from ._html import resolution_html

        return resolution_html(self)


# --------------------------------------------------------------------------- the code dict


def _load_code(credentials, findings):
    report = SourceReport(CODE, "credentials= argument")
    if credentials is None:
        return report
    if isinstance(credentials, Credentials):
        credentials = {key: credentials.get(key) for key in credentials.present()}
    if not hasattr(credentials, "keys") or not hasattr(credentials, "get"):
        report.status = "error"
        report.note = f"a {type(credentials).__name__}, not a dict"
        findings.append(
            entry("source-wrong-shape").finding(
                f"The credentials passed in code are a {type(credentials).__name__}, not a dict; "
                "python-amazon-sp-api ignores them and moves on to the environment.",
                fix="Pass a dict such as {'refresh_token': ..., 'lwa_app_id': ..., "
                "'lwa_client_secret': ...}.",
                source=CODE,
            )
        )
        return report
    for key in list(credentials.keys()):
        if key in FIELD_KEYS:
            report.values[key] = credentials.get(key)
            report.origins[key] = f"credentials[{key!r}]"
        else:
            if not isinstance(key, str):
                report.odd_keys.append(key)
            _unknown_key(findings, CODE, key, FIELD_KEYS, where="in the credentials dict")
    report.status = "empty" if not report.values else "skipped"
    return report


# --------------------------------------------------------------------------- environment


def _load_environment(env, account):
    report = SourceReport(ENVIRONMENT, "os.environ")
    for spec in FIELDS:
        # python-amazon-sp-api: os.environ.get(f"{key}_{account}", os.environ.get(key))
        for name in (f"{spec.env}_{account}", spec.env):
            if name in env:
                report.values[spec.key] = env[name]
                report.origins[spec.key] = name
                break
    report.status = "empty" if not report.values else "skipped"
    return report


_NAME_TOKENS = re.compile(r"[A-Z0-9]+")
_CONTEXT_TOKENS = frozenset(
    {"SP", "SPAPI", "API", "LWA", "AMAZON", "AMZ", "AMZN", "SELLING", "PARTNER", "SELLER", "MWS"}
)
_CREDENTIAL_WORDS = (
    "LWA",
    "SP",
    "API",
    "APP",
    "CLIENT",
    "SECRET",
    "REFRESH",
    "TOKEN",
    "KEY",
    "ROLE",
    "ARN",
    "ACCESS",
    "AMAZON",
    "AMZ",
    "SELL",
)
_AWS_STANDARD = {
    "AWS_ACCESS_KEY_ID": "aws_access_key",
    "AWS_SECRET_ACCESS_KEY": "aws_secret_key",
    "AWS_SESSION_TOKEN": "aws_session_token",
    "AWS_ROLE_ARN": "role_arn",
}


def _concept(tokens) -> str | None:
    """The credential a variable name's words point at, if any."""
    words = set(tokens)
    if "REFRESH" in words:
        return "refresh_token"
    if "SECRET" in words:
        if words & {"ACCESS", "AWS"} or ("KEY" in words and not words & {"CLIENT", "LWA"}):
            return "aws_secret_key"
        return "lwa_client_secret"
    if "ROLE" in words and ("ARN" in words or "AWS" in words):
        return "role_arn"
    if "ACCESS" in words and "KEY" in words:
        return "aws_access_key"
    if "SESSION" in words and "TOKEN" in words:
        return "aws_session_token"
    if ("ID" in words or "IDENTIFIER" in words) and words & {"CLIENT", "APP", "APPLICATION"}:
        return "lwa_app_id"
    return None


def _near_miss_target(name: str, account: str):
    """``(field key, reason)`` when ``name`` looks meant for a credential, else None."""
    upper = name.upper()
    normalised = "_".join(_NAME_TOKENS.findall(upper))
    for env_name, key in ENV_NAMES.items():
        if normalised in (env_name, f"{env_name}_{account.upper()}"):
            return (
                key,
                f"environment variable names are case-sensitive; the library reads {env_name}",
            )
    if normalised in _AWS_STANDARD:
        key = _AWS_STANDARD[normalised]
        return key, (
            f"boto3 reads {normalised}, but python-amazon-sp-api read "
            f"{field_spec(key).env} (releases before 1.0)"
        )
    # Most variables (PATH, HOME, LANG...) share no word with a credential: skip them cheaply.
    if not any(word in normalised for word in _CREDENTIAL_WORDS):
        return None
    for env_name, key in ENV_NAMES.items():
        if len(normalised) >= 8 and edit_distance(normalised, env_name, 2) <= 2:
            return key, f"it is one or two letters away from {env_name}"
    tokens = normalised.split("_")
    key = _concept(tokens)
    if key is None:
        return None
    bare = normalised in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "ROLE_ARN", "APP_ID")
    if bare or set(tokens) & _CONTEXT_TOKENS:
        return key, f"python-amazon-sp-api reads the {key} from {field_spec(key).env} only"
    return None


def _environment_findings(env, account, env_report, legacy_relevant, findings):
    """Near-miss names and account-suffix mismatches, for fields the environment lacks."""
    suffix_pattern = re.compile("^(" + "|".join(re.escape(name) for name in ENV_NAMES) + ")_(.+)$")
    for name in sorted(env):
        if name in ENV_NAMES or name in OTHER_KNOWN_VARIABLES:
            continue
        match = suffix_pattern.match(name)
        if match:
            base, suffix = match.groups()
            key = ENV_NAMES[base]
            if suffix == account or key in env_report.values:
                continue
            if suffix.lower() == account.lower():
                findings.append(
                    entry("account-name-mismatch").finding(
                        f"{name} is set, but the account is {account!r}, so python-amazon-sp-api "
                        f"looks for {base}_{account} and {base}: account names are case-sensitive.",
                        field=key,
                        fix=f"Use account={suffix!r}, or rename the variable to {base}_{account}.",
                        source=ENVIRONMENT,
                    )
                )
            continue
        target = _near_miss_target(name, account)
        if target is None:
            continue
        key, reason = target
        if key in env_report.values:
            continue
        if key in AWS_KEYS and not legacy_relevant:
            continue
        findings.append(
            entry("env-name-near-miss").finding(
                f"{name} is set, but no library reads it: {reason}.",
                field=key,
                fix=f"Rename {name} to {field_spec(key).env}.",
                source=ENVIRONMENT,
            )
        )


def _library_environment_findings(env, findings):
    """Variables python-amazon-sp-api reads at import time: a bad value breaks every import."""
    marketplace = env.get("SP_API_DEFAULT_MARKETPLACE")
    # Set but empty counts: the library looks the value up whenever the variable exists
    # (Marketplaces[os.environ.get("SP_API_DEFAULT_MARKETPLACE", "US")], at import).
    if marketplace is not None and marketplace not in MARKETPLACES:
        close = marketplace.strip().upper()
        hint = f" Did you mean {close}?" if close in MARKETPLACES else ""
        findings.append(
            entry("default-marketplace-invalid").finding(
                f"SP_API_DEFAULT_MARKETPLACE={marketplace!r} is not one of python-amazon-sp-api's "
                f"marketplace names ({', '.join(sorted(MARKETPLACES))}); importing its API clients "
                f"(sp_api.api) raises KeyError.{hint}",
                field=None,
                source=ENVIRONMENT,
            )
        )
    aws_env = env.get("AWS_ENV")
    if aws_env is not None and aws_env not in ("PRODUCTION", "SANDBOX"):
        findings.append(
            entry("aws-env-invalid").finding(
                f"AWS_ENV={aws_env!r}: python-amazon-sp-api accepts exactly PRODUCTION or SANDBOX "
                "and raises ValueError on import otherwise.",
                field=None,
                source=ENVIRONMENT,
            )
        )
    elif aws_env == "SANDBOX":
        findings.append(
            entry("sandbox-selected").finding(
                "AWS_ENV=SANDBOX is set: python-amazon-sp-api sends every call to the sandbox hosts.",
                field=None,
                source=ENVIRONMENT,
            )
        )


# --------------------------------------------------------------------------- unknown keys

_KEY_SYNONYMS = {
    "client_id": "lwa_app_id",
    "lwa_client_id": "lwa_app_id",
    "app_id": "lwa_app_id",
    "client_identifier": "lwa_app_id",
    "lwa_client_identifier": "lwa_app_id",
    "lwa_id": "lwa_app_id",
    "clientid": "lwa_app_id",
    "client_secret": "lwa_client_secret",
    "lwa_secret": "lwa_client_secret",
    "secret": "lwa_client_secret",
    "clientsecret": "lwa_client_secret",
    "token": "refresh_token",
    "refreshtoken": "refresh_token",
    "sp_api_refresh_token": "refresh_token",
    "lwa_refresh_token": "refresh_token",
    "access_key": "aws_access_key",
    "aws_access_key_id": "aws_access_key",
    "secret_key": "aws_secret_key",
    "aws_secret_access_key": "aws_secret_key",
    "role": "role_arn",
    "arn": "role_arn",
    "iam_role_arn": "role_arn",
    "aws_role_arn": "role_arn",
    "session_token": "aws_session_token",
}


def _suggest_key(key, known) -> str | None:
    """The known key an unknown one was probably meant to be."""
    text = str(key)
    lowered = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if known is FIELD_KEYS:
        candidate = _KEY_SYNONYMS.get(lowered, lowered)
        if candidate in FIELD_KEYS:
            return candidate
        spelled = [k for k in FIELD_KEYS if edit_distance(lowered, k, 2) <= 2]
        return spelled[0] if spelled else None
    # Secrets Manager: upper-case environment-style names.
    upper = lowered.upper()
    if upper in known:
        return upper
    field_key = _KEY_SYNONYMS.get(lowered, lowered)
    for json_key, key_name in known.items():
        if key_name == field_key:
            return json_key
    spelled = [k for k in known if edit_distance(upper, k, 2) <= 2]
    return spelled[0] if spelled else None


def _unknown_key(findings, source, key, known, *, where, line=None):
    suggestion = _suggest_key(key, known)
    at = f" (line {line})" if line else ""
    shown = str(key)[:60]
    if suggestion:
        message = (
            f"{shown!r} {where}{at} is not a key any library reads; did you mean {suggestion!r}?"
        )
        fix = f"Rename {shown!r} to {suggestion!r}."
        field = suggestion if suggestion in FIELD_KEYS else SECRET_JSON_KEYS.get(suggestion)
    else:
        expected = ", ".join(known)
        message = f"{shown!r} {where}{at} is not a key any library reads (expected: {expected})."
        fix = None
        field = None
    findings.append(
        entry("unknown-credential-key").finding(message, field=field, fix=fix, source=source)
    )


# --------------------------------------------------------------------------- Secrets Manager


def _read_secret_with_boto3(secret_id: str, env) -> str | None:
    """The secret string, read with boto3 as python-amazon-sp-api reads it.

    The endpoint, region and keys come from ``env`` (os.environ unless a caller passed
    another mapping); what is absent there falls back to boto3's own chain (profiles...).
    """
    import boto3  # only here: the offline check must not pay for boto3 otherwise

    from ._endpoints import endpoints_from_env
    from ._redaction import protect_logs

    # botocore logs its requests at DEBUG, signed with these keys.
    protect_logs((env.get("AWS_SECRET_ACCESS_KEY"), env.get("AWS_SESSION_TOKEN")))

    session = boto3.session.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        # botocore's own variable; unset, botocore's chain (profiles...) decides, as for
        # python-amazon-sp-api.
        region_name=env.get("AWS_DEFAULT_REGION"),
    )
    client = session.client("secretsmanager", endpoint_url=endpoints_from_env(env).secretsmanager)
    return client.get_secret_value(SecretId=secret_id).get("SecretString")


def _load_secrets_manager(env, reader, findings, *, consult):
    secret_id = env.get(SECRET_ID_VARIABLE)
    report = SourceReport(SECRETS_MANAGER, secret_id or None)
    if not secret_id:
        report.note = f"{SECRET_ID_VARIABLE} is not set"
        return report
    if not consult:
        report.status = "not-consulted"
        report.note = "not called: a source above it won"
        return report
    try:
        secret_string = reader(secret_id) if reader else _read_secret_with_boto3(secret_id, env)
    except Exception as error:  # any failure of the AWS call is a verdict, not a traceback
        from ._redaction import redact_text

        kind = type(error).__name__
        # python-amazon-sp-api catches botocore's ClientError, and with it the modelled
        # subclasses boto3 raises (ResourceNotFoundException, AccessDeniedException...).
        # A ClientError can only exist once botocore.exceptions is imported.
        botocore_exceptions = sys.modules.get("botocore.exceptions")
        client_error = botocore_exceptions is not None and isinstance(
            error, botocore_exceptions.ClientError
        )
        library = (
            "python-amazon-sp-api skips this source without a word"
            if client_error
            else f"python-amazon-sp-api stops with {kind}"
        )
        report.status = "error"
        report.note = f"{kind}: {redact_text(str(error))[:300]}"
        findings.append(
            entry("secrets-manager-unavailable").finding(
                f"Reading the secret {secret_id!r} failed with {report.note} ({library}).",
                source=SECRETS_MANAGER,
            )
        )
        return report
    import json

    try:
        secret = json.loads(secret_string)
    except (TypeError, ValueError):
        report.status = "error"
        report.note = "the secret string is not JSON"
        findings.append(
            entry("secrets-manager-invalid").finding(
                f"The secret {secret_id!r} is not a JSON object (python-amazon-sp-api stops with a "
                "JSON decode error).",
                source=SECRETS_MANAGER,
            )
        )
        return report
    if not secret:
        report.status = "empty"
        return report
    if not isinstance(secret, dict):
        report.status = "error"
        report.note = f"a JSON {type(secret).__name__}, not an object"
        findings.append(
            entry("source-wrong-shape").finding(
                f"The secret {secret_id!r} holds a JSON {type(secret).__name__}, not an object "
                "(python-amazon-sp-api stops with AttributeError).",
                fix="Store the secret as key/value pairs: SP_API_REFRESH_TOKEN, LWA_APP_ID, "
                "LWA_CLIENT_SECRET.",
                source=SECRETS_MANAGER,
            )
        )
        return report
    for json_key, value in secret.items():
        key = SECRET_JSON_KEYS.get(json_key)
        if key is None:
            _unknown_key(
                findings,
                SECRETS_MANAGER,
                json_key,
                SECRET_JSON_KEYS,
                where=f"in the secret {secret_id!r}",
            )
            continue
        report.values[key] = value
        report.origins[key] = json_key
    report.status = "empty" if not report.values else "skipped"
    return report


# --------------------------------------------------------------------------- credentials.yml


def _home(env) -> str:
    return env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")


def _expand(path: str, env) -> str:
    if path == "~" or path.startswith(("~/", "~\\")):
        path = _home(env) + path[1:]
    return os.path.abspath(path)


def _platform_config_dirs(env, system) -> list:
    """confuse's candidates (``confuse.util.config_dirs``), highest priority first."""
    xdg = []
    if "XDG_CONFIG_HOME" in env:
        xdg.append(env["XDG_CONFIG_HOME"])
    xdg.extend(env["XDG_CONFIG_DIRS"].split(":") if "XDG_CONFIG_DIRS" in env else ["/etc/xdg"])
    xdg.append("/etc")
    if system == "Darwin":
        paths = ["~/.config", "~/Library/Application Support", *xdg]
    elif system == "Windows":
        paths = ["~\\AppData\\Roaming"]
        if "APPDATA" in env:
            paths.append(env["APPDATA"])
    else:
        paths = ["~/.config", *xdg]
    out = []
    for path in paths:
        expanded = _expand(path, env)
        if expanded not in out:
            out.append(expanded)
    return out


def config_directory(env, system=None):
    """``(directory, problem)``: where python-amazon-sp-api looks for credentials.yml."""
    if system is None:
        # confuse asks platform.system(); sys.platform says the same without the import.
        system = {"darwin": "Darwin", "win32": "Windows"}.get(sys.platform, "Linux")
    if CONFIG_DIR_VARIABLE in env:
        path = _expand(env[CONFIG_DIR_VARIABLE], env)
        if os.path.isfile(path):
            return path, (
                f"{CONFIG_DIR_VARIABLE}={env[CONFIG_DIR_VARIABLE]!r} names a file; "
                "it must name the folder that holds credentials.yml "
                "(python-amazon-sp-api stops with ConfigError)"
            )
        return path, None
    candidates = _platform_config_dirs(env, system)
    for folder in candidates:
        appdir = os.path.join(folder, APP_NAME)
        if os.path.isfile(os.path.join(appdir, CONFUSE_USER_FILENAME)):
            return appdir, None
    return os.path.join(candidates[0], APP_NAME), None


class _Mapping(dict):
    """A YAML mapping that remembers the line of each key and the keys given twice."""

    __slots__ = ("duplicates", "lines")

    def __init__(self):
        super().__init__()
        self.lines = {}
        self.duplicates = []


def _yaml_load(data: bytes):
    """Parse like confuse does (SafeLoader, plain scalars may start with %), with lines."""
    import yaml

    class Loader(yaml.SafeLoader):
        def check_plain(self):
            return super().check_plain() or self.peek() == "%"

        def construct_mapping(self, node, deep=False):
            self.flatten_mapping(node)
            mapping = _Mapping()
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        "found an unhashable key",
                        key_node.start_mark,
                    ) from None
                line = key_node.start_mark.line + 1
                if key in mapping:
                    mapping.duplicates.append((key, line))
                mapping[key] = self.construct_object(value_node, deep=deep)
                mapping.lines[key] = line
            return mapping

        def construct_yaml_map(self, node):
            data = _Mapping()
            yield data
            built = self.construct_mapping(node)
            data.update(built)
            data.lines.update(built.lines)
            data.duplicates.extend(built.duplicates)

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    return yaml.load(data, Loader=Loader)


def _read_yaml_file(path):
    """``(data, problem_code, message)``; data is None when the file gave nothing."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None, "missing", None
    except IsADirectoryError:
        return None, "config-file-unreadable", f"{path} is a directory, not a file"
    except OSError as error:
        return None, "config-file-unreadable", f"{path} cannot be read ({error.strerror})"
    try:
        data = _yaml_load(raw)
    except Exception as error:  # yaml.YAMLError and friends: report, never raise
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        return None, "config-file-invalid-yaml", f"{path} is not valid YAML{where}: {problem}"
    return data, None, None


_TOP_LEVEL_KEYS = ("version",)


def _load_config_file(directory, dir_problem, account, findings):
    path = os.path.join(directory, CONFIG_FILENAME)
    report = SourceReport(CONFIG_FILE, path)
    if dir_problem:
        report.status = "error"
        report.note = dir_problem
        findings.append(entry("config-file-unreadable").finding(dir_problem, source=CONFIG_FILE))
        return report
    # confuse reads the user's config.yaml in the same folder first, when creating the
    # Configuration: if that file is broken, python-amazon-sp-api never gets as far as
    # credentials.yml (ConfigReadError, swallowed) or stops (TypeError for a non-mapping).
    user_path = os.path.join(directory, CONFUSE_USER_FILENAME)
    user_data = None
    if os.path.isfile(user_path):
        user_data, user_problem, user_message = _read_yaml_file(user_path)
        if user_problem not in (None, "missing"):
            report.status = "error"
            report.note = user_message
            findings.append(
                entry(user_problem).finding(
                    f"{user_message}. confuse reads {CONFUSE_USER_FILENAME} before {CONFIG_FILENAME}, "
                    "so python-amazon-sp-api ignores its config file altogether.",
                    source=CONFIG_FILE,
                )
            )
            return report
        if user_data is not None and not isinstance(user_data, dict):
            report.status = "error"
            report.note = (
                f"{user_path}: a YAML {type(user_data).__name__} at the top, not a mapping"
            )
            findings.append(
                entry("source-wrong-shape").finding(
                    f"{user_path} holds a YAML {type(user_data).__name__} at the top level, not a "
                    "mapping (python-amazon-sp-api stops with TypeError: YAML config must be a "
                    "mapping).",
                    source=CONFIG_FILE,
                )
            )
            return report
    data, problem, message = _read_yaml_file(path)
    if problem == "missing":
        report.note = "not found"
        data = None
    elif problem:
        report.status = "error"
        report.note = message
        findings.append(entry(problem).finding(message + ".", source=CONFIG_FILE))
        return report
    elif data is None:
        data = _Mapping()
    if data is not None and not isinstance(data, dict):
        report.status = "error"
        report.note = f"a YAML {type(data).__name__} at the top, not a mapping"
        findings.append(
            entry("source-wrong-shape").finding(
                f"{path} holds a YAML {type(data).__name__} at the top level, not a mapping of "
                "accounts (python-amazon-sp-api stops with TypeError: YAML config must be a mapping).",
                source=CONFIG_FILE,
            )
        )
        return report
    if data is not None:
        for key, line in getattr(data, "duplicates", ()):
            findings.append(
                entry("config-duplicate-key").finding(
                    f"{path}: the top-level key {str(key)!r} appears again at line {line}; only the "
                    "last one counts.",
                    source=CONFIG_FILE,
                )
            )
        stray = [
            k
            for k in data
            if isinstance(k, str)
            and _suggest_key(k, FIELD_KEYS)
            and k not in _TOP_LEVEL_KEYS
            and not isinstance(data[k], dict)
        ]
        if stray:
            findings.append(
                entry("config-keys-at-top-level").finding(
                    f"{path}: {', '.join(map(repr, stray))} sit at the top level of the file, "
                    f"outside any account, where python-amazon-sp-api never looks.",
                    fix=f"Indent them under `{account}:`.",
                    source=CONFIG_FILE,
                )
            )
    account_data = data.get(account) if data is not None and account in data else None
    found_in = path
    if data is None:
        # No credentials.yml: confuse's set_file raises ConfigReadError and
        # python-amazon-sp-api gives up, even when config.yaml holds the account.
        return report
    if account not in data and isinstance(user_data, dict) and account in user_data:
        # confuse falls back to the user's config.yaml in the same folder.
        account_data, found_in = user_data[account], user_path
        report.location = user_path
        data = user_data
    if account_data is None and account not in data:
        accounts = [str(k) for k in data if k not in _TOP_LEVEL_KEYS]
        close = [a for a in accounts if a.lower() == account.lower()]
        listing = ", ".join(map(repr, accounts)) if accounts else "none"
        hint = f" Did you mean {close[0]!r}? Account names are case-sensitive." if close else ""
        report.status = "empty"
        report.note = f"no account {account!r}"
        findings.append(
            entry("config-account-missing").finding(
                f"{path} has no account {account!r}; the accounts it has: {listing}.{hint}",
                source=CONFIG_FILE,
            )
        )
        return report
    if account_data is None:
        report.status = "empty"
        report.note = f"account {account!r} is empty"
        return report
    if not isinstance(account_data, dict):
        report.status = "error"
        report.note = f"account {account!r} is a {type(account_data).__name__}, not a mapping"
        findings.append(
            entry("source-wrong-shape").finding(
                f"{found_in}: the account {account!r} holds a YAML {type(account_data).__name__}, "
                "not a mapping of credential keys, so python-amazon-sp-api skips it.",
                source=CONFIG_FILE,
            )
        )
        return report
    lines = getattr(account_data, "lines", {})
    for key, line in getattr(account_data, "duplicates", ()):
        findings.append(
            entry("config-duplicate-key").finding(
                f"{found_in}: {str(key)!r} appears twice in account {account!r} (again at line "
                f"{line}); only the last one counts.",
                field=key if key in FIELD_KEYS else None,
                source=CONFIG_FILE,
            )
        )
    for key, value in account_data.items():
        if key in FIELD_KEYS:
            report.values[key] = value
            report.origins[key] = f"{account}.{key}" + (
                f" (line {lines[key]})" if key in lines else ""
            )
        else:
            if not isinstance(key, str):
                report.odd_keys.append(key)
            _unknown_key(
                findings,
                CONFIG_FILE,
                key,
                FIELD_KEYS,
                where=f"in account {account!r} of {found_in}",
                line=lines.get(key),
            )
    report.status = "empty" if not report.values else "skipped"
    return report


_NEAR_MISS_FILE = re.compile(r"^credentials?\.(ya?ml|yml\.txt|yaml\.txt|json)$", re.IGNORECASE)


def _near_miss_files(directory, env):
    """Files that look like the credentials file, in places python-amazon-sp-api never reads."""
    found = []
    try:
        names = os.listdir(directory)
    except OSError:
        names = []
    for name in names:
        if name != CONFIG_FILENAME and _NEAR_MISS_FILE.match(name):
            found.append(os.path.join(directory, name))
    home = _home(env)
    parents = {os.path.dirname(directory), _expand("~/.config", env)}
    if "XDG_CONFIG_HOME" in env:
        parents.add(_expand(env["XDG_CONFIG_HOME"], env))
    for parent in sorted(parents):
        try:
            siblings = os.listdir(parent)
        except OSError:
            continue
        for sibling in siblings:
            folder = os.path.join(parent, sibling)
            words = re.sub(r"[^a-z]", "", sibling.lower())
            if folder == directory or "sp" not in words or "api" not in words:
                continue
            for name in (CONFIG_FILENAME, "credentials.yaml"):
                candidate = os.path.join(folder, name)
                if os.path.isfile(candidate):
                    found.append(candidate)
    for candidate in (
        os.path.join(os.getcwd(), CONFIG_FILENAME),
        os.path.join(home, CONFIG_FILENAME),
    ):
        if os.path.isfile(candidate) and candidate not in found:
            found.append(candidate)
    return found


# --------------------------------------------------------------------------- the chain


def _legacy_relevant(env, sp_api_version) -> bool:
    legacy_names = [spec.env for spec in FIELDS if spec.legacy]
    if any(name in env or any(k.startswith(name + "_") for k in env) for name in legacy_names):
        return True
    return signs_with_aws(sp_api_version)


def _describe_partial(report) -> str:
    present = [report.origin(k) for k in report.values if report.truthy(k)]
    empty = [report.origin(k) for k in report.values if not report.truthy(k)]
    missing = [k for k in REQUIRED_KEYS if k not in report.values]
    parts = []
    if present:
        parts.append("holds " + ", ".join(present))
    if empty:
        parts.append("has " + ", ".join(empty) + " set but empty")
    if missing:
        parts.append("lacks " + " and ".join(missing))
    return "; ".join(parts) or "holds nothing"


def resolve_credentials(
    account: str = "default",
    credentials=None,
    *,
    environ=None,
    secrets_reader=None,
    platform_system=None,
    sp_api_version=None,
) -> Resolution:
    """Resolve the credentials of ``account`` as python-amazon-sp-api would, with a trace.

    ``environ`` defaults to ``os.environ``; ``secrets_reader(secret_id) -> str`` replaces
    the boto3 call to Secrets Manager (tests pass one). Nothing the sources hold makes it
    raise; only an account that is not a non-empty string does (ValueError), which is a
    programming error.
    """
    env = os.environ if environ is None else environ
    if not isinstance(account, str) or not account:
        raise ValueError("account must be a non-empty string, such as 'default'")
    findings = []
    sources = []
    winner = None

    code = _load_code(credentials, findings)
    sources.append(code)
    if code.complete:
        winner = code

    env_findings = []
    environment = _load_environment(env, account)
    sources.append(environment)
    if winner is None:
        _environment_findings(
            env, account, environment, _legacy_relevant(env, sp_api_version), env_findings
        )
        findings.extend(env_findings)
        if environment.complete:
            winner = environment
    _library_environment_findings(env, findings)

    secrets = _load_secrets_manager(env, secrets_reader, findings, consult=winner is None)
    sources.append(secrets)
    if winner is None and secrets.complete:
        winner = secrets

    directory, dir_problem = config_directory(env, platform_system)
    file_findings = []
    config = _load_config_file(directory, dir_problem, account, file_findings)
    sources.append(config)
    if winner is None:
        findings.extend(file_findings)
        if config.complete:
            winner = config
        elif config.note == "not found":
            near = _near_miss_files(directory, env)
            if near:
                findings.append(
                    entry("config-file-near-miss").finding(
                        f"{CONFIG_FILENAME} is not in {directory}, but "
                        f"{', '.join(near[:3])} exists; python-amazon-sp-api never reads "
                        f"{'it' if len(near) == 1 else 'them'}.",
                        fix=f"Move or rename it to {config.location}.",
                        source=CONFIG_FILE,
                    )
                )
            else:
                findings.append(
                    entry("config-file-not-found").finding(
                        f"No {CONFIG_FILENAME} in {directory}.",
                        source=CONFIG_FILE,
                    )
                )

    _settle(sources, winner, findings)
    creds = Credentials.from_mapping(winner.values) if winner is not None else None
    return Resolution(account, sources, winner, creds, findings, directory, config.location)


def _settle(sources, winner, findings):
    """Statuses after the fact, the no-merge trap, shadowed values and the final verdict."""
    above = True
    for report in sources:
        if report is winner:
            report.status = "used"
            above = False
            if report.odd_keys:
                # CredentialProvider.Config(**credentials) takes the winner's keys as
                # keyword arguments.
                shown = ", ".join(repr(key)[:40] for key in report.odd_keys[:3])
                findings.append(
                    entry("source-wrong-shape").finding(
                        f"The {report.label} has the key(s) {shown}, which are not text: "
                        "python-amazon-sp-api passes every key as a keyword argument and stops "
                        "with TypeError: keywords must be strings.",
                        fix="Remove the key, or quote it (YAML reads 1 as a number and yes/no/on/off "
                        "as true/false).",
                        source=report.name,
                    )
                )
            continue
        if above:
            # Without a winner, no-credentials already describes every partial source.
            if report.status == "skipped" and winner is not None:
                missing = [k for k in REQUIRED_KEYS if not report.truthy(k)]
                findings.append(
                    entry("source-skipped-incomplete").finding(
                        f"The {report.label} {_describe_partial(report)}, so python-amazon-sp-api "
                        f"skips it as a whole and takes every credential from the {winner.label}; "
                        "nothing set there is used.",
                        field=missing[0] if missing else None,
                        source=report.name,
                    )
                )
            continue
        if report.status in ("skipped", "empty") and report.values:
            report.status = "ignored"
            report.note = report.note or "below the source that won"
            for key, value in report.values.items():
                if (
                    value
                    and key in winner.values
                    and winner.values[key]
                    and value != winner.values[key]
                ):
                    findings.append(
                        entry("value-shadowed").finding(
                            f"{key} differs between the {winner.label} "
                            f"({winner.origin(key)}, used) and the {report.label} "
                            f"({report.origin(key)}, ignored).",
                            field=key,
                            source=report.name,
                        )
                    )
    if winner is None:
        described = "; ".join(
            f"{r.label}: {_describe_partial(r) if r.values else (r.note or r.status)}"
            for r in sources
            if r.name != CODE or r.status != "absent"
        )
        findings.insert(
            0,
            entry("no-credentials").finding(
                f"No source holds both lwa_app_id and lwa_client_secret ({described}).",
            ),
        )
        return
    if not winner.truthy("refresh_token"):
        elsewhere = [r.label for r in sources if r is not winner and r.truthy("refresh_token")]
        extra = (
            (
                f" The {' and the '.join(elsewhere)} {'has' if len(elsewhere) == 1 else 'have'} "
                "one, but sources are never merged."
            )
            if elsewhere
            else ""
        )
        state = "an empty refresh_token" if "refresh_token" in winner.values else "no refresh_token"
        findings.append(
            entry("refresh-token-missing").finding(
                f"The {winner.label} holds lwa_app_id and lwa_client_secret but {state}.{extra}",
                source=winner.name,
            )
        )


def credentials_for(credentials=None, account: str = "default") -> Credentials:
    """``credentials`` as a :class:`Credentials`, loading them as python-amazon-sp-api would
    when they are a dict or None; raises :class:`CredentialsError` when nothing usable is
    found (the notebook steps' way in)."""
    from ._errors import CredentialsError

    if isinstance(credentials, Credentials):
        return credentials
    resolution = resolve_credentials(account, credentials)
    if not resolution.ok:
        raise CredentialsError(resolution.findings[0], findings=resolution.findings)
    return resolution.credentials
