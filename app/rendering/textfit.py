"""Fit text in a box: shrink to the minimum size, then wrap, then end with an ellipsis.

Text never overflows or clips silently: the result says whether it was truncated, and
lint reports it. Measuring uses the kit's font stack (its own files, then the fallback
chain per script) through FreeType and raqm (Pillow), so PDFs and images fit text the same way.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from app.rendering.fonts import FontStack, base_script

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


def _measure(fonts: FontStack, size: float) -> Callable[[str], float]:
    return lambda text: fonts.measure(text.rstrip(" "), size)


# Line breaking after UAX #14, reduced to what partner names and campaign copy need: breaks
# after spaces, and between ideographs and kana (Chinese, Japanese), except before closing
# punctuation and small kana or after opening brackets (kinsoku). Thai and Korean break at
# spaces; a run still too long for the line breaks between grapheme clusters.
NO_BREAK_BEFORE = frozenset(
    "、。，．・：；？！ー－～）」』】〕〉》〙〗〟’”ゝゞヽヾ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ…‥"
    ",.!?:;)]}%"
)
NO_BREAK_AFTER = frozenset("（「『【〔〈《〘〖〝‘“([{")
IDEOGRAPHIC = frozenset({"han", "kana"})


def _is_cluster_start(char: str, previous: str) -> bool:
    """Whether a line may be cut before char without splitting a grapheme cluster or a conjunct."""
    if unicodedata.category(char) in ("Mn", "Mc", "Me") or char in "\u200c\u200d":
        return False
    if previous in "\u0e40\u0e41\u0e42\u0e43\u0e44\u094d\u200d":  # Thai leading vowels, virama, ZWJ
        return False
    return True


def segments(text: str) -> list[str]:
    """text cut at its line-break opportunities; each piece keeps its trailing spaces."""
    pieces: list[str] = []
    current = ""
    for index, char in enumerate(text):
        if current:
            previous = text[index - 1]
            if (previous == " " and char != " ") or (
                previous in "-\u2010" and char.isalpha() and index > 1 and text[index - 2].isalpha()
            ):  # after a space, or after a hyphen inside a word ("Zero-Trust-|Netzwerke")
                pieces.append(current)
                current = ""
            elif (
                (base_script(previous) in IDEOGRAPHIC or base_script(char) in IDEOGRAPHIC)
                and previous != " "
                and char not in NO_BREAK_BEFORE
                and previous not in NO_BREAK_AFTER
                and _is_cluster_start(char, previous)
            ):
                pieces.append(current)
                current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces


def _split_long(piece: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """A piece wider than the line, broken between grapheme clusters as late as fits."""
    lines = []
    while len(piece) > 1 and measure(piece) > width:
        cut = len(piece) - 1
        while cut > 1 and (measure(piece[:cut]) > width or not _is_cluster_start(piece[cut], piece[cut - 1])):
            cut -= 1
        lines.append(piece[:cut])
        piece = piece[cut:]
    return [*lines, piece]


def _wrap(
    pieces: list[str], width: float, measure: Callable[[str], float], *, split_words: bool = True
) -> list[str] | None:
    """Lines of at most width; None if a piece is wider than a line and split_words is False."""
    lines: list[str] = []
    current = ""
    for piece in pieces:
        candidate = current + piece
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        *full, current = _split_long(piece, width, measure)
        if full and not split_words:
            return None
        lines.extend(full)
    if current:
        lines.append(current)
    return [line.rstrip(" ") for line in lines]


def _sizes(max_size: float, min_size: float) -> list[float]:
    steps = max(0, math.floor((max_size - min_size) * 2))
    return [max_size - i / 2 for i in range(steps + 1)] + (
        [min_size] if (max_size - min_size) * 2 % 1 else []
    )


@lru_cache(maxsize=1024)
def fit_text(
    text: str,
    *,
    fonts: FontStack,
    width: float,
    height: float,
    max_size: float,
    min_size: float,
    line_height: float = 1.2,
    max_lines: int | None = None,
    wrap_first: bool = False,
) -> FittedText:
    """Choose a size and line breaks so text fits width × height (same unit as the sizes).

    Measured with the font stack: each run of text in the face that covers it, shaped by raqm.
    Cached (bounded): campaign copy is fitted once for all partners, not once per partner.
    """
    text = " ".join(text.split())
    usable = width * SAFETY
    if not text:
        return FittedText(max_size, (), False, False)
    pieces = segments(text)

    def allowed_lines(size: float) -> int:
        fit = max(1, math.floor(height / (size * line_height) + 1e-6))
        return min(fit, max_lines) if max_lines else fit

    sizes = _sizes(max_size, min_size)
    if not wrap_first:
        for size in sizes:
            if size * line_height <= height + 1e-6 or size == sizes[-1]:
                if _measure(fonts, size)(text) <= usable:
                    return FittedText(size, (text,), False, size < max_size)
    # Shrink before breaking inside a word; break inside one only when no size avoids it.
    for split_words in (False, True):
        for size in sizes:
            lines = _wrap(pieces, usable, _measure(fonts, size), split_words=split_words)
            if lines is not None and len(lines) <= allowed_lines(size):
                return FittedText(size, tuple(lines), False, size < max_size)

    # Nothing fits even at the minimum size: keep what fits and end on a break with an ellipsis.
    size = min_size
    measure = _measure(fonts, size)
    keep = allowed_lines(size)
    lines = (_wrap(pieces, usable, measure) or [])[:keep]
    last = lines[-1]
    while last and measure(last + ELLIPSIS) > usable:
        cut = segments(last)
        last = "".join(cut[:-1]).rstrip(" ") if len(cut) > 1 else last[:-1]
    lines[-1] = (last.rstrip(" ,;:-–、，") + ELLIPSIS) if last else ELLIPSIS
    return FittedText(size, tuple(lines), True, True)
