"""The client secret's expiry and its rotation, end to end against the mock Amazon.

The mock posts Amazon's notifications to its SQS queue (moto): the expiry notices a
scenario pre-loads, and the new secret after each rotateApplicationClientSecret. What the
tests hold the commands to: secret-status takes nothing off the queue; rotate finishes a
rotation that stopped half-way instead of rotating again, never leaves a store holding a
secret Login with Amazon refuses, updates every account of the client in one write, and
shows the new secret masked only.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from _sqs import queue_bodies, queue_counts, sqs

from spapi_docs_helpers import check
from spapi_docs_helpers._catalogue import entry
from spapi_docs_helpers._cli import main
from spapi_docs_helpers._diagnose import known_expiry_findings
from spapi_docs_helpers._queue import (
    NotificationQueue,
    QueueProblem,
    parse_notification,
    queue_url,
)
from spapi_docs_helpers._rotation import (
    ExpiryRecord,
    SecretState,
    rotate_client_secret,
    secret_status,
)
from spapi_docs_helpers._stores import CredentialsFile, SecretsManagerSecret
from spapi_docs_helpers.mock._notifications import NEW_SECRET
from spapi_docs_helpers.mock._world import (
    APP_SANDBOX_ONLY,
    AUTH_SANDBOX_ONLY,
    SAMPLE_QUEUE,
    SECRET_NAME,
)

ROOT = Path(__file__).resolve().parents[1]
LWA_KEYS = ("lwa_app_id", "lwa_client_secret", "refresh_token")
FIVE_DAYS = pytest.mark.mock_scenario("secret-expires-in-5-days")


def the_queue(amazon) -> str:
    return amazon.env["SPAPI_MOCK_NOTIFICATION_QUEUE_URL"]


def store_accounts(amazon, **accounts) -> CredentialsFile:
    """credentials.yml with ``accounts`` ({name: credentials dict}) in the fake HOME."""
    store = CredentialsFile()
    store.update({name: {k: v[k] for k in LWA_KEYS} for name, v in accounts.items()})
    return store


def secret_of(store, account) -> str:
    return yaml.safe_load(Path(store.path).read_text())[account]["lwa_client_secret"]


def lwa_accepts(amazon, client_id, secret) -> bool:
    app = amazon.world.authenticate_client(client_id, secret)
    return app is not None


# --------------------------------------------------------------------------- the notifications


@FIVE_DAYS
def test_the_notifications_the_mock_posts_have_amazons_shape(mock_amazon_env):
    """Amazon's sample payloads (DEPLOYMENT.md §4.1, §4.2): the same keys, nesting, versions
    and time format; the checker's parser reads both."""
    bodies = queue_bodies(mock_amazon_env)
    assert bodies, "the 5-day scenario pre-loads Amazon's expiry notices"
    expiry = bodies[0]
    assert set(expiry) == {
        "notificationVersion",
        "notificationType",
        "payloadVersion",
        "eventTime",
        "payload",
        "notificationMetadata",
    }
    assert (expiry["notificationVersion"], expiry["payloadVersion"]) == ("1.0", "2023-11-30")
    assert expiry["notificationType"] == "APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"
    inner = expiry["payload"]["applicationOAuthClientSecretExpiry"]
    assert set(inner) == {"clientId", "clientSecretExpiryTime", "clientSecretExpiryReason"}
    assert inner["clientSecretExpiryReason"] == "PERIODIC_ROTATION"
    assert set(expiry["notificationMetadata"]) == {
        "applicationId",
        "subscriptionId",
        "publishTime",
        "notificationId",
    }
    for stamp in (expiry["eventTime"], inner["clientSecretExpiryTime"]):
        assert datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    # Sent 90, 60, 30, 15 and 7 days before the 180th day: five of them, 5 days left.
    assert len(bodies) == 5
    parsed = [parse_notification(json.dumps(body)) for body in bodies]
    left = parsed[-1].expires - datetime.now(timezone.utc)
    assert timedelta(days=4, hours=23) < left <= timedelta(days=5)
    assert {p.client_id for p in parsed} == {mock_amazon_env.credentials["lwa_app_id"]}


def test_the_parser_ignores_what_is_not_one_of_the_two_notifications():
    assert parse_notification("not json") is None
    assert parse_notification(json.dumps({"notificationType": "ANY_OFFER_CHANGED"})) is None
    broken = {
        "notificationType": NEW_SECRET,
        "eventTime": "2026-01-10T22:09:17.456Z",
        "payload": {"applicationOAuthClientNewSecret": {"clientId": "x"}},
    }
    assert parse_notification(json.dumps(broken)) is None
    assert parse_notification("x" * 100_000) is None


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("sqs-queue", "must be the queue's URL"),
        ("http://sqs.us-east-1.amazonaws.com/123456789012/q", "must use https"),
        ("https://sqs.us-east-1.amazonaws.com/q", "names no queue"),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo", "FIFO"),
    ],
)
def test_a_queue_url_that_names_no_standard_queue_is_refused(given, problem):
    with pytest.raises(ValueError, match=problem):
        queue_url(given)


def test_the_queue_arn_of_the_notification_preferences_page_is_taken_for_its_url():
    assert queue_url("arn:aws:sqs:eu-west-1:123456789012:lwa") == (
        "https://sqs.eu-west-1.amazonaws.com/123456789012/lwa",
        "eu-west-1",
    )


# --------------------------------------------------------------------------- secret-status


@FIVE_DAYS
def test_secret_status_reports_the_expiry_and_leaves_every_message_on_the_queue(
    mock_amazon_env, assert_no_leak
):
    before = queue_counts(mock_amazon_env)
    status = secret_status(the_queue(mock_amazon_env), account="default")
    assert status.ok
    assert queue_counts(mock_amazon_env) == before == (5, 0), "nothing taken, nothing hidden"
    (client,) = status.clients
    assert client["days_left"] == 5 and not client["certain"]
    assert client["severity"] == "warning"
    assert len(client["notifications"]) == 5
    assert [f.code for f in status.findings] == ["client-secret-expiry-announced"]
    assert "in 5 days" in status.render_text()
    # Every read counted as a receive: a redrive policy would see it (none is set here).
    bodies = sqs(mock_amazon_env).receive_message(
        QueueUrl=the_queue(mock_amazon_env),
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    )["Messages"]
    assert all(int(m["Attributes"]["ApproximateReceiveCount"]) >= 2 for m in bodies)
    # The state file: fingerprints and dates, no credential at all.
    state = Path(status.state_path).read_text()
    (kept,) = json.loads(state)["clients"].values()
    assert kept["announced"]["expires"] == client["expires"]
    assert oct(os.stat(status.state_path).st_mode & 0o777) == "0o600"
    credentials = [*secret_values(mock_amazon_env), mock_amazon_env.credentials["lwa_app_id"]]
    assert_no_leak([state, status.to_json(), status.render_text()], *credentials)


def secret_values(amazon) -> list:
    return [amazon.credentials["lwa_client_secret"], amazon.credentials["refresh_token"]]


@FIVE_DAYS
def test_a_queue_with_a_dead_letter_limit_is_warned_about(mock_amazon_env):
    """Amazon's sample moves a message to its dead-letter queue after 3 receives."""
    url = the_queue(mock_amazon_env).rsplit("/", 1)[0] + "/" + SAMPLE_QUEUE
    status = secret_status(url, account="default")
    assert status.queue["max_receive_count"] == 3
    assert [f.code for f in status.findings] == [
        "queue-counts-receives",
        "client-secret-expiry-unknown",
    ]
    assert "after 3 receives" in status.findings[0].message
    plain = secret_status(the_queue(mock_amazon_env), account="default")
    assert "queue-counts-receives" not in [f.code for f in plain.findings]


@pytest.mark.mock_scenario("rotation-not-enrolled")
def test_a_queue_without_notices_dates_nothing(mock_amazon_env):
    status = secret_status(the_queue(mock_amazon_env), account="default")
    assert status.ok
    assert [f.code for f in status.findings] == ["client-secret-expiry-unknown"]


@pytest.mark.parametrize(
    ("scenario", "warned"),
    [("secret-expires-in-5-days", True), ("secret-expires-in-45-days", False)],
)
def test_check_warns_30_days_ahead_of_the_announced_expiry(scenario, warned, isolated_machine):
    from spapi_docs_helpers.mock import MockAmazon
    from spapi_docs_helpers.mock._isolation import isolated_home

    with MockAmazon(scenario) as amazon:
        environ: dict = {}
        with isolated_home(environ=environ, env=amazon.env):
            before = check(environ=environ, timeout=5)
            assert "client-secret-expiry-announced" not in [f.code for f in before.findings]
            status = secret_status(the_queue(amazon), account="default", environ=environ)
            after = check(environ=environ, timeout=5)
    codes = [f.code for f in after.findings]
    assert ("client-secret-expiry-announced" in codes) is warned
    # secret-status grades the date as the check does.
    (client,) = status.clients
    assert client["severity"] == ("warning" if warned else "info")
    if warned:
        finding = next(f for f in after.findings if f.code == "client-secret-expiry-announced")
        # Amazon's notice may be about another secret: a warning, and nothing is blamed.
        assert finding.severity == "warning" and finding.field is None
        assert after.ok


@pytest.mark.parametrize(
    ("days", "certain", "accepted", "expected"),
    [
        (45, True, False, []),
        (20, True, False, [("client-secret-expires-soon", "warning")]),
        (-2, True, False, [("client-secret-past-expiry", "error")]),
        # Amazon accepted it just now: the record is out of date, not a verdict.
        (-2, True, True, [("client-secret-expiry-announced", "warning")]),
        (20, False, False, [("client-secret-expiry-announced", "warning")]),
        (-2, False, False, [("client-secret-expiry-announced", "warning")]),
    ],
)
def test_the_expiry_rule(days, certain, accepted, expected):
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    record = ExpiryRecord(
        expires=now + timedelta(days=days), certain=certain, basis="test", event_time=now
    )
    findings = known_expiry_findings(record, now=now, accepted=accepted)
    assert [(f.code, f.severity) for f in findings] == expected
    assert known_expiry_findings(None, now=now, accepted=False) == []


@FIVE_DAYS
def test_check_errs_when_the_secret_is_past_the_expiry_its_notification_gave(mock_amazon_env):
    credentials = mock_amazon_env.credentials
    state = SecretState()
    state.note_secret(
        credentials["lwa_app_id"],
        credentials["lwa_client_secret"],
        expires=datetime.now(timezone.utc) - timedelta(days=1),
        basis="the new secret of a rotation",
        event_time=datetime.now(timezone.utc) - timedelta(days=181),
    )
    state.save()
    # Amazon still accepts it (the world's secret is 175 days old): the record is stale.
    accepted = check(timeout=5)
    assert "client-secret-past-expiry" not in [f.code for f in accepted.findings]
    # Past its 180 days the SP-API refuses it: the expiry is confirmed, and blamed.
    mock_amazon_env.world.advance(timedelta(days=10))
    refused = check(timeout=5)
    codes = {f.code: f for f in refused.findings}
    assert "spapi-secret-expired" in codes and "client-secret-past-expiry" in codes
    assert codes["client-secret-past-expiry"].field == "lwa_client_secret"
    assert "lwa_client_secret" in refused.blamed


# --------------------------------------------------------------------------- rotate


@FIVE_DAYS
def test_rotate_updates_every_account_of_the_client_and_nothing_else(
    mock_amazon_env, assert_no_leak
):
    amazon = mock_amazon_env
    other = amazon.new_authorisation({"Product Listing"}, "EU")
    store = store_accounts(
        amazon, **{"shop-us": amazon.credentials, "shop-ca": amazon.credentials, "other": other}
    )
    old = amazon.credentials["lwa_client_secret"]
    lines = []
    result = rotate_client_secret(the_queue(amazon), account="shop-us", say=lines.append, wait=20)
    assert result.ok and result.outcome == "rotated", result.findings
    assert result.accounts == ["shop-us", "shop-ca"]
    new = secret_of(store, "shop-us")
    assert new != old and secret_of(store, "shop-ca") == new
    assert secret_of(store, "other") == other["lwa_client_secret"]
    assert Path(result.backup).is_file() and old in Path(result.backup).read_text()
    # The new secret works, the old one for 7 more days.
    assert lwa_accepts(amazon, amazon.credentials["lwa_app_id"], new)
    assert lwa_accepts(amazon, amazon.credentials["lwa_app_id"], old)
    assert result.old_expires - datetime.now(timezone.utc) <= timedelta(days=7)
    # Consumed: the new secret is off the queue, Amazon's expiry notices stay.
    bodies = queue_bodies(amazon)
    assert [b["notificationType"] for b in bodies] == ["APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY"] * 5
    # Shown masked only.
    shown = [result.summary(), json.dumps(result.as_dict()), repr(result), *lines]
    assert_no_leak(shown, new, old)
    # The state file dates the new secret: check knows it expires in 180 days.
    record = SecretState().known(amazon.credentials["lwa_app_id"], new)
    assert record.certain and timedelta(days=179) < record.expires - datetime.now(timezone.utc)


@FIVE_DAYS
def test_a_dry_run_rotates_nothing_and_writes_nothing(mock_amazon_env):
    amazon = mock_amazon_env
    store = store_accounts(amazon, default=amazon.credentials)
    before = Path(store.path).read_bytes()
    result = rotate_client_secret(the_queue(amazon), dry_run=True)
    assert result.ok and result.outcome == "dry-run" and result.accounts == ["default"]
    assert Path(store.path).read_bytes() == before
    assert amazon.world.apps[app_key(amazon)].generation == 0
    assert SecretState().pending_rotation(amazon.credentials["lwa_app_id"]) is None


def app_key(amazon) -> str:
    return next(
        key
        for key, app in amazon.world.apps.items()
        if app.client_id == amazon.credentials["lwa_app_id"]
    )


@pytest.mark.mock_scenario("rotation-not-enrolled")
def test_an_app_without_a_queue_is_not_enrolled_and_nothing_changes(mock_amazon_env):
    amazon = mock_amazon_env
    store = store_accounts(amazon, default=amazon.credentials)
    before = Path(store.path).read_bytes()
    result = rotate_client_secret(the_queue(amazon), wait=2)
    assert not result.ok
    assert [f.code for f in result.findings] == ["rotation-not-enrolled"]
    assert result.findings[0].subject == "app"
    assert Path(store.path).read_bytes() == before
    assert amazon.world.apps[app_key(amazon)].generation == 0
    # Amazon refused: nothing is pending, a later run may rotate.
    assert SecretState().pending_rotation(amazon.credentials["lwa_app_id"]) is None


@pytest.mark.mock_scenario("rotation-not-enrolled")
def test_a_sandbox_app_is_refused(mock_amazon_env):
    amazon = mock_amazon_env
    app = amazon.world.apps[APP_SANDBOX_ONLY]
    credentials = {
        "lwa_app_id": app.client_id,
        "lwa_client_secret": app.current_secret.value,
        "refresh_token": amazon.world.authorizations[AUTH_SANDBOX_ONLY].refresh_token,
    }
    store_accounts(amazon, default=credentials)
    result = rotate_client_secret(the_queue(amazon), wait=2)
    assert [f.code for f in result.findings] == ["rotation-denied"]
    assert app.generation == 0


@FIVE_DAYS
def test_a_second_rotation_within_the_minute_is_rate_limited(mock_amazon_env):
    amazon = mock_amazon_env
    store_accounts(amazon, default=amazon.credentials)
    assert rotate_client_secret(the_queue(amazon), wait=20).ok
    again = rotate_client_secret(the_queue(amazon), wait=2)
    assert [f.code for f in again.findings] == ["rotation-rate-limited"]
    assert amazon.world.apps[app_key(amazon)].generation == 1


@FIVE_DAYS
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("refused", "queue-unreachable"),
        ("not-permitted", "queue-access-denied"),
        ("missing", "queue-not-found"),
        ("no-keys", "queue-aws-credentials"),
    ],
)
def test_a_queue_that_cannot_be_read_stops_everything_before_the_rotation(
    mock_amazon_env, monkeypatch, change, code
):
    from spapi_docs_helpers.mock._samples import AWS_SECOND_EXAMPLE_ACCESS_KEY as KEY
    from spapi_docs_helpers.mock._samples import AWS_SECOND_EXAMPLE_SECRET_KEY as SECRET

    amazon = mock_amazon_env
    store_accounts(amazon, default=amazon.credentials)
    url = the_queue(amazon)
    if change == "refused":
        monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9")
    elif change == "not-permitted":
        # An IAM user of the world without any SQS permission.
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    elif change == "missing":
        url = url.rsplit("/", 1)[0] + "/no-such-queue"
    else:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = rotate_client_secret(url, wait=2, timeout=2)
    assert [f.code for f in result.findings] == [code]
    assert amazon.world.apps[app_key(amazon)].generation == 0
    status = secret_status(url, account="default", timeout=2)
    assert [f.code for f in status.findings] == [code] and status.exit_code == 1


@FIVE_DAYS
def test_a_new_secret_that_never_arrives_leaves_the_stores_alone_and_is_recovered_later(
    mock_amazon_env,
):
    amazon = mock_amazon_env
    store = store_accounts(amazon, default=amazon.credentials)
    old = amazon.credentials["lwa_client_secret"]
    amazon.notifications.paused = True
    result = rotate_client_secret(the_queue(amazon), wait=2)
    assert [f.code for f in result.findings] == ["new-secret-not-arrived"]
    assert secret_of(store, "default") == old
    assert amazon.world.apps[app_key(amazon)].generation == 1
    # Rotating again could end the stored secret at once: refused.
    refused = rotate_client_secret(the_queue(amazon), wait=2)
    assert [f.code for f in refused.findings] == ["rotation-unfinished"]
    assert amazon.world.apps[app_key(amazon)].generation == 1
    # The notification comes after all: the next run stores it and does not rotate.
    amazon.notifications.release()
    recovered = rotate_client_secret(the_queue(amazon), wait=2)
    assert recovered.ok and recovered.outcome == "recovered", recovered.findings
    assert amazon.world.apps[app_key(amazon)].generation == 1
    assert lwa_accepts(amazon, amazon.credentials["lwa_app_id"], secret_of(store, "default"))
    assert secret_of(store, "default") != old


@FIVE_DAYS
def test_a_new_secret_lwa_refuses_is_never_stored(mock_amazon_env):
    amazon = mock_amazon_env
    store = store_accounts(amazon, default=amazon.credentials)
    old = amazon.credentials["lwa_client_secret"]
    amazon.notifications.paused = True
    rotate_client_secret(the_queue(amazon), wait=1)
    # What arrives is not the secret Amazon issued (a copy altered on its way).
    (waiting,) = amazon.notifications.undelivered
    inner = waiting.body["payload"]["applicationOAuthClientNewSecret"]
    inner["newClientSecret"] = "amzn1.oa2-cs.v1." + "0" * 64
    amazon.notifications.release()
    result = rotate_client_secret(the_queue(amazon), wait=2)
    assert [f.code for f in result.findings] == ["new-secret-rejected"]
    assert secret_of(store, "default") == old
    # Left on the queue, for whoever looks into it.
    assert any(b["notificationType"] == NEW_SECRET for b in queue_bodies(amazon))


@FIVE_DAYS
def test_a_crash_between_the_rotation_and_the_store_is_finished_by_the_next_run(
    mock_amazon_env, tmp_path
):
    """The process dies (no finally, no cleanup) after Amazon rotated and before any store
    was written: the stores hold the old secret, the new one waits on the queue (visible
    again once its hold ends), and the next run stores it without rotating again."""
    amazon = mock_amazon_env
    store = store_accounts(amazon, **{"a": amazon.credentials, "b": amazon.credentials})
    old = amazon.credentials["lwa_client_secret"]
    child = tmp_path / "crash.py"
    child.write_text(
        textwrap.dedent(
            """
            import os, sys
            from spapi_docs_helpers._queue import NotificationQueue
            from spapi_docs_helpers._rotation import rotate_client_secret
            from spapi_docs_helpers._stores import CredentialsFile

            class Crashing(CredentialsFile):
                def update(self, updates, *, replace=False):
                    os._exit(9)  # the power goes: nothing after this runs

            queue = NotificationQueue(sys.argv[1], hold=2)
            rotate_client_secret(sys.argv[1], account="a", store=Crashing(), queue=queue, wait=20)
            """
        )
    )
    ended = subprocess.run(
        [sys.executable, str(child), the_queue(amazon)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ended.returncode == 9, ended.stderr
    assert amazon.world.apps[app_key(amazon)].generation == 1
    assert secret_of(store, "a") == old == secret_of(store, "b")
    assert SecretState().pending_rotation(amazon.credentials["lwa_app_id"]) is not None
    time.sleep(2.5)  # the hold of the crashed run ends: the message is visible again
    result = rotate_client_secret(the_queue(amazon), account="a", wait=5)
    assert result.ok and result.outcome == "recovered", result.findings
    assert amazon.world.apps[app_key(amazon)].generation == 1, "not rotated a second time"
    new = secret_of(store, "a")
    assert new != old and secret_of(store, "b") == new
    assert lwa_accepts(amazon, amazon.credentials["lwa_app_id"], new)
    assert SecretState().pending_rotation(amazon.credentials["lwa_app_id"]) is None


@FIVE_DAYS
def test_an_interrupted_store_update_releases_the_new_secret_for_the_next_run(mock_amazon_env):
    amazon = mock_amazon_env
    store = store_accounts(amazon, default=amazon.credentials)

    class Interrupted(CredentialsFile):
        def update(self, updates, *, replace=False):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate_client_secret(the_queue(amazon), store=Interrupted(), wait=20)
    # Released at once (no wait for the hold): the next run finishes.
    result = rotate_client_secret(the_queue(amazon), wait=5)
    assert result.outcome == "recovered" and result.ok
    assert secret_of(store, "default") != amazon.credentials["lwa_client_secret"]


@FIVE_DAYS
def test_an_unfinished_rotation_blocks_another_unless_forced_and_confirmed(mock_amazon_env):
    """The state file says a rotation was asked for and its secret never stored: rotate
    refuses; --force lifts that, and the question comes before anything changes."""
    amazon = mock_amazon_env
    store = store_accounts(amazon, default=amazon.credentials)
    client_id, old = amazon.credentials["lwa_app_id"], amazon.credentials["lwa_client_secret"]
    state = SecretState()
    state.begin_rotation(client_id, old)
    state.save()
    refused = rotate_client_secret(the_queue(amazon), wait=2)
    assert [f.code for f in refused.findings] == ["rotation-unfinished"]
    asked = []

    def decline(question):
        asked.append(question)
        return False

    declined = rotate_client_secret(the_queue(amazon), wait=2, force=True, confirm=decline)
    assert not declined.ok and declined.outcome == "failed" and declined.findings == []
    assert len(asked) == 1 and client_id not in asked[0]
    assert "nothing was rotated (not confirmed)" in declined.notes
    assert amazon.world.apps[app_key(amazon)].generation == 0
    assert secret_of(store, "default") == old
    forced = rotate_client_secret(the_queue(amazon), wait=20, force=True, confirm=lambda q: True)
    assert forced.ok and forced.outcome == "rotated", forced.findings
    assert amazon.world.apps[app_key(amazon)].generation == 1
    assert secret_of(store, "default") != old
    assert SecretState().pending_rotation(client_id) is None


@FIVE_DAYS
def test_a_new_secret_already_stored_is_only_consumed(mock_amazon_env):
    """The stores hold the new secret already (an earlier run stored it and stopped before
    it took the notification off the queue): nothing is written again, the notification is
    consumed and the rotation noted as finished."""
    amazon = mock_amazon_env
    store = store_accounts(amazon, default=amazon.credentials)
    client_id = amazon.credentials["lwa_app_id"]
    amazon.notifications.paused = True
    assert rotate_client_secret(the_queue(amazon), wait=1).outcome == "failed"
    new = amazon.world.apps[app_key(amazon)].current_secret.value
    store.update({"default": {"lwa_client_secret": new}}, replace=True)
    written = Path(store.path).read_bytes()
    amazon.notifications.release()
    result = rotate_client_secret(the_queue(amazon), wait=2)
    assert result.ok and result.outcome == "completed", result.findings
    assert result.backup is None and Path(store.path).read_bytes() == written
    assert amazon.world.apps[app_key(amazon)].generation == 1
    assert NEW_SECRET not in [b["notificationType"] for b in queue_bodies(amazon)]
    assert SecretState().pending_rotation(client_id) is None
    assert SecretState().known(client_id, new).certain


@FIVE_DAYS
def test_rotate_updates_the_secrets_manager_secret(mock_amazon_env):
    amazon = mock_amazon_env
    secret = SecretsManagerSecret(SECRET_NAME + "-rotation")
    secret.save(SECRET_NAME + "-rotation", amazon.credentials)
    result = rotate_client_secret(the_queue(amazon), store=secret, wait=20)
    assert result.ok and result.outcome == "rotated", result.findings
    (values,) = secret.accounts().values()
    assert values["lwa_client_secret"] != amazon.credentials["lwa_client_secret"]
    assert lwa_accepts(amazon, amazon.credentials["lwa_app_id"], values["lwa_client_secret"])


# --------------------------------------------------------------------------- the commands


@FIVE_DAYS
def test_the_commands(mock_amazon_env, capsys, monkeypatch, assert_no_leak):
    amazon = mock_amazon_env
    store_accounts(amazon, default=amazon.credentials)
    url = the_queue(amazon)
    assert main(["secret-status", "--queue-url", url, "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["kind"] == "secret-status" and status["clients"][0]["days_left"] == 5
    # The text report takes --color as check and init do: off on a pipe, on when asked.
    assert main(["secret-status", "--queue-url", url]) == 0
    assert "\x1b[" not in capsys.readouterr().out
    assert main(["secret-status", "--queue-url", url, "--color", "always"]) == 0
    assert "\x1b[" in capsys.readouterr().out
    # Without a terminal, rotate asks nothing: --yes is required.
    monkeypatch.setattr("sys.stdin", io.StringIO())
    with pytest.raises(SystemExit) as refused:
        main(["rotate", "--queue-url", url])
    assert refused.value.code == 2 and "--yes" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        main(["rotate", "--queue-url", "my-queue", "--yes"])
    assert bad.value.code == 2
    capsys.readouterr()
    assert main(["rotate", "--queue-url", url, "--yes", "--wait", "20"]) == 0
    out, err = capsys.readouterr()
    assert "✓ Rotated the client secret" in err and "the old secret stops working on" in err
    new = secret_of(CredentialsFile(), "default")
    assert_no_leak([out, err], new, amazon.credentials["lwa_client_secret"])
    assert main(["rotate", "--queue-url", url, "--yes", "--format", "json"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert again["outcome"] == "failed"
    assert [f["code"] for f in again["findings"]] == ["rotation-rate-limited"]


def test_every_new_code_is_a_rotation_stage_entry():
    for code in (
        "client-secret-expires-soon",
        "client-secret-past-expiry",
        "client-secret-expiry-announced",
        "rotation-not-enrolled",
        "new-secret-not-arrived",
    ):
        assert entry(code).stage == "rotation"
    # The texts users meet quote Amazon's own words.
    assert (
        "Application is not enrolled for rotation notification."
        in entry("rotation-not-enrolled").texts[0]
    )


def _hold_every_message(amazon, queue) -> list:
    """Receive every message of ``queue`` (ten at most), hidden for a minute: their
    receipt handles."""
    answer = sqs(amazon).receive_message(
        QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=60
    )
    return [m["ReceiptHandle"] for m in answer["Messages"]]


@FIVE_DAYS
def test_the_queue_reader_holds_only_what_it_returns(mock_amazon_env):
    amazon = mock_amazon_env
    queue = NotificationQueue(the_queue(amazon))
    newest = queue.take_newest(lambda n: True, seconds=5)
    assert newest is not None
    # The four others are visible again; the one taken is hidden until released.
    assert queue_counts(amazon) == (4, 1)
    queue.release(newest.receipt_handle)
    assert queue_counts(amazon) == (5, 0)
    # A pass's releases go ten a request (SQS's batch); a handle SQS refuses is counted,
    # the others are released all the same.
    held = _hold_every_message(amazon, queue)
    assert len(held) == 5 and queue_counts(amazon) == (0, 5)
    stale = [f"{handle}-no-longer-valid" for handle in held[:3]] * 3
    assert queue._release_all([*stale, *held]) == 9
    assert queue_counts(amazon) == (5, 0)


@FIVE_DAYS
def test_a_release_request_that_fails_counts_its_whole_batch(mock_amazon_env):
    amazon = mock_amazon_env
    # No retries: the fault below meets one request, the first.
    queue = NotificationQueue(the_queue(amazon), retries=0)
    held = _hold_every_message(amazon, queue)
    assert len(held) == 5
    # Two requests: seven stale handles and three held ones, then the last two held. SQS
    # fails the first (a 500), so every message of it counts as failed and stays hidden;
    # the second request is still made, and its two messages are visible again.
    stale = [f"{held[0]}-no-longer-valid-{number}" for number in range(7)]
    amazon.faults.add("sqs", "server-error", times=1)
    assert queue._release_all([*stale, *held]) == 10
    assert queue_counts(amazon) == (2, 3)


@FIVE_DAYS
def test_a_receive_cut_short_is_a_problem_not_an_empty_queue(mock_amazon_env):
    # botocore reads a 200 body that is not JSON as {"message": body}, with no Messages: a
    # pass would have ended there, as if the queue held nothing.
    amazon = mock_amazon_env
    queue = NotificationQueue(the_queue(amazon), retries=0)
    amazon.faults.add("sqs", "truncated-json", times=1)
    with pytest.raises(QueueProblem) as raised:
        queue.scan(seconds=5)
    assert raised.value.finding.code == "queue-unreachable"
    assert "is not JSON" in raised.value.finding.message
    # SQS did receive them: they stay hidden until their hold ends, and none is deleted.
    assert queue_counts(amazon) == (0, 5)


@FIVE_DAYS
def test_a_wait_for_arrival_polls_in_whole_seconds(mock_amazon_env):
    """SQS long-polls whole seconds. A wait's last fraction of a second is one receive that
    waits, never a loop of receives that return at once (each one billed)."""
    amazon = mock_amazon_env
    queue = NotificationQueue(the_queue(amazon), environ=amazon.env)
    receives = []
    queue._service().meta.events.register(
        "provide-client-params.sqs.ReceiveMessage", lambda params, **_: receives.append(params)
    )
    # Nothing is wanted: the first receive brings the five messages there, the second waits
    # for more until the half second is over (rounded up to one), and the pass ends.
    assert queue.take_newest(lambda n: False, seconds=0.5, arrival=True) is None
    assert [r["WaitTimeSeconds"] for r in receives] == [1, 1]
    assert queue_counts(amazon) == (5, 0)
