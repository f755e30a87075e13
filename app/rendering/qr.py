"""QR codes: one code per URL, drawn as vector (SVG) or as a crisp raster image."""

from __future__ import annotations

import io

import segno
from PIL import Image

from app.rendering.color import hex_to_rgb

QR_BORDER = 2
"""Quiet zone around a QR code, in modules."""
QR_MASK = 0
"""The data mask every code uses (any of the eight is valid, and scanners read it from the code).
Scoring all eight for the best one, as segno does by default, was 80% of a code's cost."""


def qr_code(url: str) -> segno.QRCode:
    """The QR code of url (error correction M, mask QR_MASK), as every renderer draws it."""
    return segno.make(url, error="m", micro=False, mask=QR_MASK)


def qr_svg(
    url: str, *, color: str = "#000000", background: str | None = "#FFFFFF", code: segno.QRCode | None = None
) -> bytes:
    """A vector QR code (SVG) of url, with its quiet zone (code: url's qr_code, if already made)."""
    out = io.BytesIO()
    (code or qr_code(url)).save(
        out, kind="svg", border=QR_BORDER, dark=color, light=background, xmldecl=False, svgns=True, nl=False
    )
    return out.getvalue()


def qr_image(url: str, size: int, *, color: str = "#000000", background: str = "#FFFFFF") -> Image.Image:
    """A QR code of url as a size×size image with crisp, whole-pixel modules where possible."""
    code = qr_code(url)
    modules = int(code.symbol_size(scale=1, border=QR_BORDER)[0])
    small = Image.new("RGB", (modules, modules), background)
    pixels = small.load()
    assert pixels is not None
    dark = hex_to_rgb(color) if color.startswith("#") else (0, 0, 0)
    for y, row in enumerate(code.matrix):
        for x, bit in enumerate(row):
            if bit:
                pixels[x + QR_BORDER, y + QR_BORDER] = dark
    return small.resize((size, size), Image.Resampling.NEAREST)
