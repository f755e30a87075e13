"""Users: create, authenticate, password reset. Passwords and reset tokens are stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import InvalidInput
from app.models import Partner, User, UserRole, utcnow
from app.partners import EMAIL

RESET_TTL = timedelta(hours=2)
"""How long a password-reset (or invitation) link stays valid."""

MIN_PASSWORD_LENGTH = 10
"""Shortest password accepted when a user sets one."""


@dataclass(frozen=True)
class SessionUser:
    """What a request knows about the signed-in user (detached from any database session)."""

    id: int
    email: str
    role: UserRole
    partner_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == UserRole.ADMIN

    @classmethod
    def of(cls, user: User) -> SessionUser:
        return cls(user.id, user.email, user.role, user.partner_id)


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug)."""
    return generate_password_hash(password, method="scrypt")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_email(value: str) -> str:
    email = (value or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidInput(f"email: {value!r} is not an email address")
    return email


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: use at least {MIN_PASSWORD_LENGTH} characters")


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
    if role == UserRole.PARTNER:
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
    user = find_user(session, email)
    if user is None or not user.active:
        # Hash anyway so a wrong email costs as long as a wrong password.
        check_password_hash(hash_password("timing-equaliser"), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def start_password_reset(session: Session, email: str) -> tuple[User, str] | None:
    """Issue a reset token for an active user (None if there is no such user); only its hash is kept."""
    user = find_user(session, email)
    if user is None or not user.active:
        return None
    token = secrets.token_urlsafe(32)
    user.reset_token_hash = _token_hash(token)
    user.reset_expires_at = utcnow() + RESET_TTL
    return user, token


def user_for_reset_token(session: Session, token: str) -> User | None:
    """The user a valid, unexpired reset token belongs to."""
    if not token:
        return None
    user = session.scalar(select(User).where(User.reset_token_hash == _token_hash(token)))
    if user is None or user.reset_expires_at is None:
        return None
    expires = user.reset_expires_at
    if expires.tzinfo is None:  # SQLite hands back naive datetimes
        expires = expires.replace(tzinfo=UTC)
    if expires < utcnow():
        return None
    return user


def reset_password(session: Session, token: str, password: str) -> User:
    """Set a new password with a reset token; the token works once."""
    user = user_for_reset_token(session, token)
    if user is None:
        raise InvalidInput("token: this link is invalid or has expired; ask for a new one")
    check_new_password(password)
    user.password_hash = hash_password(password)
    user.reset_token_hash = None
    user.reset_expires_at = None
    return user
