"""Keeping the client secret working: what Amazon's notifications say of its expiry
(``spapi-doctor secret-status``), and its rotation end to end (``spapi-doctor rotate``).

A client secret lives 180 days, and a secret replaced by a rotation 7 more days. Amazon has
no API that tells a secret's expiry; it tells it in the notifications it posts to the app's
SQS queue (:mod:`._queue`). ``secret-status`` reads them, leaves them on the queue, and
keeps what they say in a small private state file, for ``check`` to warn 30 days ahead
(:func:`~spapi_docs_helpers._diagnose.known_expiry_findings`). The state file holds dates and
*fingerprints* of the secrets and client identifiers (an HMAC under a random key of the
file's own), which tell "is this the secret the notification named" and nothing else: no
credential is in it.

``rotate`` does what Amazon's ``lwa-rotation`` sample does with two Lambda functions, in one
command, and makes each step safe to repeat:

1. read the account's client identifier and secret from the store, and the queue's
   attributes (reachable, permitted) — before anything changes;
2. look on the queue for a new secret of this client that no store holds yet (a rotation
   that stopped half-way): if there is one, finish *that* rotation instead of rotating again;
3. refuse to rotate again while the state file says an earlier rotation's secret was never
   stored (a second rotation may end the secret the stores hold: Amazon keeps one previous
   secret) — unless ``force``;
4. a grantless token of the rotation scope, then ``rotateApplicationClientSecret`` (one
   attempt: it is not idempotent), the rotation noted in the state file first;
5. wait, bounded, for the ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` notification;
6. try the new secret with Login with Amazon before storing it anywhere;
7. update every account of the store that uses this client identifier, in one atomic write
   with a backup; only then delete the notification from the queue and note the dates.

A crash between 4 and 7 leaves the stores with the old secret (which works for 7 more days)
and the new one on the queue (hidden for :data:`~._queue.HOLD_SECONDS`, then visible again):
the next run finds it at step 2 and finishes. The new secret is shown masked everywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets as _random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any

from ._authorize import state_path as authorize_state_path
from ._catalogue import Finding, entry
from ._credentials import ENV_NAMES, Credentials, display
from ._endpoints import endpoints_from_env
from ._errors import StoreError
from ._files import FileProblem, read_regular_file
from ._init import EXIT_OK, EXIT_PROBLEM, Terminal, color_wanted, usage
from ._options import (
    account_name,
    add_color,
    add_format,
    add_secret_id,
    add_timeout,
    number_in,
)
from ._queue import (
    EXPIRY,
    NEW_SECRET,
    Notification,
    NotificationQueue,
    QueueProblem,
    _iso,
    _moment,
    queue_url,
)
from ._redaction import escape_controls, mask
from ._report import SEVERITY_ORDER, json_text, paint, render_findings
from ._sources import resolve_credentials
from ._stores import CredentialsFile, SecretsManagerSecret, atomic_write, open_store

__all__ = [
    "ExpiryRecord",
    "RotationResult",
    "SecretState",
    "SecretStatus",
    "known_expiry",
    "rotate_client_secret",
    "secret_status",
]

STATE_FILENAME = "secret-expiry.json"
MAX_STATE_BYTES = 256 * 1024
# Clients kept in the state file (the most recently seen first); more is no one's set-up.
MAX_CLIENTS = 200
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
ROTATION_PATH = "/applications/2023-11-30/clientSecret"
DEFAULT_WAIT_S = 120.0
MAX_WAIT_S = 900.0
# Amazon's clock and this machine's may differ; a new-secret notification dated this much
# before the rotation was asked for can still be its answer.
CLOCK_SLACK = timedelta(minutes=10)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def state_path(environ: Mapping[str, str] | None = None) -> str:
    """The state file: beside ``authorize``'s (``$XDG_STATE_HOME/spapi-doctor``, default
    ``~/.local/state``; ``%LOCALAPPDATA%\\spapi-doctor`` on Windows)."""

    return os.path.join(os.path.dirname(authorize_state_path(environ)), STATE_FILENAME)


# --------------------------------------------------------------------------- the state file


class ExpiryRecord:
    """What the state file knows of one secret's expiry: ``certain`` when a notification
    named this very secret (or ``rotate`` replaced it), else the client's announced date.
    ``replaced_at``: the event time of the rotation that replaced this secret, when one did
    (it then stops working 7 days after, whatever its own expiry was)."""

    __slots__ = ("basis", "certain", "event_time", "expires", "replaced_at")

    def __init__(
        self,
        *,
        expires: datetime,
        certain: bool,
        basis: str,
        event_time: datetime,
        replaced_at: datetime | None = None,
    ) -> None:
        self.expires = expires
        self.certain = certain
        self.basis = basis
        self.event_time = event_time
        self.replaced_at = replaced_at

    def __repr__(self) -> str:
        return f"ExpiryRecord({_iso(self.expires)}, certain={self.certain})"


class SecretState:
    """The private state file (JSON, mode 0600, written atomically; no credential in it).

    ``clients`` maps a client identifier's fingerprint to ``secrets`` (fingerprint → expiry, basis,
    event time), ``announced`` (the latest expiry notice: expiry, event time) and
    ``rotation`` (a rotation asked for whose new secret is not stored yet).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.path = os.fspath(path) if path is not None else state_path(environ)
        self._raw: bytes | None = None
        self._data: dict[str, Any] | None = None

    def load(self) -> dict[str, Any]:
        """The file's content (read once; a missing or broken file reads as empty)."""
        if self._data is not None:
            return self._data

        try:
            raw = read_regular_file(self.path, MAX_STATE_BYTES)
        except FileProblem:
            # Missing, too large or unreadable: nothing usable (it is ours alone; a broken
            # one is replaced at the next write).
            raw = None
        data = None
        if raw is not None:
            try:
                data = json.loads(raw)
            except (ValueError, RecursionError):
                data = None
        if not isinstance(data, dict) or not isinstance(data.get("clients"), dict):
            data = {"version": 1, "clients": {}}
        if not isinstance(data.get("key"), str) or len(data["key"]) != 64:
            data["key"] = _random.token_hex(32)
        self._raw = raw
        self._data = data
        return data

    def fingerprint(self, secret: str) -> str:
        """An HMAC of ``secret`` under the file's own random key: the same secret gives the
        same fingerprint here, and the fingerprint tells nothing of the secret."""
        key = bytes.fromhex(self.load()["key"])
        return hmac.new(key, secret.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def _client_key(self, client_id: str) -> str:
        # Client identifiers are credentials too (shown masked everywhere): the file keys
        # its clients by fingerprint, and holds no credential at all.
        return "client:" + self.fingerprint("client:" + client_id)

    def _found(self, client_id: str) -> dict[str, Any] | None:
        """The client's entry, or None."""
        client = self.load()["clients"].get(self._client_key(client_id))
        return client if isinstance(client, dict) else None

    def _client(self, client_id: str) -> dict[str, Any]:
        """The client's entry, made when there is none; marked as seen now."""
        clients = self.load()["clients"]
        key = self._client_key(client_id)
        found = clients.get(key)
        client: dict[str, Any] = found if isinstance(found, dict) else {}
        clients[key] = client
        client["seen"] = _iso(_now())
        return client

    def known(self, client_id: object, secret: object = None) -> ExpiryRecord | None:
        """What the file knows of the expiry of ``secret`` of ``client_id`` (without a
        secret: the client's announced date), or None."""
        if not isinstance(client_id, str):
            return None
        client = self._found(client_id)
        if client is None:
            return None
        secrets = client.get("secrets")
        item = None
        if isinstance(secret, str) and secret and isinstance(secrets, dict):
            item = secrets.get(self.fingerprint(secret))
        if isinstance(item, dict):
            expires = _moment(item.get("expires"))
            if expires is not None:
                return ExpiryRecord(
                    expires=expires,
                    certain=True,
                    basis=str(item.get("basis", "")),
                    event_time=_moment(item.get("event_time")) or expires,
                    replaced_at=_moment(item.get("replaced_at")),
                )
        announced = client.get("announced")
        if isinstance(announced, dict):
            expires = _moment(announced.get("expires"))
            if expires is not None:
                return ExpiryRecord(
                    expires=expires,
                    certain=False,
                    basis="Amazon's expiry notice",
                    event_time=_moment(announced.get("event_time")) or expires,
                )
        return None

    def note_secret(
        self,
        client_id: str,
        secret: str,
        *,
        expires: datetime,
        basis: str,
        event_time: datetime,
        replaced_at: datetime | None = None,
    ) -> None:
        client = self._client(client_id)
        secrets = client.setdefault("secrets", {})
        key = self.fingerprint(secret)
        before = secrets.get(key)
        if replaced_at is None and isinstance(before, dict):
            # A notification read again (secret-status reads the whole queue each time)
            # does not undo a later rotation's mark: a replaced secret stays replaced.
            replaced_at = _moment(before.get("replaced_at"))
            ends = _moment(before.get("expires"))
            if replaced_at is not None and ends is not None and ends < expires:
                expires, basis = ends, str(before.get("basis", basis))
        record = {"expires": _iso(expires), "basis": basis, "event_time": _iso(event_time)}
        if replaced_at is not None:
            record["replaced_at"] = _iso(replaced_at)
        secrets[key] = record

    def _note_replaced(self, client_id: str, rotation: Notification) -> None:
        """A new secret ends every secret of the client it knows from an earlier rotation:
        the one it replaced stops working at ``rotation.old_expires`` (7 days on), and any
        older one had already stopped before. So each such secret's expiry becomes that
        date at the latest, marked replaced by the earliest later rotation seen. Secrets
        of the same or a later rotation are left as they are (this one did not replace
        them); a secret the file never saw is not named, so nothing is said of it."""
        if rotation.old_expires is None:
            return
        client = self._found(client_id)
        secrets = client.get("secrets") if client is not None else None
        if not isinstance(secrets, dict):
            return
        # Compared as the file keeps them (whole seconds), so that the new secret's own
        # record, just written, is never earlier than its rotation.
        at = rotation.event_time.astimezone(timezone.utc).replace(microsecond=0)
        ended = rotation.old_expires.astimezone(timezone.utc).replace(microsecond=0)
        own = self.fingerprint(rotation.new_secret) if rotation.new_secret else None
        for key, item in secrets.items():
            if key == own or not isinstance(item, dict):
                continue
            known_from = _moment(item.get("event_time"))
            if known_from is None or known_from >= at:
                continue
            expires = _moment(item.get("expires"))
            if expires is None or ended < expires:
                item["expires"] = _iso(ended)
            replaced = _moment(item.get("replaced_at"))
            if replaced is None or at < replaced:
                item["replaced_at"] = _iso(at)
                item["basis"] = f"replaced by the rotation of {_when(at)}"

    def note_notifications(self, client_id: str, notifications: Iterable[Notification]) -> None:
        """Keep what ``notifications`` (of ``client_id``, oldest first) say: each new
        secret's expiry (certain: it names the secret) and the end of the secrets it
        replaced, the latest expiry notice."""

        for item in notifications:
            if item.kind == NEW_SECRET and item.new_secret:
                self.note_secret(
                    client_id,
                    item.new_secret,
                    expires=item.expires,
                    basis=f"the new secret of the rotation of {_when(item.event_time)}",
                    event_time=item.event_time,
                )
                self._note_replaced(client_id, item)
            elif item.kind == EXPIRY:
                client = self._client(client_id)
                current = client.get("announced")
                before = _moment(current.get("event_time")) if isinstance(current, dict) else None
                if before is None or item.event_time >= before:
                    client["announced"] = {
                        "expires": _iso(item.expires),
                        "event_time": _iso(item.event_time),
                    }

    def pending_rotation(self, client_id: str) -> dict[str, Any] | None:
        client = self._found(client_id)
        rotation = client.get("rotation") if client is not None else None
        return rotation if isinstance(rotation, dict) else None

    def begin_rotation(self, client_id: str, old_secret: str) -> datetime:
        moment = _now()
        self._client(client_id)["rotation"] = {
            "requested_at": _iso(moment),
            "old_secret": self.fingerprint(old_secret),
        }
        return moment

    def end_rotation(self, client_id: str) -> None:
        client = self._found(client_id)
        if client is not None:
            client.pop("rotation", None)

    def save(self) -> None:
        """Write the file atomically (0600); a file changed meanwhile is a StoreError."""

        data = self.load()
        clients = data["clients"]
        if len(clients) > MAX_CLIENTS:
            newest = sorted(clients, key=lambda c: str(clients[c].get("seen", "")), reverse=True)
            data["clients"] = {c: clients[c] for c in newest[:MAX_CLIENTS]}
        text = json.dumps(data, indent=1, sort_keys=True).encode("utf-8")
        atomic_write(self.path, text, expected=self._raw)
        self._raw = text
        # The state file needs no backup (and a stale one would only confuse).
        with contextlib.suppress(OSError):
            os.unlink(self.path + ".bak")


def known_expiry(
    credentials: object,
    *,
    environ: Mapping[str, str] | None = None,
    state: SecretState | None = None,
) -> ExpiryRecord | None:
    """What the state file knows of the expiry of ``credentials``' client secret (the
    check's way in); None when nothing, or when the file cannot be read."""
    client_id = getattr(credentials, "lwa_app_id", None)
    secret = getattr(credentials, "lwa_client_secret", None)
    if not isinstance(client_id, str) or not isinstance(secret, str):
        return None
    state = state if state is not None else SecretState(environ=environ)
    return state.known(client_id.strip(), secret.strip())


# --------------------------------------------------------------------------- the results


class _CommandResult:
    """What the results of ``secret-status`` and ``rotate`` share: the exit status of
    ``ok``, the JSON text of ``as_dict()``, and ``str()`` as the notebook's HTML."""

    __slots__ = ()

    @property
    def ok(self) -> bool:
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_PROBLEM

    def to_json(self, **extra: Any) -> str:
        """``as_dict()`` (and ``extra``) as JSON text, escaped as the check's report is."""
        return json_text({**self.as_dict(), **extra})

    def _repr_html_(self) -> str:
        return "<pre>" + escape(str(self)) + "</pre>"


# --------------------------------------------------------------------------- secret-status


class SecretStatus(_CommandResult):
    """What ``secret-status`` found: the queue, each client's notifications and the expiry
    they give, and the findings (queue problems, expiry warnings)."""

    __slots__ = (
        "account",
        "client_id",
        "clients",
        "findings",
        "others",
        "queue",
        "queue_url",
        "state_path",
        "truncated",
    )

    def __init__(
        self,
        *,
        queue_url: str,
        account: str | None = None,
        client_id: str | None = None,
        state_path: str | None = None,
    ) -> None:
        self.queue_url = queue_url
        self.account = account
        self.client_id = client_id
        self.queue: dict[str, Any] = {}
        self.clients: list[dict[str, Any]] = []
        self.findings: list[Finding] = []
        self.others = 0
        self.truncated = False
        self.state_path = state_path

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (see docs/reference/json-report.md); holds no secret."""
        return {
            "schema_version": 1,
            "kind": "secret-status",
            "ok": self.ok,
            "exit_code": self.exit_code,
            "queue_url": self.queue_url,
            "queue": self.queue,
            "account": self.account,
            "client_id": display("lwa_app_id", self.client_id) if self.client_id else None,
            "clients": self.clients,
            "other_messages": self.others,
            "truncated": self.truncated,
            "state_file": self.state_path,
            "findings": [f.as_dict() for f in self.findings],
        }

    def render_text(self, *, color: bool = False) -> str:

        lines = [f"spapi-doctor secret-status · queue {escape_controls(self.queue_url)}"]
        if self.queue:
            redrive = self.queue.get("max_receive_count")
            lines.append(
                f"Queue: {escape_controls(str(self.queue.get('arn')))}; "
                f"{self.queue.get('read', 0)} message(s) read and left on it"
                + (f" (dead-letter after {redrive} receives)" if redrive else "")
            )
        for client in self.clients:
            severity = client["severity"]
            mark = {"error": "✗", "warning": "!"}.get(severity, "✓")
            style = severity if severity in ("error", "warning") else "ok"
            lines.append("")
            lines.append(f"{paint(mark, style, color)} Client {client['client_id']}")
            lines.append(f"    {client['summary']}")
            for item in client["notifications"]:
                kind = "new secret" if item["type"].endswith("NEW_SECRET") else "expiry notice"
                # Written by this module in _iso's format: it parses.
                sent, expires = _moment(item["event_time"]), _moment(item["expires"])
                lines.append(
                    f"    · {kind} of {_when(sent) if sent else '?'}: expires "
                    f"{_when(expires) if expires else '?'}"
                    + (f" (secret {item['new_secret']})" if item["new_secret"] else "")
                )
        if not self.clients and self.ok:
            lines.append("No notification about a client secret is on the queue.")
        if self.others:
            lines.append(f"{self.others} other message(s) on the queue were left as they were.")
        if self.findings:
            lines.append("")
            lines.append(render_findings(self.findings, color=color).rstrip("\n"))
        if self.state_path and self.clients:
            lines.append("")
            lines.append(f"Recorded for spapi-doctor check in {escape_controls(self.state_path)}.")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"SecretStatus({len(self.clients)} client(s), ok={self.ok})"

    def __str__(self) -> str:
        return self.render_text()


def _client_summary(record: ExpiryRecord | None, now: datetime) -> str:
    """One line: what the notifications say of a client's secret."""
    if record is None:
        return "No notification dates its secret."
    left = (record.expires - now).total_seconds() / 86400
    days = f"in {round(left)} days" if left >= 0 else f"{round(-left)} days ago"
    if record.certain and record.replaced_at is not None:
        stops = "stops" if left >= 0 else "stopped"
        return (
            f"The rotation of {_when(record.replaced_at)} replaced the secret checked here: "
            f"Amazon {stops} accepting it on {_when(record.expires)} ({days})."
        )
    whose = (
        "The secret checked here expires"
        if record.certain
        else "Amazon's latest notice dates the secret current then to expire"
    )
    return f"{whose} on {_when(record.expires)} ({days})."


def secret_status(
    queue_url: str,
    *,
    account: str | None = None,
    credentials: Credentials | Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    state: SecretState | None = None,
    queue: NotificationQueue | None = None,
    now: datetime | None = None,
) -> SecretStatus:
    """Read the notification queue (nothing taken off it), report each client's secret
    expiry, and keep it in the state file. ``account`` (or ``credentials``) names the
    client identifier and the secret to report on; without them, every client on the queue.
    Never raises for what the queue or the files do: the findings say it."""
    from ._diagnose import known_expiry_findings

    env = os.environ if environ is None else environ
    state = state if state is not None else SecretState(environ=env)
    creds = _credentials_of(account, credentials, env)
    client_id = creds.lwa_app_id if creds is not None else None
    secret = creds.lwa_client_secret if creds is not None else None
    queue = queue or NotificationQueue(queue_url, environ=env, timeout=timeout)
    status = SecretStatus(
        queue_url=queue.shown, account=account, client_id=client_id, state_path=state.path
    )
    try:
        described = queue.describe()
        warning = queue.receive_count_warning(described)
        if warning is not None:
            status.findings.append(warning)
        scan = queue.scan()
    except QueueProblem as problem:
        status.findings.append(problem.finding)
        return status
    status.queue = {**described, "read": len(scan.notifications) + scan.others}
    status.others = scan.others
    status.truncated = scan.truncated
    now = now or _now()
    clients = [client_id] if client_id else []
    clients += sorted({n.client_id for n in scan.notifications} - set(clients))
    for cid in clients:
        notifications = scan.of(cid)
        state.note_notifications(cid, notifications)
        record = state.known(cid, secret if cid == client_id else None)
        # The check's own rule (_diagnose) says how grave the date is, for every client.
        expiry = known_expiry_findings(record, now=now, accepted=False)
        severity = min((f.severity for f in expiry), key=SEVERITY_ORDER.__getitem__, default="info")
        status.clients.append(
            {
                "client_id": display("lwa_app_id", cid),
                "expires": _iso(record.expires) if record else None,
                "days_left": round((record.expires - now).total_seconds() / 86400)
                if record
                else None,
                "certain": bool(record and record.certain),
                "severity": severity,
                "summary": _client_summary(record, now),
                "notifications": [n.as_dict() for n in notifications],
            }
        )
        if cid == client_id and record is None:
            status.findings.append(
                entry("client-secret-expiry-unknown").finding(
                    f"No notification for {display('lwa_app_id', cid)} was on the queue."
                )
            )
        elif cid == client_id:
            status.findings.extend(expiry)
    try:
        if status.clients:
            state.save()
    except StoreError as error:
        status.findings.extend(error.findings)
    return status


def _credentials_of(
    account: str | None, credentials: Credentials | Mapping[str, Any] | None, env: Mapping[str, str]
) -> Credentials | None:
    """The credentials of ``account`` (as python-amazon-sp-api loads them), or
    ``credentials`` themselves; None when neither gives a client identifier."""
    creds: Credentials | None
    if credentials is not None:
        creds = (
            credentials
            if isinstance(credentials, Credentials)
            else Credentials.from_mapping(credentials)
        )
    elif account is not None:
        creds = resolve_credentials(account, environ=env).credentials
    else:
        return None
    if creds is None or not isinstance(creds.lwa_app_id, str) or not creds.lwa_app_id:
        return None
    return creds


# --------------------------------------------------------------------------- rotate


class RotationResult(_CommandResult):
    """What ``rotate`` did (or, with ``dry_run``, would do): the client, the accounts it
    updated, the dates, and the findings. Holds no secret."""

    __slots__ = (
        "accounts",
        "backup",
        "client_id",
        "dry_run",
        "findings",
        "new_expires",
        "new_secret",
        "notes",
        "old_expires",
        "outcome",
        "store",
    )

    def __init__(
        self, *, client_id: str | None = None, store: str | None = None, dry_run: bool = False
    ) -> None:
        self.client_id = client_id
        self.store = store
        self.dry_run = dry_run
        # rotated, recovered, completed (an earlier rotation's, already stored), dry-run,
        # failed
        self.outcome = "failed"
        self.accounts: list[str] = []
        self.backup: str | None = None
        self.new_secret: str | None = None  # masked
        self.new_expires: datetime | None = None
        self.old_expires: datetime | None = None
        self.findings: list[Finding] = []
        self.notes: list[str] = []

    @property
    def ok(self) -> bool:
        return self.outcome != "failed" and not any(f.severity == "error" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "kind": "rotate",
            "ok": self.ok,
            "exit_code": self.exit_code,
            "outcome": self.outcome,
            "client_id": display("lwa_app_id", self.client_id) if self.client_id else None,
            "store": self.store,
            "accounts": self.accounts,
            "backup": self.backup,
            "new_secret": self.new_secret,
            "new_secret_expires": _iso(self.new_expires) if self.new_expires else None,
            "old_secret_expires": _iso(self.old_expires) if self.old_expires else None,
            "notes": self.notes,
            "findings": [f.as_dict() for f in self.findings],
        }

    def summary(self) -> str:

        client = display("lwa_app_id", self.client_id) if self.client_id else "(unknown)"
        heads = {
            "rotated": f"✓ Rotated the client secret of {client}",
            "recovered": f"✓ Finished an earlier rotation of {client} (not rotated again)",
            "completed": f"✓ The earlier rotation of {client} was already stored everywhere",
            "dry-run": f"· Dry run for {client}: nothing was rotated or written",
            "failed": f"✗ The client secret of {client} was not rotated",
        }
        lines = [heads[self.outcome]]
        if self.new_secret:
            lines.append(
                f"  new secret {self.new_secret}"
                + (f", expires {_when(self.new_expires)}" if self.new_expires else "")
            )
        if self.accounts:
            verb = "would update" if self.outcome == "dry-run" else "updated"
            where = escape_controls(str(self.store))
            lines.append(f"  {verb} in {where}: " + ", ".join(map(repr, self.accounts)))
        if self.backup:
            lines.append(f"  previous file kept as {escape_controls(self.backup)}")
        if self.old_expires:
            lines.append(f"  the old secret stops working on {_when(self.old_expires)}")
        lines.extend(f"  {escape_controls(note)}" for note in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"RotationResult({self.outcome}, {len(self.accounts)} account(s))"

    def __str__(self) -> str:
        return self.summary()


def _failed(result: RotationResult, *findings: Finding | None) -> RotationResult:
    result.outcome = "failed"
    result.findings.extend(f for f in findings if f is not None)
    return result


def _store_account(accounts: Mapping[str, Any], store: Any, account: str) -> Any:
    """``{field: value}`` of the account to rotate among ``store``'s ``accounts`` (None: no
    such account)."""
    if isinstance(store, SecretsManagerSecret):
        # One secret holds one account, whatever its name.
        return next(iter(accounts.values()), None)
    return accounts.get(account)


def rotate_client_secret(
    queue_url: str,
    *,
    account: str = "default",
    store: Any = None,
    environ: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    wait: float = DEFAULT_WAIT_S,
    region: str = "NA",
    dry_run: bool = False,
    force: bool = False,
    confirm: Callable[[str], bool] | None = None,
    say: Callable[[str], None] | None = None,
    state: SecretState | None = None,
    queue: NotificationQueue | None = None,
    transport: Any = None,
) -> RotationResult:
    """Rotate the client secret of ``account``'s app and update every account of ``store``
    (default: credentials.yml) that uses its client identifier; see the module docstring.
    ``confirm(question) -> bool`` is asked before the rotation (None: no question);
    ``say(line)`` hears the progress. Never raises for what Amazon, the queue or the store
    do: the result's findings say it."""
    from ._transport import Transport

    env = os.environ if environ is None else environ
    say = say or (lambda line: None)
    store = store if store is not None else CredentialsFile(environ=env)
    state = state if state is not None else SecretState(environ=env)
    result = RotationResult(store=store.location, dry_run=dry_run)
    # 1. The account, and the queue: before anything changes.
    try:
        # One read (a file, or a call to Secrets Manager) for the account and its app's others.
        accounts = store.accounts()
    except StoreError as error:
        return _failed(result, *error.findings)
    values = _store_account(accounts, store, account)
    if not isinstance(values, dict) or not values.get("lwa_app_id"):
        return _failed(
            result,
            entry("config-account-missing").finding(
                f"{store.location} has no account {account!r} with an lwa_app_id: nothing "
                "says which app's secret to rotate.",
                fix="Name an account of the store with --account (and the store with --store, "
                "--config-file or --secret-id).",
            ),
        )
    client_id = str(values["lwa_app_id"]).strip()
    old_secret = str(values.get("lwa_client_secret") or "")
    result.client_id = client_id
    targets = store.accounts_with_client_id(client_id, accounts)
    queue = queue or NotificationQueue(queue_url, environ=env, timeout=timeout)
    say(f"Reading the notification queue {queue.shown}…")
    try:
        described = queue.describe()
    except QueueProblem as problem:
        return _failed(result, problem.finding)
    warning = queue.receive_count_warning(described)
    if warning is not None:
        result.findings.append(warning)
    endpoints = endpoints_from_env(env)
    own_transport = transport is None
    transport = transport or Transport(timeout=timeout)
    try:
        return _rotate(
            result,
            store=store,
            state=state,
            queue=queue,
            transport=transport,
            endpoints=endpoints,
            region=region,
            targets=targets,
            client_id=client_id,
            old_secret=old_secret,
            wait=wait,
            dry_run=dry_run,
            force=force,
            confirm=confirm,
            say=say,
            env=env,
        )
    except (QueueProblem, StoreError) as error:
        findings = [error.finding] if isinstance(error, QueueProblem) else error.findings
        if state.pending_rotation(client_id) is not None:
            result.notes.append(
                "a rotation was asked for and its new secret is not stored yet: run "
                "spapi-doctor rotate again, which finishes it from the queue"
            )
        return _failed(result, *findings)
    finally:
        if own_transport:
            transport.close()


def _lwa_check(transport: Any, endpoints: Any, client_id: str, secret: str) -> Any:
    """A grantless token of the rotation scope for ``client_id`` and ``secret``."""
    from ._lwa import request_token

    credentials = Credentials(lwa_app_id=client_id, lwa_client_secret=secret)
    return request_token(
        transport, endpoints.lwa, credentials, grant="client_credentials", scope=ROTATION_SCOPE
    )


def _rotate(
    result: RotationResult,
    *,
    store: Any,
    state: SecretState,
    queue: NotificationQueue,
    transport: Any,
    endpoints: Any,
    region: str,
    targets: list[str],
    client_id: str,
    old_secret: str,
    wait: float,
    dry_run: bool,
    force: bool,
    confirm: Callable[[str], bool] | None,
    say: Callable[[str], None],
    env: Mapping[str, str],
) -> RotationResult:

    def ours(notification: Notification) -> bool:
        return notification.kind == NEW_SECRET and notification.client_id == client_id

    # 2. A new secret of this client waiting on the queue: an earlier rotation to finish.
    waiting = queue.take_newest(ours, seconds=30)
    if waiting is not None:
        say("An earlier rotation's new secret is on the queue: finishing it, not rotating again.")
        if dry_run:
            queue.release(waiting.receipt_handle)
            result.outcome = "dry-run"
            result.accounts = list(targets)
            result.new_secret = mask(waiting.new_secret)
            result.notes.append(
                f"the new secret of the rotation of {_when(waiting.event_time)} waits on the "
                "queue: rotate (without --dry-run) stores it instead of rotating again"
            )
            return result
        return _apply(
            result,
            waiting,
            store=store,
            state=state,
            queue=queue,
            transport=transport,
            endpoints=endpoints,
            targets=targets,
            client_id=client_id,
            old_secret=old_secret,
            outcome="recovered",
            say=say,
            env=env,
        )
    # 3. An earlier rotation whose secret nobody stored: rotating again may end the stores'.
    pending = state.pending_rotation(client_id)
    if pending is not None and not force:
        return _failed(
            result,
            entry("rotation-unfinished").finding(
                f"spapi-doctor asked Amazon to rotate the secret of "
                f"{display('lwa_app_id', client_id)} at {pending.get('requested_at')}, and its "
                "new secret is not on the queue, so it was never stored."
            ),
        )
    # 4. The token, then the rotation.
    say("Asking Login with Amazon for a grantless token of the rotation scope…")
    token = _lwa_check(transport, endpoints, client_id, old_secret)
    if not token.ok:
        return _failed(result, token.finding)
    result.accounts = list(targets)
    if dry_run:
        result.outcome = "dry-run"
        result.notes.append(
            "the queue is readable, Login with Amazon gives the rotation token: rotate "
            "(without --dry-run) would rotate and update these accounts"
        )
        return result
    if confirm is not None and not confirm(
        f"Rotate the client secret of {display('lwa_app_id', client_id)}? Every copy of the "
        "old one must then be updated within 7 days."
    ):
        result.notes.append("nothing was rotated (not confirmed)")
        return _failed(result)
    from ._diagnose import diagnose_rotation
    from ._transport import Transport

    requested_at = state.begin_rotation(client_id, old_secret)
    state.save()
    say("Rotating (rotateApplicationClientSecret)…")
    # One attempt: a retried rotation could rotate twice and end the stores' secret at once.
    with Transport(timeout=transport.timeout, retries=0) as once:
        http = once.request(
            "POST",
            endpoints.spapi[region].rstrip("/") + ROTATION_PATH,
            headers={"x-amz-access-token": token.access_token, "Accept": "application/json"},
            data=b"",
        )
    refused = diagnose_rotation(http, secrets=[token.access_token])
    if refused is not None:
        if refused.stage == "rotation":
            # Amazon refused (400, 403, 429): nothing was rotated.
            state.end_rotation(client_id)
            state.save()
        else:
            result.notes.append(
                "whether Amazon rotated is not known: run spapi-doctor rotate again, which "
                "looks for the new secret on the queue first"
            )
        return _failed(result, refused)
    # 5. Wait for the new secret.
    say(f"Rotated. Waiting up to {wait:.0f} s for the new secret on the queue…")
    slack = requested_at - CLOCK_SLACK
    arrived = queue.take_newest(
        lambda n: ours(n) and n.event_time >= slack, seconds=wait, arrival=True
    )
    if arrived is None:
        return _failed(
            result,
            entry("new-secret-not-arrived").finding(
                f"No APPLICATION_OAUTH_CLIENT_NEW_SECRET notification for "
                f"{display('lwa_app_id', client_id)} reached {queue.shown} within {wait:.0f} s."
            ),
        )
    try:
        return _apply(
            result,
            arrived,
            store=store,
            state=state,
            queue=queue,
            transport=transport,
            endpoints=endpoints,
            targets=targets,
            client_id=client_id,
            old_secret=old_secret,
            outcome="rotated",
            say=say,
            env=env,
        )
    except StoreError as error:  # the state file; _apply turns the store's into findings
        return _failed(result, *error.findings)


def _apply(
    result: RotationResult,
    notification: Notification,
    *,
    store: Any,
    state: SecretState,
    queue: NotificationQueue,
    transport: Any,
    endpoints: Any,
    targets: list[str],
    client_id: str,
    old_secret: str,
    outcome: str,
    say: Callable[[str], None],
    env: Mapping[str, str],
) -> RotationResult:
    """Steps 6 and 7: try the new secret with LWA, store it everywhere, then consume the
    notification and note the dates. The notification is released (visible again) when
    anything fails, so that the next run finds it."""

    new_secret = notification.new_secret
    if new_secret is None:  # the parser makes no new-secret notification without one
        raise ValueError("a new-secret notification without its secret")
    result.new_secret = mask(new_secret)
    result.new_expires = notification.expires
    result.old_expires = notification.old_expires
    done = False
    try:
        stored_now = store.accounts()  # one read (a file, or a call to Secrets Manager)
        if all(
            stored_now.get(account, {}).get("lwa_client_secret") == new_secret
            for account in targets
        ):
            # Stored by an earlier run that stopped before it consumed the notification.
            result.outcome = "completed" if outcome == "recovered" else outcome
        else:
            say("Trying the new secret with Login with Amazon…")
            token = _lwa_check(transport, endpoints, client_id, new_secret)
            if not token.ok:
                if token.finding.code in ("lwa-client-secret-rejected", "lwa-client-id-rejected"):
                    return _failed(
                        result,
                        entry("new-secret-rejected").finding(
                            f"Login with Amazon refused the new secret {mask(new_secret)} of "
                            f"the rotation of {_when(notification.event_time)}: "
                            f"{token.finding.message}"
                        ),
                    )
                return _failed(result, token.finding)
            say(f"Storing it in {store.location}…")
            try:
                stored = store.update(
                    {account: {"lwa_client_secret": new_secret} for account in targets},
                    replace=True,
                )
            except StoreError as error:
                return _failed(result, *error.findings)
            result.backup = stored.backup
            result.outcome = outcome
        result.accounts = list(targets)
        done = True
    finally:
        if not done:
            # Visible again at once: the next run finds it (step 2).
            with contextlib.suppress(QueueProblem):
                queue.release(notification.receipt_handle)
    try:
        queue.delete(notification)
    except QueueProblem as problem:
        result.notes.append(
            "the notification could not be removed from the queue "
            f"({problem.finding.code}); the next run sees it is stored already"
        )
    state.note_notifications(client_id, [notification])
    if old_secret and old_secret != new_secret and notification.old_expires is not None:
        state.note_secret(
            client_id,
            old_secret,
            expires=notification.old_expires,
            basis=f"replaced by the rotation of {_when(notification.event_time)}",
            event_time=notification.event_time,
            replaced_at=notification.event_time,
        )
    state.end_rotation(client_id)
    try:
        state.save()
    except StoreError as error:
        result.findings.extend(error.findings)
    result.notes.extend(_other_copies(client_id, env))
    result.notes.append(
        "restart long-running processes: they keep the old secret's access tokens for up to an hour"
    )
    return result


def _other_copies(client_id: str, env: Mapping[str, str]) -> list[str]:
    """Where else this client identifier is configured (variables are not rewritten)."""

    names = [
        name
        for name, value in env.items()
        if isinstance(value, str)
        and value.strip() == client_id
        and any(name == base or name.startswith(base + "_") for base in ENV_NAMES)
    ]
    if not names:
        return []
    return [
        f"the environment also names this client ({', '.join(sorted(names)[:5])}): update "
        "the secret variable beside it, and wherever else it is kept, within 7 days"
    ]


# --------------------------------------------------------------------------- the commands


def add_arguments(parser: Any) -> None:
    """The options of ``spapi-doctor secret-status`` or ``spapi-doctor rotate``."""

    command = parser.get_default("_command")
    parser.add_argument(
        "--queue-url",
        required=True,
        metavar="URL",
        help="the SQS queue of the app's Notification Preferences (its URL, or its ARN)",
    )
    parser.add_argument(
        "--account",
        default=None if command == "secret-status" else "default",
        type=account_name,
        metavar="NAME",
        help=(
            "the account whose client identifier and secret to report on (as "
            "python-amazon-sp-api loads it; default: every client on the queue)"
            if command == "secret-status"
            else "the account of the store whose app to rotate (default: default)"
        ),
    )
    add_timeout(parser)
    if command == "secret-status":
        add_format(parser, json_for="monitoring")
        add_color(parser)
        return
    parser.add_argument(
        "--store",
        choices=("file", "secrets-manager"),
        default="file",
        help="where the accounts to update live: credentials.yml (file, every account of the "
        "app) or an AWS Secrets Manager secret (default: file)",
    )
    parser.add_argument(
        "--config-file",
        metavar="PATH",
        help="with --store file: the credentials.yml (default: where python-amazon-sp-api "
        "reads it)",
    )
    add_secret_id(parser)
    parser.add_argument(
        "--region",
        choices=("NA", "EU", "FE"),
        default="NA",
        help="the SP-API endpoint to call (any region rotates the app's secret; default: NA)",
    )
    parser.add_argument(
        "--wait",
        type=number_in("wait", 0, MAX_WAIT_S, unit="seconds"),
        default=DEFAULT_WAIT_S,
        metavar="S",
        help=f"how long to wait for the new secret on the queue (default: {DEFAULT_WAIT_S:.0f})",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check the store, the queue and the rotation token; rotate and write nothing",
    )
    parser.add_argument("--yes", action="store_true", help="do not ask before rotating")
    parser.add_argument(
        "--force",
        action="store_true",
        help="rotate although an earlier rotation's new secret was never stored",
    )
    add_format(parser, json_for="scripts")


def run(args: Any, *, terminal: Any = None, environ: Mapping[str, str] | None = None) -> int:
    """``spapi-doctor secret-status`` or ``spapi-doctor rotate``; returns the exit status."""

    env = os.environ if environ is None else environ
    terminal = terminal or Terminal()

    try:
        queue_url(args.queue_url)
    except ValueError as error:
        usage(args, str(error))
    if args._command == "secret-status":
        status = secret_status(
            args.queue_url, account=args.account, environ=env, timeout=args.timeout
        )
        if args.format == "json":
            terminal.print(status.to_json())
        else:
            terminal.print(status.render_text(color=_color(args, terminal)))
        return status.exit_code
    return _run_rotate(args, terminal, env)


def _color(args: Any, terminal: Any) -> bool:
    """Colour for the text report: --color, as init and check take it."""
    return getattr(args, "format", "text") == "text" and color_wanted(args, terminal.out)


def _run_rotate(args: Any, terminal: Any, env: Mapping[str, str]) -> int:

    if args.store == "file" and args.secret_id:
        usage(args, "--secret-id is for --store secrets-manager")
    if args.store == "secrets-manager" and args.config_file:
        usage(args, "--config-file is for --store file")
    try:
        store = open_store(
            args.store,
            environ=env,
            config_path=args.config_file,
            secret_id=args.secret_id,
            timeout=args.timeout,
        )
    except (ValueError, StoreError) as error:
        usage(args, str(error))
    confirm = None
    if not args.yes and not args.dry_run:
        if not terminal.interactive:
            usage(args, "standard input is not a terminal: pass --yes to rotate without asking")
        confirm = terminal.confirm
    started = time.monotonic()
    result = rotate_client_secret(
        args.queue_url,
        account=args.account,
        store=store,
        environ=env,
        timeout=args.timeout,
        wait=args.wait,
        region=args.region,
        dry_run=args.dry_run,
        force=args.force,
        confirm=confirm,
        say=terminal.say if args.format == "text" else None,
    )
    if args.format == "json":
        terminal.print(result.to_json(duration_ms=round((time.monotonic() - started) * 1000)))
        return result.exit_code
    terminal.say(result.summary())
    if result.findings:
        terminal.say(render_findings(result.findings, color=False).rstrip("\n"))
    return result.exit_code
