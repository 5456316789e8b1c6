"""``mask`` (how one credential is shown) and ``redact_text`` (free text from outside)."""

from __future__ import annotations

import json
import logging
import os
import re
from urllib.parse import quote, quote_plus

import pytest
from _python import in_a_child_forked_while_held
from _values import CLIENT_ID, CLIENT_SECRET, LEGACY_SECRET, REFRESH_TOKEN
from _values import EXAMPLE_ACCESS_KEY as ACCESS_KEY
from _values import EXAMPLE_SECRET_KEY as SECRET_KEY

from spapi_docs_helpers import mask, redact_text
from spapi_docs_helpers._redaction import protect_logs

ACCESS_TOKEN = "Atza|IwEBIFakeAccessTokenForTestsOnly-" + "QrStUvWxYz" * 8


# --------------------------------------------------------------------------- mask


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(CLIENT_ID, "amzn1.application-oa2-client.dead…(61 chars)", id="client-id"),
        pytest.param(CLIENT_SECRET, "amzn1.oa2-cs.v1.feed…(80 chars)", id="client-secret"),
        pytest.param(REFRESH_TOKEN, f"Atzr|IwEB…({len(REFRESH_TOKEN)} chars)", id="refresh-token"),
        pytest.param(ACCESS_KEY, "AKIAIOSF…(20 chars)", id="access-key"),
        pytest.param(SECRET_KEY, "wJal…(40 chars)", id="secret-key"),
        pytest.param(LEGACY_SECRET, "c0ff…(64 chars)", id="legacy-secret"),
        pytest.param("amzn1.sp.solution.1234abcd", "amzn1.sp.solution.12…(26 chars)", id="app-id"),
    ],
)
def test_mask_shows_the_public_marker_four_characters_and_the_length(value, shown):
    assert mask(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("abc", "…(3 chars)", id="3-chars-show-none"),
        pytest.param("abcdefgh", "ab…(8 chars)", id="8-chars-show-a-quarter"),
        pytest.param("Atzr|abc", "Atzr|…(8 chars)", id="short-body-after-marker"),
    ],
)
def test_short_values_show_proportionally_less(value, shown):
    assert mask(value) == shown


@pytest.mark.parametrize("value", ["AKIA", "ASIA", "Atzr|", "amzn1.oa2-cs.v1."])
def test_value_that_is_only_a_marker_is_not_shown_whole(value):
    masked = mask(value)
    assert not masked.startswith(value)
    assert masked.endswith(f"…({len(value)} chars)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, "(not set)", id="none"),
        pytest.param("", "(empty)", id="empty"),
        pytest.param(b"secret-bytes", "(bytes, 12 long)", id="bytes"),
        pytest.param(12345, "(int value, not text)", id="int"),
        pytest.param(["x"], "(list value, not text)", id="list"),
    ],
)
def test_mask_of_what_is_not_a_string(value, expected):
    assert mask(value) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("\u200babcdefgh", "\\u200ba…(9 chars)", id="zero-width-space"),
        pytest.param("\U0001f600abcdefgh", "\\U0001f600a…(9 chars)", id="astral"),
        pytest.param("\x1b[31mabcdefgh", "\\u001b[3…(13 chars)", id="escape-sequence"),
    ],
)
def test_mask_escapes_characters_a_terminal_would_hide(value, shown):
    assert mask(value) == shown


# --------------------------------------------------------------------------- redact_text


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        pytest.param(REFRESH_TOKEN, f"Atzr|IwEB…({len(REFRESH_TOKEN)} chars)", id="refresh-token"),
        pytest.param(ACCESS_TOKEN, f"Atza|IwEB…({len(ACCESS_TOKEN)} chars)", id="access-token"),
        pytest.param(CLIENT_SECRET, "amzn1.oa2-cs.v1.feed…(80 chars)", id="client-secret"),
        pytest.param(CLIENT_ID, "amzn1.application-oa2-client.dead…(61 chars)", id="client-id"),
        pytest.param(ACCESS_KEY, "AKIAIOSF…(20 chars)", id="access-key"),
        pytest.param(SECRET_KEY, "wJal…(40 chars)", id="secret-key"),
        pytest.param(LEGACY_SECRET, "c0ff…(64 chars)", id="legacy-secret"),
    ],
)
def test_token_and_key_shaped_runs_are_masked_in_free_text(secret, masked):
    text = f'LWA said: {{"error": "invalid_client", "value": "{secret}"}}.'
    assert redact_text(text) == f'LWA said: {{"error": "invalid_client", "value": "{masked}"}}.'


def test_known_secret_of_any_shape_is_masked():
    assert (
        redact_text("password hunter2-fake-pw was refused", secrets=["hunter2-fake-pw"])
        == "password hun…(15 chars) was refused"
    )


def test_known_token_shaped_secret_is_masked_once():
    text = f"token {REFRESH_TOKEN} and again {REFRESH_TOKEN}"
    masked = f"Atzr|IwEB…({len(REFRESH_TOKEN)} chars)"
    assert (
        redact_text(text, secrets=[REFRESH_TOKEN, "Atzr"]) == f"token {masked} and again {masked}"
    )


def test_longest_known_secret_is_masked_first():
    text = "pw fake-password-long"
    assert redact_text(text, secrets=["fake-pass", "fake-password-long"]) == "pw fake…(18 chars)"


def test_known_secrets_shorter_than_four_characters_are_ignored():
    assert redact_text("a b c abc", secrets=["abc", None, 42]) == "a b c abc"


def test_text_without_secrets_is_unchanged():
    text = (
        "GET https://sellingpartnerapi-eu.amazon.com/sellers/v1/marketplaceParticipations "
        "returned 403 Unauthorized: Access to requested resource is denied."
    )
    assert redact_text(text) == text


def test_secret_key_at_the_end_of_a_sentence_is_masked():
    assert redact_text(f"the key is {SECRET_KEY}.") == "the key is wJal…(40 chars)."


def test_what_is_not_text_is_converted_first():
    assert redact_text(ValueError(f"bad {CLIENT_SECRET}")) == "bad amzn1.oa2-cs.v1.feed…(80 chars)"


# --------------------------------------------------------------------------- every form a secret travels in

# Real refresh tokens hold "|", "-" and "_"; some hold "/" and "+", which URL-encoding changes.
SLASHED_TOKEN = "Atzr|IwEBIFake/Refresh+Token_with-every-mark" + "AbCdEfGh" * 10


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda s: __import__("urllib.parse").parse.quote(s, safe=""), id="quote"),
        pytest.param(lambda s: __import__("urllib.parse").parse.quote(s), id="quote-keep-slash"),
        pytest.param(lambda s: __import__("urllib.parse").parse.quote_plus(s), id="quote-plus"),
        pytest.param(
            lambda s: re.sub(
                "%[0-9A-F]{2}",
                lambda m: m.group().lower(),
                __import__("urllib.parse").parse.quote(s, safe=""),
            ),
            id="lower-hex-escapes",
        ),
        pytest.param(lambda s: __import__("json").dumps(s)[1:-1], id="json"),
        pytest.param(
            lambda s: __import__("json").dumps(s)[1:-1].replace("/", "\\/"), id="json-slash"
        ),
    ],
)
def test_a_known_secret_is_masked_in_its_encoded_forms(encode, assert_no_leak):
    for secret in (SLASHED_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, SECRET_KEY):
        text = f"<pre>grant_type=refresh_token&refresh_token={encode(secret)}&x=1</pre>"
        assert_no_leak([redact_text(text, [secret])], secret)


def test_an_echoed_form_body_is_masked_without_being_told_the_token(assert_no_leak):
    from urllib.parse import urlencode

    body = urlencode({"refresh_token": SLASHED_TOKEN, "client_secret": CLIENT_SECRET})
    assert_no_leak([redact_text(body)], SLASHED_TOKEN, CLIENT_SECRET)


def test_a_secret_of_bytes_that_are_no_utf8_is_still_masked_raw():
    odd = "secret-\udcff-value-xyz"
    assert "value-xyz" not in redact_text(f"said {odd}", [odd])


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "http://user:S3cr3t@127.0.0.1:1/auth/o2/token?client_secret=abc&x=1#frag",
            "http://user:***@127.0.0.1:1/auth/o2/token?client_secret=***&x=***#***",
        ),
        ("https://host/p?flag", "https://host/p?flag"),
        ("https://token@host/p", "https://token@host/p"),
        ("https://host/p", "https://host/p"),
    ],
)
def test_urls_in_text_lose_their_passwords_and_query_values(url, shown):
    from spapi_docs_helpers._redaction import shown_url

    assert shown_url(url) == shown
    assert redact_text(f"see {url} now") == f"see {shown} now"


def test_control_characters_are_written_as_escapes():
    from spapi_docs_helpers._redaction import escape_controls

    text = "/home/\x1b[2J\x1b]0;pwn\x07\n✓ Verdict\r\t\x9b\u202eabc\u2028"
    shown = escape_controls(text)
    assert shown == "/home/\\x1b[2J\\x1b]0;pwn\\x07\\n✓ Verdict\\r\\t\\x9b\\u202eabc\\u2028"
    assert escape_controls("Händler ✓ plain") == "Händler ✓ plain"


def test_long_values_are_cut_with_their_length():
    from spapi_docs_helpers._redaction import shown_value

    assert shown_value("x" * 1000, 10) == "'xxxxxxxxxx'…(1000 chars)"
    assert shown_value("ab\x1b") == "'ab\\x1b'"


# --------------------------------------------------------------------------- the anchor


# Every ASCII character, and what is not ASCII: a letter, an astral one, a lone surrogate.
EVERY_KIND_OF_CHARACTER = [chr(code) for code in range(128)] + ["é", "\U0001f600", "\udcff"]


def test_every_form_of_a_secret_holds_its_anchor():
    # What makes skipping a secret whose anchor a text lacks safe: none of its forms is there.
    # Each character next to the anchor's characters, on both sides, in each form.
    from spapi_docs_helpers._redaction import _forms

    for ch in EVERY_KIND_OF_CHARACTER:
        secret = f"{ch}{ch}Kept_run-1.~{ch}a{ch}"
        anchor, forms = _forms(secret)
        assert anchor in secret and len(anchor) >= len("Kept_run-1.~")
        for form in forms:
            assert anchor in form, (secret, form)


def test_a_secret_without_an_anchor_is_searched_in_every_text():
    from spapi_docs_helpers._redaction import _forms

    only_marks = "|/+|/+|/+|"
    assert _forms(only_marks)[0] == ""
    assert "|/+|/+" not in redact_text(f"said {only_marks}!", [only_marks])
    assert "%7C%2F%2B" not in redact_text(f"said {quote(only_marks, safe='')}", [only_marks])


# --------------------------------------------------------------------------- log records


@pytest.fixture
def debug_records():
    """The records a guarded logger (this package's) and an unguarded one emit at DEBUG, as
    the handler receives them: ``(guarded logger, unguarded logger, list of messages)``."""
    messages = []

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    loggers = [logging.getLogger(name) for name in GUARDED_AND_NOT]
    kept = [(logger.level, logger.propagate) for logger in loggers]
    handler = Keep(logging.DEBUG)
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    try:
        yield loggers[0], loggers[1], messages
    finally:
        for logger, (level, propagate) in zip(loggers, kept, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


GUARDED_AND_NOT = ("spapi_docs_helpers.test_redaction", "canary.test_redaction")


def test_log_records_mask_every_form_of_every_registered_secret(debug_records, assert_no_leak):
    guarded, unguarded, messages = debug_records
    # A fresh value per run: the process's registry keeps what earlier tests registered.
    first = f"fake-first-pw-{os.getpid()}/+|x"
    protect_logs([first])
    guarded.debug("body %s", quote_plus(first))
    assert_no_leak(messages, first)
    # Registered after records were made (and after the secrets were read for them).
    later = f"fake-later-pw-{os.getpid()}/+|y"
    guarded.debug("before: %s", later)
    assert messages[-1] == f"before: {later}"  # not yet a secret, not token-shaped
    protect_logs([later])
    for form in (later, quote(later, safe=""), quote_plus(later), json.dumps(later)[1:-1]):
        guarded.debug("echo %s", form)
        assert_no_leak(messages[-1:], later)
        assert messages[-1].startswith("echo fake")
    # A record without a secret is left as it was; an unguarded logger is not masked.
    guarded.debug("nothing secret in %d", 42)
    assert messages[-1] == "nothing secret in 42"
    unguarded.debug("left alone: %s", later)
    assert messages[-1] == f"left alone: {later}"
    # Token-shaped runs are masked whether or not they were registered.
    guarded.debug("token %s", REFRESH_TOKEN)
    assert messages[-1] == f"token Atzr|IwEB…({len(REFRESH_TOKEN)} chars)"


# Pieces of every secret shape, and what sits around them (quotes, separators, escapes).
SHAPE_PIECES = [
    *("Atzr|", "Atza%7C", "Atc%7c", "Aztr|", "amzn1.oa2-cs.v1.", "amzn1.application-oa2-client."),
    *("AKIA", "ASIA", "SessionToken", "AccessKeyId", "X-Amz-Security-Token", "SecretAccessKey"),
    *('"', "'", ":", ">", " ", "/", ".", "+", "%", "\\", "=="),
    *("IwEB", "ABCD1234" * 2, "0123456789abcdef" * 3, "AbCd/+9z" * 5, "Zz09" * 26),
]
# One of each shape, for certain.
ONE_OF_EACH_SHAPE = [
    "x Atzr%7cIwEBab y",
    "x AKIAABCD1234ABCD1234 y",
    f"x {SECRET_KEY} y",
    f"x {LEGACY_SECRET} y",
    "x " + "Zz09" * 26 + "== y",
    '<SessionToken>"abcdefgh12"',
]


def test_a_text_the_quick_search_passes_over_holds_no_secret_shape():
    # redact_text returns a text unchanged when the quick search finds nothing in it.
    from itertools import product

    from spapi_docs_helpers._redaction import _MAYBE_SECRET_SHAPED, _SECRET_SHAPES

    for text in ONE_OF_EACH_SHAPE:
        assert _SECRET_SHAPES.search(text), text
        assert _MAYBE_SECRET_SHAPED.search(text), text
    # Every run of three pieces: what each shape is made of, in every order.
    for pieces in product(SHAPE_PIECES, repeat=3):
        text = "".join(pieces)
        if _MAYBE_SECRET_SHAPED.search(text) is None:
            assert _SECRET_SHAPES.search(text) is None, text


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here (Windows)")
def test_a_child_forked_while_a_thread_registers_secrets_can_register_its_own():
    from spapi_docs_helpers import _redaction

    status = in_a_child_forked_while_held(
        _redaction._install_lock,
        lambda: protect_logs([REFRESH_TOKEN]) is None and REFRESH_TOKEN in _redaction._registered,
        seconds=15,
    )
    assert status == 0, "the child waited for a lock held by a thread it does not have"
