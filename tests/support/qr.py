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


def pdf_page_png(pdf_bytes: bytes, page: int = 0, *, scale: float = 4.0) -> bytes:
    """One page of a PDF rasterised with PDFium (scale 4 ≈ 288 dpi), as PNG bytes."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        image = pdf[page].render(scale=scale).to_pil()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
