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


def _rewritten(base: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _launch(writer) -> None:  # type: ignore[no-untyped-def]
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 100, 40)]),
            NameObject("/A"): DictionaryObject(
                {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _javascript(writer) -> None:  # type: ignore[no-untyped-def]
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi');")}
    )


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of hand-written objects (1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n\r\n" % offset for offset in offsets)
    out += b"trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def hostile_pdfs() -> dict[str, tuple[bytes, str]]:
    """PDFs an upload must refuse, each with the words its refusal must contain."""
    base = design_pdf()
    deep = b"[" * 50_000 + b"]" * 50_000
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    nested = raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
                      b"<< /Bomb " + deep + b" >>"])  # fmt: skip
    many = raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]
                   + [b"null"] * 300_000)  # fmt: skip
    return {
        "javascript": (_rewritten(base, _javascript), "JavaScript"),
        "embedded-file": (
            _rewritten(base, lambda w: w.add_attachment("payload.exe", b"MZ...")),
            "embedded file",
        ),
        "launch": (_rewritten(base, _launch), "launch action"),
        "encrypted": (_rewritten(base, lambda w: w.encrypt("secret", algorithm="AES-128")), "encrypted"),
        "deeply-nested": (nested, "nests objects too deeply"),
        "huge-object-count": (many, "300003 objects, over the limit"),
    }
