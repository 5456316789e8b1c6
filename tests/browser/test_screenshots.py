"""The screenshot reading the blank-page checks rely on, against images made here.

The screenshot test passes when the first screen of a page holds enough colours; these
prove, without a browser (they run on every machine), that a one-colour image counts as one
colour, that only the rows asked for are counted, and that the size is read as written.
"""

from __future__ import annotations

import io

from _site import distinct_colours, screenshot_size
from PIL import Image, ImageDraw


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_blank_image_has_one_colour():
    png = _png(Image.new("RGB", (64, 48), "white"))
    assert screenshot_size(png) == (64, 48)
    assert distinct_colours(png, rows=48) == 1


def test_only_the_top_rows_are_counted():
    image = Image.new("RGB", (40, 30), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 19, 9), fill="black")  # rows 0-9: white and black
    draw.rectangle((0, 20, 39, 29), fill=(16, 32, 48))  # rows 20-29: a third colour
    png = _png(image)
    assert distinct_colours(png, rows=10) == 2
    assert distinct_colours(png, rows=30) == 3
    assert distinct_colours(png, rows=1000) == 3, "more rows than the image has"


def test_rendered_text_has_many_colours_and_the_count_stops_at_the_limit():
    image = Image.new("RGBA", (200, 60), "white")
    draw = ImageDraw.Draw(image)
    for x in range(200):  # a gradient stands in for anti-aliased text
        draw.line((x, 0, x, 59), fill=(x, 255 - x, (3 * x) % 256, 255))
    png = _png(image)
    assert distinct_colours(png, rows=60) == 200
    assert distinct_colours(png, rows=60, limit=16) == 16
