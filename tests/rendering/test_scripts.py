"""Every script with real glyphs: names in Arabic, Hebrew, Hindi, Thai, Chinese, Japanese, Korean.

Two independent checks. (1) A name and a permutation of its characters must render
differently: if every glyph became the same missing-glyph box, both would be identical.
(2) fontTools reads every font embedded in the PDF and no character may map to a glyph the
font lacks.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from app.rendering.model import PartnerInput
from tests.pdfcheck import glyph_problems

NAMES = {
    "arabic": ("ar-AE", "AE", "شركة النور للحلول التقنية"),
    "hebrew": ("he-IL", "IL", "רשתות הגליל בע״מ"),
    "hindi": ("hi-IN", "IN", "भारत नेटवर्क समाधान"),
    "thai": ("th-TH", "TH", "บริษัท สยามเน็ตเวิร์ค จำกัด"),
    "chinese": ("zh-CN", "CN", "上海云网科技有限公司"),
    "japanese": ("ja-JP", "JP", "東京システム株式会社"),
    "korean": ("ko-KR", "KR", "서울 네트웍스 주식회사"),
}


def permuted(text: str) -> str:
    """The same characters in another order (rotated by one within each word)."""
    words = text.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    words[longest] = word[1:] + word[0]
    out = " ".join(words)
    assert out != text and sorted(out) == sorted(text)
    return out


def pdf_page(data: bytes) -> Image.Image:
    return pdfium.PdfDocument(data)[0].render(scale=1.5).to_pil().convert("RGB")


def partner_named(script: str) -> PartnerInput:
    locale, country, name = NAMES[script]
    return PartnerInput(
        slug=f"partner-{script}", name=name, type="reseller", tier="gold", region="APAC",
        country=country, locale=locale, website="https://partner.example",
    )  # fmt: skip


@pytest.mark.parametrize("script", NAMES)
def test_name_and_its_permutation_render_differently_in_every_output(
    renderer, kit, template, campaign, script: str
) -> None:
    partner = partner_named(script)
    other = replace(partner, name=permuted(partner.name))
    for output_id in template.output_ids():
        first = renderer.render_one(kit, template, partner, campaign, output_id)
        second = renderer.render_one(kit, template, other, campaign, output_id)
        if first.content_type == "application/pdf":
            a, b = pdf_page(first.data), pdf_page(second.data)
        else:
            a, b = (
                Image.open(io.BytesIO(first.data)).convert("RGB"),
                Image.open(io.BytesIO(second.data)).convert("RGB"),
            )
        assert ImageChops.difference(a, b).getbbox() is not None, (
            f"{output_id}: {script} name drew identical boxes"
        )
        assert not first.warnings, first.warnings


@pytest.mark.parametrize("script", NAMES)
def test_no_character_of_the_pdf_maps_to_a_glyph_its_embedded_font_lacks(
    renderer, kit, template, campaign, script: str
) -> None:
    partner = partner_named(script)
    pdf = renderer.render_one(kit, template, partner, campaign, "flyer")
    problems, drawn = glyph_problems(pdf.data)
    assert problems == []
    # Every letter of the name was embedded (marks aside: shaping may fold them into a cluster's glyphs).
    letters = {
        c for c in unicodedata.normalize("NFKD", partner.name) if unicodedata.category(c).startswith("L")
    }
    assert letters <= set(unicodedata.normalize("NFKD", drawn))
