"""The audit log: every state change of what the vendor and its partners rely on, written in the
same transaction as the change itself (so none is lost and none is logged that did not happen).

One SQLAlchemy flush listener sees every door at once (console, portal, API, CLI, webhooks, jobs):
each insert, update and delete of an audited model becomes an AuditEntry with who (the signed-in
user, the API token, or "cli"/"system"), when, before and after, and the client address. Secrets
are never copied into the log: a changed password, token or webhook secret reads "(changed)".
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, event, insert, inspect, select
from sqlalchemy.orm import Session

from app.models import ApiToken, AuditEntry, Campaign, Partner, Subscription, User, utcnow

AUDITED: dict[type, str] = {
    Campaign: "campaign",
    Partner: "partner",
    User: "user",
    ApiToken: "token",
    Subscription: "subscription",
}
"""Models whose every change is logged, and the subject type each is logged as (register() adds more)."""

SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "secret", "reset_token_hash"})
"""Logged as "(changed)", never by value."""

QUIET_COLUMNS = frozenset({"updated_at", "created_at", "last_login_at", "last_used_at", "session_version"})
"""Bookkeeping that changes on its own: a change of only these is not an event."""

NAME_COLUMNS = ("slug", "email", "name", "url", "prefix")
"""The first of these a subject has names it in the log."""


def register(model: type, subject_type: str) -> None:
    """Audit another model (the partner program, design templates…) from its own module."""
    AUDITED[model] = subject_type


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _value(name: str, value: Any) -> Any:
    return "(set)" if name in SECRET_COLUMNS and value else _plain(value)


def _columns(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: _value(attr.key, attr.value)
        for attr in state.attrs
        if attr.key in state.mapper.columns and attr.key not in QUIET_COLUMNS
    }


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.attrs:
        if attr.key not in state.mapper.columns or attr.key in QUIET_COLUMNS:
            continue
        history = attr.history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if _plain(old) == _plain(new):
            continue
        if attr.key in SECRET_COLUMNS:
            before[attr.key], after[attr.key] = "(set)", "(changed)"
        else:
            before[attr.key], after[attr.key] = _plain(old), _plain(new)
    return before, after


def _name(obj: Any) -> str:
    for column in NAME_COLUMNS:
        value = getattr(obj, column, None)
        if value:
            return str(value)[:200]
    return ""


def who() -> tuple[int | None, str, str]:
    """(user id, actor, client address) of the change being made now."""
    from flask import g, has_request_context, request

    if not has_request_context():
        from click import get_current_context

        return None, "cli" if get_current_context(silent=True) is not None else "system", ""
    address = (request.remote_addr or "")[:64]
    caller = g.get("caller")
    if caller is not None:
        return None, f"token {caller.token_id}", address
    user = g.get("_login_user")  # what Flask-Login loaded for this request (never loaded here)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.email, address
    signed_in = g.get("audit_user")  # set at sign-in, before Flask-Login has a user for the request
    if signed_in is not None:
        return signed_in
    return None, "anonymous", address


def entry(action: str, subject_type: str, subject_id: Any, subject: str,
          before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """An audit_log row for an event that is not a plain model change (campaign.approved…)."""
    actor_id, actor, address = who()
    return {"at": utcnow(), "actor_id": actor_id, "actor": actor[:254], "action": action[:64],
            "subject_type": subject_type, "subject_id": str(subject_id or "")[:64], "subject": subject[:200],
            "before": before, "after": after, "client_address": address}  # fmt: skip


def log(session: Session, action: str, obj: Any, *, before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None) -> None:  # fmt: skip
    """Write a named step (campaign.submitted, user.signed_out…) for obj in the session's transaction."""
    subject_type = AUDITED.get(type(obj), type(obj).__name__.lower())
    row = entry(action, subject_type, getattr(obj, "id", ""), _name(obj), before, after)
    session.execute(insert(AuditEntry), [row])


def _after_flush(session: Session, _context: Any) -> None:
    rows = []
    for obj in session.new:
        kind = AUDITED.get(type(obj))
        if kind:
            rows.append(entry(f"{kind}.created", kind, obj.id, _name(obj), None, _columns(obj)))
    for obj in session.dirty:
        kind = AUDITED.get(type(obj))
        if kind and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(entry(f"{kind}.changed", kind, obj.id, _name(obj), before, after))
    for obj in session.deleted:
        kind = AUDITED.get(type(obj))
        if kind:
            rows.append(entry(f"{kind}.deleted", kind, obj.id, _name(obj), _columns(obj), None))
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def install() -> None:
    """Listen to every session's flushes (once per process; safe to call again)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


FILTERS = ("actor", "action", "subject_type", "subject", "since", "until")
"""The audit log's filters (console page, CSV export and API)."""


def audit_query(filters: dict[str, str]) -> Select[Any]:
    """Entries matching the filters (actor or subject contain; action starts with), newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters.get("actor"):
        stmt = stmt.where(AuditEntry.actor.contains(filters["actor"], autoescape=True))
    if filters.get("action"):
        stmt = stmt.where(AuditEntry.action.startswith(filters["action"], autoescape=True))
    if filters.get("subject_type"):
        stmt = stmt.where(AuditEntry.subject_type == filters["subject_type"])
    if filters.get("subject"):
        stmt = stmt.where(AuditEntry.subject.contains(filters["subject"], autoescape=True))
    for key, compare in (("since", AuditEntry.at.__ge__), ("until", AuditEntry.at.__le__)):
        when = _date(filters.get(key))
        if when is not None:
            stmt = stmt.where(compare(when))
    return stmt


def _date(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
