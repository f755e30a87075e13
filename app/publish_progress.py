"""Publish progress: counted from the assets themselves, completion reported once.

Each asset remembers the last publish that processed it and its outcome, so a batch that is
retried, or picked up again after a killed worker, never counts twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update

from app import metrics
from app.assets import asset_row
from app.events import Event
from app.models import Asset, AssetOutcome, AssetStatus, Publish, PublishStatus, utcnow
from app.services import Services

OUTCOMES = tuple(AssetOutcome)
"""Every outcome an asset can have in a publish; an asset with one is accounted for."""

logger = logging.getLogger(__name__)


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
        values = {outcome.value: counts.get(outcome, 0) for outcome in OUTCOMES}
        session.execute(update(Publish).where(Publish.id == publish_id).values(**values))
        # Several workers may finish at once: only the one whose update flips the status reports it.
        flipped = session.execute(
            update(Publish)
            .where(
                Publish.id == publish_id,
                Publish.status != PublishStatus.COMPLETED,
                Publish.done >= Publish.total,
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
    """What subscribers are told when a publish completes."""
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
    """A publish by id, or None."""
    with services.db.session() as session:
        return session.get(Publish, publish_id)


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
                asset = asset_row(session, campaign.id, partner_id, output_id)
                if asset.publish_id == publish_id and asset.outcome in OUTCOMES:
                    continue
                asset.publish_id = publish_id
                asset.outcome = AssetOutcome.FAILED
                asset.error = error
                metrics.count_asset(AssetOutcome.FAILED.value)
                if asset.status != AssetStatus.RENDERED:
                    asset.status = AssetStatus.FAILED  # a previous good version stays downloadable
    refresh_progress(services, publish_id)
