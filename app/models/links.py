"""Tracked short links and their clicks (no IP address kept)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_column, utcnow


class ClickKind(str, enum.Enum):
    """What a request to a short link was: only CLICK counts as a click."""

    CLICK = "click"
    BOT = "bot"
    """A known crawler or monitoring user agent."""
    PREVIEW = "preview"
    """A chat or social network unfurling the link (Slackbot, LinkedInBot, facebookexternalhit …)."""
    PREFETCH = "prefetch"
    """A browser prefetching the link (`Purpose: prefetch`, `Sec-Purpose: prefetch`)."""
    HEAD = "head"
    """A HEAD request: a link checker, never a person."""


class ShortLink(Base):
    """The tracked short link of one partner, campaign and channel: <PUBLIC_BASE_URL>/r/<code>."""

    __tablename__ = "short_links"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    """pdf | image | email | social | qr (app.links.CHANNELS)"""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Click(Base):
    """One request to a short link. No IP address is kept: only a hash salted per day."""

    __tablename__ = "clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("short_links.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[ClickKind] = mapped_column(enum_column(ClickKind), default=ClickKind.CLICK)
    agent: Mapped[str] = mapped_column(String(16), default="other")
    """User-agent class: desktop | mobile | tablet | bot | other."""
    visitor: Mapped[str] = mapped_column(String(32), default="")
    """SHA-256 (truncated) of the client address with the day's random salt: unique counts per day."""
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    """Seeded demo history (make run), not a real visit."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ClickSalt(Base):
    """The random salt of one day for visitor hashes; older salts are deleted, so hashes cannot be reversed."""

    __tablename__ = "click_salts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class ClickBatch(Base):
    """One minute of clicks sent as a `link.clicked` event: the row is claimed first, so it is sent once."""

    __tablename__ = "click_batches"

    minute: Mapped[str] = mapped_column(String(16), primary_key=True)
    """The minute's start, UTC, as YYYY-MM-DDTHH:MM."""
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
