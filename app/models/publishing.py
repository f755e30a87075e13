"""Publishes and their assets: progress, outcomes, and downloads of the files."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.program import Campaign, Partner


class PublishStatus(str, enum.Enum):
    """Where a publish stands: queued, running, then completed once every asset has an outcome
    (an asset can fail; a publish as a whole cannot, so there is no failed publish)."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"


class PublishTrigger(str, enum.Enum):
    """What started a publish."""

    CLI = "cli"
    CONSOLE = "console"
    API = "api"
    PORTAL = "portal"
    """A partner changed their profile: their own assets are published again."""
    TEMPLATE = "template"
    """A design template changed: the campaigns using it are published again."""
    WEBHOOK = "webhook"
    """An inbound webhook event changed a partner or campaign."""


class AssetStatus(str, enum.Enum):
    """Whether an asset's file is there: pending, rendered, failed, or withdrawn from partners."""

    PENDING = "pending"
    RENDERED = "rendered"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class AssetOutcome(str, enum.Enum):
    """What the last publish did with an asset; a publish's progress is counted from these."""

    RENDERED = "rendered"
    UNCHANGED = "unchanged"
    """Its fingerprint matched: the stored file was kept."""
    FAILED = "failed"


class DownloadChannel(str, enum.Enum):
    """Where an asset was downloaded from, for channel analytics."""

    PORTAL = "portal"
    API = "api"
    CONSOLE = "console"


class Publish(Base):
    """One publish of a campaign: the progress record."""

    __tablename__ = "publishes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    status: Mapped[PublishStatus] = mapped_column(enum_column(PublishStatus), default=PublishStatus.QUEUED)
    trigger: Mapped[PublishTrigger] = mapped_column(enum_column(PublishTrigger), default=PublishTrigger.CLI)
    total: Mapped[int] = mapped_column(Integer, default=0)
    rendered: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()

    @hybrid_property
    def done(self) -> int:
        """Assets this publish has an outcome for: the one place this is counted, in Python and in SQL."""
        return self.rendered + self.unchanged + self.failed


class Asset(Base):
    """One rendered output of one campaign for one partner."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id", "output"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    output: Mapped[str] = mapped_column(String(100))
    """Output name, with the size for images: "flyer", "social-1080x1080"."""
    locale: Mapped[str] = mapped_column(String(16), default="")
    """The locale it is rendered in (the partner's, or the nearest the campaign publishes)."""
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of every input of the render; equal fingerprint = nothing to render."""
    storage_key: Mapped[str | None] = mapped_column(String(500))
    thumbnail_key: Mapped[str | None] = mapped_column(String(500))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[AssetStatus] = mapped_column(enum_column(AssetStatus), default=AssetStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    publish_id: Mapped[int | None] = mapped_column(
        ForeignKey("publishes.id", ondelete="SET NULL"), index=True
    )
    """The last publish that processed this asset."""
    outcome: Mapped[AssetOutcome | None] = mapped_column(enum_column(AssetOutcome, 16))
    """What that publish did with it. Progress is counted from this."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    rendered_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()
    partner: Mapped[Partner] = relationship()


class Download(Base):
    """One download of one asset, for channel analytics."""

    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    channel: Mapped[DownloadChannel] = mapped_column(
        enum_column(DownloadChannel, 16), default=DownloadChannel.PORTAL
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    """Seeded demo history (make run), not a real download."""
