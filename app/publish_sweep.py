"""The database is the record of a publish: a sweep queues again the batches whose jobs vanished.

Redis may lose its data (a restart without persistence, a failover): the jobs of a running publish
are then gone while the publish stays "running" in the database. Workers run this sweep at start and
every WORKER_MAINTENANCE_INTERVAL seconds: for each publish running longer than PUBLISH_SWEEP_GRACE
seconds with no job of its own in flight, the partners not yet accounted for (no outcome for one of
their outputs in this publish) are queued again in batches. Rendering skips what is already stored
(fingerprints), so nothing is stored twice; progress is counted from the assets, so nothing is lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from app.audience import eligible_partners
from app.errors import CobrandError
from app.models import Asset, Campaign, Publish, PublishStatus, utcnow
from app.publish_jobs import enqueue_batch
from app.publish_progress import OUTCOMES, refresh_progress
from app.services import Services

logger = logging.getLogger(__name__)


def requeue_lost_batches(services: Services) -> int:
    """Queue again the unfinished partners of running publishes whose jobs are gone; how many batches."""
    grace = services.config.PUBLISH_SWEEP_GRACE
    size = max(1, services.config.PUBLISH_BATCH_SIZE)
    queued = 0
    with services.db.session() as session:
        running = session.scalars(
            select(Publish).where(
                Publish.status == PublishStatus.RUNNING,
                Publish.started_at <= utcnow() - timedelta(seconds=grace),
            )
        ).all()
        for publish in running:
            if services.jobs.has_in_flight(f"publish-{publish.id}-"):
                continue
            missing = _unfinished_partners(services, session, publish)
            if missing is None:
                continue
            if not missing:
                refresh_progress(services, publish.id)
                continue
            logger.warning(
                "publish %s: no job in flight; queueing %d partners again", publish.id, len(missing)
            )
            for start in range(0, len(missing), size):
                enqueue_batch(services, publish.id, missing[start : start + size], None)
                queued += 1
    return queued


def _unfinished_partners(services: Services, session: object, publish: Publish) -> list[int] | None:
    """Ids of the eligible partners with an output not yet done in this publish (None: cannot tell)."""
    campaign = session.get(Campaign, publish.campaign_id)  # type: ignore[attr-defined]
    try:
        template = services.content.template(campaign.template_slug)
        program = services.content.program()
    except CobrandError as exc:
        logger.warning("publish %s: not swept (%s)", publish.id, exc)
        return None
    partners = eligible_partners(session, campaign, template, program)  # type: ignore[arg-type]
    outputs = template.output_ids()
    if publish.total != len(partners) * len(outputs):
        return None  # a publish narrowed to some partners or outputs: its own trigger repeats it
    done = set(
        session.execute(  # type: ignore[attr-defined]
            select(Asset.partner_id, Asset.output).where(
                Asset.publish_id == publish.id, Asset.outcome.in_(OUTCOMES)
            )
        ).all()
    )
    return [p.id for p in partners if any((p.id, output) not in done for output in outputs)]
