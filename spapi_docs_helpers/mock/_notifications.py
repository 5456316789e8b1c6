"""Amazon's application notifications: the client secret's expiry warnings and new secret.

An app registers an Amazon SQS queue as the destination of two rows of the Developer
Console's Notification Preferences, "Application Client Secret Expiry" and "Application
Client New Secret". Amazon then posts, as the body of an SQS message:

* ``APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY`` 90, 60, 30, 15, 7 and 1 days before the
  current secret expires (Amazon, amzn/selling-partner-api-samples#116);
* ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` after ``rotateApplicationClientSecret``, with
  the new secret itself, its expiry, and when the previous one stops working.

The payloads below have exactly the keys and nesting of Amazon's own examples
(amzn/selling-partner-api-samples, use-cases/lwa-rotation/docs/DEPLOYMENT.md §4.1 and
§4.2): ``notificationVersion`` "1.0", ``payloadVersion`` "2023-11-30", times in UTC with
milliseconds and a ``Z``, ``clientSecretExpiryReason`` "PERIODIC_ROTATION" (the only value
Amazon's documents show). Only the values are the mock's: its world's client identifiers,
secrets and dates, and identifiers derived from them (the same on every run).

Where Amazon is not documented, the mock chooses and says so: the notification arrives
before ``rotateApplicationClientSecret`` answers (Amazon's arrives "shortly after"), its
``publishTime`` is 4 seconds after ``eventTime`` (Amazon's example shows about 1 to 4), and
an app's one queue takes both notification types (the console allows one destination per
row; the rows may name the same queue).

:class:`Outbox` is Amazon's side of the delivery: it posts each notification to the queue
the app registered, through moto's SQS when the mock's AWS part runs. Without it (or while
``paused``) it keeps them, undelivered, for tests to look at (``undelivered``) or deliver
later (:meth:`Outbox.release`).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "EXPIRY",
    "EXPIRY_LEAD_DAYS",
    "NEW_SECRET",
    "Notification",
    "Outbox",
    "expiry_notification",
    "expiry_notifications_sent",
    "new_secret_notification",
]

EXPIRY = "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"
NEW_SECRET = "APPLICATION_OAUTH_CLIENT_NEW_SECRET"
# When Amazon sends the expiry notification, in days before the secret expires.
EXPIRY_LEAD_DAYS = (90, 60, 30, 15, 7, 1)
PUBLISH_DELAY = timedelta(seconds=4)
_NAMESPACE = uuid.UUID("0c7e4b1a-43a5-4f0e-9d8e-6b1f2a3c5d77")


def _time(moment: datetime) -> str:
    """Amazon's format: ``2024-01-10T22:09:17.456Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _identifier(seed: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, seed))


def _metadata(application_id: str, event_time: datetime, seed: str) -> dict[str, Any]:
    return {
        "applicationId": application_id,
        "subscriptionId": _identifier(f"{application_id}:subscription"),
        "publishTime": _time(event_time + PUBLISH_DELAY),
        "notificationId": _identifier(seed),
    }


def expiry_notification(
    *, client_id: str, application_id: str, expires_at: datetime, event_time: datetime
) -> dict[str, Any]:
    """``APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY``, Amazon's shape (DEPLOYMENT.md §4.1)."""
    return {
        "notificationVersion": "1.0",
        "notificationType": EXPIRY,
        "payloadVersion": "2023-11-30",
        "eventTime": _time(event_time),
        "payload": {
            "applicationOAuthClientSecretExpiry": {
                "clientId": client_id,
                "clientSecretExpiryTime": _time(expires_at),
                "clientSecretExpiryReason": "PERIODIC_ROTATION",
            }
        },
        "notificationMetadata": _metadata(
            application_id, event_time, f"{client_id}:expiry:{_time(event_time)}"
        ),
    }


def new_secret_notification(
    *,
    client_id: str,
    application_id: str,
    new_secret: str,
    new_expires_at: datetime,
    old_expires_at: datetime,
    event_time: datetime,
) -> dict[str, Any]:
    """``APPLICATION_OAUTH_CLIENT_NEW_SECRET``, Amazon's shape (DEPLOYMENT.md §4.2)."""
    return {
        "notificationVersion": "1.0",
        "notificationType": NEW_SECRET,
        "payloadVersion": "2023-11-30",
        "eventTime": _time(event_time),
        "payload": {
            "applicationOAuthClientNewSecret": {
                "clientId": client_id,
                "newClientSecret": new_secret,
                "newClientSecretExpiryTime": _time(new_expires_at),
                "oldClientSecretExpiryTime": _time(old_expires_at),
            }
        },
        "notificationMetadata": _metadata(
            application_id, event_time, f"{client_id}:new-secret:{_time(event_time)}"
        ),
    }


def expiry_notifications_sent(
    *,
    client_id: str,
    application_id: str,
    expires_at: datetime,
    now: datetime,
) -> list[dict[str, Any]]:
    """Every expiry notification Amazon has sent by ``now`` for a secret expiring at
    ``expires_at`` (one per lead time already reached), oldest first."""
    sent = []
    for days in EXPIRY_LEAD_DAYS:
        event_time = expires_at - timedelta(days=days)
        if event_time <= now:
            sent.append(
                expiry_notification(
                    client_id=client_id,
                    application_id=application_id,
                    expires_at=expires_at,
                    event_time=event_time,
                )
            )
    return sent


@dataclass(frozen=True)
class Notification:
    """One notification on its way: the queue (its name) and the JSON body."""

    queue: str
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.body, separators=(",", ":"))


class Outbox:
    """Amazon's posting of notifications to the apps' queues (thread-safe).

    ``attach(send)`` gives it the way to post (``send(queue_name, text)``, the mock's
    SQS); until then, and while ``paused``, notifications wait in ``undelivered``
    (:meth:`release` delivers them, :meth:`drop` loses them). ``delivered`` lists what
    reached a queue.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._send: Callable[[str, str], None] | None = None
        self.paused = False
        self.undelivered: list[Notification] = []
        self.delivered: list[Notification] = []

    def attach(self, send: Callable[[str, str], None]) -> None:
        with self._lock:
            self._send = send
        self.release()

    def post(self, queue: str, body: dict[str, Any]) -> None:
        notification = Notification(queue, body)
        with self._lock:
            self.undelivered.append(notification)
        if not self.paused:
            self.release()

    def release(self) -> None:
        """Deliver what waits (the order it was posted in), unless nothing can post."""
        with self._lock:
            if self._send is None:
                return
            waiting, self.undelivered = self.undelivered, []
            for notification in waiting:
                self._send(notification.queue, notification.text)
                self.delivered.append(notification)

    def drop(self) -> int:
        """Lose what waits (a notification that never arrives); returns how many."""
        with self._lock:
            count = len(self.undelivered)
            self.undelivered = []
            return count
