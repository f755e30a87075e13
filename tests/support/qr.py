"""Decode QR codes in rendered images (pyzbar, on Debian's libzbar0)."""

from __future__ import annotations

import io

from PIL import Image
from pyzbar.pyzbar import ZBarSymbol
from pyzbar.pyzbar import decode as zbar_decode


def decode_qr(png_bytes: bytes) -> list[str]:
    """Every QR code's text in an image (PNG, JPEG … bytes), top to bottom."""
    with Image.open(io.BytesIO(png_bytes)) as image:
        gray = image.convert("L")
    found = zbar_decode(gray, symbols=[ZBarSymbol.QRCODE])
    return [symbol.data.decode("utf-8") for symbol in sorted(found, key=lambda s: s.rect.top)]
