"""``spapi-doctor check --all-accounts``: every account at once, and which causes are the
app's and which are each seller's.

An agency, or a seller with accounts in several regions, holds one refresh token per
selling-partner account and region, all tied to one app (one client identifier and secret).
When something breaks they need to know at once whether it is the app — every account of the
client fails the same way, and one fix (the secret) repairs them all — or one seller
(revoked, another region, roles): a fix per account. So the fleet check runs each account
through the single check's stages (load, format, LWA, region; ``roles=True`` adds the role
probes) and then groups the findings by cause:

* **app-level**: what blames the app's own credentials or registration (the client
  identifier, the client secret, a sandbox-only app), keyed by client identifier: the
  accounts it touches, and whether that is every account of the client;
* **seller-level**: everything else (the refresh token, the region, the roles of that
  authorisation, the account's own entry, a network failure on its calls), keyed by cause.

A credential LWA accepted is never blamed: the verdicts are the single check's, unchanged.

**Shared, bounded.** The accounts run ``concurrency`` at a time on one transport (one
connection pool per host, sized for it); one LWA exchange per refresh token and client
(:class:`TokenCache`: an account listed twice costs one exchange); ``credentials.yml`` is
parsed once; and the region is found in the fewest calls (:func:`._spapi.find_region`). Each
account makes at most one call per operation and region, so it stays within the burst of
every usage plan Amazon sets per account and app; a 429 is retried as the single check
retries it. Only a compact summary of each account is kept, so memory grows with the findings,
not with the answers.

**Where the accounts come from.** Without ``accounts_file``: every account of the
``credentials.yml`` python-amazon-sp-api reads, every ``_<account>`` suffix of the LWA
variables, and ``default`` when the plain variables are set — each loaded exactly as the
library loads it (its sources and their precedence). With ``accounts_file``: a YAML mapping
of accounts like ``credentials.yml`` (each checked on the values given there, whatever else
the machine holds), or a list of account names (YAML, or one name per line), each loaded the
library's way.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from html import escape
from queue import Empty, SimpleQueue
from typing import Any

from ._catalogue import Finding
from ._config_file import CONFIG_FILENAME, config_directory, read_yaml_file
from ._credentials import FIELD_KEYS, LWA_KEYS, display, environment_accounts
from ._doctor import Settled, check
from ._files import FileProblem, read_regular_file
from ._options import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from ._redaction import escape_controls, shown_value
from ._report import json_text
from ._report import paint as paint_style
from ._rotation import SecretState
from ._sources import (
    _read_secret_with_boto3,
    without_credentials,
)

__all__ = ["FleetAccount", "FleetReport", "TokenCache", "check_fleet", "fleet_accounts"]

SCHEMA_VERSION = 1
# An accounts file of 50,000 accounts is about 30 MiB; larger is no list of accounts.
MAX_ACCOUNTS_FILE_BYTES = 32 * 1024 * 1024
MAX_ACCOUNT_NAME = 256
# What blames the app itself, not one seller: its client credentials and its registration.
APP_FIELDS = frozenset({"lwa_app_id", "lwa_client_secret"})
APP_SUBJECTS = frozenset({"app"})
_NAME_LINE = re.compile(r"^[A-Za-z0-9_.@+-]{1,256}$")


class FleetProblem(ValueError):
    """The accounts cannot be listed (an accounts file that is no list of accounts); the
    message names the file and the fix."""


# --------------------------------------------------------------------------- the LWA cache


class TokenCache:
    """One LWA exchange per refresh token (and client identifier, secret and endpoint), for
    every account that holds it; the exchanges of different tokens run side by side, and a
    second account asking for a token being exchanged waits for that exchange."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[str, Any] = {}
        self._pending: dict[str, threading.Event] = {}
        self.exchanges = 0

    @staticmethod
    def _key(endpoint: str, credentials: Any) -> str:
        parts = [endpoint] + [str(credentials.get(k)) for k in LWA_KEYS]
        return hashlib.sha256("\x00".join(parts).encode("utf-8", "replace")).hexdigest()

    def get(self, endpoint: str, credentials: Any, exchange: Callable[[], Any]) -> Any:
        """The TokenResult of these credentials: ``exchange()``'s, made once."""
        key = self._key(endpoint, credentials)
        with self._lock:
            if key in self._results:
                return self._results[key]
            waiting = self._pending.get(key)
            if waiting is None:
                waiting = self._pending[key] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            # Bounded: the exchange has its transport's deadline, and sets the event however
            # it ends (the finally below).
            waiting.wait()
            with self._lock:
                if key in self._results:
                    return self._results[key]
            return exchange()  # the first exchange failed with an exception: try our own
        try:
            result = exchange()
            with self._lock:
                self._results[key] = result
                self.exchanges += 1
            return result
        finally:
            with self._lock:
                self._pending.pop(key, None)
            waiting.set()


# --------------------------------------------------------------------------- the accounts


def _config_path(env: Mapping[str, str]) -> str:

    directory, _problem = config_directory(env)
    return os.path.join(directory, CONFIG_FILENAME)


def _read_accounts_file(path: str) -> list[tuple[str, dict[str, Any] | None]]:
    """``[(name, values or None)]`` from an accounts file (see the module docstring)."""
    import yaml

    try:
        raw = read_regular_file(path, MAX_ACCOUNTS_FILE_BYTES)
    except FileProblem as problem:
        raise FleetProblem(f"--accounts-file: {problem.message}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FleetProblem(f"--accounts-file {path} is not UTF-8 text") from None
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if lines and all(_NAME_LINE.match(line) for line in lines):
        return [(name, None) for name in dict.fromkeys(lines)]
    # A safe loader: libyaml's when it is installed (a large file parses in C). The text is
    # parsed once: the node tree shows repeated keys, and the data is built from it.
    loader = None
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise FleetProblem(f"--accounts-file {path} is not valid YAML{where}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if isinstance(data, list) and all(isinstance(item, str) and item for item in data):
        return [(name, None) for name in dict.fromkeys(data)]
    if not isinstance(data, dict):
        raise FleetProblem(
            f"--accounts-file {path} must be a YAML mapping of accounts (like credentials.yml) "
            "or a list of account names"
        )

    keys = Counter(key.value for key, _value in node.value) if node is not None else Counter()
    twice = sorted(key for key, count in keys.items() if count > 1)
    if twice:
        raise FleetProblem(
            f"--accounts-file {path}: the account {shown_value(twice[0], 60)} appears twice; "
            "keep one of them (YAML keeps the last silently)"
        )
    accounts: list[tuple[str, dict[str, Any] | None]] = []
    for name, values in data.items():
        if name == "version":
            continue
        if not isinstance(name, str) or not name or len(name) > MAX_ACCOUNT_NAME:
            raise FleetProblem(
                f"--accounts-file {path}: the account name {shown_value(name, 60)} is not a "
                "name (text of at most 256 characters)"
            )
        if not isinstance(values, dict):
            raise FleetProblem(
                f"--accounts-file {path}: the account {shown_value(name, 60)} holds no mapping "
                "of credentials (lwa_app_id, lwa_client_secret, refresh_token)"
            )
        accounts.append((name, {key: values[key] for key in FIELD_KEYS if key in values}))
    return accounts


def fleet_accounts(
    environ: Mapping[str, str] | None = None,
    *,
    accounts_file: str | None = None,
    config_cache: dict[str, Any] | None = None,
) -> list[tuple[str, dict[str, Any] | None, str]]:
    """Every account to check: ``[(name, values or None, source)]`` (see the module
    docstring). ``values`` None: load it the library's way. Raises :class:`FleetProblem`."""

    env = os.environ if environ is None else environ
    if accounts_file is not None:
        source = f"accounts file {accounts_file}"
        return [(name, values, source) for name, values in _read_accounts_file(accounts_file)]
    found: list[tuple[str, dict[str, Any] | None, str]] = []
    data, _problem, _message = read_yaml_file(_config_path(env), cache=config_cache)
    if isinstance(data, dict):
        found += [
            (name, None, "credentials.yml")
            for name in data
            if isinstance(name, str) and name and name != "version"
        ]
    names = {name for name, _values, _source in found}
    found += [
        (name, None, "environment")
        for name in environment_accounts(env)
        if name not in names and len(name) <= MAX_ACCOUNT_NAME
    ]
    return found or [("default", None, "environment")]


# --------------------------------------------------------------------------- one account


class FleetAccount:
    """One account's outcome, compact: what the report and the JSON need, no answers."""

    __slots__ = (
        "client_id",
        "duration_ms",
        "findings",
        "marketplaces",
        "name",
        "region",
        "source",
        "stages",
    )

    def __init__(self, name: str, source: str, report: Any) -> None:
        self.name = name
        self.source = source
        creds = report.credentials
        client_id = creds.lwa_app_id if creds is not None else None
        self.client_id = client_id if isinstance(client_id, str) and client_id else None
        self.findings: list[Finding] = list(report.findings)
        self.stages = {stage.name: stage.status for stage in report.stages}
        region = report.stage("region")
        data = region.data if region is not None else {}
        self.region = data.get("region")
        self.marketplaces = [
            m.get("country_code") or m.get("id")
            for m in data.get("marketplaces") or ()
            if m.get("participating")
        ]
        self.duration_ms = report.duration_ms

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.name,
            "source": self.source,
            "ok": self.ok,
            "region": self.region,
            "marketplaces": self.marketplaces,
            "client_id": display("lwa_app_id", self.client_id) if self.client_id else None,
            "stages": self.stages,
            "findings": [f.as_dict() for f in self.findings],
            "duration_ms": round(self.duration_ms or 0, 1),
        }

    def __repr__(self) -> str:
        return f"FleetAccount({self.name!r}, ok={self.ok}, region={self.region!r})"


def scope_of(finding: Finding) -> str:
    """``app`` when ``finding`` blames the app's own credentials or registration (one fix
    for every account of the client), else ``seller`` (a fix per account)."""
    if finding.field in APP_FIELDS or (finding.field is None and finding.subject in APP_SUBJECTS):
        return "app"
    return "seller"


# --------------------------------------------------------------------------- the report


class CauseGroup:
    """One cause, and the accounts it touches."""

    __slots__ = ("accounts", "client_id", "code", "everywhere", "finding", "scope")

    def __init__(self, scope: str, code: str, client_id: str | None, finding: Finding) -> None:
        self.scope = scope
        self.code = code
        self.client_id = client_id
        self.finding = finding
        self.accounts: list[str] = []
        # App scope: it touches every account checked with this client identifier.
        self.everywhere = False

    def as_dict(self) -> dict[str, Any]:
        finding = self.finding
        data = {
            "scope": self.scope,
            "code": self.code,
            "severity": finding.severity,
            "title": finding.title,
            "field": finding.field,
            "subject": finding.subject,
            "accounts": self.accounts,
            "count": len(self.accounts),
            "fix": finding.fix,
            "docs": finding.docs,
        }
        if self.scope == "app":
            data["client_id"] = display("lwa_app_id", self.client_id) if self.client_id else None
            data["every_account_of_the_client"] = self.everywhere
        return data


def _app_alternative(finding: Finding) -> bool:
    """True when ``finding`` blames a seller's value *or* the app's own credentials, and one
    answer cannot tell which (``details["either"]``: unauthorized_client, for one)."""
    details = finding.details or {}
    return bool(details.get("either")) and bool(APP_FIELDS & set(details.get("fields") or ()))


def _group(accounts: Iterable[FleetAccount]) -> list[CauseGroup]:
    accounts = list(accounts)
    groups: dict[tuple[str, str, str | None], CauseGroup] = {}
    per_client: dict[str | None, list[str]] = {}
    # Either-or causes, per code and client: the accounts they touch.
    either: dict[tuple[str, str | None], set[str]] = {}
    for account in accounts:
        per_client.setdefault(account.client_id, []).append(account.name)
        for finding in account.findings:
            if finding.severity != "info" and _app_alternative(finding):
                either.setdefault((finding.code, account.client_id), set()).add(account.name)
    # An either-or cause that every account of a client shares (two accounts or more) is
    # the app's: one client that is not the one the sellers authorised explains them all at
    # once, each seller's token being another app's does not. Alone, it stays the seller's.
    app_wide = {
        key
        for key, names in either.items()
        if len(per_client.get(key[1], ())) >= 2 and len(names) == len(per_client[key[1]])
    }
    for account in accounts:
        for finding in account.findings:
            if finding.severity == "info":
                continue
            scope = scope_of(finding)
            if (finding.code, account.client_id) in app_wide:
                scope = "app"
            client = account.client_id if scope == "app" else None
            key = (scope, finding.code, client)
            group = groups.get(key)
            if group is None:
                group = groups[key] = CauseGroup(scope, finding.code, client, finding)
            if not group.accounts or group.accounts[-1] != account.name:
                group.accounts.append(account.name)
    for group in groups.values():
        if group.scope == "app":
            group.everywhere = len(group.accounts) == len(per_client.get(group.client_id, ()))
    order = {"error": 0, "warning": 1}
    return sorted(
        groups.values(),
        key=lambda g: (g.scope != "app", order[g.finding.severity], -len(g.accounts), g.code),
    )


class FleetReport:
    """Every account's outcome and the causes, grouped. ``exit_code`` is 1 when any account
    fails (an error finding), else 0."""

    __slots__ = ("accounts", "concurrency", "duration_ms", "exchanges", "groups", "roles")

    def __init__(
        self,
        accounts: Iterable[FleetAccount],
        *,
        concurrency: int,
        roles: bool,
        duration_ms: float | None,
        exchanges: int | None = None,
    ) -> None:
        self.accounts = list(accounts)
        self.groups = _group(self.accounts)
        self.concurrency = concurrency
        self.roles = roles
        self.duration_ms = duration_ms
        self.exchanges = exchanges

    @property
    def failed(self) -> list[FleetAccount]:
        return [a for a in self.accounts if not a.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def groups_of(self, scope: str) -> list[CauseGroup]:
        return [g for g in self.groups if g.scope == scope]

    @property
    def verdict(self) -> str:
        total, failed = len(self.accounts), len(self.failed)
        if not failed:
            return f"All {total} account{'s' * (total != 1)} work."
        app = [g for g in self.groups_of("app") if g.finding.severity == "error"]
        seller = [g for g in self.groups_of("seller") if g.finding.severity == "error"]
        parts = []
        if app:
            parts.append(
                f"{len(app)} app-level cause{'s' * (len(app) != 1)} (one fix for every account "
                "of the client)"
            )
        if seller:
            parts.append(f"{len(seller)} seller-level cause{'s' * (len(seller) != 1)}")
        return f"{failed} of {total} accounts fail: " + ", ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (see docs/reference/json-report.md); holds no secret."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "fleet",
            "ok": self.ok,
            "exit_code": self.exit_code,
            "verdict": self.verdict,
            "summary": {
                "accounts": len(self.accounts),
                "ok": len(self.accounts) - len(self.failed),
                "failed": len(self.failed),
                "app_level": len(self.groups_of("app")),
                "seller_level": len(self.groups_of("seller")),
            },
            "concurrency": self.concurrency,
            "roles": self.roles,
            "lwa_exchanges": self.exchanges,
            "duration_ms": round(self.duration_ms or 0, 1),
            "groups": [group.as_dict() for group in self.groups],
            "accounts": [account.as_dict() for account in self.accounts],
        }

    def to_json(self, indent: int = 2) -> str:
        return json_text(self.to_dict(), indent=indent)

    def render_text(self, *, color: bool = False) -> str:

        def paint(text: str, style: str) -> str:
            return paint_style(text, style, color)

        total = len(self.accounts)
        lines = [
            paint(
                f"spapi-doctor · {total} account{'s' * (total != 1)} · "
                f"{'LWA, region and roles' if self.roles else 'LWA and region'}",
                "bold",
            ),
            "",
        ]
        width = min(max((len(shown_value(a.name, 40)) for a in self.accounts), default=7), 42)
        for account in self.accounts:
            name = escape_controls(shown_value(account.name, 40).strip("'"))
            if account.ok:
                where = account.region or "-"
                detail = ", ".join(account.marketplaces[:6])
                warnings = sum(f.severity == "warning" for f in account.findings)
                if warnings:
                    detail += f" ({warnings} warning{'s' * (warnings != 1)})"
                lines.append(f"  {paint('✓', 'ok')} {name:<{width}}  {where:<3} {detail}")
            else:
                first = account.errors[0]
                blame = f" [{first.subject}]" if first.subject else ""
                more = f" (+{len(account.errors) - 1})" if len(account.errors) > 1 else ""
                where = account.region or "-"
                lines.append(
                    f"  {paint('✗', 'failed')} {name:<{width}}  {where:<3} "
                    f"{first.code}{blame}{more}"
                )
        for scope, title in (
            ("app", "App-level causes (one fix for every account of the client)"),
            ("seller", "Seller-level causes (a fix per account)"),
        ):
            groups = self.groups_of(scope)
            if not groups:
                continue
            lines += ["", paint(title, "bold")]
            for group in groups:
                finding = group.finding
                shown = ", ".join(escape_controls(shown_value(n, 30)) for n in group.accounts[:5])
                if len(group.accounts) > 5:
                    shown += f" and {len(group.accounts) - 5} more"
                client = ""
                if scope == "app" and group.client_id:
                    client = f" · client {display('lwa_app_id', group.client_id)}"
                    if group.everywhere:
                        client += ", every account of it"
                mark = paint("✗" if finding.severity == "error" else "!", finding.severity)
                lines.append(
                    f"  {mark} {group.code}{client}: {len(group.accounts)} account"
                    f"{'s' * (len(group.accounts) != 1)} ({shown})"
                )
                lines.append(f"      {escape_controls(finding.title)}")
                lines.append(f"      Fix:  {escape_controls(finding.fix)}")
                lines.append(paint(f"      Docs: {finding.docs}", "dim"))
        status = paint("✓" if self.ok else "✗", "ok" if self.ok else "failed")
        lines += ["", f"{status} {paint('Verdict:', 'bold')} {self.verdict}"]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"FleetReport({len(self.accounts)} accounts, {len(self.failed)} failing)"

    def __str__(self) -> str:
        return self.render_text()

    def _repr_html_(self) -> str:

        return "<pre>" + escape(self.render_text()) + "</pre>"


# --------------------------------------------------------------------------- the run


def check_fleet(
    accounts: Iterable[str | tuple[str, dict[str, Any] | None, str]] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    accounts_file: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = 10.0,
    roles: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
) -> FleetReport:
    """Check every account, ``concurrency`` at a time, through load, format, LWA and the
    region (``roles=True``: and every role), and group the causes into app-level and
    seller-level ones. ``accounts``: names, or ``(name, values or None, source)``
    triples; default: every account of ``credentials.yml`` and of the environment, or of
    ``accounts_file``. ``progress(done, total, failed)`` is called after each account, from
    worker threads. Raises ``FleetProblem`` (a ValueError) for an accounts file that lists
    no accounts; nothing the accounts or the services do raises."""

    from ._deadline import Concurrently
    from ._transport import DEFAULT_RETRIES, Transport

    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
    env = os.environ if environ is None else environ
    config_cache: dict[str, Any] = {}
    listed = (
        fleet_accounts(env, accounts_file=accounts_file, config_cache=config_cache)
        if accounts is None
        else accounts
    )
    every: list[tuple[str, dict[str, Any] | None, str]] = [
        item if isinstance(item, tuple) else (item, None, "named") for item in listed
    ]
    started = time.perf_counter()
    results: list[FleetAccount | None] = [None] * len(every)
    todo: SimpleQueue[int] = SimpleQueue()
    for index in range(len(every)):
        todo.put(index)
    cache = TokenCache()
    state = SecretState(environ=env)
    state.load()
    secrets_memo = _SecretsMemo(env, timeout)
    settled = SettledRun()
    done_lock = threading.Lock()
    counts = {"done": 0, "failed": 0}
    workers = min(concurrency, len(every))
    with (
        tempfile.TemporaryDirectory(prefix="spapi-fleet-") as empty,
        # Every call in flight keeps its connection: up to 13 region probes per account.
        Transport(
            timeout=timeout,
            retries=DEFAULT_RETRIES,
            pool_size=max(16, workers * 5),
            # One session and its answers for every account: proxies, the CA bundle and
            # each host's ~/.netrc entry read once (SettledSession).
            settled_environment=True,
        ) as transport,
        Concurrently(name="spapi-fleet") as pool,
    ):
        isolated = without_credentials(env, empty)

        def work() -> None:
            while True:
                try:
                    index = todo.get_nowait()
                except Empty:
                    return
                name, values, source = every[index]
                report = check(
                    name,
                    credentials=values,
                    environ=isolated if values is not None else env,
                    timeout=timeout,
                    transport=transport,
                    token_cache=cache,
                    roles=roles,
                    config_cache=config_cache,
                    secret_state=state,
                    secrets_reader=secrets_memo,
                    settled=settled,
                )
                outcome = FleetAccount(name, source, report)
                results[index] = outcome
                with done_lock:
                    counts["done"] += 1
                    counts["failed"] += not outcome.ok
                    done, failed = counts["done"], counts["failed"]
                if progress is not None:
                    progress(done, len(every), failed)

        calls = [pool.submit(work) for _ in range(workers)]
        for call in calls:
            call.result()
    return FleetReport(
        # Every worker ended (each call's result was taken): every account has its outcome.
        [outcome for outcome in results if outcome is not None],
        concurrency=concurrency,
        roles=roles,
        duration_ms=(time.perf_counter() - started) * 1000,
        exchanges=cache.exchanges,
    )


class SettledRun(Settled):
    """What every account of one run shares, read once: the peer libraries installed, the
    endpoints each environment selects (the run's and the accounts file's isolated one) and
    the findings of the endpoint and network settings (URLs, plain HTTP, CA bundles,
    proxies), which scan the environment once per endpoint. None of it depends on the
    account, and the environment of one run does not change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._peers: dict[str, Any] | None = None
        # Keyed by the environment's identity; the mapping is kept with its answer, so the
        # identity cannot be reused by another mapping during the run.
        self._endpoints: dict[tuple[int, bool], tuple[Mapping[str, str], Any]] = {}
        self._settings: dict[tuple[Any, ...], list[Finding]] = {}

    def peers(self) -> dict[str, Any]:
        with self._lock:
            if self._peers is None:
                self._peers = super().peers()
            return self._peers

    def endpoints(self, env: Mapping[str, str], *, sandbox: bool) -> Any:
        key = (id(env), sandbox)
        with self._lock:
            kept = self._endpoints.get(key)
            if kept is None:
                kept = self._endpoints[key] = (env, super().endpoints(env, sandbox=sandbox))
        return kept[1]

    def settings(self, endpoints: Any, sts: bool) -> list[Finding]:
        key = (endpoints.lwa, tuple(sorted(endpoints.spapi.items())), endpoints.sts, sts)
        with self._lock:
            if key in self._settings:
                return list(self._settings[key])
        found = super().settings(endpoints, sts)
        with self._lock:
            self._settings[key] = found
        return list(found)


class _SecretsMemo:
    """python-amazon-sp-api reads one Secrets Manager secret whatever the account: read it
    once for the fleet (the value, or the exception, is kept)."""

    def __init__(self, env: Mapping[str, str], timeout: float) -> None:
        self._env = env
        self._timeout = timeout
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[str | None, BaseException | None]] = {}

    def __call__(self, secret_id: str) -> str | None:

        with self._lock:
            if secret_id not in self._kept:
                try:
                    self._kept[secret_id] = (
                        _read_secret_with_boto3(secret_id, self._env, self._timeout),
                        None,
                    )
                except Exception as error:  # kept, and raised for every account alike
                    self._kept[secret_id] = (None, error)
            value, failure = self._kept[secret_id]
        if failure is not None:
            raise failure
        return value
