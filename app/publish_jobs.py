"""Publish jobs: queue a planned publish's work, one job that lays its masters out, then its batches.

Each job has a deterministic id, so the same batch twice in flight runs once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from app.config import Settings
from app.errors import InvalidInput
from app.jobs import JobOptions
from app.locales import partner_locale
from app.masters import StorageMasterStore
from app.models import Partner, Publish
from app.render_inputs import campaign_input
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate
from app.services import Services

if TYPE_CHECKING:
    from app.publishing import PublishPlan


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
        partners = session.scalars(partners_query(partner_ids)).all()
        locales = {p.id: partner_locale(template, campaign, p) for p in partners}
        inputs = {locale: campaign_input(campaign, locale=locale) for locale in sorted(set(locales.values()))}
        return kit, template, {partner_id: inputs[locale] for partner_id, locale in locales.items()}


def partners_query(partner_ids: list[int]) -> Select[Any]:
    """These partners in id order: the batch's statement too, so a warm parent that reads a batch's
    masters has compiled it for the batch's child (SQLAlchemy caches compiled SQL per process)."""
    return select(Partner).where(Partner.id.in_(partner_ids)).order_by(Partner.id)


def job_policy(config: Settings) -> dict[str, Any]:
    """A publish's job timeout and retries, fixed by whoever plans it (jobs a worker queues keep them)."""
    return {
        "timeout": config.JOB_TIMEOUT,
        "retries": config.JOB_RETRIES,
        "retry_intervals": tuple(config.JOB_RETRY_INTERVALS),
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
