"""The audit log in the console: filters, pages, and a CSV export of what the filters select."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, render_template, request
from flask_babel import lazy_gettext
from sqlalchemy import Select, select

from app.auth import roles
from app.models import AuditEntry
from app.text_safety import csv_bytes
from app.web import bp
from app.web.pagination import paginate
from app.web.security import allow
from app.web.views import services

FILTERS = ("actor", "action", "subject_type", "subject", "since", "until")
SUBJECT_LABELS = {"campaign": lazy_gettext("Campaign"), "partner": lazy_gettext("Partner"), "user": lazy_gettext("User"),
                  "token": lazy_gettext("API token"), "subscription": lazy_gettext("Subscription"),
                  "program": lazy_gettext("Partner program"), "template": lazy_gettext("Template")}  # fmt: skip
"""What the page calls each subject type (the stored types stay English, as in the API and the CSV)."""


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


def _filters() -> dict[str, str]:
    return {k: request.args.get(k, "").strip()[:200] for k in FILTERS}


@bp.get("/audit")
@allow(roles.ADMINS)
def audit_log() -> str:
    filters = _filters()
    with services().db.session() as session:
        page = paginate(session, audit_query(filters))
        types = session.scalars(
            select(AuditEntry.subject_type).distinct().order_by(AuditEntry.subject_type)
        ).all()
    return render_template("console/audit.html", entries=page.items, filters=filters, page=page,
                           args={k: v for k, v in filters.items() if v}, types=types, subject_labels=SUBJECT_LABELS, dumps=json.dumps)  # fmt: skip


@bp.get("/audit.csv")
@allow(roles.ADMINS)
def audit_csv() -> Response:
    with services().db.session() as session:
        entries = session.scalars(audit_query(_filters()).limit(100_000)).all()
        rows = [(e.at.isoformat(), e.actor, e.action, e.subject_type, e.subject_id, e.subject,
                 json.dumps(e.before) if e.before is not None else "", json.dumps(e.after) if e.after is not None else "",
                 e.client_address) for e in entries]  # fmt: skip
    header = (
        "at",
        "actor",
        "action",
        "subject_type",
        "subject_id",
        "subject",
        "before",
        "after",
        "client_address",
    )
    response = Response(csv_bytes(header, rows), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename="audit-log.csv")
    return response
