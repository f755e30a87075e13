"""Webhook delivery: one Delivery per event and subscriber, signed POSTs retried with
exponential backoff for up to 24 hours, every attempt logged.

Outbound webhooks subscribe to the app's events at start-up (app.services); each batch of events
costs one read of the subscriptions and queues one job (fan_out_events) that writes the
deliveries, so emitting never writes. Each delivery attempt is its own job; a failed one
schedules the next with a delay (the job runner's, RQ's scheduler or an in-process timer). An
attempt first claims its number in the database, so a job run twice, by two processes, makes the
attempt once. requeue_pending() sweeps pending deliveries back onto the queue after a restart lost
their jobs (workers run it at start and every maintenance interval; the in-process queue on the
app's first request). Every attempt goes through the SSRF guard of app.safe_http, on the very
addresses the connection is then made to.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update

from app import metrics
from app.events import Event
from app.jobs import JobOptions
from app.models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription, utcnow
from app.safe_http import DestinationRefused, post
from app.webhooks.signing import SIGNATURE_HEADER, sign
from app.webhooks.subscriptions import allow_private_targets, wants

if TYPE_CHECKING:  # services wires this module in as a subscriber: no import back at run time
    from app.services import Services

RETRY_MAX_DELAY_SECONDS = 3600.0
"""No wait between two attempts is longer than this."""

DELIVER_JOB = "workers.webhook_jobs.deliver"
FAN_OUT_JOB = "workers.webhook_jobs.fan_out_events"
SWEEP_JOB = "workers.webhook_jobs.requeue_pending"

logger = logging.getLogger(__name__)


def queue_events(services: Services, events: Sequence[Event]) -> None:
    """Queue one fan-out job for the events any active subscription wants (a read, never a write)."""
    with services.db.session() as session:
        subscriptions = session.scalars(select(Subscription).where(Subscription.active)).all()
    wanted = [e for e in events if any(wants(s, e.type) for s in subscriptions)]
    if not wanted:
        return
    occurred_at = utcnow().isoformat()
    batch = [[f"evt_{uuid.uuid4().hex}", e.type, e.payload, occurred_at] for e in wanted]
    services.jobs.enqueue(
        FAN_OUT_JOB, batch, options=JobOptions(job_id=f"webhook-fan-out-{batch[0][0]}", timeout=300)
    )


def fan_out_events(services: Services, batch: Sequence[Sequence[Any]]) -> None:
    """Create one delivery per subscriber of each [event_id, type, data, occurred_at] and queue its first attempt."""
    with services.db.session() as session:
        subscriptions = session.scalars(select(Subscription)).all()
        event_ids = [event_id for event_id, *_ in batch]
        done = {
            (event_id, subscription_id)
            for event_id, subscription_id in session.execute(
                select(Delivery.event_id, Delivery.subscription_id).where(Delivery.event_id.in_(event_ids))
            )
        }
        created = []
        for event_id, event_type, data, occurred_at in batch:
            body = {"id": event_id, "type": event_type, "created_at": occurred_at, "data": data}
            for subscription in subscriptions:
                if not wants(subscription, event_type) or (event_id, subscription.id) in done:
                    continue  # not wanted, or this job ran before (a retry): the delivery exists
                delivery = Delivery(subscription_id=subscription.id, event_id=event_id, event_type=event_type,
                                    payload=body, status=DeliveryStatus.PENDING, next_attempt_at=utcnow())  # fmt: skip
                session.add(delivery)
                created.append(delivery)
        session.flush()
        ids = [d.id for d in created]
    for delivery_id in ids:
        schedule_attempt(services, delivery_id, 1, 0)


def fan_out_event(
    services: Services, event_id: str, event_type: str, data: dict[str, Any], occurred_at: str
) -> None:
    """One event's fan-out (jobs queued before fan-outs were batched)."""
    fan_out_events(services, [[event_id, event_type, data, occurred_at]])


def deliver(services: Services, delivery_id: int, attempt: int) -> None:
    """Make attempt number `attempt` of a delivery, log it, and schedule the next one if it failed."""
    timeout = services.config.WEBHOOK_TIMEOUT_SECONDS
    with services.db.session() as session:
        # Claim this attempt: only one job (of any process) moves attempts from attempt-1 to attempt.
        # Until it is logged, next_attempt_at is a lease: if this process dies mid-POST, the sweep
        # (requeue_pending) finds the delivery due again after it and makes the next attempt.
        claimed = session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING,
                   Delivery.attempts == attempt - 1)
            .values(attempts=attempt, next_attempt_at=utcnow() + timedelta(seconds=timeout + 60))
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
        if claimed != 1:
            return  # delivered, given up, or this attempt already made (a job run twice)
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        subscription = session.get(Subscription, delivery.subscription_id)
        if subscription is None or not subscription.active:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            return
        url, secret, payload = subscription.url, subscription.secret, delivery.payload
        created_at = delivery.created_at
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Cobrand-Webhooks/1",
        SIGNATURE_HEADER: sign(secret, body),
        "Cobrand-Event": str(payload.get("type", "")),
        "Cobrand-Delivery": str(delivery_id),
    }
    refused = False
    try:
        status_code, error = post(
            url, body, headers, timeout, allow_private=allow_private_targets(services.config)
        )
    except DestinationRefused as exc:
        status_code, error, refused = None, f"refused: {exc}", True
    delay = retry_delay(services, attempt)
    with services.db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return
        now = utcnow()
        session.add(
            DeliveryAttempt(delivery_id=delivery_id, attempted_at=now, status_code=status_code, error=error)
        )
        delivery.attempts = attempt
        if error is None:
            metrics.count_webhook_delivery("delivered")
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            return
        if refused:  # a policy refusal, not a failure of the receiver: trying again changes nothing
            metrics.count_webhook_delivery("refused")
            logger.warning("webhook delivery %s to %s %s", delivery_id, url, error)
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            return
        created = created_at if created_at.tzinfo else created_at.replace(tzinfo=now.tzinfo)
        window = services.config.WEBHOOK_RETRY_WINDOW_SECONDS
        if now + timedelta(seconds=delay) > created + timedelta(seconds=window):
            metrics.count_webhook_delivery("failed")
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            return
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        metrics.count_webhook_delivery("retrying")
    schedule_attempt(services, delivery_id, attempt + 1, delay)


def retry_delay(services: Services, attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt`: base, 2×base, 4×base … capped at an hour."""
    base = services.config.WEBHOOK_RETRY_BASE_SECONDS
    return min(base * 2 ** (attempt - 1), RETRY_MAX_DELAY_SECONDS)


def requeue_pending(services: Services, *, include_future: bool = False, limit: int = 1000) -> int:
    """Queue the next attempt of every pending delivery that is due (all of them with include_future:
    the later ones after their delay); returns how many. Jobs lost in a restart are found again here;
    a delivery whose attempt is already queued or running is not attempted twice (job ids, claims)."""
    now = utcnow()
    with services.db.session() as session:
        stmt = select(Delivery.id, Delivery.attempts, Delivery.next_attempt_at).where(
            Delivery.status == DeliveryStatus.PENDING
        )
        if not include_future:
            stmt = stmt.where(or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
        rows = session.execute(stmt.order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)).all()
    for delivery_id, attempts, next_attempt_at in rows:
        delay = 0.0
        if next_attempt_at is not None:
            due = next_attempt_at if next_attempt_at.tzinfo else next_attempt_at.replace(tzinfo=now.tzinfo)
            delay = max((due - now).total_seconds(), 0.0)
        schedule_attempt(services, delivery_id, attempts + 1, delay)
    if rows:
        logger.info("webhook sweep: queued %d pending deliveries", len(rows))
    return len(rows)


def schedule_attempt(services: Services, delivery_id: int, attempt: int, delay: float) -> None:
    """Queue attempt number `attempt` of a delivery to run after delay seconds."""
    options = JobOptions(job_id=f"webhook-delivery-{delivery_id}-{attempt}", timeout=120, retries=0)
    services.jobs.enqueue(DELIVER_JOB, delivery_id, attempt, options=options, delay=delay)
