"""Publishing: plan a publish of a campaign, queue its work, and publish failed assets again.

A publish is a record (app.models.Publish); its work is split into batches of partners, each a
job (`workers.jobs.render_batch`, app/batches.py), after one job that lays the masters out.
Assets whose fingerprint did not change are counted unchanged while planning, without a job.
Progress and completion are counted from the assets (app/publish_progress.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import approvals, metrics
from app.assets import withdraw_ineligible
from app.audience import eligible_partners
from app.campaigns import get_campaign
from app.errors import InvalidInput
from app.links import ensure_links, link_urls
from app.locales import partner_locale
from app.models import (
    Asset,
    AssetOutcome,
    AssetStatus,
    Campaign,
    CampaignStatus,
    Partner,
    PartnerFieldValues,
    Publish,
    PublishStatus,
    PublishTrigger,
    utcnow,
)
from app.ops import logs
from app.publish_jobs import enqueue_batch, enqueue_plan
from app.publish_progress import refresh_progress
from app.render_inputs import campaign_input, partner_input, public_asset_base
from app.rendering.fingerprint import fingerprint
from app.rendering.model import CampaignTemplate
from app.services import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishPlan:
    """A planned publish: its id, and the batches of partners (and outputs) left to render."""

    publish_id: int
    batches: list[list[int]]
    output_ids: list[str] | None


def start_publish(
    services: Services,
    campaign_slug: str,
    *,
    trigger: PublishTrigger = PublishTrigger.CLI,
    partner_ids: Iterable[int] | None = None,
    output_ids: Iterable[str] | None = None,
) -> int:
    """Create a publish record and enqueue its batches; returns the publish id.

    partner_ids / output_ids narrow the publish (a webhook for one partner, one output).
    """
    plan = plan_publish(
        services, campaign_slug, trigger=trigger, partner_ids=partner_ids, output_ids=output_ids
    )
    enqueue_plan(services, plan)
    return plan.publish_id


def plan_publish(
    services: Services,
    campaign_slug: str,
    *,
    trigger: PublishTrigger = PublishTrigger.CLI,
    partner_ids: Iterable[int] | None = None,
    output_ids: Iterable[str] | None = None,
) -> PublishPlan:
    """Create the publish record and split its partners into batches (nothing is queued yet)."""
    with services.db.session() as session:
        campaign = get_campaign(session, campaign_slug)
        if campaign.status == CampaignStatus.ARCHIVED:
            raise InvalidInput(f"campaign {campaign_slug!r} is archived; it cannot be published")
        approvals.check_publishable(services, session, campaign)
        template = services.content.template(campaign.template_slug)
        services.content.brand_kit(campaign.brand_kit_slug)  # fail now, not in every job
        partners = eligible_partners(session, campaign, template, services.content.program())
        if partner_ids is not None:
            wanted = set(partner_ids)
            partners = [p for p in partners if p.id in wanted]
        outputs = list(output_ids) if output_ids is not None else template.output_ids()
        unknown = set(outputs) - set(template.output_ids())
        if unknown:
            raise InvalidInput(f"template {template.slug!r} has no output {', '.join(sorted(unknown))}")
        if partner_ids is None and output_ids is None:
            withdraw_ineligible(services, session, campaign, {p.id for p in partners})
        publish = Publish(
            campaign_id=campaign.id,
            trigger=PublishTrigger(trigger),
            total=len(partners) * len(outputs),
            status=PublishStatus.RUNNING,
            started_at=utcnow(),
        )
        session.add(publish)
        if partner_ids is None and output_ids is None:
            approvals.record_published(session, campaign)
        campaign.status = CampaignStatus.PUBLISHED
        session.flush()
        publish_id = publish.id
        stale = _count_unchanged(services, session, publish_id, campaign, template, partners, outputs)
        locales = {p.id: partner_locale(template, campaign, p) for p in partners}
        total = publish.total
    refresh_progress(services, publish_id)
    size = max(1, services.config.PUBLISH_BATCH_SIZE)
    batches = batches_by_locale(stale, locales, size)
    logs.bind(publish_id=publish_id)  # the rest of this request's (or command's) lines are about it
    logger.info("publish %s of %s started: %s assets, %s batches to render", publish_id, campaign_slug, total,
                len(batches), extra={"fields": {"campaign": campaign_slug, "trigger": PublishTrigger(trigger).value}})  # fmt: skip
    return PublishPlan(publish_id, batches, sorted(output_ids) if output_ids is not None else None)


def batches_by_locale(partner_ids: list[int], locales: dict[int, str], size: int) -> list[list[int]]:
    """Split partners into batches of at most size, a locale's partners together where they fit.

    Partners of one locale share masters: kept together, most masters are needed by one batch
    only, which lays them out itself (see enqueue_plan). Full batches of one locale come first,
    then the rest of each locale, largest first, each in the first batch it fits.
    """
    groups: dict[str, list[int]] = {}
    for partner_id in partner_ids:
        groups.setdefault(locales[partner_id], []).append(partner_id)
    batches: list[list[int]] = []
    rests: list[list[int]] = []
    for ids in groups.values():
        full = len(ids) - len(ids) % size
        batches += [ids[i : i + size] for i in range(0, full, size)]
        if full < len(ids):
            rests.append(ids[full:])
    packed: list[list[int]] = []
    for rest in sorted(rests, key=len, reverse=True):
        batch = next((b for b in packed if len(b) + len(rest) <= size), None)
        if batch is None:
            packed.append(list(rest))
        else:
            batch.extend(rest)
    return batches + packed


def _count_unchanged(
    services: Services,
    session: Session,
    publish_id: int,
    campaign: Campaign,
    template: CampaignTemplate,
    partners: list[Partner],
    outputs: list[str],
) -> list[int]:
    """Count every asset whose fingerprint did not change as unchanged now; return the partners left to render.

    Fingerprints need no rendering and no file reads (logos are known by their hash), so a
    re-publish with nothing changed finishes here, without a single job.
    """
    kit = services.content.brand_kit(campaign.brand_kit_slug)
    existing = {
        (asset.partner_id, asset.output): asset
        for asset in session.scalars(select(Asset).where(Asset.campaign_id == campaign.id))
    }
    values = dict(
        session.execute(
            select(PartnerFieldValues.partner_id, PartnerFieldValues.values).where(
                PartnerFieldValues.campaign_id == campaign.id
            )
        ).all()
    )
    codes = ensure_links(session, campaign.id, [p.id for p in partners])
    unchanged: list[int] = []
    stale: list[int] = []
    program = services.content.program()
    for partner in partners:
        partner_data = partner_input(services, partner, with_logo=False, program=program)
        links = link_urls(services.config, codes.get(partner.id, {}))
        campaign_data = campaign_input(
            campaign,
            values.get(partner.id),
            links,
            asset_base_url=public_asset_base(services.config),
            locale=partner_locale(template, campaign, partner),
        )
        needs_render = False
        for output_id in outputs:
            asset = existing.get((partner.id, output_id))
            if (
                asset is not None
                and asset.status == AssetStatus.RENDERED
                and asset.storage_key
                and asset.fingerprint == fingerprint(kit, template, output_id, partner_data, campaign_data)
            ):
                unchanged.append(asset.id)
            else:
                needs_render = True
        if needs_render:
            stale.append(partner.id)
    for start in range(0, len(unchanged), 500):
        session.execute(
            update(Asset)
            .where(Asset.id.in_(unchanged[start : start + 500]))
            .values(publish_id=publish_id, outcome=AssetOutcome.UNCHANGED)
        )
    metrics.count_asset(AssetOutcome.UNCHANGED.value, len(unchanged))
    return stale


def retry_failed(services: Services, publish_id: int) -> int:
    """Re-queue the failed assets of a publish; returns how many."""
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        if publish is None:
            raise InvalidInput(f"publish {publish_id} not found")
        failed = session.scalars(
            select(Asset).where(Asset.publish_id == publish_id, Asset.outcome == AssetOutcome.FAILED)
        ).all()
        by_partner: dict[int, list[str]] = {}
        for asset in failed:
            by_partner.setdefault(asset.partner_id, []).append(asset.output)
            asset.outcome = None  # no longer counted: the retry will count it again
        if failed:
            publish.status = PublishStatus.RUNNING
            publish.finished_at = None
    refresh_progress(services, publish_id)
    for partner_id, outputs in sorted(by_partner.items()):
        enqueue_batch(services, publish_id, [partner_id], sorted(outputs))
    return len(failed)
