"""The sample vendor's design template (campaign_templates/design-flyer): accepted, lint-clean, and
drawn only inside its zones. Designs in general are tested in tests/rendering/test_design*.py."""

from __future__ import annotations

import io

import pytest

from app.config import PROJECT_ROOT
from app.rendering.brand_kit import load_brand_kit
from app.rendering.intake import check_master
from app.rendering.links import tracked_url
from app.rendering.lint import lint_content
from app.rendering.model import BrandKit, CampaignInput, DesignOutput, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from tests.pdfcheck import pdf_facts
from tests.support.designs import (
    RASTER_DPI,
    differing_inside,
    differing_outside,
    raster,
    trim_offset_px,
    zone_mask,
)
from tests.support.qr import decode_qr

KIT = PROJECT_ROOT / "brand_kits" / "northwind"
SAMPLE = PROJECT_ROOT / "campaign_templates" / "design-flyer"
PX_PER_MM = RASTER_DPI / 25.4


@pytest.fixture(scope="module")
def northwind() -> BrandKit:
    return load_brand_kit(KIT)


def test_the_sample_design_is_accepted() -> None:
    master = check_master((SAMPLE / "flyer.pdf").read_bytes(), "flyer.pdf")
    assert master.format == "pdf" and master.extension == "pdf"
    assert [(round(p.width_mm), round(p.height_mm)) for p in master.pages] == [(210, 297)]  # the trim box


def test_the_sample_design_lints_clean(renderer: Renderer) -> None:
    report = lint_content([KIT], [SAMPLE], renderer)
    assert report.errors == []


def test_sample_design_keeps_every_pixel_outside_its_zones(renderer: Renderer, northwind: BrandKit,
                                                           partner: PartnerInput, campaign: CampaignInput) -> None:  # fmt: skip
    template = load_template(SAMPLE)
    output = template.outputs[0]
    assert isinstance(output, DesignOutput) and [z.kind for z in output.zones] == [
        "logo",
        "name",
        "contact",
        "qr",
    ]
    master = output.master.read_bytes()
    data = renderer.render_one(northwind, template, partner, campaign, "flyer").data

    # An incremental update: the designer's file comes first, unchanged, byte for byte.
    assert data.startswith(master) and len(data) > len(master)
    before, after = raster(master), raster(data)
    mask = zone_mask(before.size, output.zones, trim_offset_px(master), PX_PER_MM)
    assert differing_outside(before, after, mask) == 0
    assert differing_inside(before, after, mask) > 1000  # the zones were drawn
    facts = pdf_facts(data)
    assert partner.name in facts.text and "+49 30 555 0100" in facts.text
    assert facts.trim_mm == [(210.0, 297.0)]
    qr_box = output.zones[3]
    offset = trim_offset_px(master)
    crop = after.crop((round(offset[0] + (qr_box.x_mm - 5) * PX_PER_MM), round(offset[1] + (qr_box.y_mm - 5) * PX_PER_MM),
                       round(offset[0] + (qr_box.x_mm + 41) * PX_PER_MM), round(offset[1] + (qr_box.y_mm + 41) * PX_PER_MM)))  # fmt: skip
    png = io.BytesIO()
    crop.save(png, format="PNG")
    assert decode_qr(png.getvalue()) == [tracked_url(partner, campaign)]
