"""Untrusted design files: hostile PDFs refused in one line naming what was found."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.errors import UploadRejected
from app.rendering.intake import IntakeLimits, check_master
from tests.support.designs import design_pdf, hostile_pdfs

HOSTILE = hostile_pdfs()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_pdfs_are_refused_naming_what_was_found(name: str) -> None:
    data, words = HOSTILE[name]
    with pytest.raises(UploadRejected) as error:
        check_master(data, f"{name}.pdf")
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{name}.pdf: refused: ") and words in message, message


def test_a_design_with_bleed_and_images_are_accepted() -> None:
    master = check_master(design_pdf(bleed_mm=3), "flyer.pdf")
    assert master.format == "pdf" and master.extension == "pdf"
    assert [(round(p.width_mm), round(p.height_mm)) for p in master.pages] == [(210, 297)]  # the trim box
    for fmt, extension in (("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")):
        out = io.BytesIO()
        Image.new("RGB", (960, 480), "#223344").save(out, format=fmt)
        accepted = check_master(out.getvalue(), f"banner.{extension}")
        assert accepted.extension == extension
        assert (accepted.pages[0].width_px, accepted.pages[0].height_px) == (960, 480)
        assert round(accepted.pages[0].width_mm, 1) == 254.0  # 960 px at 96 dpi


@pytest.mark.parametrize(
    ("data", "limits", "words"),
    [
        (b"GIF89a....", IntakeLimits(), "is not a PDF, PNG, JPEG or WebP file"),
        (design_pdf(3), IntakeLimits(max_pages=2), "has 3 pages, over the limit of 2"),
        (design_pdf(size_mm=(5, 5)), IntakeLimits(), "page 1 is 5 × 5 mm; pages must be 10 to 2000 mm"),
        (design_pdf(), IntakeLimits(max_bytes=1000), "over the limit of 1000 bytes"),
        (b"%PDF-1.4\nnot really", IntakeLimits(), "is not a readable PDF"),
    ],
)
def test_limits_and_other_files_are_named(data: bytes, limits: IntakeLimits, words: str) -> None:
    with pytest.raises(UploadRejected, match=words):
        check_master(data, "upload.pdf", limits)


def test_a_uri_action_and_a_form_are_refused() -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(design_pdf())))
    writer.add_annotation(0, Link(rect=(10, 10, 100, 40), url="https://evil.example"))
    writer._root_object[__import__("pypdf").generic.NameObject("/AcroForm")] = __import__(
        "pypdf"
    ).generic.DictionaryObject()
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UploadRejected) as error:
        check_master(out.getvalue(), "linked.pdf")
    assert "a URI action" in str(error.value) and "a form (AcroForm)" in str(error.value)
