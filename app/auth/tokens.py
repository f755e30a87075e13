"""API tokens: bearer secrets shown once, stored only as a SHA-256 hash, admin or scoped to one partner."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import ApiToken, Partner, UserRole, utcnow

TOKEN_PREFIX = "cbt_"
"""Every token starts with this, so leaked tokens are easy to recognise (and to scan for)."""

PREFIX_LENGTH = 12
"""How many leading characters are kept in clear, to tell tokens apart in listings and to revoke one."""

LAST_USED_RESOLUTION = timedelta(minutes=1)
"""last_used_at is written at most this often, so reads do not turn every request into a write."""


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 (tokens are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str = "", partner: Partner | None = None) -> tuple[str, ApiToken]:
    """Make a token (admin, or scoped to partner); returns the plaintext, which is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name[:100],
        token_hash=hash_token(token),
        prefix=token[:PREFIX_LENGTH],
        role=UserRole.PARTNER if partner is not None else UserRole.ADMIN,
        partner_id=partner.id if partner is not None else None,
    )
    session.add(row)
    session.flush()
    return token, row


def authenticate(session: Session, token: str) -> ApiToken | None:
    """The live token matching this plaintext, or None (unknown, revoked, or its partner inactive or deleted)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    partner = row.partner
    if row.partner_id is not None and (
        partner is None or partner.deleted_at is not None or not partner.active
    ):
        return None
    now = utcnow()
    if row.last_used_at is None or _aware(row.last_used_at) < now - LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row


def revoke_token(session: Session, prefix_or_id: str) -> ApiToken:
    """Revoke the one token whose id or prefix is given; InvalidInput if none or several match."""
    condition = ApiToken.prefix == prefix_or_id
    if prefix_or_id.isdigit():
        condition = or_(condition, ApiToken.id == int(prefix_or_id))
    rows = session.scalars(select(ApiToken).where(condition)).all()
    if not rows:
        raise InvalidInput(f"no API token has id or prefix {prefix_or_id!r}")
    if len(rows) > 1:
        raise InvalidInput(f"{len(rows)} tokens match {prefix_or_id!r}; give the token's id")
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
