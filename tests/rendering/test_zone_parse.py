"""A batch parses only the zone of its other partners' HTML: the page it builds is the one a full
parse gives, and anything it cannot be sure of is parsed in full."""

from __future__ import annotations

from dataclasses import replace
from xml.etree import ElementTree

from weasyprint import HTML

from app.rendering.logos import prepare_logo
from app.rendering.model import PdfOutput
from app.rendering.stamp import prune_to_zone
from app.rendering.zone_batch import _ZoneSource


def _setup(renderer, kit, template, campaign):
    output = next(o for o in template.outputs if isinstance(o, PdfOutput) and o.cobrand_zone is not None)
    master = renderer.stamper.master(kit, template, output, campaign)
    assert master.zone is not None, master.reason

    def html_for(partner) -> str:
        logo = prepare_logo(partner.logo) if partner.logo else None
        context = renderer.pdf.context(kit, template, output, partner, campaign, logo, [])
        return renderer.pdf.render_html(output, template, context)

    return master.zone, html_for


def _source(html: str, zone) -> _ZoneSource:
    root = HTML(string=html).etree_element
    source = _ZoneSource.find(html, root, zone)
    assert source is not None
    assert prune_to_zone(root, zone)
    body = root.find("body")
    assert body is not None
    source.keep_skeleton(body)
    return source


def _pruned_body(html: str, zone) -> bytes:
    root = HTML(string=html).etree_element
    assert prune_to_zone(root, zone)
    body = root.find("body")
    assert body is not None
    return b"".join(ElementTree.tostring(child) for child in body)


def test_a_partner_page_from_the_zone_alone_is_the_full_parse(
    renderer, kit, template, partner, campaign
) -> None:
    zone, html_for = _setup(renderer, kit, template, campaign)
    source = _source(html_for(partner), zone)
    for other in (
        replace(partner, slug="p1", name="Kestrel & <Systems>", phone="+1 555 0101", email="s@k.example"),
        replace(partner, slug="p2", name="No Logo Partner", logo=None),
    ):
        html = html_for(other)
        page = source.page(html)
        assert page is not None
        assert b"".join(ElementTree.tostring(child) for child in page) == _pruned_body(html, zone)


def _first_and_other(renderer, kit, template, partner, campaign) -> tuple[_ZoneSource, str]:
    """The zone source of a batch's first partner, and the HTML of another partner."""
    zone, html_for = _setup(renderer, kit, template, campaign)
    return _source(html_for(partner), zone), html_for(replace(partner, slug="p1", name="Other"))


def test_markup_that_differs_outside_the_zone_is_parsed_in_full(
    renderer, kit, template, partner, campaign
) -> None:
    source, html = _first_and_other(renderer, kit, template, partner, campaign)
    assert source.page(html.replace("<body>", '<body class="changed">', 1)) is None
    assert source.page(html + "<p>after</p>") is None


def test_zone_content_with_a_parse_error_is_parsed_in_full(
    renderer, kit, template, partner, campaign
) -> None:
    source, html = _first_and_other(renderer, kit, template, partner, campaign)
    broken = html[: source.start] + "</span>" + html[source.start :]
    assert source.page(broken) is None
