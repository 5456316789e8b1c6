"""A client secret a later rotation replaced: Amazon accepts it for 7 more days only.

During that week Login with Amazon still accepts the old secret, so only the notifications
can tell. The state file learns it from the new-secret notification of a rotation that came
after the one that named the configured secret; `check` and `secret-status` then say it
was replaced and when it stops working (``client-secret-replaced``). A secret no
notification named is not dated: nothing says which rotation made it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from _sqs import queue_bodies

from spapi_docs_helpers import check
from spapi_docs_helpers._diagnose import known_expiry_findings
from spapi_docs_helpers._queue import NEW_SECRET, Notification
from spapi_docs_helpers._rotation import ROTATION_PATH, ROTATION_SCOPE, SecretState, secret_status
from spapi_docs_helpers.mock import MockAmazon

CLIENT = "amzn1.application-oa2-client.0000000000000000000000000000fake"
FIRST, SECOND, THIRD = (
    f"amzn1.oa2-cs.v1.{n * 64}" for n in ("a", "b", "c")
)  # obviously fake secrets
START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def rotation(secret: str, at: datetime) -> Notification:
    """The new-secret notification of a rotation at ``at``: Amazon's dates (180 days for the
    new secret, 7 days for the one it replaced)."""
    return Notification(
        kind=NEW_SECRET,
        client_id=CLIENT,
        event_time=at,
        expires=at + timedelta(days=180),
        old_expires=at + timedelta(days=7),
        new_secret=secret,
    )


@pytest.fixture
def state(tmp_path) -> SecretState:
    return SecretState(tmp_path / "state.json")


def test_a_later_rotation_dates_the_secret_it_replaced_to_its_grace_week(state):
    state.note_notifications(CLIENT, [rotation(FIRST, START)])
    first = state.known(CLIENT, FIRST)
    assert first.replaced_at is None and first.expires == START + timedelta(days=180)

    later = START + timedelta(days=100)
    state.note_notifications(CLIENT, [rotation(SECOND, later)])
    first = state.known(CLIENT, FIRST)
    assert first.certain
    assert first.expires == later + timedelta(days=7)
    assert first.replaced_at == later
    second = state.known(CLIENT, SECOND)
    assert second.replaced_at is None, "the new secret is not replaced by its own rotation"
    assert second.expires == later + timedelta(days=180)

    findings = known_expiry_findings(first, now=later + timedelta(days=2), accepted=True)
    assert [(f.code, f.severity) for f in findings] == [("client-secret-replaced", "warning")]
    assert "in 5 days" in findings[0].message and "2026-06-09" in findings[0].message
    assert "rotate" in findings[0].fix and "not rotate again" in findings[0].fix
    # After the grace week it is an expired secret like any other.
    ended = known_expiry_findings(first, now=later + timedelta(days=8), accepted=False)
    assert [f.code for f in ended] == ["client-secret-past-expiry"]
    assert "replaced by the rotation of" in ended[0].message


def test_reading_the_queue_again_or_in_any_order_gives_the_same_dates(state):
    """secret-status reads every message on each run: the rule is idempotent, and a secret
    is replaced by the earliest later rotation (the one right after it), not the last."""
    one, two, three = START, START + timedelta(days=30), START + timedelta(days=60)
    notes = [rotation(FIRST, one), rotation(SECOND, two), rotation(THIRD, three)]
    state.note_notifications(CLIENT, notes)
    once = {s: vars_of(state.known(CLIENT, s)) for s in (FIRST, SECOND, THIRD)}
    state.note_notifications(CLIENT, notes)
    state.note_notifications(CLIENT, list(reversed(notes)))
    again = {s: vars_of(state.known(CLIENT, s)) for s in (FIRST, SECOND, THIRD)}
    assert once == again
    assert once[FIRST]["replaced_at"] == two and once[FIRST]["expires"] == two + timedelta(days=7)
    assert once[SECOND]["replaced_at"] == three
    assert once[THIRD]["replaced_at"] is None


def vars_of(record) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


def test_a_secret_no_notification_named_is_not_dated(state):
    """The configured secret may be newer than every notification (a rotation by hand): a
    date for it would be a guess, so the file says nothing of it."""
    state.note_notifications(CLIENT, [rotation(FIRST, START), rotation(SECOND, START)])
    assert state.known(CLIENT, "amzn1.oa2-cs.v1." + "d" * 64) is None
    # Two notifications of the same moment: neither replaced the other.
    assert state.known(CLIENT, FIRST).replaced_at is None


def test_the_mark_survives_the_file(state, tmp_path):
    state.note_notifications(
        CLIENT, [rotation(FIRST, START), rotation(SECOND, START + timedelta(1))]
    )
    state.save()
    text = (tmp_path / "state.json").read_text()
    assert FIRST not in text and SECOND not in text, "the file holds fingerprints only"
    again = SecretState(tmp_path / "state.json").known(CLIENT, FIRST)
    assert again.replaced_at == START + timedelta(days=1)


# --------------------------------------------------------------------------- end to end


def _rotate_at_amazon(env, client_id: str, secret: str) -> None:
    """rotateApplicationClientSecret, as another tool or a colleague would call it: the
    mock posts the new secret's notification to the app's queue."""
    token = requests.post(
        env["SPAPI_LWA_ENDPOINT"],
        data={
            "grant_type": "client_credentials",
            "scope": ROTATION_SCOPE,
            "client_id": client_id,
            "client_secret": secret,
        },
        timeout=10,
    )
    assert token.status_code == 200, token.text
    answer = requests.post(
        env["SPAPI_ENDPOINT_NA"] + ROTATION_PATH,
        headers={"x-amz-access-token": token.json()["access_token"]},
        timeout=10,
    )
    assert answer.status_code == 204, answer.text


def _new_secrets_on_the_queue(amazon) -> list:
    """The new secrets the queue's notifications carry, oldest first (left on the queue)."""
    found = [
        (body["eventTime"], body["payload"]["applicationOAuthClientNewSecret"]["newClientSecret"])
        for body in queue_bodies(amazon)
        if "applicationOAuthClientNewSecret" in body["payload"]
    ]
    return [secret for _, secret in sorted(found)]


@pytest.fixture
def amazon(monkeypatch):
    """The mock of an app with a notification queue (its expiry notices are about the
    secret current before these rotations), without SP-API's usage plans: Amazon allows one
    rotation a minute, and this story needs two in a row."""
    with MockAmazon("secret-expires-in-5-days", rate_limits=False) as running:
        for name, value in running.env.items():
            monkeypatch.setenv(name, value)
        yield running


def test_check_warns_about_a_secret_replaced_by_a_rotation_elsewhere(
    amazon, monkeypatch, assert_no_leak
):
    """The configured secret came from one rotation; a colleague rotated again since. Login
    with Amazon still takes it (the grace week), the check passes its LWA stage, and after
    secret-status has read the queue it warns that the secret was replaced and when it ends."""
    env = amazon.env
    client_id, original = env["LWA_APP_ID"], env["LWA_CLIENT_SECRET"]
    _rotate_at_amazon(env, client_id, original)
    (first,) = _new_secrets_on_the_queue(amazon)
    monkeypatch.setenv("LWA_CLIENT_SECRET", first)  # the user stored the first new secret
    amazon.world.advance(timedelta(hours=1))  # the mock's clock stands still otherwise
    _rotate_at_amazon(env, client_id, first)  # and an hour later someone rotated again
    assert len(_new_secrets_on_the_queue(amazon)) == 2

    status = secret_status(env["SPAPI_MOCK_NOTIFICATION_QUEUE_URL"], account="default")
    (client,) = status.clients
    assert client["certain"] and 6 <= client["days_left"] <= 7
    assert "replaced the secret checked here" in client["summary"]

    report = check()
    text = report.render_text()
    codes = {f.code: f for f in report.findings}
    assert "client-secret-replaced" in codes, text
    assert codes["client-secret-replaced"].severity == "warning"
    assert report.ok, "LWA and the SP-API still take the replaced secret: a warning, no error"
    assert "replaced this client secret" in text
    assert_no_leak(text, first, original)


def test_a_rotation_never_replaces_its_own_new_secret_whatever_the_clock_precision(state):
    """The file keeps whole seconds; a notification's moment may carry microseconds (rotate
    notes the secrets it stores at once). The new secret stays dated to 180 days."""
    state.note_notifications(CLIENT, [rotation(FIRST, START)])
    exact = START + timedelta(days=1, microseconds=654321)
    state.note_notifications(CLIENT, [rotation(SECOND, exact)])
    assert state.known(CLIENT, SECOND).replaced_at is None
    assert state.known(CLIENT, FIRST).replaced_at == exact.replace(microsecond=0)


def test_secret_status_says_a_replaced_secret_stopped_once_its_week_is_over(state):
    from spapi_docs_helpers._rotation import _client_summary

    state.note_notifications(
        CLIENT, [rotation(FIRST, START), rotation(SECOND, START + timedelta(1))]
    )
    record = state.known(CLIENT, FIRST)
    during = _client_summary(record, START + timedelta(days=3))
    after = _client_summary(record, START + timedelta(days=30))
    assert "replaced the secret checked here" in during and "stops accepting it" in during
    assert "stopped accepting it" in after and "days ago" in after
