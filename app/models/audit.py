"""Who changed what: the campaign approval history and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


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
