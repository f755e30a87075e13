"""Engagement analytics: downloads and clicks per campaign, channel, partner or program dimension,
over time; the funnel published → downloaded → clicked; partners who never engaged; top partners.

Counts are grouped in Python from plain rows, so any partner-program dimension (type, tier,
region, or a custom attribute) works the same on SQLite and PostgreSQL. Click-through is
clicks ÷ downloads. Bots, link previews, prefetches and HEAD requests are never clicks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Asset, AssetStatus, Campaign, Click, ClickKind, Download, Partner, ShortLink, utcnow

PROGRAM_DIMENSIONS = ("type", "tier", "region")
GROUPS = ("campaign", "channel", "partner", *PROGRAM_DIMENSIONS)
"""What a report can be broken down by; also "attribute:<name>" for a program attribute."""


def is_group(by: str) -> bool:
    return by in GROUPS or (by.startswith("attribute:") and len(by) > len("attribute:"))


def asset_channel(output: str, content_type: str | None) -> str:
    """The link channel an asset is used in: pdf, image, email or social."""
    if content_type == "message/rfc822":
        return "email"
    if content_type == "application/json" or output.endswith("-post"):
        return "social"
    return "pdf" if content_type == "application/pdf" else "image"


@dataclass
class Series:
    label: str
    points: list[int]
    """One count per day of the report's days."""

    @property
    def total(self) -> int:
        return sum(self.points)


@dataclass
class Row:
    key: str
    label: str
    published: int = 0
    """Assets rendered."""
    downloads: int = 0
    clicks: int = 0
    bots: int = 0
    """Bots, previews, prefetches and HEAD requests: recorded, never counted as clicks."""
    visitors: set[str] = field(default_factory=set, repr=False)

    @property
    def unique_visitors(self) -> int:
        return len(self.visitors)

    @property
    def click_through(self) -> float | None:
        """Clicks per download (None without downloads)."""
        return round(self.clicks / self.downloads, 3) if self.downloads else None

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "published": self.published, "downloads": self.downloads,
                "clicks": self.clicks, "bots": self.bots, "unique_visitors": self.unique_visitors,
                "click_through": self.click_through}  # fmt: skip


@dataclass
class Report:
    by: str
    days: list[date]
    rows: list[Row]
    """One per group value, most clicks first."""
    total: Row
    downloads_over_time: list[Series]
    clicks_over_time: list[Series]
    funnel: tuple[int, int, int]
    """Partners with published assets, of them with downloads, of them with clicks."""
    never_engaged: list[Partner]
    """Partners with published assets and no download or click in the period."""
    top_partners: list[Row]
    has_demo_data: bool


def _day(value: datetime | date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def click_counts(session: Session, *, code: str | None = None, campaign_id: int | None = None,
                 partner_id: int | None = None, channel: str | None = None) -> dict[str, int]:  # fmt: skip
    """{"clicks", "bots", "previews", "prefetches", "heads", "unique_visitors"} of the matching links."""
    scope = []
    if code is not None:
        scope.append(Click.link_id.in_(select(ShortLink.id).where(ShortLink.code == code)))
    if campaign_id is not None:
        scope.append(Click.campaign_id == campaign_id)
    if partner_id is not None:
        scope.append(Click.partner_id == partner_id)
    if channel is not None:
        scope.append(Click.channel == channel)
    kinds = dict(session.execute(select(Click.kind, func.count()).where(*scope).group_by(Click.kind)).all())
    unique = session.scalar(
        select(func.count(func.distinct(Click.visitor))).where(*scope, Click.kind == ClickKind.CLICK)
    )
    return {
        "clicks": kinds.get(ClickKind.CLICK, 0),
        "bots": sum(n for kind, n in kinds.items() if kind != ClickKind.CLICK),
        "crawlers": kinds.get(ClickKind.BOT, 0),
        "previews": kinds.get(ClickKind.PREVIEW, 0),
        "prefetches": kinds.get(ClickKind.PREFETCH, 0),
        "heads": kinds.get(ClickKind.HEAD, 0),
        "unique_visitors": int(unique or 0),
    }


def engagement_report(session: Session, *, by: str = "tier", days: int = 30, campaign_id: int | None = None,
                      label: Callable[[str, str], str] = lambda _d, v: v) -> Report:  # fmt: skip
    """Published, downloads and clicks over the last `days` days, broken down `by` a group."""
    today = utcnow().date()
    day_list = [today - timedelta(days=days - 1 - i) for i in range(days)]
    since = datetime.combine(day_list[0], datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    partners = {p.id: p for p in session.scalars(select(Partner).where(Partner.deleted_at.is_(None)))}
    campaigns = dict(session.execute(select(Campaign.id, Campaign.slug)).all())
    titles = dict(session.execute(select(Campaign.slug, Campaign.title)).all())

    def key_of(campaign: int, partner: int, channel: str) -> str | None:
        p = partners.get(partner)
        if p is None:
            return None
        if by == "campaign":
            return campaigns.get(campaign)
        if by == "channel":
            return channel
        if by == "partner":
            return p.slug
        if by.startswith("attribute:"):
            value = (p.attributes or {}).get(by.split(":", 1)[1])
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value or "—")
        return str(getattr(p, by))

    def name_of(key: str) -> str:
        if by == "campaign":
            return titles.get(key) or key
        if by == "partner":
            return next((p.name for p in partners.values() if p.slug == key), key)
        return label(by, key) if by in PROGRAM_DIMENSIONS else key

    rows: dict[str, Row] = {}
    total = Row("all", "All")
    per_partner: dict[int, Row] = {}
    downloads_daily: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    clicks_daily: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))

    def rows_for(campaign: int, partner: int, channel: str) -> list[Row]:
        key = key_of(campaign, partner, channel)
        if key is None:
            return []
        row = rows.setdefault(key, Row(key, name_of(key)))
        mine = per_partner.setdefault(partner, Row(partners[partner].slug, partners[partner].name))
        return [row, total, mine]

    assets = select(Asset.campaign_id, Asset.partner_id, Asset.output, Asset.content_type).where(
        Asset.status == AssetStatus.RENDERED
    )
    downloads = (
        select(
            Download.campaign_id, Download.partner_id, Asset.output, Asset.content_type, Download.created_at
        )
        .join(Asset, Download.asset_id == Asset.id)
        .where(Download.created_at >= since)
    )
    clicks = select(Click.campaign_id, Click.partner_id, Click.channel, Click.kind, Click.visitor,
                    Click.created_at).where(Click.created_at >= since)  # fmt: skip
    if campaign_id is not None:
        assets = assets.where(Asset.campaign_id == campaign_id)
        downloads = downloads.where(Download.campaign_id == campaign_id)
        clicks = clicks.where(Click.campaign_id == campaign_id)
    published_partners: set[int] = set()
    for campaign, partner, output, content_type in session.execute(assets):
        for row in rows_for(campaign, partner, asset_channel(output, content_type)):
            row.published += 1
            published_partners.add(partner)
    downloaded: set[int] = set()
    for campaign, partner, output, content_type, at in session.execute(downloads):
        for row in rows_for(campaign, partner, asset_channel(output, content_type)):
            row.downloads += 1
        key = key_of(campaign, partner, asset_channel(output, content_type))
        if key is not None:
            downloads_daily[key][_day(at)] += 1
            downloaded.add(partner)
    clicked: set[int] = set()
    for campaign, partner, channel, kind, visitor, at in session.execute(clicks):
        for row in rows_for(campaign, partner, channel):
            if kind == ClickKind.CLICK:
                row.clicks += 1
                row.visitors.add(visitor)
            else:
                row.bots += 1
        key = key_of(campaign, partner, channel)
        if key is not None and kind == ClickKind.CLICK:
            clicks_daily[key][_day(at)] += 1
            clicked.add(partner)

    def series(daily: dict[str, dict[date, int]]) -> list[Series]:
        return [Series(name_of(k), [daily[k][d] for d in day_list]) for k in sorted(daily)]

    never = sorted((partners[p] for p in published_partners - downloaded - clicked), key=lambda p: p.name)
    demo = bool(session.scalar(select(func.count(Click.id)).where(Click.demo)))
    demo = demo or bool(session.scalar(select(func.count(Download.id)).where(Download.demo)))
    return Report(
        by=by,
        days=day_list,
        rows=sorted(rows.values(), key=lambda r: (-r.clicks, -r.downloads, r.label)),
        total=total,
        downloads_over_time=series(downloads_daily),
        clicks_over_time=series(clicks_daily),
        funnel=(
            len(published_partners),
            len(published_partners & downloaded),
            len(published_partners & downloaded & clicked),
        ),  # fmt: skip
        never_engaged=never,
        top_partners=sorted(
            (r for r in per_partner.values() if r.clicks or r.downloads),
            key=lambda r: (-r.clicks, -r.downloads, r.label),
        )[:10],  # fmt: skip
        has_demo_data=demo,
    )


CSV_COLUMNS = ("key", "label", "published", "downloads", "clicks", "bots", "unique_visitors", "click_through")


def report_csv_rows(report: Report) -> list[list[Any]]:
    """The report's rows (and the total) as CSV rows under CSV_COLUMNS."""
    return [[row.as_json()[c] if row.as_json()[c] is not None else "" for c in CSV_COLUMNS]
            for row in [*report.rows, report.total]]  # fmt: skip
