"""Sample data for `make run`: demo logins, the sample landing URL, and demo history (plausible
past downloads and clicks, marked demo=True).

Deterministic (a fixed random seed), so the same sample data always gives the same charts, and
idempotent: it does nothing when demo rows exist. Engagement varies by partner (some never
engage), by channel (QR and e-mail are clicked most) and by day (weekdays busier).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select

from app.auth import users
from app.links.clicks import ClickRecorder
from app.models import Asset, AssetStatus, Click, ClickKind, Download, Partner, ShortLink, UserRole, utcnow
from app.services import Services

DEMO_ADMIN = ("admin@cobrand.example", "demo-admin-password")
"""The demo console login (development only)."""
DEMO_PARTNER = ("partner@summit-it.example", "demo-partner-password")
"""The demo partner-portal login (development only)."""
DEMO_PARTNER_SLUG = "summit-it"
"""The sample partner the demo portal user belongs to (else the first partner)."""

SAMPLE_LANDING_URL = "https://www.northwind.example.com/campaigns/preview"
"""The landing URL of template previews, which have no campaign of their own."""

CLICKS_PER_DOWNLOAD = {"pdf": 1.2, "image": 0.8, "email": 3.0, "social": 2.5, "qr": 2.0}
"""Average clicks on a link of each channel per download of the partner's assets (demo only)."""
AGENTS = ("desktop", "desktop", "mobile", "mobile", "mobile", "tablet")


def seed_demo_history(services: Services, *, days: int = 30, seed: int = 11) -> tuple[int, int]:
    """Seed downloads and clicks over the last `days` days; returns (downloads, clicks) added."""
    rng = random.Random(seed)
    now = utcnow()
    recorder = ClickRecorder(services.db)
    with services.db.session() as session:
        if session.scalar(select(func.count(Download.id)).where(Download.demo)) or session.scalar(
            select(func.count(Click.id)).where(Click.demo)
        ):
            return 0, 0
        assets = session.execute(
            select(Asset.id, Asset.campaign_id, Asset.partner_id)
            .where(Asset.status == AssetStatus.RENDERED)
            .order_by(Asset.id)
        ).all()
        links = session.execute(
            select(ShortLink.id, ShortLink.campaign_id, ShortLink.partner_id, ShortLink.channel).order_by(
                ShortLink.id
            )
        ).all()
        partners = sorted({partner for _, _, partner in assets})
        # A quarter of the partners never engage; the rest are more or less active.
        activity = {p: (0.0 if rng.random() < 0.25 else rng.uniform(0.3, 2.0)) for p in partners}
        downloads: list[dict[str, object]] = []
        per_pair: dict[tuple[int, int], int] = {}
        for asset_id, campaign_id, partner_id in assets:
            for _ in range(_poisson(rng, activity[partner_id])):
                at = _moment(rng, now, days)
                downloads.append({"asset_id": asset_id, "campaign_id": campaign_id, "partner_id": partner_id,
                                  "channel": "portal", "created_at": at, "demo": True})  # fmt: skip
                per_pair[(campaign_id, partner_id)] = per_pair.get((campaign_id, partner_id), 0) + 1
        clicks: list[dict[str, object]] = []
        for link_id, campaign_id, partner_id, channel in links:
            got = per_pair.get((campaign_id, partner_id), 0)
            if not got:
                continue
            for _ in range(_poisson(rng, got * CLICKS_PER_DOWNLOAD.get(channel, 1.0) / 3)):
                at = _moment(rng, now, days)
                bot = rng.random() < 0.12
                clicks.append({
                    "link_id": link_id, "campaign_id": campaign_id, "partner_id": partner_id, "channel": channel,
                    "kind": ClickKind.BOT if bot else ClickKind.CLICK, "agent": "bot" if bot else rng.choice(AGENTS),
                    "visitor": recorder.visitor(f"198.51.100.{rng.randrange(256)}", "demo", at.date()),
                    "demo": True, "created_at": at,
                })  # fmt: skip
        if downloads:
            session.execute(insert(Download), downloads)
        if clicks:
            session.execute(insert(Click), clicks)
    return len(downloads), len(clicks)


def _poisson(rng: random.Random, mean: float) -> int:
    """A small Poisson-distributed count (Knuth's method; means here are below 10)."""
    if mean <= 0:
        return 0
    limit, k, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _moment(rng: random.Random, now: datetime, days: int) -> datetime:
    """A time on one of the last `days` calendar days (today included, as the analytics report counts
    them) and not after `now`; weekdays twice as likely as weekends."""
    while True:
        day = now.date() - timedelta(days=rng.randrange(days))
        at = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), tzinfo=now.tzinfo)
        if at <= now and (at.weekday() < 5 or rng.random() < 0.5):
            return at


def create_demo_users(services: Services) -> str | None:
    """Create (or reset) the demo admin and partner users; returns the demo partner's name, if any."""
    with services.db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == DEMO_PARTNER_SLUG))
        if partner is None:
            partner = session.scalar(
                select(Partner).where(Partner.deleted_at.is_(None)).order_by(Partner.slug)
            )
        logins = [(DEMO_ADMIN, UserRole.ADMIN, None)]
        if partner is not None:
            logins.append((DEMO_PARTNER, UserRole.PARTNER_ADMIN, partner.slug))
        for (email, password), role, slug in logins:
            user = users.find_user(session, email)
            if user is None:
                users.create_user(session, email, role, partner_slug=slug, password=password)
            else:
                users.change_password(user, password)
                user.active = True
        return partner.name if partner else None
