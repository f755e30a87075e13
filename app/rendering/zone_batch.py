"""Many partners' co-brand zones in one WeasyPrint document, one page per partner.

WeasyPrint's cost per document is largely fixed (the user-agent stylesheet's cascade, building
boxes, subsetting and writing fonts), so a batch lays its partners' zones out together: each
partner's page is its zone-only overlay (stamp.prune_to_zone), appended to the first one's
body with a page break, and the whole batch is written once, fonts subset once. Every page is
then stamped onto the master as in stamp.py, the overlay parsed once and its shared objects
(fonts, the QR code's images) deflated once for the whole batch.

The batch is only used when it lays out as the single overlays would: one page per partner,
the zone element of each page exactly on the declared zone. Anything else falls back to one
overlay per partner, and that one to the full render; partners never wait on one another's
errors (a bad logo fails its own asset, not the batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.generic import StreamObject
from weasyprint import HTML

from app.errors import CobrandError
from app.rendering.context import resolve_copy
from app.rendering.logos import PreparedLogo
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput, PdfOutput
from app.rendering.pdf_update import stamp_page
from app.rendering.stamp import ZONE_ANCHOR, Master, ZoneMismatch, anchors_on, prune_to_zone, zone_rect_px

if TYPE_CHECKING:
    from app.rendering.stamp import ZoneStamper

PAGE_BREAK = "break-before: page !important"


@dataclass(frozen=True)
class ZoneJob:
    """One partner's request in a batch."""

    partner: PartnerInput
    campaign: CampaignInput
    logo: PreparedLogo | None


Outcome = tuple[bytes, list[str]] | CobrandError
"""A partner's PDF and its fit warnings, or the input error that failed it."""


def render_zones(
    stamper: ZoneStamper,
    kit: BrandKit,
    template: CampaignTemplate,
    output: PdfOutput,
    jobs: Sequence[ZoneJob],
) -> list[Outcome]:
    """Render one PDF output with a co-brand zone for many partners, in order.

    Partners share a batch when they share a master (the campaign's copy in their language).
    """
    results: list[Outcome | None] = [None] * len(jobs)
    groups: dict[tuple[object, ...], list[int]] = {}
    for index, job in enumerate(jobs):
        groups.setdefault(_campaign_key(job.campaign), []).append(index)
    for indices in groups.values():
        master = stamper.master(kit, template, output, jobs[indices[0]].campaign)
        batched: list[tuple[int, str, list[str]]] = []
        for index in indices:
            job = jobs[index]
            if not _stampable(master, template, job):
                results[index] = _one(stamper, kit, template, output, job)
                continue
            warnings: list[str] = []
            try:
                context = stamper.pdf.context(
                    kit, template, output, job.partner, job.campaign, job.logo, warnings
                )
                batched.append((index, stamper.pdf.render_html(output, template, context), warnings))
            except CobrandError as exc:
                results[index] = exc
        if not batched:
            continue
        try:
            pages = _overlay_batch(stamper, kit, template, output, [html for _, html, _ in batched], master)
        except ZoneMismatch:
            pages = None
        for position, (index, _, warnings) in enumerate(batched):
            if pages is None:
                results[index] = _one(stamper, kit, template, output, jobs[index])
            else:
                results[index] = (pages[position], warnings)
    return [result for result in results if result is not None]


def _stampable(master: Master, template: CampaignTemplate, job: ZoneJob) -> bool:
    if master.pdf is None or master.zone is None:
        return False
    return not (
        master.fields_outside and resolve_copy(template, job.campaign).fields != master.default_fields
    )


def _campaign_key(campaign: CampaignInput) -> tuple[object, ...]:
    """What a master depends on in a campaign (as ZoneStamper.master_key)."""
    return (
        campaign.slug, campaign.title, campaign.landing_url, tuple(sorted(campaign.copy_overrides.items())),
        campaign.locale,
    )  # fmt: skip


def _one(
    stamper: ZoneStamper, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, job: ZoneJob
) -> Outcome:
    try:
        return stamper.render(kit, template, output, job.partner, job.campaign, job.logo)
    except CobrandError as exc:
        return exc


def _overlay_batch(
    stamper: ZoneStamper,
    kit: BrandKit,
    template: CampaignTemplate,
    output: PdfOutput,
    htmls: list[str],
    master: Master,
) -> list[bytes]:
    """Lay the zones of htmls out as the pages of one document and stamp each onto the master."""
    assert master.pdf is not None and master.zone is not None and output.cobrand_zone is not None
    base_url = template.root.as_uri() + "/"
    fetcher = stamper.pdf.fetcher(kit, template)
    document_html: HTML | None = None
    body: ElementTree.Element | None = None
    head_markup = b""
    for html in htmls:
        parsed = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        root = parsed.etree_element
        if not prune_to_zone(root, master.zone):
            raise ZoneMismatch("the zone element is not where the master has it")
        head = root.find("head")
        markup = ElementTree.tostring(head) if head is not None else b""
        page_body = root.find("body")
        if page_body is None:
            raise ZoneMismatch("the overlay has no body")
        if document_html is None:
            document_html, body, head_markup = parsed, page_body, markup
            continue
        if markup != head_markup or body is None:
            raise ZoneMismatch("partners' pages differ outside the zone (head)")
        chain_top = page_body[master.zone.path[1]]
        chain_top.set("style", f"{chain_top.get('style') or ''};{PAGE_BREAK}")
        for child in list(page_body):
            body.append(child)
    assert document_html is not None
    document = stamper.layout(document_html, kit, template, output, stamper.overlay_css)
    if len(document.pages) != len(htmls):
        raise ZoneMismatch(f"{len(htmls)} zones laid out on {len(document.pages)} pages")
    rect = zone_rect_px(output.cobrand_zone)
    for page in document.pages:
        if ZONE_ANCHOR not in anchors_on(page, rect):
            raise ZoneMismatch("a zone of the batch is not laid out at the declared position")
    overlay = BytesIO()
    document.write_pdf(overlay, pdf_identifier=b"cobrand", uncompressed_pdf=True)
    reader = PdfReader(BytesIO(overlay.getvalue()))
    deflated: dict[int, StreamObject] = {}
    return [stamp_page(master.pdf, page, deflated) for page in reader.pages]
