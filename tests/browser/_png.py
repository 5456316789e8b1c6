"""A small PNG decoder: enough to tell a rendered page from a blank one, without Pillow.

It reads what Chromium writes for a screenshot: 8 bits per channel, truecolour (RGB) or
truecolour with alpha (RGBA), not interlaced. Anything else is refused with ``ValueError``
rather than misread. Only the first ``max_rows`` rows need decoding (PNG rows are filtered
against the row above, so a prefix of the image can be decoded without the rest), which
keeps a full-page screenshot of a long page cheap to check.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Colour type -> channels per pixel, for the types this decoder accepts.
_CHANNELS = {2: 3, 6: 4}


def _chunks(data: bytes):
    """(type, payload) of every chunk, checking each CRC."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG (bad signature)")
    pos = len(SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("truncated PNG chunk header")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        crc_bytes = data[pos + 8 + length : pos + 12 + length]
        if len(payload) != length or len(crc_bytes) != 4:
            raise ValueError(f"truncated PNG chunk {kind!r}")
        if zlib.crc32(kind + payload) != struct.unpack(">I", crc_bytes)[0]:
            raise ValueError(f"bad CRC in PNG chunk {kind!r}")
        yield kind, payload
        if kind == b"IEND":
            return
        pos += 12 + length
    raise ValueError("PNG has no IEND chunk")


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(kind: int, line: bytes, prev: bytes, bpp: int) -> bytes:
    """Undo one row's filter (PNG spec, section 9)."""
    if kind == 0:
        return line
    if kind == 2:  # Up: no dependency inside the row
        return bytes((x + b) & 0xFF for x, b in zip(line, prev, strict=True))
    out = bytearray(line)
    n = len(out)
    if kind == 1:  # Sub
        for i in range(bpp, n):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 3:  # Average
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(n):
            if i >= bpp:
                left, upper_left = out[i - bpp], prev[i - bpp]
            else:
                left = upper_left = 0
            out[i] = (out[i] + _paeth(left, prev[i], upper_left)) & 0xFF
    else:
        raise ValueError(f"unknown PNG filter type {kind}")
    return bytes(out)


def decode(data: bytes, max_rows: int | None = None):
    """``(width, height, channels, rows)`` of a PNG; ``rows`` holds at most ``max_rows`` rows.

    Each row is ``width * channels`` bytes (R, G, B[, A] per pixel).
    """
    header = None
    compressed = []
    for kind, payload in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", payload)
        elif kind == b"IDAT":
            compressed.append(payload)
    if header is None:
        raise ValueError("PNG has no IHDR chunk")
    width, height, depth, colour, _compression, _filter, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace != 0:
        raise ValueError(
            f"unsupported PNG: bit depth {depth}, colour type {colour}, interlace {interlace} "
            "(only 8-bit RGB/RGBA, not interlaced)"
        )
    channels = _CHANNELS[colour]
    stride = width * channels
    wanted = height if max_rows is None else min(height, max_rows)
    # Decompress only as much as the wanted rows need (each row has a filter-type byte).
    inflater = zlib.decompressobj()
    raw = inflater.decompress(b"".join(compressed), wanted * (stride + 1))
    if len(raw) < wanted * (stride + 1):
        raise ValueError("PNG image data is shorter than its header says")
    rows = []
    prev = bytes(stride)
    for y in range(wanted):
        start = y * (stride + 1)
        prev = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], prev, channels)
        rows.append(prev)
    return width, height, channels, rows


def distinct_colours(data: bytes, max_rows: int | None = None, limit: int = 1 << 16) -> int:
    """How many distinct pixel values the first ``max_rows`` rows hold (counting stops at
    ``limit``)."""
    _width, _height, channels, rows = decode(data, max_rows)
    seen: set = set()
    for row in rows:
        # A row of one colour adds one value; most rows of a page are like that.
        seen.update(row[i : i + channels] for i in range(0, len(row), channels))
        if len(seen) >= limit:
            break
    return len(seen)
