"""The work of a publish: lay its masters out once, then render its batches of partners.

When batches of a publish share a master not yet stored, its first job (`prepare_publish`) lays
out the masters of the campaign's PDF outputs, so no two workers race to make one, then queues
the batches with the publish's own job settings. A batch
(`render_batch`) reads its partners, assets and field values in one query each, renders each
output for its partners a chunk at a time (Renderer.render_many: PDF zones in one document) while
app/batch_uploads.py stores the chunk before and reads the logos of the next, writes the asset
rows in one commit, and emits its events once. After a storage error what was stored is still
recorded (and its events emitted) before the job fails and RQ tries the rest again.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import metrics
from app.assets import asset_filename, asset_payload
from app.batch_uploads import Uploads
from app.errors import CobrandError
from app.events import Event
from app.links import ensure_links, link_urls
from app.locales import partner_locale
from app.models import (
    Asset,
    AssetOutcome,
    AssetStatus,
    Campaign,
    Partner,
    PartnerFieldValues,
    Publish,
    utcnow,
)
from app.publish_jobs import enqueue_batch, master_inputs, partners_query
from app.publish_progress import OUTCOMES, mark_batch_failed, refresh_progress
from app.render_inputs import campaign_input, partner_input, public_asset_base
from app.rendering.fingerprint import fingerprint
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput
from app.rendering.stamp import MasterStoreUnavailable
from app.rendering.thumbnails import StampedPdf
from app.services import Services

logger = logging.getLogger(__name__)

RENDER_CHUNK = 8
"""Partners rendered per render_many call: a chunk's files are stored while the next one renders
(and a zone document of 8 lays out faster per partner than one of a whole batch)."""


def prepare_publish(
    services: Services,
    publish_id: int,
    batches: list[list[int]],
    output_ids: list[str] | None,
    policy: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Lay out (or find) the campaign's masters once, then queue the publish's batches.

    policy: the job timeout and retries the publish was planned with (publish_jobs.job_policy).
    """
    before = services.renderer.stats()
    with services.db.session() as session:
        if session.get(Publish, publish_id) is None:
            return {}  # the publish was deleted with its campaign
    kit, template, inputs = master_inputs(services, publish_id, [p for batch in batches for p in batch])
    try:
        for data in inputs:
            services.renderer.prepare_masters(kit, template, data)
    except CobrandError as exc:  # a template error: every asset's own render records it
        logger.warning("publish %s: masters not prepared: %s", publish_id, exc)
    for batch in batches:
        enqueue_batch(services, publish_id, batch, output_ids, policy)
    return _delta(before, services.renderer.stats())


def warm_batch(services: Services, publish_id: int, partner_ids: list[int]) -> int:
    """Have in this process what a batch of these partners needs whatever the partner, laying no
    master out: the campaign's stored masters, fixed layers and templates (Renderer.warm), and the
    batch's reads compiled (SQLAlchemy keeps compiled statements per engine); how many masters are
    in memory. A forking worker's parent calls it before forking the batch: the child inherits it."""
    kit, template, inputs = master_inputs(services, publish_id, partner_ids)
    loaded = sum(services.renderer.warm(kit, template, data) for data in inputs)
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        if publish is not None:
            _field_values(session, publish.campaign_id, partner_ids)
            session.scalars(_assets_query(publish.campaign_id, partner_ids)).all()
        session.rollback()
    return loaded


def prepare_publish_failed(
    services: Services, publish_id: int, batches: list[list[int]], output_ids: list[str] | None, error: str
) -> None:
    """After the last try of prepare_publish: every asset of the publish not yet done is failed."""
    for batch in batches:
        mark_batch_failed(services, publish_id, batch, output_ids, error)


@dataclass
class _Work:
    """One asset to render in this batch."""

    asset: Asset
    partner: Partner
    partner_data: PartnerInput
    campaign_data: CampaignInput
    fingerprint: str


def render_batch(
    services: Services, publish_id: int, partner_ids: list[int], output_ids: list[str] | None = None
) -> dict[str, int]:
    """Render (or skip as unchanged) every asset of these partners for one publish.

    Returns the renderer's counters for this batch (RQ keeps them as the job's result).
    """
    before = services.renderer.stats()
    events: list[Event] = []
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        if publish is None:
            return {}  # the publish was deleted with its campaign: nothing to do
        campaign = publish.campaign
        kit = services.content.brand_kit(campaign.brand_kit_slug)
        template = services.content.template(campaign.template_slug)
        outputs = output_ids if output_ids is not None else template.output_ids()
        partners = session.scalars(partners_query(partner_ids)).all()
        values = _field_values(session, campaign.id, partner_ids)
        assets = _asset_rows(session, campaign, [p.id for p in partners], outputs)
        links = ensure_links(session, campaign.id, [p.id for p in partners])
        program = services.content.program()
        asset_base_url = public_asset_base(services.config)
        todo: dict[str, list[_Work]] = {output_id: [] for output_id in outputs}
        for partner in partners:
            partner_data: PartnerInput | None = None
            for output_id in outputs:
                asset = assets[(partner.id, output_id)]
                if asset.publish_id == publish_id and asset.outcome in OUTCOMES:
                    continue  # counted already: unchanged at planning, or done by an earlier try
                asset.attempts += 1
                try:
                    # The logo is read on the pool, while the chunk before renders; its hash is enough here.
                    partner_data = partner_data or partner_input(
                        services, partner, with_logo=partner.logo_sha256 is None, program=program
                    )
                except CobrandError as exc:
                    _finish(asset, partner, publish_id, "failed", error=str(exc))
                    events.append(Event("asset.failed", asset_payload(asset, partner, campaign)))
                    continue
                partner_links = link_urls(services.config, links.get(partner.id, {}))
                campaign_data = campaign_input(
                    campaign,
                    values.get(partner.id) or {},
                    partner_links,
                    asset_base_url=asset_base_url,
                    locale=partner_locale(template, campaign, partner),
                )
                fp = fingerprint(kit, template, output_id, partner_data, campaign_data)
                if _is_current(services, asset, fp):
                    _finish(asset, partner, publish_id, "unchanged")
                else:
                    todo[output_id].append(_Work(asset, partner, partner_data, campaign_data, fp))
        # Commit before rendering: on SQLite an open write would hold the database lock throughout.
        session.commit()
        with Uploads[_Work](services) as uploads:
            _render(services, campaign, kit, template, publish_id, todo, events, uploads)
        old_keys: list[str] = []
        for stored in uploads.stored:
            asset, key, thumb_key = stored.tag.asset, stored.key, stored.thumbnail_key
            old_keys += [
                k for k in (asset.storage_key, asset.thumbnail_key) if k and k not in (key, thumb_key)
            ]
            asset.storage_key, asset.thumbnail_key = key, thumb_key
            asset.fingerprint = stored.tag.fingerprint
            asset.locale = stored.tag.campaign_data.locale
            asset.size_bytes = stored.size
            asset.content_type = stored.content_type
            asset.filename = asset_filename(campaign, asset.output, stored.tag.partner, stored.extension)
            asset.rendered_at = utcnow()
            _finish(asset, stored.tag.partner, publish_id, "rendered")
            events.append(Event("asset.ready", asset_payload(asset, stored.tag.partner, campaign)))
        session.commit()  # every row of the batch at once, now that its files are stored
    for old in old_keys:
        services.storage.delete(old)  # the records point at the new objects: drop the old ones
    services.events.emit(events)  # once per batch, after its work is committed
    refresh_progress(services, publish_id)
    if uploads.error is not None:
        raise uploads.error  # what was stored is recorded; RQ tries the rest again (mark_batch_failed at the end)
    return _delta(before, services.renderer.stats())


def _render(
    services: Services, campaign: Campaign, kit: BrandKit, template: CampaignTemplate, publish_id: int,
    todo: dict[str, list[_Work]], events: list[Event], uploads: Uploads[_Work],
) -> None:  # fmt: skip
    """Render the todo a chunk at a time, each chunk's files stored while the next one renders.

    After a storage error nothing more is rendered: the job fails and is tried again.
    """
    masters: dict[tuple[str, str], StampedPdf | None] = {}  # by output and locale
    logos: dict[int, Future[bytes]] = {}  # by partner, read a chunk ahead

    def read_logos(chunk: list[_Work]) -> None:
        for w in chunk:
            if w.partner_data.logo is None and w.partner.logo_key and w.partner.id not in logos:
                logos[w.partner.id] = uploads.read(w.partner.logo_key)

    chunks = [(output_id, chunk) for output_id, works in todo.items() for chunk in _chunks(works)]
    for index, (output_id, chunk) in enumerate(chunks):
        read_logos(chunk)
        read_logos(chunks[index + 1][1] if index + 1 < len(chunks) else [])
        try:
            jobs = [(_with_logo(w, logos), w.campaign_data) for w in chunk]
        except Exception as exc:  # ok: a logo not read; raised once what was stored is recorded
            uploads.error = uploads.error or exc
        if uploads.error is not None:
            return
        started = time.perf_counter()
        try:
            results = services.renderer.render_many(kit, template, jobs, output_id)
        except MasterStoreUnavailable as exc:  # storage is down: what was stored is recorded, then retried
            uploads.error = uploads.error or exc
            return
        each = (time.perf_counter() - started) / len(chunk)
        for work, result in zip(chunk, results, strict=True):
            if isinstance(result, CobrandError):
                # Bad input (a broken logo, a template error): retrying cannot help, record it.
                work.asset.status = AssetStatus.FAILED
                _finish(work.asset, work.partner, publish_id, "failed", error=str(result))
                events.append(Event("asset.failed", asset_payload(work.asset, work.partner, campaign)))
                continue
            metrics.observe_render(metrics.output_kind(template, output_id), each)
            locale = work.campaign_data.locale
            if (output_id, locale) not in masters:
                masters[output_id, locale] = services.renderer.stamped_on(
                    kit, template, output_id, work.campaign_data
                )
            uploads.store(work, campaign, work.asset, work.partner, work.fingerprint,
                          (template.version, kit.version), result, masters[output_id, locale])  # fmt: skip


def _with_logo(work: _Work, logos: dict[int, Future[bytes]]) -> PartnerInput:
    future = logos.get(work.partner.id)
    return work.partner_data if future is None else replace(work.partner_data, logo=future.result())


def _chunks(works: list[_Work]) -> list[list[_Work]]:
    """works in order, in even chunks of at most RENDER_CHUNK (25 → 6, 6, 6, 7)."""
    count = -(-len(works) // RENDER_CHUNK)
    return [works[len(works) * i // count : len(works) * (i + 1) // count] for i in range(count)]


def _field_values(session: Session, campaign_id: int, partner_ids: list[int]) -> dict[int, dict[str, str]]:
    rows = session.execute(
        select(PartnerFieldValues.partner_id, PartnerFieldValues.values).where(
            PartnerFieldValues.campaign_id == campaign_id, PartnerFieldValues.partner_id.in_(partner_ids)
        )
    )
    return dict(rows.all())


def _assets_query(campaign_id: int, partner_ids: list[int]) -> Select[Any]:
    return select(Asset).where(Asset.campaign_id == campaign_id, Asset.partner_id.in_(partner_ids))


def _asset_rows(
    session: Session, campaign: Campaign, partner_ids: list[int], outputs: list[str]
) -> dict[tuple[int, str], Asset]:
    """Every asset row of these partners and outputs, the missing ones created (one query, one flush)."""
    rows = {(a.partner_id, a.output): a for a in session.scalars(_assets_query(campaign.id, partner_ids))}
    for partner_id in partner_ids:
        for output_id in outputs:
            if (partner_id, output_id) not in rows:
                asset = Asset(campaign_id=campaign.id, partner_id=partner_id, output=output_id,
                              status=AssetStatus.PENDING, attempts=0)  # fmt: skip
                session.add(asset)
                rows[(partner_id, output_id)] = asset
    session.flush()
    session.commit()  # the new rows now: on SQLite an open write would hold the database lock
    return rows


def _is_current(services: Services, asset: Asset, fp: str) -> bool:
    return (
        asset.fingerprint == fp
        and asset.status == AssetStatus.RENDERED
        and bool(asset.storage_key)
        and services.storage.exists(asset.storage_key)  # type: ignore[arg-type]
    )


def _finish(
    asset: Asset, partner: Partner, publish_id: int, outcome: str, *, error: str | None = None
) -> None:
    """Record what this publish did with an asset (counted, logged)."""
    metrics.count_asset(outcome)
    logger.info("asset %s %s/%s: %s", asset.id, partner.slug, asset.output, outcome,
                extra={"fields": {"asset_id": asset.id, "partner": partner.slug, "output": asset.output,
                                  "outcome": outcome}})  # fmt: skip
    if outcome == "failed":
        if asset.status != AssetStatus.RENDERED:
            asset.status = AssetStatus.FAILED
        asset.error = error
    else:
        asset.status = AssetStatus.RENDERED
        asset.error = None
    asset.publish_id = publish_id
    asset.outcome = AssetOutcome(outcome)


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, Any]:
    return {name: after[name] - before.get(name, 0) for name in after}
