"""Small previews of rendered assets for the web pages."""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from PIL import Image

THUMBNAIL_WIDTH = 360
"""Thumbnail width in pixels (height follows the aspect ratio)."""
PDFIUM_LOCK = threading.Lock()
"""PDFium is not thread-safe: one call into it at a time per process."""
ZONE_MARGIN_PX = 2
"""Pixels re-rendered around a stamped zone: its anti-aliased edge lies within them."""
MASTER_THUMBNAILS = 8
"""Masters whose first page a StampedThumbnails keeps (an RGB image of a few hundred KB each)."""


def thumbnail(data: bytes, content_type: str, *, width: int = THUMBNAIL_WIDTH) -> bytes:
    """A JPEG preview of the first page of a PDF or of an image (anything else: a blank card)."""
    if not (content_type == "application/pdf" or content_type.startswith("image/")):
        image = Image.new("RGBA", (width, width * 5 // 8), (238, 242, 246, 255))
    elif content_type == "application/pdf":
        image = _pdf_first_page(data, width)
    else:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            image = source.convert("RGBA")
        image.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
    return _jpeg(image)


@dataclass(frozen=True)
class StampedPdf:
    """What a stamped PDF is made of: a master PDF and, appended to it, a zone drawn on one page."""

    master: bytes
    page_index: int
    bbox: tuple[float, float, float, float]
    """The zone in PDF user space; nothing of the update draws outside it."""


class StampedThumbnails:
    """Thumbnails of PDFs stamped on a master: its first page rendered once, only the zone per partner.

    A stamped PDF is the master's bytes with an update appended that draws inside the zone only, so
    outside the zone its first page is the master's, pixel for pixel. Per partner only the zone's
    pixels (and a margin for anti-aliasing) are rendered, at the same scale and pixel grid as a full
    render, and pasted onto the master's page; a zone on another page costs nothing at all. A PDF
    that is not its master plus an update (a full render fallback) gets the full thumbnail.
    """

    def __init__(self, width: int = THUMBNAIL_WIDTH) -> None:
        self.width = width
        self._pages: OrderedDict[bytes, tuple[Image.Image, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def thumbnail(self, data: bytes, stamped: StampedPdf | None) -> bytes:
        """The JPEG preview of data, a PDF; stamped says what it was stamped on, if it was."""
        if stamped is None or len(data) <= len(stamped.master) or not data.startswith(stamped.master):
            return thumbnail(data, "application/pdf", width=self.width)
        page, page_jpeg = self._master_page(stamped.master)
        if stamped.page_index != 0:
            return page_jpeg  # the first page is the master's own
        image = page.copy()
        with PDFIUM_LOCK:
            box, zone = _render_zone(data, self.width, stamped.bbox, page.size)
        if box is None:
            return thumbnail(data, "application/pdf", width=self.width)
        image.paste(zone, box[:2])
        return _jpeg(image)

    def prepare(self, stamped: StampedPdf) -> None:
        """Render the master's first page now (a forking worker's parent does, for its children)."""
        if stamped.page_index == 0:
            self._master_page(stamped.master)

    def _master_page(self, master: bytes) -> tuple[Image.Image, bytes]:
        """The master's first page (an RGB image) and its JPEG, rendered once."""
        key = hashlib.sha256(master).digest()
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
                return found
        image = _pdf_first_page(master, self.width).convert("RGB")
        found = (image, _jpeg(image))
        with self._lock:
            self._pages[key] = found
            while len(self._pages) > MASTER_THUMBNAILS:
                self._pages.popitem(last=False)
        return found


def _pdf_first_page(data: bytes, width: int) -> Image.Image:
    import pypdfium2 as pdfium  # imported here: only PDF thumbnails need it

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            page = pdf[0]
            image = page.render(scale=width / page.get_width()).to_pil()
            page.close()
        finally:
            pdf.close()
    return image  # type: ignore[no-any-return]


def _render_zone(
    data: bytes, width: int, bbox: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[tuple[int, int, int, int] | None, Any]:
    """The zone's pixels on the first page (box: left, top, right, bottom), on a full render's grid.

    pypdfium2 crops by whole pixels (ceil of points × scale) and renders the page at the full
    size shifted by the crop: the pixels inside are exactly the full render's.
    """
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        try:
            if page.get_rotation() != 0:
                return None, None
            scale = width / page.get_width()
            left_pt, bottom_pt, _, top_pt = page.get_cropbox()
            full_w, full_h = math.ceil(page.get_width() * scale), math.ceil(page.get_height() * scale)
            if (full_w, full_h) != size:
                return None, None
            x0, y0, x1, y1 = bbox
            box = (
                max(0, math.floor((x0 - left_pt) * scale) - ZONE_MARGIN_PX),
                max(0, math.floor((top_pt - y1) * scale) - ZONE_MARGIN_PX),
                min(full_w, math.ceil((x1 - left_pt) * scale) + ZONE_MARGIN_PX),
                min(full_h, math.ceil((top_pt - y0) * scale) + ZONE_MARGIN_PX),
            )
            if box[0] >= box[2] or box[1] >= box[3]:
                return None, None
            # A quarter pixel below each whole pixel: ceil(crop × scale) is then that pixel exactly.
            crop = tuple(max(0.0, (px - 0.25) / scale) if px else 0.0
                         for px in (box[0], full_h - box[3], full_w - box[2], box[1]))  # fmt: skip
            zone = page.render(scale=scale, crop=crop).to_pil()
        finally:
            page.close()
    finally:
        pdf.close()
    if zone.size != (box[2] - box[0], box[3] - box[1]):
        return None, None
    return box, zone


def _jpeg(image: Image.Image) -> bytes:
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=82)
    return out.getvalue()
