"""Fit text in a box: shrink to the minimum size, then wrap, then end with an ellipsis.

Text never overflows or clips silently: the result says whether it was truncated, and
lint reports it. Measuring uses the kit's own font files through FreeType (Pillow), so
PDFs and images fit text the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

ELLIPSIS = "…"
SAFETY = 0.98
"""Fill at most this share of the box width: shaping engines differ by a hair."""


@dataclass(frozen=True)
class FittedText:
    size: float
    lines: tuple[str, ...]
    truncated: bool
    """True when words were dropped for an ellipsis: the text did not fit even at min size."""
    shrunk: bool


@lru_cache(maxsize=256)
def load_font(path: Path, size: float) -> ImageFont.FreeTypeFont:
    """A FreeType font at a size; bounded cache because workers render thousands of boxes."""
    return ImageFont.truetype(str(path), size=size)


def _measure(path: Path, size: float) -> Callable[[str], float]:
    font = load_font(path, size)
    return font.getlength


def _wrap(words: list[str], width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        # A single word wider than the box is broken by characters.
        while measure(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _sizes(max_size: float, min_size: float) -> list[float]:
    steps = max(0, math.floor((max_size - min_size) * 2))
    return [max_size - i / 2 for i in range(steps + 1)] + (
        [min_size] if (max_size - min_size) * 2 % 1 else []
    )


@lru_cache(maxsize=1024)
def fit_text(
    text: str,
    *,
    font_path: Path,
    width: float,
    height: float,
    max_size: float,
    min_size: float,
    line_height: float = 1.2,
    max_lines: int | None = None,
    wrap_first: bool = False,
) -> FittedText:
    """Choose a size and line breaks so text fits width × height (same unit as the sizes).

    Cached (bounded): campaign copy is fitted once for all partners, not once per partner.
    """
    text = " ".join(text.split())
    usable = width * SAFETY
    if not text:
        return FittedText(max_size, (), False, False)
    words = text.split(" ")

    def allowed_lines(size: float) -> int:
        fit = max(1, math.floor(height / (size * line_height) + 1e-6))
        return min(fit, max_lines) if max_lines else fit

    sizes = _sizes(max_size, min_size)
    if not wrap_first:
        for size in sizes:
            if size * line_height <= height + 1e-6 or size == sizes[-1]:
                if _measure(font_path, size)(text) <= usable:
                    return FittedText(size, (text,), False, size < max_size)
    for size in sizes:
        lines = _wrap(words, usable, _measure(font_path, size))
        if len(lines) <= allowed_lines(size):
            return FittedText(size, tuple(lines), False, size < max_size)

    # Nothing fits even at the minimum size: keep what fits and end on a word with an ellipsis.
    size = min_size
    measure = _measure(font_path, size)
    keep = allowed_lines(size)
    lines = _wrap(words, usable, measure)[:keep]
    last = lines[-1]
    while last and measure(last + ELLIPSIS) > usable:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = (last.rstrip(" ,;:-–") + ELLIPSIS) if last else ELLIPSIS
    return FittedText(size, tuple(lines), True, True)
