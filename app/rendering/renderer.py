"""Turn brand kit + template + partner into files: the one entry point of the core."""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from app.errors import CobrandError, RenderFailed
from app.rendering.design import DesignRenderer
from app.rendering.email import EmailRenderer
from app.rendering.image import CONTENT_TYPES, EXTENSIONS, ImageRenderer
from app.rendering.logos import PreparedLogo, prepare_logo
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    DesignOutput,
    EmailOutput,
    ImageOutput,
    PartnerInput,
    PdfOutput,
    RenderedFile,
    SocialOutput,
)
from app.rendering.pdf import PdfRenderer
from app.rendering.social import render_post
from app.rendering.stamp import PLACEHOLDERS, MasterStore, MasterStoreUnavailable, ZoneStamper
from app.rendering.thumbnails import StampedPdf, StampedThumbnails
from app.rendering.zone_batch import ZoneJob, render_zones

logger = logging.getLogger(__name__)

WARMED_CAMPAIGNS = 32
"""Campaigns (× kit, template and locale) a renderer remembers having warmed (Renderer.warm)."""
WARM_ASSET_BASE = "https://warm-up.invalid/assets"
"""Where a warm-up e-mail's images would be published (the e-mail is thrown away)."""

RENDER_LOCK = threading.RLock()
"""One render at a time per process: Pango and fontconfig under WeasyPrint are not thread-safe
(two threads laying out at once abort the process), and the web server renders previews in its
request threads while in-process jobs render on theirs."""


@contextmanager
def _cycles_collected_after() -> Iterator[None]:
    """Pause CPython's cycle collector for one batch and collect its youngest generation after.

    A batch allocates a great many short-lived objects (layout boxes, PDF objects); with the
    collector on, that churn sets off full collections that walk every long-lived object of the
    worker (fonts, masters, caches), about a tenth of a batch's CPU time. Reference counting still
    frees almost everything at once; what cycles a batch leaves are collected when it ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


class Renderer:
    """Renders outputs; build one per process and reuse it (it keeps fonts and stylesheets warm)."""

    def __init__(self, extra_roots: tuple[Path, ...] = (), master_store: MasterStore | None = None) -> None:
        self.pdf = PdfRenderer(extra_roots)
        self.stamper = ZoneStamper(self.pdf, master_store)
        """Outputs with a declared co-brand zone: lay out once per campaign, stamp per partner."""
        self.image = ImageRenderer()
        self.email = EmailRenderer(self.image)
        self.design = DesignRenderer(self.pdf)
        """Designs from other tools: only their zones are drawn, stamped onto the untouched master."""
        self.thumbnails = StampedThumbnails()
        """Thumbnails of stamped PDFs: each master's first page rendered once per process."""
        self._warmed: OrderedDict[tuple[object, ...], None] = OrderedDict()

    def stats(self) -> dict[str, int]:
        """Counters of this process: masters laid out here, masters read from the store, zones laid
        out as one page of a batch's document, and image masters (a size's fixed layers) drawn here."""
        return {
            "masters_laid_out": self.stamper.masters_laid_out,
            "masters_loaded": self.stamper.masters_loaded,
            "zones_batched": self.stamper.zones_batched,
            "image_masters_drawn": self.image.masters_drawn,
        }

    def prepare_masters(
        self, kit: BrandKit, template: CampaignTemplate, campaign: CampaignInput
    ) -> list[str]:
        """Lay out (or find) the masters of every PDF output with a co-brand zone; returns their keys."""
        keys = []
        with RENDER_LOCK:
            for output in template.outputs:
                if isinstance(output, PdfOutput) and output.cobrand_zone is not None:
                    self.stamper.master(kit, template, output, campaign)
                    keys.append(self.stamper.master_key(kit, template, output, campaign))
        return keys

    def stamped_on(
        self, kit: BrandKit, template: CampaignTemplate, output_id: str, campaign: CampaignInput
    ) -> StampedPdf | None:
        """The master this output's PDFs for this campaign are stamped on, or None (not stamped)."""
        output = next((o for o in template.outputs if o.name == output_id), None)
        if not isinstance(output, PdfOutput) or output.cobrand_zone is None:
            return None
        try:
            with RENDER_LOCK:
                master = self.stamper.master(kit, template, output, campaign)
        except CobrandError:
            return None  # no master to lay out: every PDF was rendered in full
        if master.pdf is None:
            return None
        return StampedPdf(master.pdf.data, master.pdf.page_index, master.pdf.bbox)

    def warm(self, kit: BrandKit, template: CampaignTemplate, campaign: CampaignInput) -> int:
        """Have ready what this campaign's assets need whatever the partner, laying no master out:
        the stored masters of its zoned PDF outputs with their first pages' thumbnails, and, drawn
        once for a placeholder partner, its other outputs' fixed layers, PNG rows and templates.
        Returns how many masters are in memory. An output that fails to render is logged and
        skipped (each partner's own render reports it).

        A forking worker's parent calls this before it forks a job: the job's child inherits it all.
        """
        loaded = 0
        for output in template.outputs:
            if isinstance(output, PdfOutput) and output.cobrand_zone is not None:
                with RENDER_LOCK:
                    if not self.stamper.load(kit, template, output, campaign):
                        continue
                loaded += 1
                stamped = self.stamped_on(kit, template, output.name, campaign)  # in memory now
                if stamped is not None:
                    self.thumbnails.prepare(stamped)
        key = (kit.root, kit.version, template.root, template.version,
               json.dumps(dataclasses.astuple(replace(campaign, field_values={}, links={})), default=str))  # fmt: skip
        if key in self._warmed:
            self._warmed.move_to_end(key)
            return loaded
        pdfs = {output.name for output in template.outputs if isinstance(output, PdfOutput)}
        sample = replace(campaign, asset_base_url=campaign.asset_base_url or WARM_ASSET_BASE)
        for output_id in template.output_ids():
            if output_id in pdfs:
                continue  # a PDF's master is laid out by a job, never here
            try:
                self.render_one(kit, template, PLACEHOLDERS[0][0], sample, output_id)
            except CobrandError as exc:
                logger.info("%s/%s not warmed: %s", template.slug, output_id, exc)
        self._warmed[key] = None
        while len(self._warmed) > WARMED_CAMPAIGNS:
            self._warmed.popitem(last=False)
        return loaded

    def partner_logo(self, partner: PartnerInput) -> PreparedLogo | None:
        """The partner's logo, validated and trimmed (UploadRejected if it is not acceptable)."""
        return prepare_logo(partner.logo, f"logo of partner {partner.slug}") if partner.logo else None

    def render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        partner: PartnerInput,
        campaign: CampaignInput,
        output_ids: Iterable[str] | None = None,
    ) -> list[RenderedFile]:
        """Render the requested outputs (all by default) of template for one partner."""
        with RENDER_LOCK:
            return self._render(kit, template, partner, campaign, output_ids)

    def _render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        partner: PartnerInput,
        campaign: CampaignInput,
        output_ids: Iterable[str] | None,
    ) -> list[RenderedFile]:
        wanted = set(output_ids) if output_ids is not None else set(template.output_ids())
        unknown = wanted - set(template.output_ids())
        if unknown:
            raise RenderFailed(f"{template.slug}: no output named {', '.join(sorted(unknown))}")
        logo = self.partner_logo(partner)
        files: list[RenderedFile] = []
        for output in template.outputs:
            if isinstance(output, ImageOutput):
                for size in output.sizes:
                    output_id = f"{output.name}-{size.label}"
                    if output_id in wanted:
                        data, warnings = self.image.render(
                            kit, template, output, size, partner, campaign, logo
                        )
                        files.append(
                            RenderedFile(
                                output_id,
                                data,
                                CONTENT_TYPES[output.format],
                                EXTENSIONS[output.format],
                                tuple(warnings),
                            )
                        )
            elif isinstance(output, DesignOutput):
                if output.name in wanted:
                    data, warnings = self.design.render(kit, template, output, partner, campaign, logo)
                    fmt = output.format
                    content_type = "application/pdf" if fmt == "pdf" else CONTENT_TYPES[fmt]
                    extension = "pdf" if fmt == "pdf" else EXTENSIONS[fmt]
                    files.append(RenderedFile(output.name, data, content_type, extension, tuple(warnings)))
            elif isinstance(output, SocialOutput):
                images = output.images
                for size in output.sizes:
                    output_id = f"{output.name}-{size.label}"
                    if output_id in wanted:
                        data, warnings = self.image.render(
                            kit, template, images, size, partner, campaign, logo, channel="social"
                        )
                        files.append(RenderedFile(output_id, data, CONTENT_TYPES[output.format],
                                                  EXTENSIONS[output.format], tuple(warnings)))  # fmt: skip
                if output.post_id in wanted:
                    files.append(render_post(kit, template, output, partner, campaign))
            elif isinstance(output, EmailOutput):
                if output.name in wanted:
                    files.append(self.email.render(kit, template, output, partner, campaign, logo))
            elif output.name in wanted:
                data, warnings = self.stamper.render(kit, template, output, partner, campaign, logo)
                files.append(RenderedFile(output.name, data, "application/pdf", "pdf", tuple(warnings)))
        return files

    def render_many(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        jobs: Sequence[tuple[PartnerInput, CampaignInput]],
        output_id: str,
    ) -> list[RenderedFile | CobrandError]:
        """Render one output for many partners, in order; a partner's input error is its own result.

        PDF outputs with a co-brand zone lay every partner's zone out in one document (zone_batch).
        """
        output = next((o for o in template.outputs if o.name == output_id), None)
        if not isinstance(output, PdfOutput) or output.cobrand_zone is None or len(jobs) < 2:
            return [self._try_one(kit, template, partner, campaign, output_id) for partner, campaign in jobs]
        results: list[RenderedFile | CobrandError | None] = [None] * len(jobs)
        zone_jobs: list[tuple[int, ZoneJob]] = []
        for index, (partner, campaign) in enumerate(jobs):
            try:
                zone_jobs.append((index, ZoneJob(partner, campaign, self.partner_logo(partner))))
            except CobrandError as exc:
                results[index] = exc
        with RENDER_LOCK, _cycles_collected_after():
            try:
                outcomes = render_zones(self.stamper, kit, template, output, [job for _, job in zone_jobs])
            except (CobrandError, MasterStoreUnavailable):
                raise
            except Exception:  # ok: WeasyPrint internals: each partner alone names its own error
                logger.exception("%s/%s: batch of %d failed; rendering one by one", template.slug,
                                 output_id, len(zone_jobs))  # fmt: skip
                for index, job in zone_jobs:
                    results[index] = self._try_one(kit, template, job.partner, job.campaign, output_id)
                outcomes = []
        for (index, _), outcome in zip(zone_jobs, outcomes, strict=False):
            if isinstance(outcome, CobrandError):
                results[index] = outcome
            else:
                data, warnings = outcome
                results[index] = RenderedFile(output_id, data, "application/pdf", "pdf", tuple(warnings))
        return [result for result in results if result is not None]

    def _try_one(
        self, kit: BrandKit, template: CampaignTemplate, partner: PartnerInput, campaign: CampaignInput,
        output_id: str,
    ) -> RenderedFile | CobrandError:  # fmt: skip
        try:
            return self.render_one(kit, template, partner, campaign, output_id)
        except CobrandError as exc:
            return exc

    def render_one(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        partner: PartnerInput,
        campaign: CampaignInput,
        output_id: str,
    ) -> RenderedFile:
        """Render a single output; every failure becomes a CobrandError with a one-line message."""
        try:
            return self.render(kit, template, partner, campaign, [output_id])[0]
        except (CobrandError, MasterStoreUnavailable):
            raise
        except Exception as exc:  # ok: WeasyPrint/Pillow internals: name the asset and the cause
            raise RenderFailed(
                f"{template.slug}/{output_id} for {partner.slug}: {type(exc).__name__}: {exc}"
            ) from exc
