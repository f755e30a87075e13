"""The sample vendor's flyer and datasheet, stamped: pixel for pixel like their full render.

The stamping itself is tested on the tests' own template in tests/rendering/test_stamp.py; these
check it holds on the sample's real, larger templates (a zone on page two, a bleed, many fonts).
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import StreamObject

from app.config import PROJECT_ROOT
from app.errors import CobrandError
from app.rendering.brand_kit import load_brand_kit
from app.rendering.model import BrandKit, CampaignTemplate, PartnerInput, RenderedFile
from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from tests.rendering.test_stamp import (
    _full_render,
    _partners,
    _pdf_output,
    _stamped_render,
    assert_same_outside_zone_and_antialiasing_inside,
)


@pytest.fixture(scope="module")
def sample_kit() -> BrandKit:
    return load_brand_kit(PROJECT_ROOT / "brand_kits" / "northwind")


@pytest.fixture(scope="module")
def flyer() -> CampaignTemplate:
    return load_template(PROJECT_ROOT / "campaign_templates" / "spring-flyer")


@pytest.fixture(scope="module")
def sample_partner() -> PartnerInput:
    return PartnerInput(
        slug="helios",
        name="Helios Diktya A.E.",
        type="reseller",
        tier="gold",
        region="EMEA",
        country="GR",
        phone="+30 210 555 0100",
        email="sales@helios.example",
        website="https://helios.example",
        logo=(PROJECT_ROOT / "sample_data" / "logos" / "helios.png").read_bytes(),
    )


def test_sample_flyer_stamped_matches_the_full_render(
    renderer, sample_kit, flyer, sample_partner, campaign
) -> None:
    output = _pdf_output(flyer)
    assert output.cobrand_zone is not None
    full = _full_render(renderer, sample_kit, flyer, output, sample_partner, campaign)
    stamped = _stamped_render(renderer, sample_kit, flyer, output, sample_partner, campaign)
    assert stamped != full  # really the stamped path
    assert_same_outside_zone_and_antialiasing_inside(full, stamped, output.cobrand_zone)


def test_sample_flyer_without_logo_matches_too(renderer, sample_kit, flyer, sample_partner, campaign) -> None:
    output = _pdf_output(flyer)
    partner = replace(sample_partner, logo=None, slug="no-logo")
    full = _full_render(renderer, sample_kit, flyer, output, partner, campaign)
    stamped = _stamped_render(renderer, sample_kit, flyer, output, partner, campaign)
    assert output.cobrand_zone is not None
    assert_same_outside_zone_and_antialiasing_inside(full, stamped, output.cobrand_zone)


def test_sample_datasheet_zone_on_page_two_matches_the_full_render(
    renderer, sample_kit, sample_partner, campaign
) -> None:
    datasheet = load_template(PROJECT_ROOT / "campaign_templates" / "datasheet")
    output = _pdf_output(datasheet)
    partner = replace(sample_partner, type="system_integrator", address="1 Odos Example, Athens")
    full = _full_render(renderer, sample_kit, datasheet, output, partner, campaign)
    stamped = _stamped_render(renderer, sample_kit, datasheet, output, partner, campaign)
    assert stamped != full
    assert output.cobrand_zone is not None
    assert_same_outside_zone_and_antialiasing_inside(full, stamped, output.cobrand_zone)


def test_a_batch_of_datasheets_zone_on_page_two(renderer, sample_kit, sample_partner, campaign) -> None:
    datasheet = load_template(PROJECT_ROOT / "campaign_templates" / "datasheet")
    output = _pdf_output(datasheet)
    assert output.cobrand_zone is not None
    partners = [replace(p, type="system_integrator") for p in _partners(sample_partner, 3)]
    results = renderer.render_many(sample_kit, datasheet, [(p, campaign) for p in partners], output.name)
    for partner, result in zip(partners, results, strict=True):
        assert isinstance(result, RenderedFile), result
        full = _full_render(renderer, sample_kit, datasheet, output, partner, campaign)
        assert_same_outside_zone_and_antialiasing_inside(full, result.data, output.cobrand_zone)


# Whether the batch really lays out together shows on the sample flyer's zone (its fonts are
# subset over the batch); the tests' own flyer renders the same bytes either way.
def test_a_broken_logo_fails_its_partner_only(sample_kit, flyer, sample_partner, campaign) -> None:
    renderer = Renderer()
    partners = _partners(sample_partner, 3)
    partners[1] = replace(partners[1], logo=b"not an image at all")
    results = renderer.render_many(sample_kit, flyer, [(p, campaign) for p in partners], "flyer")
    assert renderer.stats()["zones_batched"] == 2  # the two good zones, pages of one document
    assert isinstance(results[1], CobrandError)
    assert "p1" in str(results[1])
    assert isinstance(results[0], RenderedFile) and isinstance(results[2], RenderedFile)
    # Laid out in the batch, not one by one: its fonts are subset over the whole batch.
    assert renderer.render_one(sample_kit, flyer, partners[2], campaign, "flyer").data != results[2].data


def _images(data: bytes) -> set[bytes]:
    """The data of every image stream in a PDF (all of its objects, drawn or not)."""
    reader = PdfReader(io.BytesIO(data))
    found = set()
    for number in range(1, int(reader.trailer["/Size"])):  # type: ignore[call-overload]
        obj = reader.get_object(number)
        if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Image":
            found.add(obj.get_data())
    return found


def _three_logos() -> list[bytes]:
    """Three PNG logos of different colours (three distinct image streams)."""
    logos = []
    for color in ((200, 30, 30), (30, 150, 60), (40, 60, 200)):
        logo = io.BytesIO()
        Image.new("RGB", (120, 60), color).save(logo, format="PNG")
        logos.append(logo.getvalue())
    return logos


def test_a_partner_of_a_batch_carries_its_own_logo_only(sample_kit, flyer, sample_partner, campaign) -> None:
    # The pages of a batch share one resource dictionary (WeasyPrint's), naming every partner's logo.
    renderer = Renderer()
    partners = [
        replace(p, logo=logo) for p, logo in zip(_partners(sample_partner, 3), _three_logos(), strict=True)
    ]
    results = renderer.render_many(sample_kit, flyer, [(p, campaign) for p in partners], "flyer")
    assert all(isinstance(result, RenderedFile) for result in results)
    every = set().union(*(_images(result.data) for result in results))
    for own, result in zip(partners, results, strict=True):
        alone = renderer.render_one(sample_kit, flyer, own, campaign, "flyer")
        assert alone.data != result.data  # laid out in the batch (its fonts are subset over the batch)
        assert _images(result.data) == _images(alone.data)
    assert len(every) == len(_images(results[0].data)) + 2  # the other two logos are in the others only


def test_a_partner_of_a_batch_of_absolute_zones_carries_its_own_logo_only(
    tmp_path, partner, campaign
) -> None:
    # The tests' own flyer: its zone is absolutely positioned, so its batch is laid out wrapped.
    from tests.factories import make_kit, make_template

    kit = load_brand_kit(make_kit(tmp_path / "kit"))
    template = load_template(make_template(tmp_path / "template"))
    renderer = Renderer()
    partners = [replace(p, logo=logo) for p, logo in zip(_partners(partner, 3), _three_logos(), strict=True)]
    results = renderer.render_many(kit, template, [(p, campaign) for p in partners], "flyer")
    assert renderer.stats()["zones_batched"] == 3
    assert all(isinstance(result, RenderedFile) for result in results)
    every = set().union(*(_images(result.data) for result in results))
    for own, result in zip(partners, results, strict=True):
        alone = renderer.render_one(kit, template, own, campaign, "flyer")
        assert _images(result.data) == _images(alone.data)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(result.data)).pages)
        assert own.phone in text
        assert not any(other.phone in text for other in partners if other is not own)
    assert len(every) == len(_images(results[0].data)) + 2  # the other two logos are in the others only
