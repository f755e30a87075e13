"""Small previews of rendered assets for the web pages."""

from __future__ import annotations

import io
import threading

from PIL import Image

THUMBNAIL_WIDTH = 360
"""Thumbnail width in pixels (height follows the aspect ratio)."""
PDFIUM_LOCK = threading.Lock()
"""PDFium is not thread-safe: one call into it at a time per process."""


def thumbnail(data: bytes, content_type: str, *, width: int = THUMBNAIL_WIDTH) -> bytes:
    """A JPEG preview of the first page of a PDF or of an image (anything else: a blank card)."""
    if not (content_type == "application/pdf" or content_type.startswith("image/")):
        image = Image.new("RGBA", (width, width * 5 // 8), (238, 242, 246, 255))
    elif content_type == "application/pdf":
        import pypdfium2 as pdfium  # imported here: only PDF thumbnails need it

        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
            try:
                page = pdf[0]
                scale = width / page.get_width()
                image = page.render(scale=scale).to_pil()
                page.close()
            finally:
                pdf.close()
    else:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            image = source.convert("RGBA")
        image.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=82)
    return out.getvalue()
