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
from ._config_file import (
    CONFIG_DIR_VARIABLE,
    CONFIG_FILENAME,
    _expand,
    _home,
    config_directory,
    load_config_file,
)
from ._config_file import SOURCE as CONFIG_FILE
from ._credentials import (
    AWS_KEYS,
    ENV_NAMES,
    FIELD_KEYS,
    FIELDS,
    REQUIRED_KEYS,
    SECRET_JSON_KEYS,
    Credentials,
    display,
    field_spec,
)
from ._endpoints import (
    ENDPOINT_VARIABLES,
    ENV_MOCK_APP_ID,
    ENV_MOCK_NOTIFICATION_QUEUE,
    ENV_MOCK_REDIRECT_URI,
    ENV_MOCK_SCENARIO,
    MARKETPLACES,
    endpoints_from_env,
    is_loopback,
)
from ._near_miss import MAX_LISTED, near_miss_target, unknown_keys
from ._peers import signs_with_aws
from ._redaction import escape_controls, redact_text, shown_url, shown_value

# The offline path must not import typing (start-up cost): the names are for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from ._catalogue import Finding

CODE, ENVIRONMENT, SECRETS_MANAGER = ("code", "environment", "secrets-manager")
SOURCE_LABELS = {
    CODE: "code dict",
    ENVIRONMENT: "environment",
    SECRETS_MANAGER: "AWS Secrets Manager",
    CONFIG_FILE: "config file",
}
SECRET_ID_VARIABLE = "SP_API_AWS_SECRET_ID"
# A Secrets Manager secret is at most 64 KiB (AWS's own limit); a SecretString nested deeper
# than this is no credentials object, and json would recurse on it until it fails.
MAX_SECRET_DEPTH = 32
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
        ENV_MOCK_NOTIFICATION_QUEUE,
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

    def __init__(self, name: str, location: str | None = None) -> None:
        self.name = name
        self.label = SOURCE_LABELS[name]
        self.location = location
        self.status = "absent"
        self.values: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        self.note: str | None = None
        # Keys that are not text (YAML reads `1:` as an int, `yes:` as True).
        self.odd_keys: list[Any] = []

    def truthy(self, key: str) -> bool:
        return bool(self.values.get(key))

    @property
    def complete(self) -> bool:
        return all(self.truthy(key) for key in REQUIRED_KEYS)

    def origin(self, key: str) -> str:
        return self.origins.get(key, key)

    def as_dict(self) -> dict[str, Any]:
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

    def __repr__(self) -> str:
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

    def __init__(
        self,
        account: str,
        sources: list[SourceReport],
        used: SourceReport | None,
        credentials: Credentials | None,
        findings: list[Finding],
        config_dir: str | None,
        config_path: str | None,
    ) -> None:
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

    def origin(self, key: str) -> str | None:
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

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in the report's ``source`` object (values masked)."""
        return {
            "account": self.account,
            "used": self.used.name if self.used else None,
            "config_path": self.config_path,
            "sources": [source.as_dict() for source in self.sources],
        }

    def __repr__(self) -> str:
        return (
            f"Resolution(account={self.account!r}, used={self.used.name if self.used else None!r})"
        )

    def _repr_html_(self) -> str:
        from ._html import resolution_html

        return resolution_html(self)


def without_credentials(env, empty_folder: str) -> dict:
    """``env`` without a credential variable (plain or ``_<account>``), the Secrets Manager
    secret id or a config folder of its own: ``empty_folder`` stands in for it. A check in
    it reads only the values it is handed (init's verification, each account of a fleet)."""
    private = {*ENV_NAMES, SECRET_ID_VARIABLE, CONFIG_DIR_VARIABLE}
    isolated = {
        name: value
        for name, value in env.items()
        if name not in private and not any(name.startswith(base + "_") for base in ENV_NAMES)
    }
    isolated[CONFIG_DIR_VARIABLE] = empty_folder
    return isolated


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
    unknown = []
    for key in list(credentials.keys()):
        if key in FIELD_KEYS:
            report.values[key] = credentials.get(key)
            report.origins[key] = f"credentials[{key!r}]"
        else:
            if not isinstance(key, str):
                report.odd_keys.append(key)
            unknown.append((key, None))
    unknown_keys(findings, CODE, unknown, FIELD_KEYS, where="in the credentials dict")
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


def _environment_findings(env, account, env_report, legacy_relevant, findings):
    """Near-miss names and account-suffix mismatches, for fields the environment lacks.

    At most :data:`MAX_LISTED` of them, then one finding that counts the rest.
    """
    found: list[Finding] = []
    _environment_near_misses(env, account, env_report, legacy_relevant, found)
    findings.extend(found[:MAX_LISTED])
    if len(found) > MAX_LISTED:
        rest = found[MAX_LISTED:]
        findings.append(
            entry("env-name-near-miss").finding(
                f"{len(rest)} more variables look like credentials but have names no library "
                "reads (not listed one by one).",
                field=None,
                fix="Rename each variable to the name python-amazon-sp-api reads.",
                source=ENVIRONMENT,
            )
        )


def _environment_near_misses(env, account, env_report, legacy_relevant, findings):
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
                        f"{escape_controls(name)} is set, but the account is {account!r}, so "
                        f"python-amazon-sp-api looks for {base}_{account} and {base}: account "
                        "names are case-sensitive.",
                        field=key,
                        fix=f"Use account={suffix!r}, or rename the variable to {base}_{account}.",
                        source=ENVIRONMENT,
                    )
                )
            continue
        target = near_miss_target(name, account)
        if target is None:
            continue
        key, reason = target
        if key in env_report.values:
            continue
        if key in AWS_KEYS and not legacy_relevant:
            continue
        shown = escape_controls(name) if len(name) <= 80 else shown_value(name, 80)
        findings.append(
            entry("env-name-near-miss").finding(
                f"{shown} is set, but no library reads it: {reason}.",
                field=key,
                fix=f"Rename {shown} to {field_spec(key).env}.",
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
                f"SP_API_DEFAULT_MARKETPLACE={shown_value(marketplace, 40)} is not one of "
                "python-amazon-sp-api's "
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
                f"AWS_ENV={shown_value(aws_env, 40)}: python-amazon-sp-api accepts exactly "
                "PRODUCTION or SANDBOX "
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


# --------------------------------------------------------------------------- Secrets Manager


def _read_secret_with_boto3(secret_id: str, env, timeout=10.0) -> str | None:
    """The secret string, read with boto3 as python-amazon-sp-api reads it.

    The endpoint, region and keys come from ``env`` (os.environ unless a caller passed
    another mapping); what is absent there falls back to boto3's own chain (profiles...).
    The call goes through the check's transport: ``timeout`` per read, and a deadline for
    the whole call (botocore's defaults would wait up to three minutes).
    """
    from ._transport import aws_client

    client, transport = aws_client(
        "secretsmanager",
        env,
        timeout=timeout,
        endpoint_url=endpoints_from_env(env).secretsmanager,
        # botocore's own variable; unset, botocore's chain (profiles...) decides, as for
        # python-amazon-sp-api.
        region=env.get("AWS_DEFAULT_REGION"),
    )
    with transport:
        return client.get_secret_value(SecretId=secret_id).get("SecretString")


def _plain_http_finding(env):
    """The warning for a Secrets Manager endpoint that is plain HTTP on another machine."""
    url = endpoints_from_env(env).secretsmanager
    if url and url.lower().startswith("http://") and not is_loopback(url):
        return entry("endpoint-plain-http").finding(
            f"AWS Secrets Manager at {shown_url(url)} is plain HTTP on another machine: the "
            "secret, with the credentials in it, would cross the network unencrypted.",
            source=SECRETS_MANAGER,
        )
    return None


def _depth(text: str) -> int:
    """How deeply the JSON ``text`` nests, counted without parsing it (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _load_secrets_manager(env, reader, findings, *, consult, timeout=10.0):
    secret_id = env.get(SECRET_ID_VARIABLE)
    report = SourceReport(SECRETS_MANAGER, secret_id or None)
    if not secret_id:
        report.note = f"{SECRET_ID_VARIABLE} is not set"
        return report
    if not consult:
        report.status = "not-consulted"
        report.note = "not called: a source above it won"
        return report
    shown_id = shown_value(secret_id, 120)
    if reader is None:
        warning = _plain_http_finding(env)
        if warning is not None:
            findings.append(warning)
    try:
        secret_string = (
            reader(secret_id) if reader else _read_secret_with_boto3(secret_id, env, timeout)
        )
    except Exception as error:  # any failure of the AWS call is a verdict, not a traceback
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
        report.note = f"{kind}: {escape_controls(redact_text(str(error)))[:300]}"
        findings.append(
            entry("secrets-manager-unavailable").finding(
                f"Reading the secret {shown_id} failed with {report.note} ({library}).",
                source=SECRETS_MANAGER,
            )
        )
        return report
    import json

    try:
        if isinstance(secret_string, str) and _depth(secret_string) > MAX_SECRET_DEPTH:
            raise ValueError(f"nested more than {MAX_SECRET_DEPTH} levels deep")
        if not isinstance(secret_string, (str, bytes, bytearray)):
            raise TypeError("the secret has no SecretString")
        secret = json.loads(secret_string)
    except (TypeError, ValueError, RecursionError) as error:
        report.status = "error"
        report.note = "the secret string is not JSON"
        why = f": {error}" if "nested" in str(error) else ""
        findings.append(
            entry("secrets-manager-invalid").finding(
                f"The secret {shown_id} is not a JSON object{why} (python-amazon-sp-api stops "
                "with a JSON decode error).",
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
                f"The secret {shown_id} holds a JSON {type(secret).__name__}, not an object "
                "(python-amazon-sp-api stops with AttributeError).",
                fix="Store the secret as key/value pairs: SP_API_REFRESH_TOKEN, LWA_APP_ID, "
                "LWA_CLIENT_SECRET.",
                source=SECRETS_MANAGER,
            )
        )
        return report
    unknown = []
    for json_key, value in secret.items():
        key = SECRET_JSON_KEYS.get(json_key)
        if key is None:
            unknown.append((json_key, None))
            continue
        report.values[key] = value
        report.origins[key] = json_key
    unknown_keys(
        findings, SECRETS_MANAGER, unknown, SECRET_JSON_KEYS, where=f"in the secret {shown_id}"
    )
    report.status = "empty" if not report.values else "skipped"
    return report


# --------------------------------------------------------------------------- credentials.yml


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
    cwd: str | None
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was deleted: there is nothing to look at there
        cwd = None
    for elsewhere in (
        os.path.join(cwd, CONFIG_FILENAME) if cwd else None,
        os.path.join(home, CONFIG_FILENAME),
    ):
        if elsewhere and os.path.isfile(elsewhere) and elsewhere not in found:
            found.append(elsewhere)
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
    credentials: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    secrets_reader: Callable[[str], str | None] | None = None,
    platform_system: str | None = None,
    sp_api_version: str | None = None,
    timeout: float = 10.0,
    config_cache: dict | None = None,
) -> Resolution:
    """Resolve the credentials of ``account`` as python-amazon-sp-api would, with a trace.

    ``environ`` defaults to ``os.environ``; ``secrets_reader(secret_id) -> str`` replaces
    the boto3 call to Secrets Manager (tests pass one); ``timeout`` bounds that call's
    connect and reads (its deadline is three times as long); ``config_cache`` (a dict)
    keeps the parsed credentials.yml for the next account (a fleet check's). Nothing the
    sources hold makes it raise; only an account that is not a non-empty string does
    (ValueError), which is a programming error.
    """
    env = os.environ if environ is None else environ
    if not isinstance(account, str) or not account:
        raise ValueError("account must be a non-empty string, such as 'default'")
    findings: list[Finding] = []
    sources = []
    winner = None

    code = _load_code(credentials, findings)
    sources.append(code)
    if code.complete:
        winner = code

    env_findings: list[Finding] = []
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

    secrets = _load_secrets_manager(
        env, secrets_reader, findings, consult=winner is None, timeout=timeout
    )
    sources.append(secrets)
    if winner is None and secrets.complete:
        winner = secrets

    directory, dir_problem = config_directory(env, platform_system)
    file_findings: list[Finding] = []
    config = load_config_file(
        SourceReport(CONFIG_FILE, os.path.join(directory, CONFIG_FILENAME)),
        directory,
        dir_problem,
        account,
        file_findings,
        cache=config_cache,
    )
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


def credentials_for(
    credentials: Credentials | Mapping[str, Any] | None = None, account: str = "default"
) -> Credentials:
    """``credentials`` as a :class:`Credentials`, loading them as python-amazon-sp-api would
    when they are a dict or None; raises :class:`CredentialsError` when nothing usable is
    found (the notebook steps' way in)."""
    from ._errors import CredentialsError

    if isinstance(credentials, Credentials):
        return credentials
    resolution = resolve_credentials(account, credentials)
    if resolution.credentials is None:  # no source holds both (ok is False)
        raise CredentialsError(resolution.findings[0], findings=resolution.findings)
    return resolution.credentials
