"""One partner's change (a webhook, a profile or field edit): its assets re-rendered by one job.

Each affected campaign still gets its own (narrowed) publish record, so progress and history read
as before; the work of all of them is one job, `workers.jobs.render_partner`, which renders the
partner's batch of each publish in turn in one process: one hop through the queue, one forked
child, and each campaign's masters read from storage once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from app.errors import CobrandError
from app.jobs import JobOptions
from app.models import PublishTrigger
from app.publish_jobs import enqueue_plan, job_policy
from app.publishing import plan_publish
from app.services import Services

Work = list[tuple[int, list[int], list[str] | None]]
"""(publish id, partner ids, output ids or None for every output) for each publish of the job."""


def publish_partner_assets(
    services: Services, partner_id: int, campaign_slugs: Iterable[str], *, trigger: PublishTrigger
) -> tuple[list[int], list[tuple[str, CobrandError]]]:
    """Publish one partner in each campaign and queue the work as one job; (publish ids, errors by campaign)."""
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
    if work:
        enqueue_partner_work(services, partner_id, work)
    return publish_ids, errors


def enqueue_partner_work(services: Services, partner_id: int, work: Work) -> None:
    """Queue one job for a partner's batches of several publishes (deterministic id: once in flight)."""
    digest = hashlib.sha256(repr(work).encode()).hexdigest()[:12]
    services.jobs.enqueue(
        "workers.jobs.render_partner",
        partner_id,
        work,
        options=JobOptions(
            job_id=f"partner-{partner_id}-{digest}",
            on_failure="workers.jobs.render_partner_failed",
            **job_policy(services.config),
            meta={"log": {"partner_id": partner_id, "publish_ids": [w[0] for w in work]}},
        ),
    )
