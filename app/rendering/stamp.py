"""The co-brand zone contract: a master laid out once per campaign, each partner's zone stamped on it.

This is the master page + variable overlay of variable-data printing.

A PDF output that declares a co-brand zone is laid out once per campaign as a *master* whose
zone element is laid out but hidden (``visibility: hidden`` keeps every other box exactly where
the full render puts it). Per partner only the zone is laid out: the same HTML, with every
element that is neither the zone, one of its descendants nor one of its ancestors emptied and
hidden, so the zone keeps its position, size and styles. That overlay page is written by
WeasyPrint (fonts subset and embedded), and its content stream and resources are appended to
the master as a PDF *incremental update* (pdf_update.py): a Form XObject clipped to the zone,
drawn after the master page's own content. Nothing of the master is parsed or rewritten per partner.

The zone element is found by geometry: the outermost element whose border box is the declared
zone rectangle. WeasyPrint's public page anchors give each border box: every element of a probe
layout, and an overlay's zone element, is made a named anchor. A master is only used when the template keeps its promise that everything
partner-specific sits inside the zone: the master's markup outside the zone must not change
between two different partners. Partner-editable fields (``fields.*``) used outside the zone
key the master by their values; a partner whose values differ from the defaults then gets the
full render, so one partner's edits never fill the cache with one-off masters.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from io import BytesIO
from typing import Any, Protocol
from xml.etree import ElementTree

from weasyprint import CSS, HTML

from app.errors import TemplateInvalid
from app.rendering.context import resolve_copy
from app.rendering.logos import PreparedLogo
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput, PdfOutput, Zone
from app.rendering.pdf import PDF_VARIANT, ForbiddenResource, PdfRenderer, _BoundedCache
from app.rendering.pdf_update import MasterPdf, stamp

logger = logging.getLogger(__name__)

PX_PER_MM = 96 / 25.4
ZONE_TOLERANCE_PX = 0.5
"""How far (CSS px) the zone element's border box may be from the declared zone."""

HIDDEN = "data-cobrand-hidden"
ANCESTOR = "data-cobrand-ancestor"
ZONE = "data-cobrand-zone"
ZONE_ANCHOR = "cobrand-zone"
"""The anchor an overlay's zone element carries, so its laid-out box can be checked."""
PATH_ANCHOR = "cobrand-path-"
MASTER_CSS = f"[{ZONE}], [{ZONE}] * {{ visibility: hidden !important }}"
"""The master lays the zone out but draws none of it."""
PAGE_BREAK = "data-cobrand-page-break"
"""Starts a partner's page in a batch of zones (zone_batch.py)."""
PAGE_WRAPPER = "cobrand-page"
"""Holds one partner's body in a batch whose zone is out of flow (zone_batch.py): a tag of its own,
so no author selector by type, class, id or attribute matches it."""
OVERLAY_CSS = (
    f"[{HIDDEN}] {{ display: none !important }}\n"
    f"[{ANCESTOR}] {{ visibility: hidden !important }}\n"
    f"html, body {{ background: none !important }}\n"
    f"@page {{ background: none !important }}\n"
    f'[{ZONE}] {{ visibility: visible !important; -weasy-anchor: "{ZONE_ANCHOR}" }}\n'
    f"[{PAGE_BREAK}] {{ break-before: page !important }}\n"
    f"{PAGE_WRAPPER} {{ display: block !important }}\n"
    f"{PAGE_WRAPPER} + {PAGE_WRAPPER} {{ break-before: page !important }}"
)
"""The overlay draws the zone and nothing else; its ancestors only give it its place.

The zone's anchor and a batch's page breaks are set here, by attribute, not in style attributes:
WeasyPrint shares one computed style between elements with the same parent style, rules and no
style attribute, so the zones of a batch's partners share most of theirs."""


class ZoneMismatch(Exception):
    """The overlay did not lay the zone out where the master did: use the full render."""


@dataclass(frozen=True)
class ZoneElement:
    """Where the zone element sits in the HTML tree: child indices from the root, tag, class."""

    path: tuple[int, ...]
    tag: str
    classes: str


def resolve_path(root: ElementTree.Element, zone: ZoneElement) -> list[ElementTree.Element] | None:
    """The chain root → zone element, or None if the markup there is not the zone's."""
    chain = [root]
    for index in zone.path:
        children = list(chain[-1])
        if index >= len(children):
            return None
        chain.append(children[index])
    element = chain[-1]
    if element.tag != zone.tag or (element.get("class") or "") != zone.classes:
        return None
    return chain


def zone_rect_px(zone: Zone) -> tuple[float, float, float, float]:
    """The zone in layout pixels (WeasyPrint's origin is the trim box corner, as the zone's)."""
    return (
        zone.x_mm * PX_PER_MM,
        zone.y_mm * PX_PER_MM,
        zone.width_mm * PX_PER_MM,
        zone.height_mm * PX_PER_MM,
    )


def anchor(element: ElementTree.Element, name: str) -> None:
    """Make element a named anchor: WeasyPrint then records its border box on its page."""
    style = element.get("style") or ""
    element.set("style", f'{style};-weasy-anchor:"{name}"')


def anchors_on(page: Any, rect: tuple[float, float, float, float]) -> list[str]:
    """The names of a laid-out page's anchors whose border box is exactly rect (x, y, w, h)."""
    x, y, width, height = rect
    want = (x, y, x + width, y + height)
    return [
        name
        for name, box in page.anchors.items()
        if len(box) == 4 and all(abs(a - b) <= ZONE_TOLERANCE_PX for a, b in zip(box, want, strict=True))
    ]


def anchor_every_element(root: ElementTree.Element) -> None:
    """Anchor each element of the body by its path (PATH_ANCHOR + child indices), to find it by geometry."""

    def walk(node: ElementTree.Element, path: tuple[int, ...]) -> None:
        if node.tag == "head":
            return
        anchor(node, PATH_ANCHOR + ".".join(map(str, path)))
        for index, child in enumerate(node):
            if isinstance(child.tag, str):
                walk(child, (*path, index))

    walk(root, ())


def outermost_path(names: list[str]) -> tuple[int, ...] | None:
    """The path of the outermost element among anchors made by anchor_every_element, the body and
    the root left out: a zone's margin can collapse through the body, whose box then lies on the
    zone too, but it holds the rest of the page."""
    paths = [
        path
        for name in names
        if name.startswith(PATH_ANCHOR)
        and len(path := tuple(int(i) for i in name[len(PATH_ANCHOR) :].split(".") if i)) >= 2
    ]
    return min(paths, key=lambda path: (len(path), path)) if paths else None


def _drawn_outside(pages: Sequence[Any], page: int, rect: tuple[float, float, float, float],
                   path: tuple[int, ...]) -> str | None:  # fmt: skip
    """The first element inside the zone element whose box lies outside the zone, or on another page
    (an absolutely positioned child of an unpositioned zone is placed by the page, not the zone):
    stamping would drop it. Its path anchor, or None."""
    x, y, width, height = rect
    prefix = PATH_ANCHOR + ".".join(map(str, path)) + "."
    for number, laid_out in enumerate(pages):
        for name, box in laid_out.anchors.items():
            if not name.startswith(prefix) or len(box) != 4:
                continue
            left, top, right, bottom = box
            inside = (left >= x - ZONE_TOLERANCE_PX and top >= y - ZONE_TOLERANCE_PX
                      and right <= x + width + ZONE_TOLERANCE_PX and bottom <= y + height + ZONE_TOLERANCE_PX)  # fmt: skip
            if number != page or not inside:
                return str(name)[len(PATH_ANCHOR) :]
    return None


def mark_master(root: ElementTree.Element, zone: ZoneElement) -> bool:
    """Mark the zone element so MASTER_CSS hides it; False if the markup does not fit."""
    chain = resolve_path(root, zone)
    if chain is None:
        return False
    chain[-1].set(ZONE, "")
    return True


def prune_to_zone(root: ElementTree.Element, zone: ZoneElement) -> bool:
    """Keep the zone, its descendants and its ancestors; empty and hide everything else.

    Hidden siblings keep their tag and attributes so structural selectors (:nth-child,
    :last-child, +) still match as in the full page. The head is kept whole (styles).
    """
    chain = resolve_path(root, zone)
    if chain is None:
        return False
    for depth, ancestor in enumerate(chain[:-1]):
        keep = chain[depth + 1]
        if ancestor is not root:
            ancestor.set(ANCESTOR, "")
        ancestor.text = None
        for child in ancestor:
            if child is keep or child.tag == "head" or not isinstance(child.tag, str):
                continue
            for grandchild in list(child):
                child.remove(grandchild)
            child.text = None
            child.set(HIDDEN, "")
        for child in ancestor:
            if child.tag != "head":
                child.tail = None
    root.set(ANCESTOR, "")
    chain[-1].set(ZONE, "")  # OVERLAY_CSS makes it the ZONE_ANCHOR anchor
    return True


# --- Masters and overlays: the renderer side -----------------------------------------------------

MASTER_CACHE_SIZE = 16
"""Masters kept per renderer (LRU): one per campaign × template output × kit and template version."""

_PLACEHOLDER_LOGO = PreparedLogo(
    "svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>',
    40,
    20,
)
PLACEHOLDERS = (
    (PartnerInput(slug="cobrand-master", name="Master Partner", type="master-type", tier="master-tier", region="master-region",
                  country="DE", website="https://master.example", email="m@master.example", phone="+49 1",
                  address="1 Master Street"), None),
    (PartnerInput(slug="other-placeholder", name="Other Placeholder Ltd", type="other-type", tier="other-tier",
                  region="other-region", country="US", locale="fr", website="https://other.example", email="o@other.example",
                  phone="+1 555", address="2 Other Road", custom={"placeholder": "1"}), _PLACEHOLDER_LOGO),
)  # fmt: skip
"""Two partners that differ in every field: the master's markup outside the zone must not care."""


@dataclass(frozen=True)
class Master:
    """A laid-out master, or the reason a template output cannot be stamped."""

    pdf: MasterPdf | None
    zone: ZoneElement | None
    fields_outside: bool
    """The master uses partner-editable fields outside the zone (built with their defaults)."""
    default_fields: dict[str, str]
    reason: str = ""

    def to_bytes(self) -> bytes:
        """One line of JSON (everything but the PDF), then the master PDF's bytes."""
        header = {
            "zone": None if self.zone is None else [list(self.zone.path), self.zone.tag, self.zone.classes],
            "fields_outside": self.fields_outside,
            "default_fields": self.default_fields,
            "reason": self.reason,
        }
        return json.dumps(header).encode() + b"\n" + (self.pdf.data if self.pdf is not None else b"")

    @classmethod
    def from_bytes(cls, data: bytes, zone_spec: Zone) -> Master:
        line, _, pdf = data.partition(b"\n")
        header = json.loads(line)
        zone = header["zone"]
        return cls(
            MasterPdf.parse(pdf, zone_spec) if pdf else None,
            None if zone is None else ZoneElement(tuple(zone[0]), zone[1], zone[2]),
            bool(header["fields_outside"]),
            dict(header["default_fields"]),
            str(header["reason"]),
        )


class MasterStoreUnavailable(Exception):
    """The master store could not be read or written: an outage, not bad input. Not a CobrandError,
    so no asset is failed for it: the job fails, and its retry finds the store back."""


class MasterStore(Protocol):
    """Where laid-out masters are shared by every worker of the fleet (the app puts them in storage)."""

    def load(self, key: str) -> bytes | None:
        """The master stored under key, or None."""

    def save(self, key: str, data: bytes) -> None:
        """Store a master under key (any worker may read it at once)."""


MASTER_FORMAT = "1"
"""Version of Master.to_bytes and of what a master depends on in this code; part of its key."""


def _outside_zone(html: str, zone: ZoneElement) -> bytes | None:
    """The markup outside the zone, serialised, or None if the zone is not where expected."""
    root = HTML(string=html).etree_element
    chain = resolve_path(root, zone)
    if chain is None:
        return None
    element = chain[-1]
    for child in list(element):
        element.remove(child)
    element.text = None
    element.attrib.clear()
    return ElementTree.tostring(root)


class ZoneStamper:
    """Render PDF outputs with a declared co-brand zone by stamping the zone onto a master."""

    def __init__(self, pdf: PdfRenderer, store: MasterStore | None = None) -> None:
        self.pdf = pdf
        self.store = store
        self.masters_laid_out = 0
        """Masters this process laid out itself (a worker that finds them in the store lays none)."""
        self.masters_loaded = 0
        """Masters this process read from the store."""
        self.zones_batched = 0
        """Partners' zones laid out as a page of a batch's document (the rest: a document each)."""
        self.wrapped_outputs = _BoundedCache(MASTER_CACHE_SIZE)
        """Template outputs whose batches need each partner's page wrapped (zone_batch.py)."""
        self.selector_checks = _BoundedCache(MASTER_CACHE_SIZE)
        """Template outputs' selectors compiled to check a batch's tree (zone_selectors.py), or None."""
        self._masters = _BoundedCache(MASTER_CACHE_SIZE)
        self.master_css = CSS(string=MASTER_CSS)
        self.overlay_css = CSS(string=OVERLAY_CSS)

    def render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        partner: PartnerInput,
        campaign: CampaignInput,
        logo: PreparedLogo | None,
    ) -> tuple[bytes, list[str]]:
        """Render one PDF output for one partner: stamped where possible, else in full."""
        if output.cobrand_zone is None:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        master = self.master(kit, template, output, campaign)
        if master.pdf is None or master.zone is None:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        if master.fields_outside and resolve_copy(template, campaign).fields != master.default_fields:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        warnings: list[str] = []
        context = self.pdf.context(kit, template, output, partner, campaign, logo, warnings)
        html = self.pdf.render_html(output, template, context)
        try:
            data = self.overlay(kit, template, output, html, master.pdf, master.zone)
        except ZoneMismatch:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        return data, warnings

    def overlay(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        html: str,
        master: MasterPdf,
        zone: ZoneElement,
    ) -> bytes:
        """Lay out only the zone of html and stamp it onto the master."""
        assert output.cobrand_zone is not None
        document_html = HTML(
            string=html, base_url=template.root.as_uri() + "/", url_fetcher=self.pdf.fetcher(kit, template)
        )
        if not prune_to_zone(document_html.etree_element, zone):
            raise ZoneMismatch("the zone element is not where the master has it")
        document = self.layout(document_html, kit, template, output, self.overlay_css)
        rect = zone_rect_px(output.cobrand_zone)
        for index, page in enumerate(document.pages):  # noqa: B007 (index is used after the loop)
            if ZONE_ANCHOR in anchors_on(page, rect):
                break
        else:
            raise ZoneMismatch("the overlay did not lay the zone out at the declared position")
        overlay = BytesIO()
        document.write_pdf(overlay, pdf_identifier=b"cobrand", uncompressed_pdf=True)
        return stamp(master, overlay.getvalue(), index)

    def layout(
        self, html: HTML, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, extra: CSS
    ) -> Any:
        try:
            return html.render(
                font_config=self.pdf.font_config,
                stylesheets=[*self.pdf.stylesheets(kit, template, output), extra],
                cache=self.pdf.image_cache(),
            )
        except ForbiddenResource as exc:
            raise TemplateInvalid(f"{output.html}: refers to {exc.url}: {exc.reason}") from exc

    def master(
        self, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> Master:
        """The master of this output for this campaign: from memory, the store, or laid out now."""
        key = self.master_key(kit, template, output, campaign)
        return self._masters.get_or_make(key, lambda: self._find_master(key, kit, template, output, campaign))  # type: ignore[no-any-return]

    @staticmethod
    def master_key(
        kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> str:
        """<campaign>/<template>-<output>-<fingerprint of every input of the master>."""
        inputs = (
            MASTER_FORMAT, kit.slug, kit.version, template.slug, template.version, output.name,
            campaign.slug, campaign.title, campaign.landing_url, sorted(campaign.copy_overrides.items()),
            campaign.locale,
        )  # fmt: skip
        digest = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:32]
        return f"{campaign.slug}/{template.slug}-{output.name}-{digest}"

    def load(
        self, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> bool:
        """Have this output's master in memory if it is stored, laying none out; whether it is now."""
        key = self.master_key(kit, template, output, campaign)
        if key in self._masters:
            self._masters.move_to_end(key)
            return True
        master = self._stored_master(key, output)
        if master is None:
            return False
        self._masters.get_or_make(key, lambda: master)
        return True

    def _stored_master(self, key: str, output: PdfOutput) -> Master | None:
        assert output.cobrand_zone is not None
        try:
            stored = self.store.load(key) if self.store is not None else None
        except Exception as exc:  # ok: whatever the store raises is an outage to retry, named here
            raise MasterStoreUnavailable(f"master {key} not read: {type(exc).__name__}: {exc}") from exc
        if stored is None:
            return None
        self.masters_loaded += 1
        return Master.from_bytes(stored, output.cobrand_zone)

    def _find_master(
        self, key: str, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> Master:
        stored = self._stored_master(key, output)
        if stored is not None:
            return stored
        master = self._make_master(kit, template, output, campaign)
        self.masters_laid_out += 1
        if master.pdf is None:  # slower, not wrong: said once, where the master is made
            logger.warning(
                "%s/%s: rendered whole for every partner: %s", template.slug, output.name, master.reason
            )
        if self.store is not None:
            try:
                self.store.save(key, master.to_bytes())
            except Exception as exc:  # ok: as for a read, an outage to retry
                raise MasterStoreUnavailable(f"master {key} not stored: {type(exc).__name__}: {exc}") from exc
        return master

    def _html_for(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        campaign: CampaignInput,
        which: int,
    ) -> str:
        partner, logo = PLACEHOLDERS[which]
        context = self.pdf.context(kit, template, output, partner, campaign, logo, [])
        return self.pdf.render_html(output, template, context)

    def _make_master(
        self, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> Master:
        zone_spec = output.cobrand_zone
        assert zone_spec is not None
        defaults = resolve_copy(template, replace(campaign, field_values={})).fields
        # Without links, the placeholder partners' tracked URLs differ: links outside the zone are caught.
        base = replace(campaign, field_values={}, links={})
        html = self._html_for(kit, template, output, base, 0)
        fetcher = self.pdf.fetcher(kit, template)
        base_url = template.root.as_uri() + "/"

        # Find the zone element: the outermost element laid out on the declared zone.
        probe = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        anchor_every_element(probe.etree_element)
        document = self.layout(probe, kit, template, output, self.master_css)
        if zone_spec.page > len(document.pages):
            return Master(None, None, False, defaults, f"the zone is on page {zone_spec.page}")
        path = outermost_path(anchors_on(document.pages[zone_spec.page - 1], zone_rect_px(zone_spec)))
        if path is None:
            return Master(None, None, False, defaults, "no element is laid out exactly on the declared zone")
        element = probe.etree_element
        for index in path:
            element = list(element)[index]
        zone = ZoneElement(path, str(element.tag), element.get("class") or "")
        astray = _drawn_outside(document.pages, zone_spec.page - 1, zone_rect_px(zone_spec), path)
        if astray:
            return Master(
                None, None, False, defaults, f"the zone's content is laid out outside it ({astray})"
            )

        # Everything partner-specific must sit inside the zone.
        outside = _outside_zone(html, zone)
        if outside is None or outside != _outside_zone(self._html_for(kit, template, output, base, 1), zone):
            return Master(None, None, False, defaults, "partner data appears outside the zone")
        fields_outside = False
        if template.editable_fields:
            markers = {name: f"F{index}x" for index, name in enumerate(template.editable_fields)}
            marked = replace(campaign, field_values=markers)
            fields_outside = outside != _outside_zone(self._html_for(kit, template, output, marked, 0), zone)

        master_html = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        mark_master(master_html.etree_element, zone)
        master_document = self.layout(master_html, kit, template, output, self.master_css)
        if len(master_document.pages) != output.pages:
            return Master(None, None, False, defaults, "the master's page count differs from the template's")
        out = BytesIO()
        master_document.write_pdf(out, pdf_identifier=b"cobrand", pdf_variant=PDF_VARIANT)
        return Master(MasterPdf.parse(out.getvalue(), zone_spec), zone, fields_outside, defaults)
