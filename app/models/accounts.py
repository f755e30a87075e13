"""Accounts: users and their roles, API tokens, password-reset and invitation links."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.program import Partner


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


class User(Base):
    """A person who signs in: console staff, or a partner organisation's user."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole))
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
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    partner: Mapped[Partner | None] = relationship()


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
