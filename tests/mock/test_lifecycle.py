"""Starting and stopping: quick, complete (no thread, no port left), isolated from the
previous mock, moto started only when the scenario needs it, and graceful when moto is
missing, broken or already in use."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import botocore.exceptions
import pytest
from mock_helpers import aws_client, lwa_exchange

from spapi_docs_helpers.mock import MockAmazon, MockAmazonError, _aws
from spapi_docs_helpers.mock._http import Journal, LoggedRequest

# Far more than a stop takes; only a stop that hangs reaches it.
STOP_BOUND_S = 30


def _urls(amazon):
    return [
        amazon.lwa_url,
        *amazon.spapi_urls.values(),
        *amazon.sandbox_urls.values(),
        *[url for url in (amazon.sts_url, amazon.secretsmanager_url) if url],
    ]


def _refused(url) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _mock_threads():
    return [t.name for t in threading.enumerate() if t.name.startswith("mock-amazon")]


def _stops(amazon) -> bool:
    """Whether amazon.stop() returns (within STOP_BOUND_S, so a hang fails the test)."""
    stopper = threading.Thread(target=amazon.stop, daemon=True)
    stopper.start()
    stopper.join(STOP_BOUND_S)
    return not stopper.is_alive()


def test_a_mock_with_its_aws_part_starts_and_stops():
    # How long it takes is measured by benchmarks/mock_load.py, never asserted here.
    amazon = MockAmazon("happy-legacy").start()
    assert amazon.sts_url is not None
    assert _stops(amazon)
    assert _mock_threads() == []


def test_stop_closes_every_port_and_joins_every_thread():
    before = set(threading.enumerate())
    with MockAmazon("happy-legacy") as amazon:
        assert len(set(_urls(amazon))) == 9
        assert lwa_exchange(amazon).status_code == 200  # a kept-alive connection or two
        assert _mock_threads()
    assert _mock_threads() == []
    assert set(threading.enumerate()) <= before
    assert all(_refused(url) for url in _urls(amazon))
    amazon.stop()  # idempotent
    with pytest.raises(MockAmazonError, match="cannot start again"):
        amazon.start()


def test_stop_does_not_wait_for_a_held_connection():
    amazon = MockAmazon().start()
    amazon.faults.add("lwa", "no-response", times=None)
    parts = urlsplit(amazon.lwa_url)
    holders = []
    for _ in range(3):
        conn = socket.create_connection((parts.hostname, parts.port), timeout=5)
        conn.sendall(b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        holders.append(conn)
    time.sleep(0.1)
    # Bounded, and nothing left: the held connections were shut, not waited for.
    assert _stops(amazon)
    assert _mock_threads() == []
    for conn in holders:
        assert conn.recv(100) == b""  # closed without an answer
        conn.close()


def _half_sent(address, data: bytes) -> socket.socket:
    conn = socket.create_connection(address, timeout=5)
    conn.sendall(data)
    return conn


def test_half_sent_requests_do_not_hold_up_stop():
    amazon = MockAmazon("happy-legacy").start()
    sts = urlsplit(amazon.sts_url)
    held = [
        # The headers, and part of the body they announce.
        _half_sent(
            (sts.hostname, sts.port),
            b"POST / HTTP/1.1\r\nHost: sts\r\nContent-Length: 100\r\n\r\nAction=",
        ),
        # Half the headers.
        _half_sent((sts.hostname, sts.port), b"POST / HTTP/1.1\r\nHost: sts\r\n"),
        # moto itself (only the proxies talk to it, but nothing may hold it up either).
        _half_sent(amazon._aws_backend.moto_address, b"POST / HTTP/1.1\r\nHost: sts\r\n"),
    ]
    time.sleep(0.2)  # let the servers start reading them
    try:
        assert _stops(amazon)
    finally:
        for conn in held:
            conn.close()
    assert _mock_threads() == []
    # Neither a half-sent body forwarded to moto nor a socket error along the way.
    assert amazon.errors == []


@pytest.mark.parametrize(
    ("name", "aws", "runs"),
    [
        ("happy", None, False),
        ("happy-legacy", None, True),
        ("secrets-manager", None, True),
        ("happy", True, True),
        ("happy", False, False),
    ],
)
def test_aws_runs_when_the_scenario_needs_it_or_when_asked(name, aws, runs):
    with MockAmazon(name, aws=aws) as amazon:
        assert (amazon.sts_url is not None) == runs
        assert (amazon.aws_unavailable is None) == runs
        assert ("AWS_ENDPOINT_URL_STS" in amazon.env) == runs
        assert ("AWS_ENDPOINT_URL_SECRETS_MANAGER" in amazon.env) == runs


@pytest.mark.parametrize("name", ["happy-legacy", "secrets-manager"])
def test_a_scenario_that_needs_aws_refuses_aws_false(name):
    # Its environment would hold AWS keys (or a secret ID) and no AWS endpoint: a client
    # would call the real AWS.
    with pytest.raises(MockAmazonError, match="needs the AWS part"):
        MockAmazon(name, aws=False)


def test_a_failing_block_still_stops_the_mock():
    with pytest.raises(ZeroDivisionError), MockAmazon() as amazon:
        1 / 0  # noqa: B018 - the point is to raise inside the block
    assert not amazon.running
    assert _refused(amazon.lwa_url)


def _assume(amazon, session_name):
    creds = amazon.credentials
    sts = aws_client(amazon, "sts", creds["aws_access_key"], creds["aws_secret_key"])
    return sts.assume_role(RoleArn=creds["role_arn"], RoleSessionName=session_name)


def test_two_mocks_in_a_row_do_not_share_moto_state():
    with MockAmazon("happy-legacy") as first:
        keys = _assume(first, "only-in-the-first-mock")["Credentials"]
        assert first.errors == []
    with MockAmazon("happy-legacy") as second:
        stale = aws_client(
            second, "sts", keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"]
        )
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            stale.get_caller_identity()
        assert raised.value.response["Error"]["Code"] == "InvalidClientTokenId"
        assert second.errors == []


def test_moto_ids_repeat_from_mock_to_mock():
    # moto's random generator is seeded: the same calls give the same IDs (stable notebooks).
    with MockAmazon("happy-legacy") as first:
        one = _assume(first, "guid")
    with MockAmazon("happy-legacy") as second:
        two = _assume(second, "guid")
    assert one["AssumedRoleUser"] == two["AssumedRoleUser"]
    assert one["Credentials"]["AccessKeyId"] == two["Credentials"]["AccessKeyId"]


def test_moto_authentication_is_switched_back_off_after_stop():
    import moto.settings

    before = moto.settings.INITIAL_NO_AUTH_ACTION_COUNT
    with MockAmazon("happy-legacy"):
        assert moto.settings.INITIAL_NO_AUTH_ACTION_COUNT == 0
    restored = moto.settings.INITIAL_NO_AUTH_ACTION_COUNT
    assert restored == before


def test_sqs_batches_are_authorised_as_aws_does_while_the_mock_runs_only():
    """AWS checks ChangeMessageVisibilityBatch as sqs:ChangeMessageVisibility, the action
    the operator's policy names; moto checks a name of its own, outside the mock."""
    import boto3
    from moto.sqs.responses import SQSResponse

    from spapi_docs_helpers.mock._samples import AWS_SECOND_EXAMPLE_ACCESS_KEY as KEY
    from spapi_docs_helpers.mock._samples import AWS_SECOND_EXAMPLE_SECRET_KEY as SECRET

    with MockAmazon("secret-expires-in-5-days") as amazon:
        env, url = amazon.env, amazon.env["SPAPI_MOCK_NOTIFICATION_QUEUE_URL"]

        def sqs(key, secret):
            return boto3.client(
                "sqs",
                endpoint_url=env["AWS_ENDPOINT_URL_SQS"],
                region_name="us-east-1",
                aws_access_key_id=key,
                aws_secret_access_key=secret,
            )

        operator = sqs(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
        (message,) = operator.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"]
        entry = {"Id": "0", "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
        answer = operator.change_message_visibility_batch(QueueUrl=url, Entries=[entry])
        assert answer["Successful"] == [{"Id": "0"}] and not answer.get("Failed")
        # An IAM user of the world without any SQS permission is refused the batch too.
        with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
            sqs(KEY, SECRET).change_message_visibility_batch(QueueUrl=url, Entries=[entry])
    assert "_authenticate_and_authorize_action" not in SQSResponse.__dict__


def test_only_one_mock_at_a_time_runs_moto():
    with MockAmazon("happy-legacy") as first:
        with MockAmazon("happy", aws=True) as second:
            assert second.sts_url is None
            assert "another mock Amazon" in second.aws_unavailable
            assert "AWS_ENDPOINT_URL_STS" not in second.env
            assert lwa_exchange(second).status_code == 200
        with pytest.raises(MockAmazonError, match="needs the AWS part"):
            MockAmazon("user-without-assume-role").start()
        assert first.sts_url is not None


def test_without_moto_lwa_and_spapi_still_run(monkeypatch):
    # None in sys.modules makes the import fail as if moto were not installed.
    monkeypatch.setitem(sys.modules, "moto.moto_server.werkzeug_app", None)
    # Asked for, moto is missed but not needed: the rest runs, and says why AWS does not.
    with MockAmazon(aws=True) as amazon:
        assert "moto is not installed" in amazon.aws_unavailable
        assert not {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SECRETS_MANAGER"} & set(amazon.env)
        assert lwa_exchange(amazon).status_code == 200
    # Needed, it is a clear refusal.
    for name in ("secrets-manager", "happy-legacy"):
        with pytest.raises(MockAmazonError, match="moto is not installed"):
            MockAmazon(name).start()


def test_a_moto_failure_is_reported_not_raised(monkeypatch):
    def broken_seeding(self):
        raise RuntimeError("seeding failed near Atzr|IwEBIsecretlookingvalue1234567890")

    monkeypatch.setattr(_aws.AwsBackend, "_seed", broken_seeding)
    with pytest.raises(MockAmazonError, match="moto failed to start: RuntimeError") as raised:
        MockAmazon("happy-legacy").start()
    assert "secretlookingvalue" not in str(raised.value)
    # moto was stopped and released: the next mock gets the same reason, not "in use".
    with MockAmazon(aws=True) as amazon:
        assert amazon.aws_unavailable.startswith("moto failed to start: RuntimeError")
        assert lwa_exchange(amazon).status_code == 200
    assert _mock_threads() == []


def test_lwa_and_spapi_need_only_the_standard_library():
    code = (
        "import sys\n"
        "from spapi_docs_helpers.mock import MockAmazon\n"
        "with MockAmazon() as amazon:\n"
        "    pass\n"
        "heavy = {'moto', 'boto3', 'botocore', 'requests', 'werkzeug', 'flask', 'urllib3'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""


def test_the_journal_keeps_the_latest_entries_only():
    # `spapi-doctor mock` may run for days: its journal must not grow without bound.
    journal = Journal(limit=3)
    for number in range(5):
        journal.request(LoggedRequest("lwa", "lwa", "GET", f"/{number}", 200))
    assert [entry.path for entry in journal.requests] == ["/2", "/3", "/4"]
