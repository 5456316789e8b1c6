"""Starting and stopping: quick, complete (no thread, no port left), isolated from the
previous mock, and graceful when moto is missing or already in use."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions
import pytest
from mock_helpers import TIMEOUT_S, lwa_exchange

from spapi_docs_helpers.mock import MockAmazon, MockAmazonError

NO_RETRIES = botocore.config.Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=TIMEOUT_S,
    read_timeout=TIMEOUT_S,
)


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


def test_start_and_stop_take_well_under_two_seconds():
    started = time.monotonic()
    amazon = MockAmazon("happy-legacy").start()
    assert amazon.sts_url is not None
    amazon.stop()
    assert time.monotonic() - started < 2


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
    amazon = MockAmazon(aws=False).start()
    amazon.faults.add("lwa", "no-response", times=None)
    parts = urlsplit(amazon.lwa_url)
    holders = []
    for _ in range(3):
        conn = socket.create_connection((parts.hostname, parts.port), timeout=5)
        conn.sendall(b"POST /auth/o2/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        holders.append(conn)
    time.sleep(0.1)
    started = time.monotonic()
    amazon.stop()
    assert time.monotonic() - started < 2
    assert _mock_threads() == []
    for conn in holders:
        assert conn.recv(100) == b""  # closed without an answer
        conn.close()


def test_a_failing_block_still_stops_the_mock():
    with pytest.raises(ZeroDivisionError), MockAmazon(aws=False) as amazon:
        1 / 0  # noqa: B018 - the point is to raise inside the block
    assert not amazon.running
    assert _refused(amazon.lwa_url)


def _sts(amazon, access_key, secret_key, session_token=None):
    return boto3.client(
        "sts",
        endpoint_url=amazon.sts_url,
        region_name="us-east-1",
        config=NO_RETRIES,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
    )


def _assume(amazon, session_name):
    creds = amazon.credentials
    sts = _sts(amazon, creds["aws_access_key"], creds["aws_secret_key"])
    return sts.assume_role(RoleArn=creds["role_arn"], RoleSessionName=session_name)


def test_two_mocks_in_a_row_do_not_share_moto_state():
    with MockAmazon("happy-legacy") as first:
        keys = _assume(first, "only-in-the-first-mock")["Credentials"]
        assert first.errors == []
    with MockAmazon("happy-legacy") as second:
        stale = _sts(second, keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
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


def test_only_one_mock_at_a_time_runs_moto():
    with MockAmazon("happy-legacy") as first:
        with MockAmazon("happy") as second:
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
    with MockAmazon() as amazon:
        assert "moto is not installed" in amazon.aws_unavailable
        assert not {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SECRETS_MANAGER"} & set(amazon.env)
        assert lwa_exchange(amazon).status_code == 200
    with pytest.raises(MockAmazonError, match="moto is not installed"):
        MockAmazon("secrets-manager").start()
    with MockAmazon("happy-legacy", aws=False) as legacy:
        assert legacy.aws_unavailable == "not requested (aws=False)"


def test_lwa_and_spapi_need_only_the_standard_library():
    code = (
        "import sys\n"
        "from spapi_docs_helpers.mock import MockAmazon\n"
        "with MockAmazon(aws=False) as amazon:\n"
        "    pass\n"
        "heavy = {'moto', 'boto3', 'botocore', 'requests', 'werkzeug', 'flask', 'urllib3'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
    assert result.stderr == ""
