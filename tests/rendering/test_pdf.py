"""PDF outputs: real PDFs read back with pypdf and rasterised with pypdfium2."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from app.errors import RenderFailed, TemplateInvalid
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from tests.factories import FLYER_HTML, TEMPLATE_TOML, make_template
from tests.pdfcheck import pdf_facts


def test_flyer_opens_with_size_fonts_name_and_tracked_url(renderer, kit, template, partner, campaign) -> None:
    pdf = renderer.render_one(kit, template, partner, campaign, "flyer")
    assert pdf.content_type == "application/pdf"
    facts = pdf_facts(pdf.data)
    assert facts.pages == 1
    assert facts.trim_mm == [(210.0, 297.0)]
    assert facts.fonts and facts.unembedded_fonts == []
    assert "Acme Networks GmbH" in facts.text
    assert (
        "vendor.example.com/spring?utm_source=acme&utm_medium=reseller&utm_campaign=spring"
        in facts.compact_text
    )


def test_same_inputs_give_byte_identical_pdfs_even_across_renderers(kit, template, partner, campaign) -> None:
    first = Renderer().render_one(kit, template, partner, campaign, "flyer").data
    warm = Renderer()
    warm.render_one(kit, template, dataclasses.replace(partner, name="Someone Else"), campaign, "flyer")
    assert warm.render_one(kit, template, partner, campaign, "flyer").data == first
    assert Renderer().render_one(kit, template, partner, campaign, "flyer").data == first


def test_disclaimer_follows_partner_region(renderer, kit, template, partner, campaign) -> None:
    emea = pdf_facts(renderer.render_one(kit, template, partner, campaign, "flyer").data).text
    na = pdf_facts(
        renderer.render_one(kit, template, dataclasses.replace(partner, region="NA"), campaign, "flyer").data
    ).text
    apac = pdf_facts(
        renderer.render_one(
            kit, template, dataclasses.replace(partner, region="APAC"), campaign, "flyer"
        ).data
    ).text
    assert "Acme Europe B.V." in emea and "Acme Inc." in na and "Default disclaimer." in apac


def test_partner_text_is_escaped_not_markup(renderer, kit, template, partner, campaign) -> None:
    evil = dataclasses.replace(partner, name='<img src="file:///etc/passwd">Evil & Co')
    facts = pdf_facts(renderer.render_one(kit, template, evil, campaign, "flyer").data)
    # The markup is printed as text, not interpreted (and so nothing was fetched).
    assert '<imgsrc="file:///etc/passwd">Evil&Co' in facts.compact_text


def test_long_name_shrinks_and_wraps_inside_its_box(renderer, kit, template, partner, campaign) -> None:
    name = "Pacific Rim Cloud Integration & Managed Security Services Cooperative Ltd"
    rendered = renderer.render_one(kit, template, dataclasses.replace(partner, name=name), campaign, "flyer")
    assert rendered.warnings == ()
    assert name.replace(" ", "") in pdf_facts(rendered.data).compact_text


def test_bleed_and_crop_marks_enlarge_the_media_box_not_the_trim_box(
    tmp_path: Path, kit, partner, campaign
) -> None:
    toml = TEMPLATE_TOML.replace("pages = 1\n", "pages = 1\nbleed_mm = 3\ncrop_marks = true\n", 1)
    template = load_template(make_template(tmp_path / "bleed", **{"template.toml": toml}))
    data = Renderer().render_one(kit, template, partner, campaign, "flyer").data
    from io import BytesIO

    from pypdf import PdfReader

    page = PdfReader(BytesIO(data)).pages[0]
    assert pdf_facts(data).trim_mm == [(210.0, 297.0)]
    assert float(page.mediabox.width) > float(page.trimbox.width) + 2 * 3 * 72 / 25.4 - 0.5


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('<img src="file:///etc/passwd">', "file:///etc/passwd"),
        ('<img src="http://127.0.0.1:9/x.png">', "network access is not allowed"),
        ('<link rel="stylesheet" href="https://example.com/evil.css">', "network access is not allowed"),
        ('<img src="../../../../etc/hostname">', "only files inside the brand kit and the template"),
    ],
)
def test_template_cannot_reach_outside_its_folders(
    tmp_path: Path, kit, partner, campaign, snippet, expected
) -> None:
    template = load_template(
        make_template(tmp_path / "evil", **{"flyer.html": FLYER_HTML.replace("<body>", "<body>" + snippet)})
    )
    with pytest.raises(TemplateInvalid) as error:
        Renderer().render_one(kit, template, partner, campaign, "flyer")
    message = str(error.value)
    assert expected in message and "\n" not in message


def test_css_import_over_the_network_is_refused(tmp_path: Path, kit, partner, campaign) -> None:
    template = load_template(
        make_template(tmp_path / "evilcss", **{"flyer.css": "@import url('http://127.0.0.1:9/x.css');\n"})
    )
    with pytest.raises(TemplateInvalid, match="network access is not allowed"):
        Renderer().render_one(kit, template, partner, campaign, "flyer")


def test_templates_render_in_a_sandbox(tmp_path: Path, kit, partner, campaign) -> None:
    html = FLYER_HTML.replace("<body>", "<body>{{ ''.__class__.__mro__[1].__subclasses__() }}")
    template = load_template(make_template(tmp_path / "sandbox", **{"flyer.html": html}))
    with pytest.raises(TemplateInvalid, match="SecurityError|UndefinedError"):
        Renderer().render_one(kit, template, partner, campaign, "flyer")


def test_overflowing_pages_fail_with_a_clear_error(tmp_path: Path, kit, partner, campaign) -> None:
    html = FLYER_HTML.replace("<body>", "<body>" + "<p>Lorem ipsum dolor sit amet.</p>" * 400)
    template = load_template(make_template(tmp_path / "long", **{"flyer.html": html}))
    with pytest.raises(RenderFailed, match="overflows to [0-9]+ pages, the template declares 1"):
        Renderer().render_one(kit, template, partner, campaign, "flyer")


def test_partner_without_logo_still_renders(
    renderer, kit: BrandKit, template: CampaignTemplate, partner: PartnerInput, campaign: CampaignInput
) -> None:
    facts = pdf_facts(
        renderer.render_one(kit, template, dataclasses.replace(partner, logo=None), campaign, "flyer").data
    )
    assert "Acme Networks GmbH" in facts.text


@pytest.mark.parametrize("box", ["width:22mm;height:22mm", "width:31mm;height:17mm"])
def test_our_qr_drawing_matches_weasyprints_drawing_of_the_qr_svg(box: str) -> None:
    """The QR code we draw ourselves rasterises exactly as WeasyPrint draws segno's SVG."""
    import pypdfium2 as pdfium
    from PIL import ImageChops
    from weasyprint import HTML

    from app.rendering.context import data_uri
    from app.rendering.pdf import QrImage
    from app.rendering.qr import qr_code, qr_svg

    url = "https://vendor.example.com/spring?utm_source=acme&utm_medium=reseller&utm_campaign=spring"
    code = qr_code(url)
    uri = data_uri(qr_svg(url, color="#1B2A3A", code=code), "image/svg+xml")
    html = HTML(string=f'<body style="margin:7mm"><img style="display:block;{box}" src="{uri}"></body>')
    theirs = html.write_pdf()
    ours = html.write_pdf(cache={uri: QrImage(code, "#1B2A3A", "#FFFFFF")})
    assert ours != theirs  # ours really drew it

    def raster(data: bytes):  # noqa: ANN202
        return pdfium.PdfDocument(data)[0].render(scale=300 / 72).to_pil().convert("RGB")

    assert ImageChops.difference(raster(theirs), raster(ours)).getbbox() is None


def _logo_with_a_hole() -> bytes:
    """A PNG logo that stays transparent in places after trimming (drawn with a soft mask)."""
    image = Image.new("RGBA", (300, 100), "#C0392B")
    ImageDraw.Draw(image).rectangle((100, 30, 200, 70), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("logo", ["opaque", "transparent"])
def test_a_logo_kept_loaded_writes_the_same_pdf(kit, template, partner, campaign, logo) -> None:
    """The second PDF with a partner's raster logo reuses its image streams: same bytes as a fresh renderer."""
    if logo == "transparent":
        partner = dataclasses.replace(partner, logo=_logo_with_a_hole())
    fresh = Renderer()
    output = template.outputs[0]
    assert fresh.partner_logo(partner) is not None
    first = fresh.pdf.render(kit, template, output, partner, campaign, fresh.partner_logo(partner))[0]
    warm = Renderer()
    other = dataclasses.replace(partner, slug="other", name="Other Partner")
    warm.pdf.render(kit, template, output, other, campaign, warm.partner_logo(other))
    again = warm.pdf.render(kit, template, output, partner, campaign, warm.partner_logo(partner))[0]
    assert again == first
