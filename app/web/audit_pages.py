"""The audit log in the console: filters, pages, and a CSV export of what the filters select."""

from __future__ import annotations

import json

from flask import Response, render_template, request
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.audit import FILTERS, audit_query
from app.auth import roles
from app.auth.security import allow
from app.models import AuditEntry
from app.text_safety import csv_bytes
from app.web import bp
from app.web.pagination import paginate
from app.web.views import services

SUBJECT_LABELS = {"campaign": lazy_gettext("Campaign"), "partner": lazy_gettext("Partner"), "user": lazy_gettext("User"),
                  "token": lazy_gettext("API token"), "subscription": lazy_gettext("Subscription"),
                  "program": lazy_gettext("Partner program"), "template": lazy_gettext("Template")}  # fmt: skip
"""What the page calls each subject type (the stored types stay English, as in the API and the CSV)."""


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
