"""Colour: hex parsing, WCAG luminance, and the brand logo variant a background calls for."""

from __future__ import annotations


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    """#RRGGBB (or RRGGBB) as an (r, g, b) tuple of 0–255."""
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


DARK_BACKGROUND_LUMINANCE = 0.179
"""Below this, white contrasts more than black (WCAG contrast ratios are equal here)."""


def brand_logo_variant(background: tuple[int, int, int]) -> str:
    """The brand logo for a background: on_dark where light artwork contrasts more, else primary."""
    return "on_dark" if relative_luminance(background) < DARK_BACKGROUND_LUMINANCE else "primary"
