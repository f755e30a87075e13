"""Download analytics: per campaign, per partner type, tier and region over time; who never downloaded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Download, Partner, utcnow

DIMENSIONS = {"type": Partner.type, "tier": Partner.tier, "region": Partner.region}
"""The partner attributes downloads can be broken down by."""


@dataclass
class Series:
    label: str
    points: list[int]
    """One count per day of the report's days."""

    @property
    def total(self) -> int:
        return sum(self.points)


@dataclass
class Report:
    days: list[date]
    total: int
    by_campaign: list[tuple[str, str, int]]
    """(slug, title, downloads), most first."""
    over_time: list[Series]
    never_downloaded: list[Partner]


def _day(value: datetime | date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def downloads_report(
    session: Session, *, days: int = 30, by: str = "type", campaign_id: int | None = None
) -> Report:
    """Downloads over the last `days` days, per campaign and per partner `by` (type, tier or region)."""
    dimension = DIMENSIONS.get(by, Partner.type)
    today = utcnow().date()
    day_list = [today - timedelta(days=days - 1 - i) for i in range(days)]
    since = datetime.combine(day_list[0], datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    scope = [Download.created_at >= since]
    if campaign_id is not None:
        scope.append(Download.campaign_id == campaign_id)

    by_campaign = [
        (slug, title, count)
        for slug, title, count in session.execute(
            select(Campaign.slug, Campaign.title, func.count(Download.id))
            .join(Download, Download.campaign_id == Campaign.id)
            .where(*scope)
            .group_by(Campaign.slug, Campaign.title)
            .order_by(func.count(Download.id).desc(), Campaign.slug)
        )
    ]
    # Group by day in Python: date functions differ between SQLite and PostgreSQL.
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for created_at, value in session.execute(
        select(Download.created_at, dimension).join(Partner, Download.partner_id == Partner.id).where(*scope)
    ):
        counts[getattr(value, "value", str(value))][_day(created_at)] += 1
    over_time = [Series(label, [counts[label][d] for d in day_list]) for label in sorted(counts)]

    downloaded = select(Download.partner_id)
    if campaign_id is not None:
        downloaded = downloaded.where(Download.campaign_id == campaign_id)
    never = list(
        session.scalars(
            select(Partner)
            .where(Partner.deleted_at.is_(None), Partner.active, Partner.id.not_in(downloaded))
            .order_by(Partner.name)
        )
    )
    return Report(day_list, sum(s.total for s in over_time), by_campaign, over_time, never)
