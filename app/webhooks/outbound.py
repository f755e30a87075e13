"""Outbound webhooks: subscriptions, one Delivery per event and subscriber, signed POSTs retried
with exponential backoff for up to 24 hours, every attempt logged.

Publishing emits events inside its own database transaction, so emitting only queues a job
(fan_out_event) that writes the deliveries later: on SQLite a second writer would wait for the
first. Each delivery attempt is its own job; a failed one schedules the next (RQ's enqueue_in,
or a due-time thread for the in-process queue).
"""

from __future__ import annotations

import heapq
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
import weakref
from datetime import timedelta
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.events import EVENT_TYPES
from app.models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription, utcnow
from app.queue import JobOptions
from app.services import Services
from app.webhooks.signing import SIGNATURE_HEADER, sign

RETRY_BASE_SECONDS = 30.0
"""Wait before the 2nd attempt (WEBHOOK_RETRY_BASE_SECONDS); it doubles after each failure."""

RETRY_MAX_DELAY_SECONDS = 3600.0
"""No wait between two attempts is longer than this."""

RETRY_WINDOW_SECONDS = 24 * 3600.0
"""A delivery is given up when its next attempt would fall this long after the event (WEBHOOK_RETRY_WINDOW_SECONDS)."""

TIMEOUT_SECONDS = 10.0
"""How long one POST may take (WEBHOOK_TIMEOUT_SECONDS)."""

DELIVER_JOB = "workers.webhook_jobs.deliver"
FAN_OUT_JOB = "workers.webhook_jobs.fan_out_event"


def check_url(url: str) -> str:
    """Accept only absolute http(s) URLs with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"url: {url!r} must be an absolute http:// or https:// URL")
    return url.strip()


def create_subscription(session: Session, url: str, events: list[str] | None) -> tuple[Subscription, str]:
    """Register a subscriber; returns it with its signing secret (shown to the caller once)."""
    types = list(dict.fromkeys(events or EVENT_TYPES))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"events: {', '.join(unknown)} not one of {', '.join(EVENT_TYPES)}")
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = Subscription(url=check_url(url), secret=secret, events={"types": types}, active=True)
    session.add(subscription)
    session.flush()
    return subscription, secret


def wants(subscription: Subscription, event_type: str) -> bool:
    return subscription.active and event_type in (subscription.events or {}).get("types", [])


def queue_event(services: Services, event_type: str, payload: dict[str, Any]) -> None:
    """Queue the fan-out of one event if any active subscription wants it (a read, never a write)."""
    with services.db.session() as session:
        subscriptions = session.scalars(select(Subscription).where(Subscription.active)).all()
        if not any(wants(s, event_type) for s in subscriptions):
            return
    event_id = f"evt_{uuid.uuid4().hex}"
    services.queue.enqueue(
        FAN_OUT_JOB, event_id, event_type, payload, utcnow().isoformat(),
        options=JobOptions(job_id=f"webhook-fan-out-{event_id}", timeout=60),
    )  # fmt: skip


def fan_out_event(
    services: Services, event_id: str, event_type: str, data: dict[str, Any], occurred_at: str
) -> None:
    """Create one delivery per subscriber of the event and queue its first attempt."""
    body = {"id": event_id, "type": event_type, "created_at": occurred_at, "data": data}
    with services.db.session() as session:
        subscriptions = [s for s in session.scalars(select(Subscription)).all() if wants(s, event_type)]
        done = set(session.scalars(select(Delivery.subscription_id).where(Delivery.event_id == event_id)))
        created = []
        for subscription in subscriptions:
            if subscription.id in done:
                continue  # this job ran before (a retry): the delivery exists
            delivery = Delivery(subscription_id=subscription.id, event_id=event_id, event_type=event_type,
                                payload=body, status=DeliveryStatus.PENDING, next_attempt_at=utcnow())  # fmt: skip
            session.add(delivery)
            created.append(delivery)
        session.flush()
        ids = [d.id for d in created]
    for delivery_id in ids:
        schedule_attempt(services, delivery_id, 1, 0)


def deliver(services: Services, delivery_id: int, attempt: int) -> None:
    """Make attempt number `attempt` of a delivery, log it, and schedule the next one if it failed."""
    with services.db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.PENDING or delivery.attempts >= attempt:
            return  # delivered, given up, or this attempt already made (a job run twice)
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
    status_code, error = post(
        url, body, headers, float(services.config.get("WEBHOOK_TIMEOUT_SECONDS", TIMEOUT_SECONDS))
    )
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
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            return
        created = created_at if created_at.tzinfo else created_at.replace(tzinfo=now.tzinfo)
        window = float(services.config.get("WEBHOOK_RETRY_WINDOW_SECONDS", RETRY_WINDOW_SECONDS))
        if now + timedelta(seconds=delay) > created + timedelta(seconds=window):
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            return
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    schedule_attempt(services, delivery_id, attempt + 1, delay)


def retry_delay(services: Services, attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt`: base, 2×base, 4×base … capped at an hour."""
    base = float(services.config.get("WEBHOOK_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    return min(base * 2 ** (attempt - 1), RETRY_MAX_DELAY_SECONDS)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer, not a second destination: it counts as a failure


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """POST body; returns (status code or None, error or None). A 2xx answer is success."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:1000]
    return (status, None) if 200 <= status < 300 else (status, f"HTTP {status}")


def schedule_attempt(services: Services, delivery_id: int, attempt: int, delay: float) -> None:
    """Queue attempt number `attempt` of a delivery to run after delay seconds."""
    options = JobOptions(job_id=f"webhook-delivery-{delivery_id}-{attempt}", timeout=120, retries=0)
    queue: Any = services.queue
    if delay <= 0:
        queue.enqueue(DELIVER_JOB, delivery_id, attempt, options=options)
    elif getattr(queue, "is_inline", False):
        _due_timer(queue).add(
            delay, lambda: queue.enqueue(DELIVER_JOB, delivery_id, attempt, options=options)
        )
    else:
        # RQQueue: RQ's scheduler (run by our workers) moves the job to the queue when it is due.
        queue.queue.enqueue_in(
            timedelta(seconds=delay), DELIVER_JOB, delivery_id, attempt,
            job_id=options.job_id, job_timeout=options.timeout, result_ttl=options.result_ttl,
            failure_ttl=options.failure_ttl,
        )  # fmt: skip


class _DueTimer:
    """One daemon thread per in-process queue running callbacks when they are due."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Any]] = []
        self._counter = 0
        self._cond = threading.Condition()
        threading.Thread(target=self._run, name="cobrand-webhook-retries", daemon=True).start()

    def add(self, delay: float, callback: Any) -> None:
        with self._cond:
            self._counter += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, self._counter, callback))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                _, _, callback = heapq.heappop(self._heap)
            callback()


_timers: weakref.WeakKeyDictionary[Any, _DueTimer] = weakref.WeakKeyDictionary()
_timers_lock = threading.Lock()


def _due_timer(queue: Any) -> _DueTimer:
    with _timers_lock:
        timer = _timers.get(queue)
        if timer is None:
            timer = _timers[queue] = _DueTimer()
        return timer
