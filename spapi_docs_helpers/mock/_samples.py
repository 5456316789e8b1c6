"""Sample credential values: well-formed, obviously fake, and the same on every run.

Every value is derived from a readable seed (``"mock-app-1"``) with SHA-256, so notebook
outputs that show (masked) values stay stable, and no value is random. Where a format
allows letters, the value says what it is: refresh and access tokens start with
``IwEBIMOCK`` after their public ``Atzr|``/``Atza|`` marker, and the extra AWS keys end in
``EXAMPLE``/``EXAMPLEKEY`` like the example keys of AWS's documentation. Client
identifiers and secrets are hexadecimal, which leaves no room for a marker: they are
recognisable as fake only by being published here.

``SPAPI_MOCK_SAMPLE_SALT``, when set before the mock is imported, is mixed into every
seed and replaces AWS's example keys by generated ones: the whole cast then has values
never seen anywhere else. The canary test (tests/test_canary.py) runs with one, to look
for them in everything the project outputs. Any value will do, bytes that are not valid
UTF-8 included: what is mixed in is the variable's bytes as the operating system holds
them (``os.fsencode``), so a salt never fails to encode.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import uuid

SALT = os.environ.get("SPAPI_MOCK_SAMPLE_SALT", "")
# The variable's own bytes: Python decodes undecodable ones to lone surrogates, which
# str.encode() refuses; os.fsencode() turns them back into the original bytes.
_SALT_BYTES = os.fsencode(SALT)

__all__ = [
    "AWS_EXAMPLE_ACCESS_KEY",
    "AWS_EXAMPLE_SECRET_KEY",
    "AWS_SECOND_EXAMPLE_ACCESS_KEY",
    "AWS_SECOND_EXAMPLE_SECRET_KEY",
    "access_token",
    "app_id",
    "authorization_code",
    "aws_key_pair",
    "client_id",
    "client_secret",
    "order_id",
    "purchase_order_number",
    "refresh_token",
    "restricted_data_token",
    "selling_partner_id",
]

# The example key pairs AWS's own documentation uses (IAM user guide, "Managing access
# keys"); they have never been valid against AWS.
AWS_EXAMPLE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_SECOND_EXAMPLE_ACCESS_KEY = "AKIAI44QH8DHBEXAMPLE"
AWS_SECOND_EXAMPLE_SECRET_KEY = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

# Real LWA tokens are a few hundred characters (at most 2048 bytes); these lengths are in
# the range seen in public examples.
REFRESH_TOKEN_LENGTH = 404
ACCESS_TOKEN_LENGTH = 364
_TOKEN_MARKER = "IwEBIMOCK"
_UUID_NAMESPACE = uuid.UUID("5f1d3c9e-6b0a-4c55-9a43-2a1f3e0c7d11")


# The values of the mock's cast are pure functions of their seed (and of the salt, fixed at
# import), asked for again by every mock that starts: each is derived once per process (the
# most recent ones; fleets and new authorisations add seeds without end). Tokens issued per
# exchange are not kept.
_once_per_seed = functools.lru_cache(maxsize=8192)


def _stream(seed: str, size: int) -> bytes:
    """``size`` pseudo-random bytes that depend only on ``seed``."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(_SALT_BYTES + f"{seed}\x00{counter}".encode()).digest()
        counter += 1
    return out[:size]


def _hex(seed: str, length: int) -> str:
    return _stream(seed, (length + 1) // 2).hex()[:length]


def _base64url(seed: str, length: int) -> str:
    return base64.urlsafe_b64encode(_stream(seed, length)).decode().rstrip("=")[:length]


@_once_per_seed
def client_id(seed: str) -> str:
    """An LWA client identifier: ``amzn1.application-oa2-client.`` + 32 hex."""
    return "amzn1.application-oa2-client." + _hex(f"{seed}:client-id", 32)


@_once_per_seed
def client_secret(seed: str) -> str:
    """A post-2023 LWA client secret: ``amzn1.oa2-cs.v1.`` + 64 hex."""
    return "amzn1.oa2-cs.v1." + _hex(f"{seed}:client-secret", 64)


@_once_per_seed
def app_id(seed: str) -> str:
    """The App ID Seller Central shows next to the app (not a credential)."""
    return "amzn1.sp.solution." + str(uuid.uuid5(_UUID_NAMESPACE, f"{seed}:app-id"))


def _token(marker: str, seed: str, length: int) -> str:
    head = marker + _TOKEN_MARKER
    return head + _base64url(seed, length - len(head))


@_once_per_seed
def refresh_token(seed: str) -> str:
    """A refresh token as Authorize app shows it: ``Atzr|IwEBIMOCK…``."""
    return _token("Atzr|", f"{seed}:refresh-token", REFRESH_TOKEN_LENGTH)


def access_token(seed: str, *, grantless: bool = False) -> str:
    """An LWA access token: ``Atza|IwEBIMOCK…`` for a seller's grant; ``Atc|…`` for a
    grantless (client_credentials) one, as LWA issues them."""
    marker = "Atc|" if grantless else "Atza|"
    return _token(marker, f"{seed}:access-token", ACCESS_TOKEN_LENGTH)


def restricted_data_token(seed: str) -> str:
    """A Restricted Data Token as createRestrictedDataToken returns it:
    ``Atz.sprdt|IwEBIMOCK…`` (the prefix of the Tokens API model's examples)."""
    return _token("Atz.sprdt|", f"{seed}:restricted-data-token", ACCESS_TOKEN_LENGTH)


_BASE32_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@_once_per_seed
def selling_partner_id(seed: str) -> str:
    """A selling partner (merchant) identifier, the ``sellerId`` of the Listings Items API:
    14 upper-case letters and digits starting with ``A``, here ``AMOCK`` so that nobody
    takes it for a real account. Not a credential."""
    digest = _stream(f"{seed}:selling-partner-id", 9)
    return "AMOCK" + "".join(_UPPER_ALNUM[byte % 36] for byte in digest)


@_once_per_seed
def order_id(seed: str) -> str:
    """An Amazon order number, ``3-7-7`` digits (``902-3159896-1390916``)."""
    digits = "".join(str(byte % 10) for byte in _stream(f"{seed}:order-id", 17))
    return f"{digits[:3]}-{digits[3:10]}-{digits[10:]}"


@_once_per_seed
def purchase_order_number(seed: str) -> str:
    """A Vendor Central purchase order number: 8 upper-case letters and digits."""
    return "".join(_UPPER_ALNUM[byte % 36] for byte in _stream(f"{seed}:purchase-order", 8))


_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def authorization_code(seed: str) -> str:
    """An OAuth authorization code as the consent redirect carries it (spapi_oauth_code):
    ``AN`` and letters and digits, 22 characters, ``ANMOCK…`` here."""
    digest = _stream(f"{seed}:authorization-code", 16)
    return "ANMOCK" + "".join(_ALPHANUMERIC[byte % 62] for byte in digest)


def aws_key_pair(seed: str, *, prefix: str = "AKIA") -> tuple[str, str]:
    """An access key ID (``AKIA…EXAMPLE``, 20 chars) and a 40-char secret ending in
    ``EXAMPLEKEY``, shaped like AWS's documented examples."""
    digest = _stream(f"{seed}:aws-access-key", 9)
    middle = "".join(_BASE32_UPPER[byte % 32] for byte in digest)
    secret_head = base64.b64encode(_stream(f"{seed}:aws-secret-key", 30)).decode()[:30]
    return prefix + middle + "EXAMPLE", secret_head + "EXAMPLEKEY"


if SALT:
    # Salted: even the AWS keys are values nobody has seen (see the module docstring).
    AWS_EXAMPLE_ACCESS_KEY, AWS_EXAMPLE_SECRET_KEY = aws_key_pair("example-1")
    AWS_SECOND_EXAMPLE_ACCESS_KEY, AWS_SECOND_EXAMPLE_SECRET_KEY = aws_key_pair("example-2")
