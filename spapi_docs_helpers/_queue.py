"""The application's notification queue: reading Amazon's notifications from Amazon SQS
without taking what other consumers need.

Amazon posts two notifications about an app's client secret to the SQS queue registered in
Notification Preferences: ``APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY`` (90, 60, 30, 15, 7 and
1 days before the secret expires) and ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` (after a
rotation, with the new secret in it). The queue may have other readers: Amazon's own
``lwa-rotation`` sample (a Lambda function), a team's monitoring, another app's notifications.

**The SQS semantics chosen.** SQS has no "peek": receiving a message hides it from every
other consumer for the visibility timeout, and only ``DeleteMessage`` removes it. So:

* a message is received with a visibility timeout long enough to read the queue through
  (:data:`HOLD_SECONDS`), so that one pass sees each message once, and is made visible
  again with ``ChangeMessageVisibility`` 0 as soon as the pass ends — at once for a message
  that is not ours (``ChangeMessageVisibilityBatch``: one request for ten messages, under
  the same ``sqs:ChangeMessageVisibility`` permission). Another consumer waits seconds at
  most, and loses nothing; if the process dies in between, SQS makes the message visible
  again when the timeout ends;
* nothing is ever deleted except the one message spapi-doctor consumed: the new secret of
  its own rotation, after every store holds it (``rotate``). ``secret-status`` deletes
  nothing;
* each receive still counts: SQS increments a message's ``ApproximateReceiveCount``, and a
  queue with a redrive policy moves a message to its dead-letter queue after
  ``maxReceiveCount`` receives (Amazon's sample uses 3). :meth:`NotificationQueue.describe`
  reads the policy, so that the commands can say so;
* receives use long polling (``WaitTimeSeconds``), which asks every SQS server of the queue
  (short polling samples some of them and can miss messages).

Every call goes through the check's transport (deadlines, bounded bodies, retries), its
failures are findings (:func:`~spapi_docs_helpers._diagnose.diagnose_sqs`), and a new
secret is held in a :class:`Notification` that never shows it.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from ._catalogue import Finding, entry
from ._endpoints import ENV_SQS, is_loopback
from ._redaction import mask, protect_logs, shown_url

__all__ = [
    "EXPIRY",
    "NEW_SECRET",
    "Notification",
    "NotificationQueue",
    "QueueProblem",
    "Scan",
    "parse_notification",
    "queue_url",
]

# Amazon's names (the mock has its own copy of them, on purpose: a drift shows in the tests).
EXPIRY = "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"
NEW_SECRET = "APPLICATION_OAUTH_CLIENT_NEW_SECRET"
# How long a received message stays hidden while a pass reads the queue; every message is
# made visible again when the pass ends, so this bounds what a crash costs other consumers.
HOLD_SECONDS = 60
# The most messages one pass reads, and the longest it takes.
MAX_MESSAGES = 200
MAX_SCAN_SECONDS = 30.0
# SQS's longest long poll.
MAX_WAIT_SECONDS = 20
# The most entries one SQS batch request takes.
_BATCH_MOST = 10
# A notification is a kilobyte; a body far larger is no notification of Amazon's.
MAX_NOTIFICATION_BYTES = 64 * 1024
_QUEUE_PATH = re.compile(r"^/(\d{12})/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)/?$")
_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$")
_REGION_HOST = re.compile(r"^sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")
_LEGACY_HOST = re.compile(r"^([a-z0-9-]+)\.queue\.amazonaws\.com$")


class QueueProblem(Exception):
    """The queue cannot be read; ``finding`` says why (a catalogue finding)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.one_line())
        self.finding = finding


def queue_url(text: str) -> tuple[str, str | None]:
    """``(url, region)`` of what the user gave: a queue URL, or the queue's ARN (which the
    Notification Preferences page shows) turned into its URL. ValueError names what is
    wrong, for a usage error."""

    text = (text or "").strip()
    arn = _ARN.match(text)
    if arn:
        region, account, name = arn.groups()
        return f"https://sqs.{region}.amazonaws.com/{account}/{name}", region
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "--queue-url must be the queue's URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME) "
            "or its ARN (arn:aws:sqs:REGION:ACCOUNT:NAME)"
        )
    if parts.scheme == "http" and not is_loopback(text):
        raise ValueError(
            "--queue-url must use https: the new client secret travels in the messages"
        )
    if not _QUEUE_PATH.match(parts.path):
        raise ValueError(
            f"--queue-url {shown_url(text)} names no queue: its path must be /ACCOUNT/NAME "
            "(a 12-digit account and the queue's name)"
        )
    if parts.path.rstrip("/").endswith(".fifo"):
        raise ValueError(
            "--queue-url names a FIFO queue; Amazon posts notifications to Standard queues only"
        )
    host = parts.hostname
    found = _REGION_HOST.match(host) or _LEGACY_HOST.match(host)
    region = found.group(1) if found else ("us-east-1" if host == "queue.amazonaws.com" else None)
    return text, region


def _moment(value: object) -> datetime | None:
    """Amazon's ``2024-01-10T22:09:17.456Z`` (or any ISO 8601 time with a zone), in UTC."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(timezone.utc)


class Notification:
    """One of Amazon's two notifications about a client secret, as read from the queue.

    ``kind`` is :data:`EXPIRY` or :data:`NEW_SECRET`; ``expires`` the date it gives (the
    secret's expiry, or the new secret's); ``old_expires`` (new secret only) when the
    replaced one stops working. ``new_secret`` is the secret itself: never shown, not even
    in ``repr``.
    """

    __slots__ = (
        "_new_secret",
        "client_id",
        "event_time",
        "expires",
        "kind",
        "message_id",
        "old_expires",
        "receipt_handle",
        "receive_count",
    )

    def __init__(
        self,
        *,
        kind: str,
        client_id: str,
        event_time: datetime,
        expires: datetime,
        old_expires: datetime | None = None,
        new_secret: str | None = None,
        message_id: str | None = None,
        receipt_handle: str | None = None,
        receive_count: int | None = None,
    ) -> None:
        self.kind = kind
        self.client_id = client_id
        self.event_time = event_time
        self.expires = expires
        self.old_expires = old_expires
        self._new_secret = new_secret
        self.message_id = message_id
        self.receipt_handle = receipt_handle
        self.receive_count = receive_count

    @property
    def new_secret(self) -> str | None:
        """The new client secret (NEW_SECRET only): send it to LWA or a store, never print it."""
        return self._new_secret

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the secret masked)."""
        return {
            "type": self.kind,
            "client_id": mask(self.client_id),
            "event_time": _iso(self.event_time),
            "expires": _iso(self.expires),
            "old_expires": _iso(self.old_expires) if self.old_expires else None,
            "new_secret": mask(self._new_secret) if self._new_secret else None,
            "message_id": self.message_id,
            "receive_count": self.receive_count,
        }

    def __repr__(self) -> str:
        secret = f", new secret {mask(self._new_secret)}" if self._new_secret else ""
        return (
            f"Notification({self.kind}, {mask(self.client_id)}, "
            f"expires {_iso(self.expires)}{secret})"
        )


def _iso(moment: datetime) -> str:
    """The form the JSON and the state file (:mod:`._rotation`) give a moment: UTC, seconds."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_notification(body: object) -> Notification | None:
    """The notification a message body holds, or None when it is not one of the two (another
    notification type, no JSON, a shape Amazon does not send)."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    if not isinstance(body, str) or len(body) > MAX_NOTIFICATION_BYTES:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("notificationType")
    payload = data.get("payload")
    event_time = _moment(data.get("eventTime"))
    if not isinstance(payload, dict) or event_time is None:
        return None
    if kind == EXPIRY:
        inner = payload.get("applicationOAuthClientSecretExpiry")
        if not isinstance(inner, dict):
            return None
        client_id, expires = inner.get("clientId"), _moment(inner.get("clientSecretExpiryTime"))
        if not isinstance(client_id, str) or not client_id or expires is None:
            return None
        return Notification(kind=kind, client_id=client_id, event_time=event_time, expires=expires)
    if kind == NEW_SECRET:
        inner = payload.get("applicationOAuthClientNewSecret")
        if not isinstance(inner, dict):
            return None
        client_id, secret = inner.get("clientId"), inner.get("newClientSecret")
        expires = _moment(inner.get("newClientSecretExpiryTime"))
        old_expires = _moment(inner.get("oldClientSecretExpiryTime"))
        if (
            not isinstance(client_id, str)
            or not client_id
            or not isinstance(secret, str)
            or not secret
            or expires is None
            or old_expires is None
        ):
            return None
        protect_logs((secret,))
        return Notification(
            kind=kind,
            client_id=client_id,
            event_time=event_time,
            expires=expires,
            old_expires=old_expires,
            new_secret=secret,
        )
    return None


class Scan:
    """What one pass over the queue saw: Amazon's client-secret notifications, oldest first,
    and how many other messages it made visible again."""

    __slots__ = ("notifications", "others", "truncated")

    def __init__(self, notifications: Iterable[Notification], others: int, truncated: bool):
        self.notifications = sorted(notifications, key=lambda n: n.event_time)
        self.others = others
        self.truncated = truncated

    def of(self, client_id: str) -> list[Notification]:
        return [n for n in self.notifications if n.client_id == client_id]

    def __repr__(self) -> str:
        return f"Scan({len(self.notifications)} notifications, {self.others} other messages)"


class NotificationQueue:
    """The queue at ``url`` (see :func:`queue_url`), read with the AWS credentials of
    ``environ`` (AWS_PROFILE, AWS_ACCESS_KEY_ID...; ``AWS_ENDPOINT_URL_SQS`` for another
    endpoint). ``client`` replaces the boto3 client (tests)."""

    def __init__(
        self,
        url: str,
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        client: Any = None,
        hold: int = HOLD_SECONDS,
        max_messages: int = MAX_MESSAGES,
    ) -> None:
        self.url, self._region = queue_url(url)
        self._environ = os.environ if environ is None else environ
        self.timeout = timeout
        self._retries = retries
        self._client = client
        # How long a received message stays hidden (see HOLD_SECONDS), and the most
        # messages one pass reads.
        self.hold = hold
        self.max_messages = max_messages

    @property
    def shown(self) -> str:
        return shown_url(self.url)

    # ------------------------------------------------------------------ the client
    def _service(self) -> Any:
        if self._client is not None:
            return self._client
        from ._transport import aws_client

        env = self._environ
        try:
            client, _transport = aws_client(
                "sqs",
                env,
                timeout=self.timeout,
                retries=self._retries,
                endpoint_url=env.get(ENV_SQS) or None,
                region=self._region
                or env.get("AWS_DEFAULT_REGION")
                or env.get("AWS_REGION")
                or None,
                profile=env.get("AWS_PROFILE") or None,
                # Long polls last up to MAX_WAIT_SECONDS: the transport's reads outlast them.
                longest_wait=MAX_WAIT_SECONDS,
            )
        except Exception as error:  # a profile that does not exist, no region: a finding
            raise QueueProblem(self._finding(error, "the client")) from None
        self._client = client
        return client

    def _finding(self, error: BaseException, operation: str) -> Finding:
        from ._diagnose import diagnose_sqs

        env = self._environ
        return diagnose_sqs(
            error,
            operation=operation,
            queue=self.shown,
            secrets=[env.get("AWS_SECRET_ACCESS_KEY"), env.get("AWS_SESSION_TOKEN")],
        )

    def _call(self, operation: str, **parameters: Any) -> dict[str, Any]:
        client = self._service()
        try:
            answer: dict[str, Any] = getattr(client, operation)(QueueUrl=self.url, **parameters)
        except Exception as error:  # botocore's errors, network included: a finding
            raise QueueProblem(self._finding(error, _operation_name(operation))) from None
        return answer

    # ------------------------------------------------------------------ the queue
    def describe(self) -> dict[str, Any]:
        """The queue's ARN, visibility timeout, redrive policy (``max_receive_count``, or
        None) and approximate message counts; raises :class:`QueueProblem`."""
        answer = self._call("get_queue_attributes", AttributeNames=["All"])
        attributes = answer.get("Attributes") or {}
        redrive = None
        try:
            policy = json.loads(attributes.get("RedrivePolicy") or "null")
        except (ValueError, TypeError):
            policy = None
        if isinstance(policy, dict):
            redrive = _int(policy.get("maxReceiveCount"))
        return {
            "arn": attributes.get("QueueArn"),
            "visibility_timeout": _int(attributes.get("VisibilityTimeout")),
            "max_receive_count": redrive,
            "messages": _int(attributes.get("ApproximateNumberOfMessages")),
            "in_flight": _int(attributes.get("ApproximateNumberOfMessagesNotVisible")),
        }

    def receive_count_warning(self, described: Mapping[str, Any]) -> Finding | None:
        """The finding that says reading counts towards the dead-letter limit, or None."""
        limit = described.get("max_receive_count")
        if limit is None:
            return None
        return entry("queue-counts-receives").finding(
            f"The queue {self.shown} moves a message to its dead-letter queue after "
            f"{limit} receives; every read by spapi-doctor counts as one."
        )

    def _receive(self, wait_seconds: float) -> list[dict[str, Any]]:
        """One ReceiveMessage, long-polling for ``wait_seconds`` (0: an answer at once).

        SQS waits whole seconds: a wait is rounded up, never down, since a fraction rounded
        down to 0 would turn a pass's last second into a loop of requests that return at
        once (each one billed), where one that waits was asked for."""
        answer = self._call(
            "receive_message",
            MaxNumberOfMessages=10,
            VisibilityTimeout=self.hold,
            WaitTimeSeconds=max(0, min(MAX_WAIT_SECONDS, math.ceil(wait_seconds))),
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = answer.get("Messages") or []
        return [m for m in messages if isinstance(m, dict) and m.get("ReceiptHandle")]

    def _notification_of(self, message: Mapping[str, Any]) -> Notification | None:
        notification = parse_notification(message.get("Body"))
        if notification is not None:
            notification.message_id = message.get("MessageId")
            notification.receipt_handle = message["ReceiptHandle"]
            notification.receive_count = _int(
                (message.get("Attributes") or {}).get("ApproximateReceiveCount")
            )
        return notification

    def release(self, receipt_handle: str | None) -> None:
        """Make a received message visible to every consumer again, now (None: nothing)."""
        if receipt_handle is None:
            return
        self._call("change_message_visibility", ReceiptHandle=receipt_handle, VisibilityTimeout=0)

    def _release_all(self, handles: Iterable[str]) -> int:
        """Release every held message; returns how many releases failed (those come back
        anyway when their :data:`HOLD_SECONDS` end).

        ``ChangeMessageVisibilityBatch``, ten messages a request (SQS's most): a pass over a
        queue of a few notices is one request, not one per message (each one billed). AWS
        authorises it as ``sqs:ChangeMessageVisibility``, the permission :meth:`release`
        needs; a request that fails fails its every message, and each message SQS lists
        under ``Failed`` (a receipt handle no longer valid) counts too."""
        pending = list(handles)
        failed = 0
        for start in range(0, len(pending), _BATCH_MOST):
            batch = pending[start : start + _BATCH_MOST]
            entries = [
                {"Id": str(number), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for number, handle in enumerate(batch)
            ]
            try:
                answer = self._call("change_message_visibility_batch", Entries=entries)
            except QueueProblem:
                failed += len(batch)
                continue
            failed += len(answer.get("Failed") or ())
        return failed

    def delete(self, notification: Notification) -> None:
        """Remove a message spapi-doctor consumed (the new secret it stored)."""
        self._call("delete_message", ReceiptHandle=notification.receipt_handle)

    def _pass(
        self, held: _Held, seconds: float, *, until: str, first_wait: float
    ) -> Iterator[tuple[dict[str, Any], Notification | None]]:
        """Receive batch after batch, each message hidden while the pass lasts, and yield
        ``(message, notification or None)`` for each message not seen before. Ends when a
        receive brings nothing (``until="empty"``) or when ``seconds`` are over (up to a
        second later: see :meth:`_receive`). Every
        handle received goes into ``held``, which the caller releases when it is done."""
        started = time.monotonic()
        wait = first_wait
        seen: set[str] = set()
        while True:
            left = seconds - (time.monotonic() - started)
            if left <= 0 or len(seen) >= self.max_messages:
                held.truncated = until == "empty"
                return
            messages = self._receive(min(wait, left))
            if until == "empty":
                wait = 0
            for message in messages:
                key = message.get("MessageId") or message["ReceiptHandle"]
                # A message seen again (its hold ended) has a new handle: keep the newest.
                held.handles[key] = message["ReceiptHandle"]
                if key in seen:
                    continue
                seen.add(key)
                yield message, self._notification_of(message)
            if not messages and until == "empty":
                return

    def scan(self, *, seconds: float = MAX_SCAN_SECONDS) -> Scan:
        """One pass over the queue: every message is received (hidden meanwhile), read, and
        made visible again at the end; nothing is deleted. Raises :class:`QueueProblem`."""
        held = _Held()
        notifications, others = [], 0
        try:
            # The first receive waits a little (long polling asks every server); the next
            # ones do not wait: an empty answer then means the pass has seen everything.
            for _message, notification in self._pass(held, seconds, until="empty", first_wait=2):
                if notification is None:
                    others += 1
                else:
                    notifications.append(notification)
        finally:
            self._release_all(held.handles.values())
        return Scan(notifications, others, held.truncated)

    def take_newest(
        self, wanted: Callable[[Notification], bool], *, seconds: float, arrival: bool = False
    ) -> Notification | None:
        """The newest notification ``wanted(notification)`` accepts, or None.

        Without ``arrival``, one pass over what the queue holds now; with it, a wait of at
        most ``seconds`` for one to arrive. Every other message is made visible again when
        the pass ends (while it lasts, they stay hidden, so that they are not read again and
        again); the one returned stays hidden for :data:`HOLD_SECONDS`, until
        :meth:`delete` (consumed) or :meth:`release`. Raises :class:`QueueProblem`."""
        held = _Held()
        found = None
        try:
            for _message, notification in self._pass(
                held,
                seconds,
                until="found" if arrival else "empty",
                first_wait=MAX_WAIT_SECONDS if arrival else 2,
            ):
                if notification is not None and wanted(notification):
                    if found is None or notification.event_time >= found.event_time:
                        found = notification
                    if arrival:
                        break
        finally:
            keep = found.receipt_handle if found is not None else None
            self._release_all(h for h in held.handles.values() if h != keep)
        return found

    def __repr__(self) -> str:
        return f"NotificationQueue({self.shown})"


class _Held:
    """What one pass over the queue holds: the newest receipt handle of each message it
    received (made visible again when the pass ends), and whether it stopped before the
    queue was empty. A pass's own, so that two passes of one queue object do not mix."""

    __slots__ = ("handles", "truncated")

    def __init__(self) -> None:
        self.handles: dict[str, str] = {}
        self.truncated = False


def _operation_name(method: str) -> str:
    return "".join(part.capitalize() for part in method.split("_"))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
