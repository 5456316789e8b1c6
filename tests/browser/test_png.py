"""The PNG decoder the screenshot checks rely on, against images made here.

The images are encoded with each of the five PNG row filters, so that a mistake in one of
them (which would make a blank screenshot look busy, or the reverse) shows up here rather
than as a screenshot check that can no longer fail. These tests need no browser: they run
on every machine, with or without Chromium.
"""

from __future__ import annotations

import random
import struct
import zlib

import pytest
from _png import decode, distinct_colours


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _filter(kind: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    """The forward filter (PNG spec, section 9), written independently of the decoder."""
    out = bytearray()
    for i, value in enumerate(row):
        left = row[i - bpp] if i >= bpp else 0
        up = prev[i]
        upper_left = prev[i - bpp] if i >= bpp else 0
        predictor = [0, left, up, (left + up) // 2, _paeth(left, up, upper_left)][kind]
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def _encode(
    rows: list,
    width: int,
    channels: int,
    *,
    depth: int = 8,
    interlace: int = 0,
    colour: int | None = None,
) -> bytes:
    """A PNG whose row ``y`` uses filter ``y % 5``."""
    colour = {3: 2, 4: 6}[channels] if colour is None else colour
    raw = bytearray()
    prev = bytes(width * channels)
    for y, row in enumerate(rows):
        kind = y % 5
        raw.append(kind)
        raw += _filter(kind, row, prev, channels)
        prev = row
    header = struct.pack(">IIBBBBB", width, len(rows), depth, colour, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw)))
        + _chunk(b"IEND", b"")
    )


def _random_rows(width: int, height: int, channels: int, seed: int) -> list:
    rng = random.Random(seed)
    return [bytes(rng.randrange(256) for _ in range(width * channels)) for _ in range(height)]


@pytest.mark.parametrize("channels", [3, 4])
def test_decodes_every_filter_type(channels):
    rows = _random_rows(17, 11, channels, seed=channels)
    width, height, got_channels, decoded = decode(_encode(rows, 17, channels))
    assert (width, height, got_channels) == (17, 11, channels)
    assert decoded == rows


def test_decodes_only_the_rows_asked_for():
    rows = _random_rows(9, 20, 3, seed=7)
    _w, height, _c, decoded = decode(_encode(rows, 9, 3), max_rows=6)
    assert height == 20
    assert decoded == rows[:6]


def test_counts_distinct_colours():
    white, black = b"\xff\xff\xff", b"\x00\x00\x00"
    blank = [white * 8] * 8
    assert distinct_colours(_encode(blank, 8, 3)) == 1
    striped = [white * 4 + black * 4] * 7 + [b"\x10\x20\x30" * 8]
    assert distinct_colours(_encode(striped, 8, 3)) == 3
    # Only the first rows are looked at.
    assert distinct_colours(_encode(striped, 8, 3), max_rows=7) == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"depth": 16}, "bit depth 16"),
        ({"interlace": 1}, "interlace 1"),
        ({"colour": 3}, "colour type 3"),
    ],
)
def test_refuses_what_it_cannot_read(options, message):
    png = _encode([b"\x00" * 6], 2, 3, **options)
    with pytest.raises(ValueError, match=message):
        decode(png)


def test_refuses_a_damaged_file():
    png = bytearray(_encode(_random_rows(4, 4, 3, seed=1), 4, 3))
    png[45] ^= 0xFF  # inside the IDAT payload: its CRC no longer matches
    with pytest.raises(ValueError, match="bad CRC"):
        decode(bytes(png))
    with pytest.raises(ValueError, match="not a PNG"):
        decode(b"GIF89a" + bytes(png[6:]))
