"""Designs for tests: PDFs drawn by reportlab (not WeasyPrint), rasterised and compared by pixel."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops
from reportlab.lib.colors import CMYKColor
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.rendering.model import DesignZone

RASTER_DPI = 100


def design_pdf(pages: int = 1, *, bleed_mm: float = 0, size_mm: tuple[float, float] = (210, 297),
               dense: bool = False) -> bytes:  # fmt: skip
    """A small design made by reportlab: artwork at the top of each page, a plain panel below.

    dense: the lower panel is covered with fine stripes (a design that left no room for zones).
    """
    width, height = size_mm[0] * mm, size_mm[1] * mm
    bleed = bleed_mm * mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width + 2 * bleed, height + 2 * bleed), invariant=1)
    for index in range(pages):
        if bleed:
            canvas.setTrimBox((bleed, bleed, bleed + width, bleed + height))
        canvas.setFillColor(CMYKColor(1, 0.5, 0, 0.6))
        canvas.rect(0, bleed + height * 0.6, width + 2 * bleed, height * 0.4 + bleed, stroke=0, fill=1)
        canvas.setFillColor(CMYKColor(0, 0, 0, 0))
        canvas.setFont("Helvetica-Bold", 28)
        canvas.drawString(bleed + 15 * mm, bleed + height * 0.8, f"Design page {index + 1}")
        if dense:
            canvas.setStrokeColor(CMYKColor(0, 0.6, 1, 0))
            canvas.setLineWidth(0.6)
            for x in range(0, int(width), 3):
                canvas.line(bleed + x, bleed, bleed + x + 20, bleed + height * 0.55)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def raster(pdf: bytes, page: int = 0, dpi: int = RASTER_DPI) -> Image.Image:
    """A page of a PDF (its crop box) as RGB pixels."""
    document = pdfium.PdfDocument(pdf)
    try:
        return document[page].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def trim_offset_px(pdf: bytes, page: int = 0, dpi: int = RASTER_DPI) -> tuple[float, float]:
    """Where the trim box's top-left corner is in raster() pixels."""
    document = pdfium.PdfDocument(pdf)
    try:
        left, _, _, top = document[page].get_trimbox()
        c_left, _, _, c_top = document[page].get_cropbox()
    finally:
        document.close()
    return (left - c_left) * dpi / 72, (c_top - top) * dpi / 72


def zone_mask(size: tuple[int, int], zones: Iterable[DesignZone], offset: tuple[float, float],
              px_per_mm: float) -> Image.Image:  # fmt: skip
    """White where a zone touches a pixel (partly covered edge pixels included), black elsewhere."""
    mask = Image.new("L", size, 0)
    for zone in zones:
        left = int(offset[0] + zone.x_mm * px_per_mm)
        top = int(offset[1] + zone.y_mm * px_per_mm)
        right = int(offset[0] + (zone.x_mm + zone.width_mm) * px_per_mm) + 1
        bottom = int(offset[1] + (zone.y_mm + zone.height_mm) * px_per_mm) + 1
        mask.paste(255, (left, top, right, bottom))
    return mask


def differing_outside(master: Image.Image, output: Image.Image, mask: Image.Image) -> int:
    """How many pixels outside the mask differ between two same-size images."""
    assert master.size == output.size
    diff = ImageChops.difference(master, output).convert("L").point(lambda v: 255 if v else 0)
    outside = ImageChops.multiply(diff, ImageChops.invert(mask))
    return outside.width * outside.height - outside.histogram()[0]


def differing_inside(master: Image.Image, output: Image.Image, mask: Image.Image) -> int:
    diff = ImageChops.difference(master, output).convert("L").point(lambda v: 255 if v else 0)
    inside = ImageChops.multiply(diff, mask)
    return inside.width * inside.height - inside.histogram()[0]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
