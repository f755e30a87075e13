"""Tracked short links: one per partner, campaign and channel, `<PUBLIC_BASE_URL>/r/<code>`.

A code is random (10 symbols of 62: unguessable, not derived from anything), made once and
never changed, so re-publishing keeps every printed link and QR code, and every fingerprint.
The link's target is worked out when it is followed, from the campaign and partner as they are
then: a new landing URL applies to links already printed.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Campaign, CampaignStatus, Partner, ShortLink
from app.rendering.links import tracked_url
from app.rendering.model import CampaignInput, PartnerInput

CHANNELS = ("pdf", "image", "email", "social", "qr")
"""Where a partner uses a link: printed on a PDF or an image, in an e-mail, in a social post, in a QR code."""
CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10
"""62^10 ≈ 8·10^17 codes: guessing a live one is hopeless even with millions of links."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def is_code(value: str) -> bool:
    return 1 <= len(value) <= 32 and all(c in CODE_ALPHABET for c in value)


def short_url(config: Settings, code: str) -> str:
    return f"{config.PUBLIC_BASE_URL}/r/{code}"


def ensure_links(session: Session, campaign_id: int, partner_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Every channel's code for each partner of a campaign, made where missing: {partner_id: {channel: code}}."""
    wanted = sorted(set(partner_ids))
    for _attempt in range(5):
        codes = _codes(session, campaign_id, wanted)
        missing = [(p, c) for p in wanted for c in CHANNELS if c not in codes.get(p, {})]
        if not missing:
            return codes
        try:
            with session.begin_nested():  # a concurrent publish (or a code collision) rolls back only this
                session.add_all(
                    ShortLink(code=new_code(), campaign_id=campaign_id, partner_id=p, channel=c)
                    for p, c in missing
                )
        except IntegrityError:
            continue  # someone else made some of them first, or a code collided: read and try again
    raise RuntimeError(f"could not make short links for campaign {campaign_id}")


def _codes(session: Session, campaign_id: int, partner_ids: list[int]) -> dict[int, dict[str, str]]:
    codes: dict[int, dict[str, str]] = {}
    for start in range(0, len(partner_ids), 500):
        rows = session.execute(
            select(ShortLink.partner_id, ShortLink.channel, ShortLink.code).where(
                ShortLink.campaign_id == campaign_id,
                ShortLink.partner_id.in_(partner_ids[start : start + 500]),
            )
        )
        for partner_id, channel, code in rows:
            codes.setdefault(partner_id, {})[channel] = code
    return codes


def link_urls(config: Settings, codes: dict[str, str]) -> dict[str, str]:
    """A partner's codes as the short URLs the renderer prints: {channel: url}."""
    return {channel: short_url(config, code) for channel, code in sorted(codes.items())}


def landing_url(partner: Partner, campaign: Campaign, channel: str) -> str:
    """Where a short link leads: the campaign landing URL with the partner's UTM parameters."""
    return tracked_url(
        PartnerInput(slug=partner.slug, name=partner.name, type=str(getattr(partner.type, "value", partner.type)),
                     tier="", region="", website=partner.website),
        CampaignInput(slug=campaign.slug, landing_url=campaign.landing_url),
        channel,
    )  # fmt: skip


@dataclass(frozen=True)
class Target:
    link_id: int
    campaign_id: int
    partner_id: int
    channel: str
    url: str | None
    """None once the campaign is archived (or leads nowhere): the fallback page instead."""


class LinkResolver:
    """Code → target, cached for `ttl` seconds so a redirect rarely touches the database."""

    def __init__(self, db: Any, *, ttl: float, max_entries: int = 20_000) -> None:
        self.db, self.ttl, self.max_entries = db, ttl, max_entries
        self._cache: dict[str, tuple[float, Target | None]] = {}
        self._lock = threading.Lock()

    def resolve(self, code: str) -> Target | None:
        """The target of a code, or None for a code that does not exist."""
        now = time.monotonic()
        hit = self._cache.get(code)
        if hit is not None and hit[0] > now:
            return hit[1]
        target = self._load(code)
        with self._lock:
            if len(self._cache) >= self.max_entries:
                self._cache.clear()  # cheap bound: refilled from the database on the next requests
            if self.ttl > 0:
                self._cache[code] = (now + self.ttl, target)
        return target

    def _load(self, code: str) -> Target | None:
        with self.db.session() as session:
            row = session.execute(
                select(ShortLink, Campaign, Partner)
                .join(Campaign, ShortLink.campaign_id == Campaign.id)
                .join(Partner, ShortLink.partner_id == Partner.id)
                .where(ShortLink.code == code)
            ).first()
            if row is None:
                return None
            link, campaign, partner = row
            live = campaign.status != CampaignStatus.ARCHIVED and partner.deleted_at is None
            url = landing_url(partner, campaign, link.channel) if live else ""
            return Target(link.id, campaign.id, partner.id, link.channel, url or None)
