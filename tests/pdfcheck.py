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
