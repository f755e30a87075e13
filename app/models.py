"""Database models (SQLAlchemy 2). Schema changes go through Alembic migrations in migrations/."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


def _enum(cls: type[enum.Enum]) -> Enum:
    # Store enum values as plain strings so the schema needs no native ENUM types.
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class CampaignStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class PublishStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class AssetStatus(str, enum.Enum):
    PENDING = "pending"
    RENDERED = "rendered"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class UserRole(str, enum.Enum):
    """Console roles (admin, editor, approver, viewer) and portal roles (partner_admin, partner)."""

    ADMIN = "admin"
    """Everything in the console, users and tokens included."""
    EDITOR = "editor"
    """Campaigns, templates and partners: create, change, submit for approval, publish."""
    APPROVER = "approver"
    """Approves or rejects campaigns someone else submitted; reads everything."""
    VIEWER = "viewer"
    """Reads the console; changes nothing."""
    PARTNER_ADMIN = "partner_admin"
    """A partner organisation's admin: its users, its profile, its downloads."""
    PARTNER = "partner"
    """A partner organisation's user: downloads only."""

    @property
    def is_console(self) -> bool:
        return self not in (UserRole.PARTNER, UserRole.PARTNER_ADMIN)


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


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
    logo_key: Mapped[str | None] = mapped_column(String(500))
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
    status: Mapped[CampaignStatus] = mapped_column(_enum(CampaignStatus), default=CampaignStatus.DRAFT)
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


class Publish(Base):
    """One run of publishing a campaign: the progress record."""

    __tablename__ = "publishes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    status: Mapped[PublishStatus] = mapped_column(_enum(PublishStatus), default=PublishStatus.QUEUED)
    trigger: Mapped[str] = mapped_column(String(32), default="cli")
    total: Mapped[int] = mapped_column(Integer, default=0)
    rendered: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()

    @property
    def done(self) -> int:
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
    status: Mapped[AssetStatus] = mapped_column(_enum(AssetStatus), default=AssetStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    publish_id: Mapped[int | None] = mapped_column(
        ForeignKey("publishes.id", ondelete="SET NULL"), index=True
    )
    """The last publish that processed this asset."""
    outcome: Mapped[str | None] = mapped_column(String(16))
    """What that publish did with it: rendered | unchanged | failed. Progress is counted from this."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    rendered_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()
    partner: Mapped[Partner] = relationship()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(_enum(UserRole))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    locale: Mapped[str | None] = mapped_column(String(16))
    """The language the user chose for the web app (None: the partner's locale, then the browser's)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    reset_token_hash: Mapped[str | None] = mapped_column(String(64))
    """Unused since migration 0050: reset and invitation links live in password_resets."""
    reset_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped on sign-out, password change or reset, and deactivation: older sessions stop working."""

    partner: Mapped[Partner | None] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    """The first characters of the token, to tell tokens apart in listings."""
    role: Mapped[UserRole] = mapped_column(_enum(UserRole))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    partner: Mapped[Partner | None] = relationship()


class WebhookEvent(Base):
    """An inbound webhook event, stored before it is processed (and to refuse replays)."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(32), default="received")
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class Subscription(Base):
    """An outbound webhook subscriber."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """{"types": ["asset.ready", ...]}"""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One outbound event for one subscriber, retried until delivered or given up."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class Download(Base):
    """One download of one asset, for channel analytics."""

    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="portal")
    """portal | api | console"""
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    """Seeded demo history (make run), not a real download."""


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
    kind: Mapped[ClickKind] = mapped_column(_enum(ClickKind), default=ClickKind.CLICK)
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


class PasswordReset(Base):
    """A password-reset or invitation link; only its hash is kept. A new one does not cancel the old."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16), default="reset")
    """reset | invite"""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApprovalState(str, enum.Enum):
    """Where a campaign stands on the way to publishing: draft → submitted → approved (→ published)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class CampaignApproval(Base):
    """One step of a campaign's approval history: submitted, approved, rejected, reset by a change."""

    __tablename__ = "campaign_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    """submitted | approved | rejected | reset | published"""
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    """Who did it, as shown: the user's email, an API token, or "system"."""
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One state change: who, what, when, before and after, from where. Append-only (a database
    trigger refuses UPDATE and DELETE; see migration 0051)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    """The user's id (kept as a plain number: the log outlives deleted users)."""
    actor: Mapped[str] = mapped_column(String(254), default="system")
    """The user's email, "token N" for an API token, "cli", or "system" (jobs, webhooks)."""
    action: Mapped[str] = mapped_column(String(64), index=True)
    """<subject>.<created | changed | deleted>, or a named step such as campaign.approved."""
    subject_type: Mapped[str] = mapped_column(String(32), index=True)
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    """A readable name of the subject (a slug, an email)."""
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_address: Mapped[str] = mapped_column(String(64), default="")
