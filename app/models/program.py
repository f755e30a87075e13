"""The partner program: partners, campaigns, their partner-editable values, design templates,
replaced logos."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_column, utcnow


class CampaignStatus(str, enum.Enum):
    """A campaign's life: a draft, published to partners, or archived."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ApprovalState(str, enum.Enum):
    """Where a campaign stands on the way to publishing: draft → submitted → approved (→ published)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Type, tier and region are slugs of the partner program (partner_program.toml), checked on
    # the way in: the program is content, so a new tier needs no migration.
    type: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2), default="")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    website: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    logo_key: Mapped[str | None] = mapped_column(String(500), index=True)
    """Storage key of the validated logo file, or None."""
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The program's custom attributes: {"industry": ["finance"], "segment": "smb"}."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    template_slug: Mapped[str] = mapped_column(String(64))
    brand_kit_slug: Mapped[str] = mapped_column(String(64))
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Rules over the partner program (see app/rendering/audience.py); an empty rule means everyone."""
    landing_url: Mapped[str] = mapped_column(String(1000), default="")
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locales: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The locales this campaign publishes, its default first; empty: every locale of its template."""
    """Locked-copy overrides for this campaign: {"copy": {"headline": "..."}}."""
    status: Mapped[CampaignStatus] = mapped_column(enum_column(CampaignStatus), default=CampaignStatus.DRAFT)
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    """This campaign needs an approver's yes before it is published (APPROVAL_REQUIRED: every campaign)."""
    approval: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    """An ApprovalState value; any change to what partners get sends an approved campaign back to draft."""
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PartnerFieldValues(Base):
    """A partner's values for a campaign template's partner-editable fields."""

    __tablename__ = "partner_field_values"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DesignTemplate(Base):
    """A design template uploaded through the API or the console (file-based ones live in git).

    The master file is stored once per content hash; `manifest` is the template.toml as data
    (title, audience, editable fields, zones). Every upload or zone edit that changes either
    is a new `version` (the hash of the template folder they make, as for folder templates).
    """

    __tablename__ = "design_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    master_key: Mapped[str] = mapped_column(String(500))
    master_format: Mapped[str] = mapped_column(String(8))
    """pdf | png | jpeg | webp"""
    master_filename: Mapped[str] = mapped_column(String(255), default="")
    """The uploaded file's own name, shown in the console."""
    manifest: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RetiredLogo(Base):
    """A logo a partner replaced, kept until its assets are rendered again (app/logo_retirement.py)."""

    __tablename__ = "retired_logos"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(500), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)
