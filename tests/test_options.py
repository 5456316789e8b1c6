"""The options several commands share mean the same to each (``_options``).

An account name, a timeout, a colour or a format that one command refuses, every command
that takes the option refuses, with the same usage error (exit 2, nothing on stdout); one
that one command takes, each takes. Parsed in this process: argparse refuses a value
before any command reads a file or calls anyone, so the commands' required options are
given and nothing else is set up.
"""

from __future__ import annotations

import argparse

import pytest

from spapi_docs_helpers._options import (
    MAX_NAME_LENGTH,
    MAX_TIMEOUT_S,
    account_name,
    name_of,
    number_in,
    timeout_seconds,
)

QUEUE = ("--queue-url", "https://sqs.us-east-1.amazonaws.com/000000000000/fake-queue")
# Every command with an --account, and what else it needs to parse.
WITH_ACCOUNT = {
    "check": ("check", "--offline"),
    "init": ("init", "--from-env", "--store", "file"),
    "secret-status": ("secret-status", *QUEUE),
    "rotate": ("rotate", *QUEUE, "--dry-run"),
}
WITH_TIMEOUT = WITH_ACCOUNT


@pytest.mark.parametrize("command", WITH_ACCOUNT)
@pytest.mark.parametrize(
    ("value", "words"),
    [
        pytest.param("", "must not be empty", id="empty"),
        pytest.param(" \t", "must not be empty", id="blank"),
        pytest.param(" shop-eu", "has spaces around it", id="leading-space"),
        pytest.param("shop-eu\n", "has spaces around it", id="trailing-newline"),
        pytest.param("a" * (MAX_NAME_LENGTH + 1), "at most 256", id="too-long"),
    ],
)
def test_every_command_refuses_the_same_account_names(cli, command, value, words):
    status, out, err = cli(*WITH_ACCOUNT[command], "--account", value)
    assert status == 2, err
    assert out == ""
    assert f"usage: spapi-doctor {command}" in err and words in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", WITH_TIMEOUT)
@pytest.mark.parametrize(
    ("value", "words"),
    [
        pytest.param("0", "between 0 and 600", id="zero"),
        pytest.param("-1", "between 0 and 600", id="negative"),
        pytest.param("nan", "between 0 and 600", id="nan"),
        pytest.param("inf", "between 0 and 600", id="infinite"),
        pytest.param("601", "between 0 and 600", id="too-long"),
        pytest.param("soon", "'soon' is not a number of seconds", id="not-a-number"),
    ],
)
def test_every_command_refuses_the_same_timeouts(cli, command, value, words):
    status, out, err = cli(*WITH_TIMEOUT[command], "--timeout", value)
    assert status == 2, err
    assert out == ""
    assert words in err


@pytest.mark.parametrize("command", ["check", "init", "secret-status"])
def test_color_takes_the_same_choices(cli, command):
    status, _, err = cli(*WITH_ACCOUNT[command], "--color", "sometimes")
    assert status == 2 and "invalid choice: 'sometimes'" in err


@pytest.mark.parametrize("command", ["check", "secret-status", "rotate"])
def test_format_takes_the_same_choices(cli, command):
    status, _, err = cli(*WITH_ACCOUNT[command], "--format", "xml")
    assert status == 2 and "invalid choice: 'xml'" in err


def test_the_types_accept_what_they_should():
    assert timeout_seconds("0.5") == 0.5
    assert timeout_seconds(str(MAX_TIMEOUT_S)) == MAX_TIMEOUT_S
    assert account_name("shop-eu") == "shop-eu"
    # Inner spaces are the user's business: python-amazon-sp-api finds such an account.
    assert account_name("my shop") == "my shop"
    assert account_name("a" * MAX_NAME_LENGTH) == "a" * MAX_NAME_LENGTH


def test_a_name_type_says_what_it_names_and_its_hint():
    scenario = name_of("scenario", hint=" (see mock --list)")
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        scenario("")
    assert str(refused.value) == "the scenario name must not be empty (see mock --list)"
    with pytest.raises(argparse.ArgumentTypeError, match="the account name ' x' has spaces"):
        account_name(" x")
    assert timeout_seconds("1e-3") == 0.001


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(("check", "--all-accounts", "--concurrency", "0"), "between 1 and 256"),
        pytest.param(("check", "--all-accounts", "--concurrency", "2.5"), "not a whole number"),
        pytest.param(("rotate", *QUEUE, "--wait", "901"), "the wait must be between 0 and 900"),
        pytest.param(("rotate", *QUEUE, "--wait", "nan"), "the wait must be between 0 and 900"),
        pytest.param(("authorize", "--listen", "65536"), "the port must be between 0 and 65535"),
        pytest.param(("authorize", "--listen", "http"), "'http' is not a whole number"),
    ],
    ids=["concurrency-0", "concurrency-fraction", "wait-long", "wait-nan", "port", "port-name"],
)
def test_every_bounded_number_is_refused_the_same_way(cli, args, words):
    status, out, err = cli(*args)
    assert status == 2, err
    assert out == "" and words in err


def test_a_number_type_accepts_its_bounds():
    assert number_in("wait", 0, 900, unit="seconds")("0") == 0
    assert number_in("wait", 0, 900, unit="seconds")("900") == 900
    assert number_in("concurrency", 1, 256, whole=True)("256") == 256
    with pytest.raises(argparse.ArgumentTypeError, match="between 0 and 600 seconds"):
        timeout_seconds("0")
