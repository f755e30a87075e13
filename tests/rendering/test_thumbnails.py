"""Thumbnails of stamped PDFs: the master's first page rendered once, only the partner's zone per PDF.

Each is compared with the full thumbnail (the PDF's whole first page rendered), decoded: they may
differ only by anti-aliasing (PDFium shades a few edge pixels one level apart when it renders a
clipped region) and the JPEG noise that spreads from it, never by a shape.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageChops

from app.rendering.model import CampaignInput, CampaignTemplate, PdfOutput, RenderedFile
from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from app.rendering.thumbnails import StampedThumbnails, thumbnail
from tests.factories import TEMPLATE_TOML, make_template
from tests.factories.templates import FLYER_CSS, FLYER_HTML

MAX_LEVELS = 24
"""The most a channel of a pixel may differ from the full thumbnail (JPEG noise around a 1-level change)."""
MAX_SHARE_CHANGED = 0.01
"""At most 1 % of the thumbnail's pixels may differ at all."""


def _decoded(jpeg: bytes) -> Image.Image:
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        return image.convert("RGB")


def _max_channel_diff(a: Image.Image, b: Image.Image) -> Image.Image:
    r, g, b_ = ImageChops.difference(a, b).split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b_)


def _pdf_output(template: CampaignTemplate) -> PdfOutput:
    return next(o for o in template.outputs if isinstance(o, PdfOutput) and o.cobrand_zone is not None)


def _stamped(renderer: Renderer, kit, template, partners, campaign) -> list[bytes]:
    output = _pdf_output(template)
    results = renderer.render_many(kit, template, [(p, campaign) for p in partners], output.name)
    assert all(isinstance(r, RenderedFile) for r in results), results
    return [r.data for r in results]  # type: ignore[union-attr]


def _partners(partner, count: int):
    names = ("Helios Diktya A.E.", "Kestrel Systems", "A Very Long Partner Name That Needs Two Lines GmbH")
    return [
        replace(partner, slug=f"p{i}", name=names[i % 3], phone=f"+30 210 555 01{i:02d}")
        for i in range(count)
    ]


def test_zone_on_the_first_page_matches_the_full_thumbnail(
    renderer, kit, template, partner, campaign
) -> None:
    output = _pdf_output(template)
    stamped = renderer.stamped_on(kit, template, output.name, campaign)
    assert stamped is not None and stamped.page_index == 0
    thumbnails = StampedThumbnails()
    master = _decoded(thumbnail(stamped.master, "application/pdf"))
    previews = []
    for data in _stamped(renderer, kit, template, _partners(partner, 3), campaign):
        fast, full = (
            _decoded(thumbnails.thumbnail(data, stamped)),
            _decoded(thumbnail(data, "application/pdf")),
        )
        assert fast.size == full.size == master.size
        histogram = _max_channel_diff(fast, full).histogram()
        assert max(level for level, count in enumerate(histogram) if count) <= MAX_LEVELS
        assert sum(histogram[1:]) / sum(histogram) <= MAX_SHARE_CHANGED
        # The zone is the partner's own, not the master's empty one.
        assert sum(_max_channel_diff(fast, master).histogram()[MAX_LEVELS + 1 :]) > 100
        previews.append(fast)
    assert _max_channel_diff(previews[0], previews[1]).getbbox() is not None  # each partner's own zone


def _two_pages(root: Path) -> CampaignTemplate:
    """The test flyer behind a cover page: its zone is on page 2."""
    toml = TEMPLATE_TOML.replace("pages = 1", "pages = 2").replace(
        "cobrand_zone]\npage = 1", "cobrand_zone]\npage = 2"
    )
    html = FLYER_HTML.replace(
        "<body>\n", '<body>\n<section class="cover"><h1>Cover</h1></section><section class="main">\n'
    )
    css = FLYER_CSS + ".cover { height: 297mm; break-after: page }\n"
    css += ".main { position: relative; height: 297mm; display: flow-root }\n"  # the zone's place on page 2
    files = {
        "template.toml": toml,
        "flyer.html": html.replace("</body>", "</section></body>"),
        "flyer.css": css,
    }
    return load_template(make_template(root, **files))


def test_zone_on_a_later_page_is_the_masters_first_page(
    tmp_path: Path, renderer, kit, partner, campaign
) -> None:
    template = _two_pages(tmp_path / "two-pages")
    stamped = renderer.stamped_on(kit, template, _pdf_output(template).name, campaign)
    assert stamped is not None and stamped.page_index == 1
    thumbnails = StampedThumbnails()
    for data in _stamped(renderer, kit, template, _partners(partner, 2), campaign):
        assert thumbnails.thumbnail(data, stamped) == thumbnail(data, "application/pdf")  # byte for byte


def test_a_pdf_not_stamped_on_the_master_gets_the_full_thumbnail(
    renderer, kit, template, partner, campaign
) -> None:
    output = _pdf_output(template)
    stamped = renderer.stamped_on(kit, template, output.name, campaign)
    assert stamped is not None
    full_render = renderer.pdf.render(
        kit, template, output, partner, campaign, renderer.partner_logo(partner)
    )[0]
    assert not full_render.startswith(stamped.master)
    assert StampedThumbnails().thumbnail(full_render, stamped) == thumbnail(full_render, "application/pdf")
    other = CampaignInput(slug="other", landing_url="https://vendor.example.com/other")
    elsewhere = renderer.stamped_on(kit, template, output.name, other)
    (data,) = _stamped(renderer, kit, template, [partner], campaign)
    assert StampedThumbnails().thumbnail(data, elsewhere) == thumbnail(data, "application/pdf")


def test_outputs_without_a_zone_are_not_stamped(renderer, kit, template, campaign) -> None:
    others = [o.name for o in template.outputs if not (isinstance(o, PdfOutput) and o.cobrand_zone)]
    assert all(renderer.stamped_on(kit, template, name, campaign) is None for name in others)
