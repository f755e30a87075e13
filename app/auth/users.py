"""Users: create, authenticate, password reset. Passwords and reset tokens are stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import InvalidInput
from app.models import Partner, PasswordReset, User, UserRole, utcnow
from app.schemas.partners import EMAIL

RESET_TTL = timedelta(hours=2)
"""How long a password-reset (or invitation) link stays valid."""

MIN_PASSWORD_LENGTH = 10
"""Shortest password accepted when a user sets one."""

MAX_PASSWORD_LENGTH = 1024
"""Longest password accepted: scrypt's cost grows with the input."""


@dataclass(frozen=True)
class SessionUser:
    """What a request knows about the signed-in user (detached from any database session)."""

    id: int
    email: str
    role: UserRole
    partner_id: int | None
    locale: str | None = None
    """The language the user chose (users.locale)."""
    partner_locale: str | None = None
    """Its partner's locale, read in the same query as the user: every page's language needs it."""

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN

    @property
    def is_console(self) -> bool:
        return self.role.is_console

    @classmethod
    def of(cls, user: User, partner_locale: str | None = None) -> Any:
        return cls(user.id, user.email, user.role, user.partner_id, user.locale, partner_locale)


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug)."""
    return generate_password_hash(password, method="scrypt")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


MAX_EMAIL_LENGTH = 254
"""The longest address SMTP carries; longer input is refused before anything else looks at it."""


def clean_email(value: str) -> str:
    email = (value or "").strip().lower()
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInput(f"email: over {MAX_EMAIL_LENGTH} characters, so not an email address")
    if not EMAIL.match(email):
        raise InvalidInput(f"email: {value!r} is not an email address")
    return email


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash no password matches, made once: checking against it costs what a real check costs."""
    return hash_password(secrets.token_urlsafe(16))


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: use at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password: use at most {MAX_PASSWORD_LENGTH} characters")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def create_user(
    session: Session,
    email: str,
    role: UserRole,
    *,
    partner_slug: str | None = None,
    password: str | None = None,
) -> tuple[User, str]:
    """Create a user; returns (user, password) — a generated one-time password unless one is given."""
    email = clean_email(email)
    if find_user(session, email) is not None:
        raise InvalidInput(f"email: a user with {email} already exists")
    partner_id = None
    if not role.is_console:
        partner = session.scalar(
            select(Partner).where(Partner.slug == (partner_slug or ""), Partner.deleted_at.is_(None))
        )
        if partner is None:
            raise InvalidInput(f"partner: {partner_slug!r} not found")
        partner_id = partner.id
    password = password or secrets.token_urlsafe(12)
    user = User(
        email=email, role=role, partner_id=partner_id, password_hash=hash_password(password), active=True
    )
    session.add(user)
    session.flush()
    return user, password


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (the same answer for every failure)."""
    user = find_user(session, email) if len(email or "") <= MAX_EMAIL_LENGTH else None
    if user is None or not user.active:
        # One scrypt check anyway, like a wrong password: timing does not tell which emails have accounts.
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session made before this stops working."""
    user.session_version = (user.session_version or 0) + 1


def change_password(user: User, password: str) -> None:
    """Set a new password; other sessions end."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    end_sessions(user)


def deactivate_user(user: User) -> None:
    """The user can no longer sign in, and its sessions end now."""
    user.active = False
    end_sessions(user)


def start_password_reset(session: Session, email: str, *, purpose: str = "reset") -> tuple[User, str] | None:
    """Issue a reset (or invitation) link for an active user, or None; earlier links keep working."""
    user = find_user(session, email)
    if user is None or not user.active:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id, token_hash=_token_hash(token), purpose=purpose, expires_at=utcnow() + RESET_TTL
        )
    )
    session.flush()
    return user, token


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive datetimes


def _live_reset(session: Session, token: str) -> PasswordReset | None:
    if not token or len(token) > 128:
        return None
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or _aware(row.expires_at) < utcnow():
        return None
    return row


def user_for_reset_token(session: Session, token: str) -> User | None:
    """The active user a valid, unused, unexpired reset or invitation link belongs to."""
    row = _live_reset(session, token)
    user = session.get(User, row.user_id) if row is not None else None
    return user if user is not None and user.active else None


def reset_password(session: Session, token: str, password: str) -> User:
    """Set a new password with a reset link; the link works once, and every other session ends."""
    row = _live_reset(session, token)
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        raise InvalidInput("token: this link is invalid or has expired; ask for a new one")
    change_password(user, password)
    now = utcnow()
    # Every outstanding link of this user is spent with this one: the password they were for is gone.
    for other in session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = now
    return user
