"""Read real PDFs back: pages, sizes, fonts, text."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader

MM_PER_PT = 25.4 / 72


@dataclass
class PdfFacts:
    pages: int
    trim_mm: list[tuple[float, float]]
    fonts: list[str]
    """Base font names of every font, embedded ones only."""
    unembedded_fonts: list[str]
    text: str

    @property
    def compact_text(self) -> str:
        """All text without whitespace, for finding strings the layout wrapped."""
        return "".join(self.text.split())


def pdf_facts(data: bytes) -> PdfFacts:
    assert data.startswith(b"%PDF-"), data[:16]
    reader = PdfReader(io.BytesIO(data))
    trims, fonts, unembedded, texts = [], [], [], []
    for page in reader.pages:
        box = page.trimbox
        trims.append((round(float(box.width) * MM_PER_PT, 1), round(float(box.height) * MM_PER_PT, 1)))
        texts.append(page.extract_text() or "")
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            name = str(font.get("/BaseFont"))
            if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.append(name)
            else:
                unembedded.append(name)
    return PdfFacts(len(reader.pages), trims, fonts, unembedded, "\n".join(texts))


def _fonts_in(resources, seen: set[int]):  # noqa: ANN001, ANN202 (pypdf objects are untyped)
    """Every font dictionary in resources and in the Form XObjects they draw (the stamped zone)."""
    resources = resources.get_object() if resources is not None else {}
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        ref = getattr(xobject, "idnum", None)
        xobject = xobject.get_object()
        if ref in seen or xobject.get("/Subtype") != "/Form":
            continue
        seen.add(ref)
        yield from _fonts_in(xobject.get("/Resources"), seen)


def _to_unicode(font) -> dict[int, str]:  # noqa: ANN001
    """CID (or code) → text, from a font's /ToUnicode CMap."""
    import re

    cmap = font.get("/ToUnicode")
    if cmap is None:
        return {}
    text = cmap.get_object().get_data().decode("latin-1")
    out: dict[int, str] = {}

    def decode(hexstr: str) -> str:
        return bytes.fromhex(hexstr).decode("utf-16-be")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(code, 16)] = decode(uni)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for start, end, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(uni, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                out[code] = chr(first + offset)
    return out


def glyph_problems(data: bytes) -> tuple[list[str], str]:
    """Inspect every embedded font with fontTools: (characters drawn with a missing glyph, all text).

    A character is drawn with a missing glyph when its glyph id is .notdef (0), is past the
    font's glyph count, or is an empty outline for a visible character: what a renderer draws
    as a box ("tofu") or nothing.
    """
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    reader = PdfReader(io.BytesIO(data))
    problems: list[str] = []
    drawn: list[str] = []
    seen: set[int] = set()
    for page in reader.pages:
        for font in _fonts_in(page.get("/Resources"), seen):
            name = str(font.get("/BaseFont"))
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor").get_object()
            stream = next(
                (descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor), None
            )
            if stream is None:
                problems.append(f"{name}: not embedded")
                continue
            raw = stream.get_object().get_data()
            glyph_count: int
            empty: set[int] = set()
            if raw[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
                tt = TTFont(io.BytesIO(raw))
                glyph_count = len(tt.getGlyphOrder())
                if "glyf" in tt:
                    order = tt.getGlyphOrder()
                    empty = {gid for gid, g in enumerate(order) if tt["glyf"][g].numberOfContours == 0}
            else:
                cff = CFFFontSet()
                cff.decompile(io.BytesIO(raw), None)
                top = cff[cff.fontNames[0]]
                glyph_count = len(top.charset)
            for cid, text in _to_unicode(font).items():
                drawn.append(text)
                visible = text.strip() and not all(ord(c) in (0x200B, 0x200C, 0x200D) for c in text)
                if cid == 0 or cid >= glyph_count or (visible and cid in empty):
                    problems.append(
                        f"{name}: {text!r} (U+{ord(text[0]):04X}) is drawn with glyph {cid}, which the font lacks"
                    )
    return problems, "".join(drawn)
