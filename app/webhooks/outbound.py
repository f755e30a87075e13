"""Outbound webhooks: subscriptions, one Delivery per event and subscriber, signed POSTs retried
with exponential backoff for up to 24 hours, every attempt logged.

Outbound webhooks subscribe to the app's events at start-up (app.services); each batch of events
costs one read of the subscriptions and queues one job (fan_out_events) that writes the
deliveries, so emitting never writes. Each delivery attempt is its own job; a failed one
schedules the next with a delay (the job runner's, RQ's scheduler or an in-process timer). An attempt first claims its number in the
database, so a job run twice, by two processes, makes the attempt once. requeue_pending() sweeps
pending deliveries back onto the queue after a restart lost their jobs (workers run it at start
and every maintenance interval; the in-process queue on the app's first request).

Destinations are checked against SSRF: unless WEBHOOK_ALLOW_PRIVATE_TARGETS is true, a URL whose
host resolves to a loopback, private, link-local, multicast, reserved (or otherwise non-global)
address is refused when the subscription is created and again at every attempt, on the very
addresses the connection is then made to (no second lookup, so no DNS-rebinding window).
Redirects are never followed and proxy environment variables are ignored.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from datetime import timedelta
from http.client import HTTPException
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app import metrics
from app.errors import InvalidInput
from app.events import EVENT_TYPES, Event
from app.jobs import JobOptions
from app.models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription, utcnow
from app.webhooks.signing import SIGNATURE_HEADER, sign

if TYPE_CHECKING:  # services wires this module in as a subscriber: no import back at run time
    from app.services import Services

RETRY_BASE_SECONDS = 30.0
"""Wait before the 2nd attempt (WEBHOOK_RETRY_BASE_SECONDS); it doubles after each failure."""

RETRY_MAX_DELAY_SECONDS = 3600.0
"""No wait between two attempts is longer than this."""

RETRY_WINDOW_SECONDS = 24 * 3600.0
"""A delivery is given up when its next attempt would fall this long after the event (WEBHOOK_RETRY_WINDOW_SECONDS)."""

TIMEOUT_SECONDS = 10.0
"""How long one POST may take (WEBHOOK_TIMEOUT_SECONDS)."""

DELIVER_JOB = "workers.webhook_jobs.deliver"
FAN_OUT_JOB = "workers.webhook_jobs.fan_out_events"
SWEEP_JOB = "workers.webhook_jobs.requeue_pending"

logger = logging.getLogger(__name__)


class DestinationRefused(Exception):
    """A webhook URL's host is, or resolves to, an address deliveries may not reach (SSRF guard)."""


def allow_private_targets(config: dict[str, Any]) -> bool:
    """WEBHOOK_ALLOW_PRIVATE_TARGETS: true lets webhooks go to loopback and private addresses."""
    value = config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _forbidden_kind(address: str) -> str | None:
    """Why an IP address is off limits ("loopback", "private" …), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-global"


def resolve_public(host: str, port: int) -> list[tuple[Any, ...]]:
    """getaddrinfo() of host:port, or DestinationRefused if any address it gives is not public.

    A literal IP is checked without any lookup. socket.gaierror (no such host) passes through.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        kind = _forbidden_kind(str(info[4][0]))
        if kind is not None:
            shown = host if host == info[4][0] else f"{host} resolves to {info[4][0]}, which"
            raise DestinationRefused(
                f"{shown} is a {kind} address; webhooks are not sent to loopback, private, link-local, "
                "multicast or reserved addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS is off)"
            )
    return infos


def check_url(url: str, *, allow_private: bool = False) -> str:
    """Accept only absolute http(s) URLs with a host that (unless allow_private) resolves to public addresses."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(f"url: {url!r} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"url: {url!r} must be an absolute http:// or https:// URL")
    if not allow_private:
        try:
            resolve_public(parts.hostname, port)
        except DestinationRefused as exc:
            raise InvalidInput(f"url: {exc}") from None
        except (OSError, UnicodeError):
            raise InvalidInput(f"url: host {parts.hostname!r} does not resolve") from None
    return url.strip()


def create_subscription(
    session: Session, url: str, events: list[str] | None, *, allow_private: bool = False
) -> tuple[Subscription, str]:
    """Register a subscriber; returns it with its signing secret (shown to the caller once)."""
    types = list(dict.fromkeys(events or EVENT_TYPES))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"events: {', '.join(unknown)} not one of {', '.join(EVENT_TYPES)}")
    url = check_url(url, allow_private=allow_private)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = Subscription(url=url, secret=secret, events={"types": types}, active=True)
    session.add(subscription)
    session.flush()
    return subscription, secret


def wants(subscription: Subscription, event_type: str) -> bool:
    return subscription.active and event_type in (subscription.events or {}).get("types", [])


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
    timeout = float(services.config.get("WEBHOOK_TIMEOUT_SECONDS", TIMEOUT_SECONDS))
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
        window = float(services.config.get("WEBHOOK_RETRY_WINDOW_SECONDS", RETRY_WINDOW_SECONDS))
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
    base = float(services.config.get("WEBHOOK_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    return min(base * 2 ** (attempt - 1), RETRY_MAX_DELAY_SECONDS)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer, not a second destination: it counts as a failure


def _connect_public(
    address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT, source_address: Any = None
) -> socket.socket:
    """socket.create_connection(), but only to addresses that resolve_public() accepted."""
    host, port = address
    last: OSError | None = None
    for family, type_, proto, _, sockaddr in resolve_public(host, port):
        sock = socket.socket(family, type_, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)  # the checked address itself: no second lookup
            return sock
        except OSError as exc:
            last = exc
            sock.close()
    raise last or OSError(f"no address to connect to for {host}")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_public  # TLS still checks the certificate against the host name


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


# Both openers ignore proxy settings (the checked address must be the one connected to) and
# follow no redirect.
_public_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirect, _PublicHTTPHandler, _PublicHTTPSHandler
)
_any_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, *, allow_private: bool = False
) -> tuple[int | None, str | None]:
    """POST body; returns (status code or None, error or None). A 2xx answer is success.

    Raises DestinationRefused, before connecting, when the host is not public (unless allow_private).
    """
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = _any_opener if allow_private else _public_opener
    try:
        with opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, DestinationRefused):
            raise exc.reason from None
        return None, f"URLError: {exc.reason}"[:1000]
    except DestinationRefused:
        raise
    except (HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:1000]
    return (status, None) if 200 <= status < 300 else (status, f"HTTP {status}")


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
