"""Publishing: render every eligible partner's assets of a campaign into storage.

A publish is a record; its work is split into batches of partners, each a job
(`workers.jobs.render_batch`, app/batches.py), after one job that lays the masters out. Progress is counted from the assets themselves (each
remembers the last publish that processed it and what it did), so a batch that is
retried or picked up again after a killed worker never counts twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import approvals, metrics
from app.audience import eligible_partners
from app.errors import CampaignNotFound, InvalidInput
from app.events import Event
from app.jobs import JobOptions
from app.links import ensure_links, link_urls
from app.locales import partner_locale
from app.masters import StorageMasterStore
from app.models import (
    Asset,
    AssetStatus,
    Campaign,
    CampaignStatus,
    Partner,
    PartnerFieldValues,
    Publish,
    PublishStatus,
    utcnow,
)
from app.ops import logs
from app.rendering.fingerprint import fingerprint
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput
from app.rendering.program import DIMENSIONS, PartnerProgram
from app.services import Services

OUTCOMES = ("rendered", "unchanged", "failed")

logger = logging.getLogger(__name__)


def partner_input(
    services: Services, partner: Partner, *, with_logo: bool = True, program: PartnerProgram | None = None
) -> PartnerInput:
    """The renderer's view of a partner; with_logo=False skips reading the logo (enough for fingerprints)."""
    logo = services.storage.open(partner.logo_key) if (with_logo and partner.logo_key) else None
    program = program or services.content.program()
    return PartnerInput(
        slug=partner.slug,
        name=partner.name,
        type=partner.type,
        tier=partner.tier,
        region=partner.region,
        country=partner.country,
        locale=partner.locale,
        website=partner.website,
        email=partner.email,
        phone=partner.phone,
        address=partner.address,
        logo=logo,
        custom={str(k): str(v) for k, v in (partner.custom_fields or {}).items()},
        attributes=dict(partner.attributes or {}),
        labels={d: program.label(d, getattr(partner, d)) for d in DIMENSIONS},
        logo_sha256=partner.logo_sha256 if partner.logo_key else None,
    )


def campaign_input(
    campaign: Campaign,
    field_values: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
    *,
    asset_base_url: str = "",
    locale: str = "",
) -> CampaignInput:
    """The renderer's view of a campaign for one partner (links: its short URL per channel; locale:
    the one its assets are in, see app.locales.partner_locale)."""
    return CampaignInput(
        slug=campaign.slug,
        title=campaign.title,
        locale=locale,
        landing_url=campaign.landing_url,
        copy_overrides=dict((campaign.overrides or {}).get("copy", {})),
        field_values=dict(field_values or {}),
        links=dict(links or {}),
        asset_base_url=asset_base_url,
    )


def public_asset_base(config: dict[str, Any]) -> str:
    """Where public files (e-mail images) are reached: PUBLIC_ASSET_BASE_URL, or this app's /public."""
    return str(config.get("PUBLIC_ASSET_BASE_URL") or f"{str(config['PUBLIC_BASE_URL']).rstrip('/')}/public")


def public_key(name: str) -> str:
    """The storage key of a public file: PUBLIC_ASSET_BASE_URL serves this prefix."""
    return f"public/{name}"


def partner_links(services: Services, session: Session, campaign_id: int, partner_id: int) -> dict[str, str]:
    """A partner's short URL per channel for a campaign, made on first use."""
    return link_urls(services.config, ensure_links(session, campaign_id, [partner_id]).get(partner_id, {}))


def get_campaign(session: Session, slug: str) -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        known = ", ".join(session.scalars(select(Campaign.slug).order_by(Campaign.slug))) or "none"
        raise CampaignNotFound(f"campaign {slug!r} not found (known: {known})")
    return campaign


def asset_filename(campaign: Campaign, output_id: str, partner: Partner, extension: str) -> str:
    """A human filename: <campaign>-<output>-<partner>.<ext>."""
    return f"{campaign.slug}-{output_id}-{partner.slug}.{extension}"


def asset_key(campaign_slug: str, partner_slug: str, output_id: str, fp: str, extension: str) -> str:
    return f"assets/{campaign_slug}/{partner_slug}/{output_id}-{fp[:16]}.{extension}"


@dataclass(frozen=True)
class PublishPlan:
    publish_id: int
    batches: list[list[int]]
    output_ids: list[str] | None


def start_publish(
    services: Services,
    campaign_slug: str,
    *,
    trigger: str = "cli",
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
    trigger: str = "cli",
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
            trigger=trigger,
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
    size = max(1, int(services.config.get("PUBLISH_BATCH_SIZE", 25)))
    batches = batches_by_locale(stale, locales, size)
    logs.bind(publish_id=publish_id)  # the rest of this request's (or command's) lines are about it
    logger.info("publish %s of %s started: %s assets, %s batches to render", publish_id, campaign_slug, total,
                len(batches), extra={"fields": {"campaign": campaign_slug, "trigger": trigger}})  # fmt: skip
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
            .values(publish_id=publish_id, outcome="unchanged")
        )
    metrics.count_asset("unchanged", len(unchanged))
    return stale


def master_inputs(
    services: Services, publish_id: int, partner_ids: list[int]
) -> tuple[BrandKit, CampaignTemplate, list[CampaignInput]]:
    """What the masters of a publish's partners depend on: the campaign once per locale they use."""
    kit, template, locales = _partner_locales(services, publish_id, partner_ids)
    return kit, template, list(locales.values())


def _partner_locales(
    services: Services, publish_id: int, partner_ids: list[int]
) -> tuple[BrandKit, CampaignTemplate, dict[int, CampaignInput]]:
    """The campaign as each partner's masters see it (its locale), one input per locale shared."""
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        if publish is None:
            raise InvalidInput(f"publish {publish_id} not found")
        campaign = publish.campaign
        kit = services.content.brand_kit(campaign.brand_kit_slug)
        template = services.content.template(campaign.template_slug)
        partners = session.scalars(select(Partner).where(Partner.id.in_(partner_ids))).all()
        locales = {p.id: partner_locale(template, campaign, p) for p in partners}
        inputs = {locale: campaign_input(campaign, locale=locale) for locale in sorted(set(locales.values()))}
        return kit, template, {partner_id: inputs[locale] for partner_id, locale in locales.items()}


def job_policy(config: dict[str, Any]) -> dict[str, Any]:
    """A publish's job timeout and retries, fixed by whoever plans it (jobs a worker queues keep them)."""
    return {
        "timeout": int(config.get("JOB_TIMEOUT", 600)),
        "retries": int(config.get("JOB_RETRIES", 3)),
        "retry_intervals": tuple(config.get("JOB_RETRY_INTERVALS", (5, 30, 120))),
    }


def enqueue_plan(services: Services, plan: PublishPlan) -> None:
    """Queue a planned publish's batches, after one job that lays out the masters they share.

    The prepare job exists so that no two workers lay one master out at once: when no missing
    master is needed by more than one batch (a re-publish, one partner, partners in locales of
    their own), each batch lays out (or reads) its own masters and the batches are queued at once.
    """
    if not plan.batches:
        return
    policy = job_policy(services.config)
    if not _shares_missing_masters(services, plan):
        for batch in plan.batches:
            enqueue_batch(services, plan.publish_id, batch, plan.output_ids, policy)
        return
    services.jobs.enqueue(
        "workers.jobs.prepare_publish",
        plan.publish_id,
        plan.batches,
        plan.output_ids,
        policy,
        options=JobOptions(
            job_id=f"publish-{plan.publish_id}-prepare",
            on_failure="workers.jobs.prepare_publish_failed",
            **policy,
            meta={"log": {"publish_id": plan.publish_id}},
        ),
    )


def _shares_missing_masters(services: Services, plan: PublishPlan) -> bool:
    """Whether a master not yet in storage is needed by two batches or more of the plan."""
    kit, template, inputs = _partner_locales(services, plan.publish_id, [p for b in plan.batches for p in b])
    store = StorageMasterStore(services.storage)
    missing = {data.locale for data in inputs.values() if not store.has_all(kit, template, data)}
    batches_per_locale = Counter(
        locale for batch in plan.batches for locale in {inputs[p].locale for p in batch if p in inputs}
    )
    return any(batches_per_locale[locale] > 1 for locale in missing)


def enqueue_batch(
    services: Services,
    publish_id: int,
    partner_ids: list[int],
    output_ids: list[str] | None,
    policy: dict[str, Any] | None = None,
) -> None:
    """Queue one batch under a deterministic id (the same batch twice in flight runs once).

    policy: the publish's job_policy (default: this process's settings).
    """
    digest = hashlib.sha256(repr((partner_ids, output_ids)).encode()).hexdigest()[:12]
    services.jobs.enqueue(
        "workers.jobs.render_batch",
        publish_id,
        partner_ids,
        output_ids,
        options=JobOptions(
            job_id=f"publish-{publish_id}-{digest}",
            on_failure="workers.jobs.render_batch_failed",
            **(policy or job_policy(services.config)),
            meta={"log": {"publish_id": publish_id}},
        ),
    )


def withdraw_ineligible(
    services: Services, session: Session, campaign: Campaign, eligible_ids: set[int]
) -> int:
    """Withdraw (and delete the files of) assets of partners no longer in the audience."""
    assets = session.scalars(
        select(Asset).where(Asset.campaign_id == campaign.id, Asset.status != AssetStatus.WITHDRAWN)
    ).all()
    withdrawn = 0
    for asset in assets:
        if asset.partner_id not in eligible_ids:
            withdraw_asset(services, asset)
            withdrawn += 1
    return withdrawn


def withdraw_asset(services: Services, asset: Asset) -> None:
    for key in (asset.storage_key, asset.thumbnail_key):
        if key:
            services.storage.delete(key)
    asset.status = AssetStatus.WITHDRAWN
    asset.storage_key = asset.thumbnail_key = None
    asset.fingerprint = None


def _asset_row(session: Session, campaign_id: int, partner_id: int, output_id: str) -> Asset:
    asset = session.scalar(
        select(Asset).where(
            Asset.campaign_id == campaign_id, Asset.partner_id == partner_id, Asset.output == output_id
        )
    )
    if asset is None:
        asset = Asset(
            campaign_id=campaign_id, partner_id=partner_id, output=output_id, status=AssetStatus.PENDING
        )
        session.add(asset)
        session.flush()
        # Commit the new row now: on SQLite an open write would hold the database lock for the
        # whole render, and a publish planned meanwhile would time out waiting for it.
        session.commit()
    return asset


def asset_payload(asset: Asset, partner: Partner, campaign: Campaign) -> dict[str, object]:
    """What subscribers are told about an asset."""
    return {
        "asset_id": asset.id,
        "campaign": campaign.slug,
        "partner": partner.slug,
        "output": asset.output,
        "status": asset.status.value,
        "fingerprint": asset.fingerprint,
        "content_type": asset.content_type,
        "size_bytes": asset.size_bytes,
        "filename": asset.filename,
        "error": asset.error,
    }


def mark_batch_failed(
    services: Services, publish_id: int, partner_ids: list[int], output_ids: list[str] | None, error: str
) -> None:
    """After the last try of a batch: every asset it did not finish is failed with the error."""
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        if publish is None:
            return
        campaign = publish.campaign
        template = services.content.template(campaign.template_slug)
        outputs = output_ids if output_ids is not None else template.output_ids()
        for partner_id in partner_ids:
            for output_id in outputs:
                asset = _asset_row(session, campaign.id, partner_id, output_id)
                if asset.publish_id == publish_id and asset.outcome in OUTCOMES:
                    continue
                asset.publish_id = publish_id
                asset.outcome = "failed"
                asset.error = error
                metrics.count_asset("failed")
                if asset.status != AssetStatus.RENDERED:
                    asset.status = AssetStatus.FAILED  # a previous good version stays downloadable
    refresh_progress(services, publish_id)


def refresh_progress(services: Services, publish_id: int) -> Publish | None:
    """Recount a publish from its assets; mark it completed when every asset is accounted for."""
    with services.db.session() as session:
        counts = dict(
            session.execute(
                select(Asset.outcome, func.count())
                .where(Asset.publish_id == publish_id)
                .group_by(Asset.outcome)
            ).all()
        )
        values = {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}
        session.execute(update(Publish).where(Publish.id == publish_id).values(**values))
        # Several workers may finish at once: only the one whose update flips the status reports it.
        flipped = session.execute(
            update(Publish)
            .where(
                Publish.id == publish_id,
                Publish.status != PublishStatus.COMPLETED,
                Publish.rendered + Publish.unchanged + Publish.failed >= Publish.total,
            )
            .values(status=PublishStatus.COMPLETED, finished_at=utcnow())
        )
        publish = session.get(Publish, publish_id)
        if publish is None:
            return None
        session.refresh(publish)
        completed = flipped.rowcount == 1  # type: ignore[attr-defined]
        payload = publish_payload(publish)
    if completed:
        logger.info("publish %s completed: %s rendered, %s unchanged, %s failed", publish_id,
                    payload["rendered"], payload["unchanged"], payload["failed"],
                    extra={"fields": {"publish_id": publish_id}})  # fmt: skip
        services.events.emit([Event("publish.completed", payload)])
    return publish


def publish_payload(publish: Publish) -> dict[str, object]:
    return {
        "publish_id": publish.id,
        "campaign": publish.campaign.slug,
        "status": publish.status.value,
        "total": publish.total,
        "rendered": publish.rendered,
        "unchanged": publish.unchanged,
        "failed": publish.failed,
        "started_at": publish.started_at.isoformat() if publish.started_at else None,
        "finished_at": publish.finished_at.isoformat() if publish.finished_at else None,
    }


def get_publish(services: Services, publish_id: int) -> Publish | None:
    with services.db.session() as session:
        return session.get(Publish, publish_id)


def retry_failed(services: Services, publish_id: int) -> int:
    """Re-queue the failed assets of a publish; returns how many."""
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        if publish is None:
            raise InvalidInput(f"publish {publish_id} not found")
        failed = session.scalars(
            select(Asset).where(Asset.publish_id == publish_id, Asset.outcome == "failed")
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


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]
