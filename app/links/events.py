"""`link.clicked`: the clicks of each minute sent as one outbound event, for CRM attribution.

When the click recorder writes clicks, a job is scheduled for the end of each minute they fall
in (one job id per minute: scheduling it again changes nothing). The job claims the minute in
click_batches first, so a minute is sent once however many processes scheduled it, and sends
the minute's clicks (people only: no bots, previews, prefetches, HEAD, or demo data).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.events import Event
from app.jobs import JobOptions
from app.models import Campaign, Click, ClickBatch, ClickKind, Partner, ShortLink, utcnow

BATCH_JOB = "workers.link_jobs.send_click_batch"
SETTLE_SECONDS = 5
"""Wait this long after a minute ends: clicks queued in memory are written within a second."""


def minute_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def schedule_click_batches(services: Any, times: Iterable[datetime]) -> None:
    """Schedule the link.clicked job of every minute these clicks fall in."""
    now = utcnow()
    for minute in sorted({minute_of(t) for t in times}):
        delay = max(0.0, (minute + timedelta(seconds=60 + SETTLE_SECONDS) - now).total_seconds())
        services.jobs.enqueue(BATCH_JOB, minute.strftime("%Y-%m-%dT%H:%M"), delay=delay,
                              options=JobOptions(job_id=f"link-clicked-{minute:%Y%m%d%H%M}", timeout=120))  # fmt: skip


def send_click_batch(services: Any, minute: str) -> int:
    """Send one minute's clicks as a link.clicked event (once); returns how many clicks it carried."""
    start = datetime.strptime(minute, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    with services.db.session() as session:
        rows = session.execute(
            select(Click.created_at, ShortLink.code, Campaign.slug, Partner.slug, Click.channel, Click.agent,
                   Click.visitor)
            .join(ShortLink, Click.link_id == ShortLink.id)
            .join(Campaign, Click.campaign_id == Campaign.id)
            .join(Partner, Click.partner_id == Partner.id)
            .where(Click.created_at >= start, Click.created_at < start + timedelta(minutes=1),
                   Click.kind == ClickKind.CLICK, Click.demo.is_(False))
            .order_by(Click.created_at, Click.id)
        ).all()  # fmt: skip
        try:
            with session.begin_nested():
                session.add(ClickBatch(minute=minute, clicks=len(rows)))
        except IntegrityError:
            return 0  # another job sent this minute already
    if not rows:
        return 0
    clicks = [{"at": at.isoformat(), "code": code, "campaign": campaign, "partner": partner, "channel": channel,
               "agent": agent, "visitor": visitor} for at, code, campaign, partner, channel, agent, visitor in rows]  # fmt: skip
    end = start + timedelta(minutes=1)
    services.events.emit([Event("link.clicked", {"from": start.isoformat(), "to": end.isoformat(),
                                                 "count": len(clicks), "clicks": clicks})])  # fmt: skip
    return len(clicks)
