"""Design templates: a PDF or image from another tool, only its zones drawn, stamped on the master."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from app.errors import TemplateInvalid
from app.rendering.links import tracked_url
from app.rendering.model import BrandKit, CampaignInput, DesignOutput, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from app.rendering.thumbnails import thumbnail
from tests.factories import png_logo
from tests.pdfcheck import pdf_facts
from tests.support.designs import (
    RASTER_DPI,
    design_pdf,
    differing_inside,
    differing_outside,
    raster,
    trim_offset_px,
    write,
    zone_mask,
)
from tests.support.qr import decode_qr

PX_PER_MM = RASTER_DPI / 25.4


def design_folder(root: Path, master: bytes, zones: str, *, name: str = "flyer.pdf") -> Path:
    write(root / name, master)
    (root / "template.toml").write_text(
        f'kind = "design"\ntitle = "Test design"\nmaster = "{name}"\noutput = "flyer"\n{zones}', "utf-8"
    )
    return root


ZONE = '[[zones]]\npage = {page}\nkind = "{kind}"\nx_mm = {x}\ny_mm = {y}\nwidth_mm = {w}\nheight_mm = {h}\n{extra}\n'


def zone(kind: str, x: float, y: float, w: float, h: float, page: int = 1, extra: str = "") -> str:
    return ZONE.format(page=page, kind=kind, x=x, y=y, w=w, h=h, extra=extra)


def test_zones_on_two_pages_of_a_master_with_bleed_and_a_link(tmp_path: Path, renderer: Renderer, kit: BrandKit,
                                                              partner: PartnerInput, campaign: CampaignInput) -> None:  # fmt: skip
    zones = (
        zone("name", 20, 200, 120, 12, extra='background = "#FFFFFF"\ncolor = "primary"\nalign = "center"')
        + zone("link", 20, 220, 150, 10, page=2)
        + zone(
            "text", 20, 240, 150, 20, page=2, extra='text = "Call {{ partner.name }} on {{ partner.phone }}"'
        )
    )
    template = load_template(design_folder(tmp_path / "two-pages", design_pdf(2, bleed_mm=3), zones))
    output = template.outputs[0]
    assert isinstance(output, DesignOutput)
    data = renderer.render_one(kit, template, partner, campaign, "flyer").data
    master = output.master.read_bytes()
    assert data.startswith(master)
    for page in (0, 1):
        before, after = raster(master, page), raster(data, page)
        mask = zone_mask(
            before.size,
            [z for z in output.zones if z.page == page + 1],
            trim_offset_px(master, page),
            PX_PER_MM,
        )
        assert differing_outside(before, after, mask) == 0
        assert differing_inside(before, after, mask) > 100
    reader = PdfReader(io.BytesIO(data))
    annots = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    assert [a["/A"]["/URI"] for a in annots] == [tracked_url(partner, campaign)]
    rect = [float(v) for v in annots[0]["/Rect"]]
    trim = [float(v) for v in reader.pages[1].trimbox]
    assert rect[0] == pytest.approx(trim[0] + 20 * 72 / 25.4, abs=0.01)
    assert rect[3] == pytest.approx(trim[3] - 220 * 72 / 25.4, abs=0.01)
    assert "/Annots" not in reader.pages[0]
    text = pdf_facts(data).text
    assert f"Call {partner.name} on {partner.phone}" in text
    assert tracked_url(partner, campaign).split("://")[1] in "".join(text.split())


def test_a_master_with_cross_reference_streams(tmp_path: Path, renderer: Renderer, kit: BrandKit,
                                               partner: PartnerInput, campaign: CampaignInput) -> None:  # fmt: skip
    """WeasyPrint writes xref streams and object streams: the update then chains an xref stream."""
    from weasyprint import HTML

    master = HTML(
        string="<style>@page{size:A5;margin:0}</style><h1 style='margin:20mm'>Made elsewhere</h1>"
    ).write_pdf()
    template = load_template(design_folder(tmp_path / "xref-stream", master, zone("name", 10, 150, 100, 15)))
    data = renderer.render_one(kit, template, partner, campaign, "flyer").data
    assert data.startswith(master) and b"/Type /XRef" in data[len(master) :].replace(
        b"/Type/XRef", b"/Type /XRef"
    )
    assert partner.name in pdf_facts(data).text and "Made elsewhere" in pdf_facts(data).text


def test_long_text_shrinks_wraps_then_ends_with_an_ellipsis(tmp_path: Path, renderer: Renderer, kit: BrandKit,
                                                            campaign: CampaignInput) -> None:  # fmt: skip
    long = PartnerInput(slug="long", name="Consolidated Trans-Pacific Network Integration Services Cooperative Ltd " * 3,
                        type="reseller", tier="gold", region="EMEA")  # fmt: skip
    template = load_template(design_folder(tmp_path / "long", design_pdf(), zone("name", 20, 200, 60, 8,
                                           extra="max_size_pt = 14\nmin_size_pt = 8")))  # fmt: skip
    rendered = renderer.render_one(kit, template, long, campaign, "flyer")
    assert len(rendered.warnings) == 1 and "zones[0] (name): text overflows" in rendered.warnings[0]
    assert "…" in pdf_facts(rendered.data).text


def test_image_master_is_composited_with_pillow(tmp_path: Path, renderer: Renderer, kit: BrandKit,
                                                partner: PartnerInput, campaign: CampaignInput) -> None:  # fmt: skip
    art = Image.new("RGB", (1200, 628), "#0E2A47")
    art.paste((240, 240, 240), (0, 400, 1200, 628))
    png = io.BytesIO()
    art.save(png, format="PNG")  # no dpi: 96 dpi, 1 px = 25.4/96 mm
    mm = 25.4 / 96
    zones = zone("logo", 40 * mm, 430 * mm, 300 * mm, 100 * mm) + zone(
        "qr", 1000 * mm, 420 * mm, 180 * mm, 180 * mm
    )
    template = load_template(design_folder(tmp_path / "social", png.getvalue(), zones, name="social.png"))
    rendered = renderer.render_one(kit, template, partner, campaign, "flyer")
    assert rendered.content_type == "image/png"
    out = Image.open(io.BytesIO(rendered.data)).convert("RGB")
    assert out.size == (1200, 628)
    output = template.outputs[0]
    assert isinstance(output, DesignOutput)
    mask = zone_mask(out.size, output.zones, (0, 0), 96 / 25.4)
    assert differing_outside(art, out, mask) == 0 and differing_inside(art, out, mask) > 1000
    assert out.getpixel((190, 480)) == (0xC0, 0x39, 0x2B)  # the partner's red logo
    assert decode_qr(rendered.data) == [tracked_url(partner, campaign)]
    assert thumbnail(rendered.data, rendered.content_type)[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("zones", "problem"),
    [
        (zone("logo", 10, 10, 50, 20, page=2), "zones[0].page: 2 is not a page of the master (1 to 1)"),
        (zone("banner", 10, 10, 50, 20), "zones[0].kind: 'banner' is not one of logo, name, contact"),
        (zone("name", 10, 10, 50, 20, extra='align = "justify"'), "zones[0].align: 'justify' is not one of"),
        (zone("text", 10, 10, 50, 20), "zones[0].text: a text zone needs its text"),
        (zone("name", 10, 10, 50, 20, extra="colour = 'red'"), "zones[0]: unknown field 'colour'"),
        ("zones = 3", "zones: is not a list of zones"),
    ],
)
def test_bad_zones_are_named(tmp_path: Path, zones: str, problem: str) -> None:
    with pytest.raises(TemplateInvalid) as error:
        load_template(design_folder(tmp_path / "bad", design_pdf(), zones))
    assert problem in str(error.value)


def test_design_thumbnail_and_partner_logo_fallback(tmp_path: Path, renderer: Renderer, kit: BrandKit,
                                                    campaign: CampaignInput) -> None:  # fmt: skip
    no_logo = PartnerInput(slug="nologo", name="Plain Partner", type="reseller", tier="gold", region="EMEA")
    template = load_template(
        design_folder(tmp_path / "fallback", design_pdf(), zone("logo", 20, 200, 60, 20))
    )
    rendered = renderer.render_one(kit, template, no_logo, campaign, "flyer")
    assert "Plain Partner" in pdf_facts(rendered.data).text
    assert Image.open(io.BytesIO(thumbnail(rendered.data, rendered.content_type))).width == 360
    with_logo = PartnerInput(slug="logo", name="Logo Partner", type="reseller", tier="gold", region="EMEA",
                             logo=png_logo(200, 80, color="#00AA00"))  # fmt: skip
    data = renderer.render_one(kit, template, with_logo, campaign, "flyer").data
    assert "Logo Partner" not in pdf_facts(data).text


def test_a_page_whose_contents_refer_to_an_array(tmp_path: Path, renderer: Renderer, kit: BrandKit,
                                                 partner: PartnerInput, campaign: CampaignInput) -> None:  # fmt: skip
    from tests.support.designs import raw_pdf

    content = b"0 0 1 rg 0 600 595 242 re f"
    master = raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"[5 0 R]",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ])  # fmt: skip
    template = load_template(design_folder(tmp_path / "array", master, zone("name", 20, 250, 120, 12)))
    output = template.outputs[0]
    assert isinstance(output, DesignOutput)
    data = renderer.render_one(kit, template, partner, campaign, "flyer").data
    before, after = raster(master), raster(data)
    mask = zone_mask(before.size, output.zones, (0, 0), PX_PER_MM)
    assert differing_outside(before, after, mask) == 0 and differing_inside(before, after, mask) > 100
    assert after.getpixel((100, 50)) == (0, 0, 255)  # the master's own blue band is still drawn
