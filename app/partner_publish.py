"""One partner's change (a webhook, a profile or field edit): its assets re-rendered by one job.

Each affected campaign still gets its own (narrowed) publish record, so progress and history read
as before; the work of all of them is one job, `workers.jobs.render_partner`, which renders the
partner's batch of each publish in turn in one process: one hop through the queue, one forked
child, and each campaign's masters read from storage once.

A job that changed the partner itself (an inbound webhook's event job) renders the work in place
instead (`publish_partner_assets_here`): no second hop, no second child. The render job is then
scheduled first, as a safety net, due after the job timeout: if this process dies mid-render it
runs the rest (what is done is skipped); after the render it is dropped, and an error queues it
at once with its retries and failure handler.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from app import batches
from app.errors import CobrandError
from app.jobs import JobOptions
from app.models import PublishTrigger
from app.publish_jobs import enqueue_plan, job_policy
from app.publishing import plan_publish
from app.services import Services

logger = logging.getLogger(__name__)

Work = list[tuple[int, list[int], list[str] | None]]
"""(publish id, partner ids, output ids or None for every output) for each publish of the job."""

SAFETY_NET_GRACE = 60
"""Seconds past the job timeout before the safety net of a render done in place is due."""


def publish_partner_assets(
    services: Services, partner_id: int, campaign_slugs: Iterable[str], *, trigger: PublishTrigger
) -> tuple[list[int], list[tuple[str, CobrandError]]]:
    """Publish one partner in each campaign and queue the work as one job; (publish ids, errors by campaign)."""
    publish_ids, work, errors = plan_partner_work(services, partner_id, campaign_slugs, trigger=trigger)
    if work:
        enqueue_partner_work(services, partner_id, work)
    return publish_ids, errors


def publish_partner_assets_here(
    services: Services, partner_id: int, campaign_slugs: Iterable[str], *, trigger: PublishTrigger
) -> tuple[list[int], list[tuple[str, CobrandError]]]:
    """Publish one partner in each campaign and render the work in this process (a job's)."""
    publish_ids, work, errors = plan_partner_work(services, partner_id, campaign_slugs, trigger=trigger)
    if not work:
        return publish_ids, errors
    net = services.jobs.is_durable  # in-process jobs die with the process: no net can outlive it
    if net:
        enqueue_partner_work(services, partner_id, work, delay=services.config.JOB_TIMEOUT + SAFETY_NET_GRACE)
    try:
        render_partner_work(services, work)
    except Exception:  # ok: the render job, queued now, tries again and records a last failure
        logger.exception("partner %s: rendering in place failed; queued as its own job", partner_id)
        if net:
            services.jobs.cancel_scheduled(partner_job_id(partner_id, work))
        enqueue_partner_work(services, partner_id, work)
        return publish_ids, errors
    if net:
        services.jobs.cancel_scheduled(partner_job_id(partner_id, work))
    return publish_ids, errors


def plan_partner_work(
    services: Services, partner_id: int, campaign_slugs: Iterable[str], *, trigger: PublishTrigger
) -> tuple[list[int], Work, list[tuple[str, CobrandError]]]:
    """Plan a publish of one partner per campaign; (publish ids, its work, errors by campaign).

    A plan of more than one batch (not one partner's) is queued the ordinary way at once.
    """
    publish_ids: list[int] = []
    errors: list[tuple[str, CobrandError]] = []
    work: Work = []
    for slug in campaign_slugs:
        try:
            plan = plan_publish(services, slug, trigger=trigger, partner_ids=[partner_id])
        except CobrandError as exc:
            errors.append((slug, exc))
            continue
        publish_ids.append(plan.publish_id)
        if len(plan.batches) > 1:  # not one partner's: the ordinary way
            enqueue_plan(services, plan)
        else:
            work += [(plan.publish_id, batch, plan.output_ids) for batch in plan.batches]
    return publish_ids, work, errors


def render_partner_work(services: Services, work: Work) -> dict[str, int]:
    """Render a partner's batch of each publish in turn; the renderer's counters, summed."""
    totals: dict[str, int] = {}
    for publish_id, partner_ids, output_ids in work:
        counters = batches.render_batch(services, publish_id, partner_ids, output_ids)
        for name, value in counters.items():
            totals[name] = totals.get(name, 0) + value
    return totals


def partner_job_id(partner_id: int, work: Work) -> str:
    """The render job's deterministic id: the same work twice in flight runs once."""
    return f"partner-{partner_id}-{hashlib.sha256(repr(work).encode()).hexdigest()[:12]}"


def enqueue_partner_work(services: Services, partner_id: int, work: Work, *, delay: float = 0.0) -> None:
    """Queue one job for a partner's batches of several publishes (at least delay seconds from now)."""
    services.jobs.enqueue(
        "workers.jobs.render_partner",
        partner_id,
        work,
        options=JobOptions(
            job_id=partner_job_id(partner_id, work),
            on_failure="workers.jobs.render_partner_failed",
            **job_policy(services.config),
            meta={"log": {"partner_id": partner_id, "publish_ids": [w[0] for w in work]}},
        ),
        delay=delay,
    )
