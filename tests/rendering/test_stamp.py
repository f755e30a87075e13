"""Lay out once, stamp per partner: the stamped PDF looks like the full render, pixel for pixel,
also when many partners' zones are laid out in one document (a batch).

Both paths are rasterised with pypdfium2 at 150 dpi. Outside the co-brand zone no pixel may
differ at all; inside it, only anti-aliasing may: glyph and image edges land on slightly
different sub-pixel positions when the zone is drawn as a Form XObject, so a few edge pixels
change shade, but no shape moves.
"""

from __future__ import annotations

import base64
import gc
import io
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader
from weasyprint import HTML

from app.rendering.links import display_url, tracked_url
from app.rendering.model import CampaignTemplate, PdfOutput, RenderedFile, Zone
from app.rendering.pdf_update import MasterPdf, OverlayCache, stamp_page
from app.rendering.renderer import Renderer
from app.rendering.stamp import MasterStoreUnavailable
from app.rendering.template import load_template

DPI = 150
MAX_SHARE_CHANGED = 0.02
"""At most 2 % of the zone's pixels may change shade at all (anti-aliased edges)."""
MAX_SHARE_CHANGED_A_LOT = 0.002
"""At most 0.2 % may change by more than 64 levels in a channel (an edge pixel flipping side)."""


def _pdf_output(template: CampaignTemplate) -> PdfOutput:
    return next(o for o in template.outputs if isinstance(o, PdfOutput) and o.cobrand_zone is not None)


def _raster(data: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(data)
    return [page.render(scale=DPI / 72).to_pil().convert("RGB") for page in document]


def _zone_box(page: Image.Image, data: bytes, zone: Zone) -> tuple[int, int, int, int]:
    """The zone in raster pixels (the raster covers the media box, the zone is in trim-box mm)."""
    pdf_page = PdfReader(io.BytesIO(data)).pages[zone.page - 1]
    media = [float(v) for v in pdf_page.mediabox]
    trim = [float(v) for v in pdf_page.trimbox]
    scale = DPI / 72
    mm = 72 / 25.4
    left = (trim[0] - media[0] + zone.x_mm * mm) * scale
    top = (media[3] - trim[3] + zone.y_mm * mm) * scale
    return (
        int(left) - 1,
        int(top) - 1,
        int(left + zone.width_mm * mm * scale) + 2,
        int(top + zone.height_mm * mm * scale) + 2,
    )


def _max_channel_diff(a: Image.Image, b: Image.Image) -> Image.Image:
    r, g, b_ = ImageChops.difference(a, b).split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b_)


def assert_same_outside_zone_and_antialiasing_inside(full: bytes, stamped: bytes, zone: Zone) -> None:
    full_pages, stamped_pages = _raster(full), _raster(stamped)
    assert len(full_pages) == len(stamped_pages)
    for number, (a, b) in enumerate(zip(full_pages, stamped_pages, strict=True), start=1):
        assert a.size == b.size
        diff = _max_channel_diff(a, b)
        if number != zone.page:
            assert diff.getbbox() is None, f"page {number} differs"
            continue
        box = _zone_box(a, full, zone)
        outside = diff.copy()
        outside.paste(0, box)
        assert outside.getbbox() is None, f"pixels differ outside the zone at {outside.getbbox()}"
        inside = diff.crop(box).histogram()
        total = sum(inside)
        changed, changed_a_lot = sum(inside[1:]), sum(inside[65:])
        assert changed / total <= MAX_SHARE_CHANGED, f"{changed} of {total} zone pixels differ"
        assert changed_a_lot / total <= MAX_SHARE_CHANGED_A_LOT, f"{changed_a_lot} of {total} differ by > 64"


def output_name(template: CampaignTemplate) -> str:
    return _pdf_output(template).name


def _full_render(renderer: Renderer, kit, template, output, partner, campaign) -> bytes:
    logo = renderer.partner_logo(partner)
    return renderer.pdf.render(kit, template, output, partner, campaign, logo)[0]


def _stamped_render(renderer: Renderer, kit, template, output, partner, campaign) -> bytes:
    master = renderer.stamper.master(kit, template, output, campaign)
    assert master.pdf is not None, master.reason
    return renderer.render_one(kit, template, partner, campaign, output.name).data


def test_fixture_template_stamped_matches_the_full_render(renderer, kit, template, partner, campaign) -> None:
    output = _pdf_output(template)
    assert output.cobrand_zone is not None
    full = _full_render(renderer, kit, template, output, partner, campaign)
    stamped = _stamped_render(renderer, kit, template, output, partner, campaign)
    assert stamped != full
    assert_same_outside_zone_and_antialiasing_inside(full, stamped, output.cobrand_zone)


def test_stamped_pdf_is_byte_identical_across_renderers(kit, template, partner, campaign) -> None:
    first = Renderer().render_one(kit, template, partner, campaign, output_name(template)).data
    second_renderer = Renderer()
    second_renderer.render_one(kit, template, replace(partner, slug="other"), campaign, output_name(template))
    second = second_renderer.render_one(kit, template, partner, campaign, output_name(template)).data
    assert first == second


def test_stamped_pdf_has_name_url_fonts_and_page_boxes(renderer, kit, template, partner, campaign) -> None:
    output = _pdf_output(template)
    data = _stamped_render(renderer, kit, template, output, partner, campaign)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == output.pages
    text = " ".join(page.extract_text() for page in reader.pages)
    assert partner.name in text
    url = display_url(tracked_url(partner, campaign))
    assert url in text.replace("\n", "")
    full = PdfReader(io.BytesIO(_full_render(renderer, kit, template, output, partner, campaign)))
    for key in ("/MediaBox", "/TrimBox", "/BleedBox"):
        assert reader.pages[0][key] == full.pages[0][key]
    page = reader.pages[0]
    zone_resources = page["/Resources"]["/XObject"]["/CobrandZone"].get_object()["/Resources"]
    fonts = [font.get_object() for font in zone_resources["/Font"].values()]
    assert fonts
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font


def test_partner_edited_fields_outside_the_zone_fall_back_to_the_full_render(
    renderer, kit, template, partner, campaign
) -> None:
    # The fixture template prints fields.offer above the zone: defaults stamp, edits render in full.
    output = _pdf_output(template)
    master = renderer.stamper.master(kit, template, output, campaign)
    assert master.fields_outside
    edited = replace(campaign, field_values={"offer": "Two months free"})
    data = renderer.render_one(kit, template, partner, edited, output.name).data
    assert data == _full_render(renderer, kit, template, output, partner, edited)
    assert "Two months free" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_partner_data_outside_the_zone_means_no_master(
    tmp_path: Path, renderer, kit, partner, campaign
) -> None:
    from tests.factories import FLYER_HTML, make_template

    leaky = FLYER_HTML.replace(
        "<h1>{{ copy.headline }}</h1>", "<h1>{{ copy.headline }} with {{ partner.name }}</h1>"
    )
    template = load_template(make_template(tmp_path / "leaky", **{"flyer.html": leaky}))
    output = _pdf_output(template)
    master = renderer.stamper.master(kit, template, output, campaign)
    assert master.pdf is None and "outside the zone" in master.reason
    data = renderer.render_one(kit, template, partner, campaign, output.name).data
    assert data == _full_render(renderer, kit, template, output, partner, campaign)


def test_masters_are_bounded(kit, template, campaign) -> None:
    from app.rendering.stamp import MASTER_CACHE_SIZE

    renderer = Renderer()
    output = _pdf_output(template)
    for index in range(MASTER_CACHE_SIZE + 3):
        renderer.stamper.master(kit, template, output, replace(campaign, slug=f"c{index}"))
    assert len(renderer.stamper._masters) == MASTER_CACHE_SIZE


def test_zone_element_must_match_the_declared_zone(tmp_path: Path, renderer, kit, partner, campaign) -> None:
    from tests.factories import TEMPLATE_TOML, make_template

    moved = TEMPLATE_TOML.replace("y_mm = 237", "y_mm = 230")
    template = load_template(make_template(tmp_path / "moved", **{"template.toml": moved}))
    output = _pdf_output(template)
    master = renderer.stamper.master(kit, template, output, campaign)
    assert master.pdf is None
    assert renderer.render_one(kit, template, partner, campaign, output.name).data == _full_render(
        renderer, kit, template, output, partner, campaign
    )


# --- Many partners' zones in one document (zone_batch.py) ------------------------------------


def _partners(partner, count: int):
    names = ("Helios Diktya A.E.", "Kestrel Systems", "A Very Long Partner Name That Needs Two Lines GmbH")
    return [
        replace(
            partner,
            slug=f"p{index}",
            name=names[index % len(names)],
            email=f"sales@p{index}.example",
            phone=f"+30 210 555 01{index:02d}",
            logo=None if index % 3 == 1 else partner.logo,
        )
        for index in range(count)
    ]


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_batch_of_flyers_matches_each_full_render(renderer, kit, template, partner, campaign) -> None:
    output = _pdf_output(template)
    assert output.cobrand_zone is not None
    partners = _partners(partner, 4)
    before = renderer.stats()["zones_batched"]
    results = renderer.render_many(kit, template, [(p, campaign) for p in partners], output.name)
    assert len(results) == len(partners)
    # This flyer's zone is absolutely positioned, so a page break on it cannot start a partner's
    # page: the batch is laid out again with each partner's page in a wrapper that breaks the page.
    assert renderer.stats()["zones_batched"] - before == len(partners)
    for partner, result in zip(partners, results, strict=True):
        assert isinstance(result, RenderedFile), result
        assert len(PdfReader(io.BytesIO(result.data)).pages) == 1
        full = _full_render(renderer, kit, template, output, partner, campaign)
        assert_same_outside_zone_and_antialiasing_inside(full, result.data, output.cobrand_zone)
        assert partner.phone in _text(result.data)  # each page is its own partner's
        others = [p.phone for p in partners if p.phone != partner.phone]
        assert not any(phone in _text(result.data) for phone in others)


def test_a_flyer_whose_selectors_would_match_in_wrappers_differently_is_not_batched(
    tmp_path: Path, renderer, kit, partner, campaign
) -> None:
    # Wrapped, .zone is no child of the body: its background would be lost, and nothing else moves.
    from tests.factories import FLYER_CSS, make_template

    css = FLYER_CSS + "body > .zone { background: #C0392B }\n"
    template = load_template(make_template(tmp_path / "child", **{"flyer.css": css}))
    output = _pdf_output(template)
    assert output.cobrand_zone is not None
    partners = _partners(partner, 3)
    before = renderer.stats()["zones_batched"]
    results = renderer.render_many(kit, template, [(p, campaign) for p in partners], output.name)
    assert renderer.stats()["zones_batched"] == before  # a document per partner, as before
    for partner, result in zip(partners, results, strict=True):
        assert isinstance(result, RenderedFile), result
        full = _full_render(renderer, kit, template, output, partner, campaign)
        assert_same_outside_zone_and_antialiasing_inside(full, result.data, output.cobrand_zone)
        assert partner.phone in _text(result.data)


@pytest.mark.parametrize(
    ("last_child_rule", "batched", "wrapped"),
    [
        # Alone, the zone is the body's last child. In one body, only the last partner's would be:
        # each page goes in a wrapper of its own, where the zone is the last child again.
        (".zone:last-child { background: #C0392B; }", 3, 1),
        ("", 3, 0),  # no selector sees the siblings: one body, a page break before each zone
        # Page breaks at a page's start in the batch are forced anyway: one body too.
        (".zone:last-child { break-after: auto; }", 3, 0),
        # Neither way matches as alone (in a wrapper the zone is no child of the body): a document each.
        ("body > .zone:last-child { background: #C0392B; }", 0, 0),
    ],
)
def test_a_batch_of_an_in_flow_zone_matches_each_full_render_whatever_its_selectors_see(
    tmp_path: Path, kit, partner, campaign, last_child_rule: str, batched: int, wrapped: int
) -> None:
    from tests.factories import IN_FLOW_FLYER_CSS, make_template

    css = IN_FLOW_FLYER_CSS.replace(".zone:last-child { background: #C0392B; }", last_child_rule)
    template = load_template(make_template(tmp_path / "in-flow", **{"flyer.css": css}))
    output = _pdf_output(template)
    assert output.cobrand_zone is not None
    renderer = Renderer()
    assert renderer.stamper.master(kit, template, output, campaign).pdf is not None
    partners = _partners(partner, 3)
    results = renderer.render_many(kit, template, [(p, campaign) for p in partners], output.name)
    assert renderer.stats()["zones_batched"] == batched
    assert len(renderer.stamper.wrapped_outputs) == wrapped
    for partner, result in zip(partners, results, strict=True):
        assert isinstance(result, RenderedFile), result
        full = _full_render(renderer, kit, template, output, partner, campaign)
        assert_same_outside_zone_and_antialiasing_inside(full, result.data, output.cobrand_zone)
        assert partner.phone in _text(result.data)


def test_a_wrapped_batch_is_remembered_for_the_next_one(kit, template, partner, campaign) -> None:
    renderer = Renderer()
    output = output_name(template)
    first, second = _partners(partner, 4)[:2], _partners(partner, 4)[2:]
    assert not renderer.stamper.wrapped_outputs
    renderer.render_many(kit, template, [(p, campaign) for p in first], output)
    assert len(renderer.stamper.wrapped_outputs) == 1
    results = renderer.render_many(kit, template, [(p, campaign) for p in second], output)
    assert renderer.stats()["zones_batched"] == 4
    for own, result in zip(second, results, strict=True):
        assert isinstance(result, RenderedFile), result
        assert own.phone in _text(result.data)


def test_a_batch_leaves_the_cycle_collector_on(renderer, kit, template, partner, campaign) -> None:
    assert gc.isenabled()
    renderer.render_many(kit, template, [(p, campaign) for p in _partners(partner, 2)], output_name(template))
    assert gc.isenabled()


class _StoreDown:
    """A master store during an outage (the app's store is storage; here it refuses like a dead S3)."""

    def load(self, key: str) -> bytes | None:
        raise ConnectionRefusedError(111, "Connection refused")

    def save(self, key: str, data: bytes) -> None:
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_master_store_outage_is_raised_not_failed_as_bad_input(kit, template, partner, campaign) -> None:
    # A CobrandError would fail the asset for good; an outage must fail the job, so it is tried again.
    renderer = Renderer(master_store=_StoreDown())
    output = output_name(template)
    with pytest.raises(MasterStoreUnavailable, match="not read: ConnectionRefusedError"):
        renderer.render_one(kit, template, partner, campaign, output)
    with pytest.raises(MasterStoreUnavailable):
        renderer.render_many(kit, template, [(p, campaign) for p in _partners(partner, 3)], output)
    assert renderer.stats()["masters_laid_out"] == 0


def test_pages_stamped_with_one_shared_cache_are_those_stamped_alone() -> None:
    # Pages that refer to different objects (an image or none) number the shared fonts differently.
    logo = io.BytesIO()
    Image.new("RGBA", (8, 4), (200, 30, 30, 128)).save(logo, format="PNG")
    png = "data:image/png;base64," + base64.b64encode(logo.getvalue()).decode()
    pages = [f'<p>Partner one</p><img src="{png}">', "<p>Partner two</p>", f'<img src="{png}"><b>Three</b>']
    style = "<style>@page { size: 100mm 50mm; margin: 0 } p, b { margin: 0; font-size: 20pt }</style>"
    overlay = HTML(string=style + '<p style="break-before: page">'.join(pages)).write_pdf(
        uncompressed_pdf=True
    )
    master = MasterPdf.parse(HTML(string=style + "<p>Master</p>").write_pdf(), Zone(1, 0, 20, 100, 30))
    reader = PdfReader(io.BytesIO(overlay))
    assert len(reader.pages) == 3
    cache = OverlayCache()
    shared = [stamp_page(master, page, cache) for page in reader.pages]
    alone = [stamp_page(master, page) for page in PdfReader(io.BytesIO(overlay)).pages]
    assert shared == alone
    for number, data in enumerate(shared):
        assert ["one", "two", "Three"][number] in _text(data)


@pytest.mark.parametrize(
    ("css", "alike"),
    [
        (".zone p, .zone p.legal { top: 1mm } .a::before { content: 'x' } p:first-child { margin: 0 }", True),
        ("@media print { .zone { top: 0 } } @page :first { margin: 0 } [lang|=en] { color: red }", True),
        ("body > .zone { top: 0 }", False),
        ("* { margin: 0 }", False),
        (":not(.a) .zone { top: 0 }", False),
        (".a + .zone { top: 0 }", False),
        (".a ~ .zone { top: 0 }", False),
        ("@media print { body > .zone { top: 0 } }", False),
        (".a :is(body > .zone) { top: 0 }", False),
        ('@import "more.css";', False),
        (".a { & > .zone { top: 0 } }", False),
    ],
)
def test_selectors_a_page_wrapper_could_match_differently_are_refused(css: str, alike: bool) -> None:
    import tinycss2

    from app.rendering.zone_batch import _rules_alike

    assert _rules_alike(tinycss2.parse_stylesheet(css, True, True)) is alike


@pytest.mark.parametrize(
    "css",
    [
        '@import "more.css";',
        ".a { & > .zone { top: 0 } }",
        ".a:unknown-pseudo { top: 0 }",
        ".a { top: 0 } }{",
    ],
)
def test_stylesheets_a_batch_cannot_match_exactly_are_refused(css: str) -> None:
    from xml.etree import ElementTree

    from app.rendering.zone_selectors import SelectorCheck

    root = ElementTree.fromstring("<html><head><style>p { margin: 0 }</style></head><body><p/></body></html>")
    assert SelectorCheck.of(root, []) is not None
    ElementTree.SubElement(root.find("head"), "style").text = css
    assert SelectorCheck.of(root, []) is None
    linked = ElementTree.fromstring('<html><head><link rel="stylesheet" href="a.css"/></head><body/></html>')
    assert SelectorCheck.of(linked, []) is None


def test_a_zone_placed_by_its_margin_alone_is_stamped_on_its_own_element(
    tmp_path: Path, kit, partner, campaign
) -> None:
    # The zone's top margin collapses through the body, so the body's box lies exactly on the
    # zone too; the body must never be taken for the zone (it holds the page's other elements).
    from tests.factories import IN_FLOW_FLYER_CSS, make_template

    css = IN_FLOW_FLYER_CSS.replace(".zone:last-child { background: #C0392B; }", "").replace(
        ".zone { position: relative; top: 237mm; margin: 0;",
        ".zone { position: relative; margin: 237mm 0 0 0;",
    )
    template = load_template(make_template(tmp_path / "margin", **{"flyer.css": css}))
    output = _pdf_output(template)
    assert output.cobrand_zone is not None
    renderer = Renderer()
    master = renderer.stamper.master(kit, template, output, campaign)
    assert master.zone is not None and master.zone.tag == "div", master.zone
    result = renderer.render_one(kit, template, partner, campaign, output.name)
    full = _full_render(renderer, kit, template, output, partner, campaign)
    assert_same_outside_zone_and_antialiasing_inside(full, result.data, output.cobrand_zone)


def test_a_zone_whose_content_is_placed_by_the_page_is_not_stamped(
    tmp_path: Path, kit, partner, campaign
) -> None:
    # An unpositioned zone: its absolutely positioned logo, name and QR code are placed by the
    # page (at its top), not inside the zone, so a stamp of the zone would drop them.
    from tests.factories import IN_FLOW_FLYER_CSS, make_template

    css = IN_FLOW_FLYER_CSS.replace(".zone:last-child { background: #C0392B; }", "").replace(
        ".zone { position: relative; top: 237mm; margin: 0;", ".zone { margin: 237mm 0 0 0;"
    )
    template = load_template(make_template(tmp_path / "unpositioned", **{"flyer.css": css}))
    output = _pdf_output(template)
    renderer = Renderer()
    master = renderer.stamper.master(kit, template, output, campaign)
    assert master.pdf is None and "laid out outside it" in master.reason
    result = renderer.render_one(kit, template, partner, campaign, output.name)
    full = _full_render(renderer, kit, template, output, partner, campaign)
    assert [page.tobytes() for page in _raster(result.data)] == [page.tobytes() for page in _raster(full)]
    assert partner.phone in _text(result.data)
