"""The audit log and campaign approvals over the API (admin tokens)."""

from __future__ import annotations

from typing import Any

from app import approvals
from app.api import bp
from app.api.bearer import services
from app.api.lookups import PAGE_PARAMS, get_campaign_or_404, paginate
from app.api.registry import ADMIN, Param, registry
from app.api.serializers import iso
from app.audit import audit_query
from app.models import AuditEntry, Campaign
from app.schemas.campaigns import ApprovalNote

_TEXT = {"type": "string", "maxLength": 200}
AUDIT_FILTERS = (
    Param("actor", _TEXT, "Only entries whose actor contains this (an email, 'token 3')."),
    Param("action", _TEXT, "Only actions starting with this (campaign., campaign.approved)."),
    Param("subject_type", _TEXT, "Only this kind of subject: campaign, partner, user, token, subscription."),
    Param("subject", _TEXT, "Only subjects whose name contains this."),
    Param("since", _TEXT, "From this ISO 8601 date-time."),
    Param("until", _TEXT, "Up to this ISO 8601 date-time."),
)
_JSON_OR_NULL = {"type": ["object", "null"]}
AUDIT_ENTRY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "at": {"type": "string"}, "actor": {"type": "string"},
        "action": {"type": "string"}, "subject_type": {"type": "string"}, "subject_id": {"type": "string"},
        "subject": {"type": "string"}, "before": _JSON_OR_NULL, "after": _JSON_OR_NULL,
        "client_address": {"type": "string"},
    },
    "required": ["id", "at", "actor", "action", "subject_type", "subject_id", "subject", "before", "after",
                 "client_address"],
    "additionalProperties": False,
}  # fmt: skip
AUDIT_PAGE = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": AUDIT_ENTRY}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer"}, "next_page": {"type": ["integer", "null"]},
    },
    "required": ["items", "page", "per_page", "total", "next_page"],
    "additionalProperties": False,
}  # fmt: skip
APPROVAL = {
    "type": "object",
    "properties": {
        "campaign": {"type": "string"},
        "approval_required": {"type": "boolean"},
        "approval": {"type": "string", "enum": ["draft", "submitted", "approved"]},
        "history": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["campaign", "approval_required", "approval", "history"],
    "additionalProperties": False,
}


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": iso(entry.at) or "", "actor": entry.actor, "action": entry.action,
            "subject_type": entry.subject_type, "subject_id": entry.subject_id, "subject": entry.subject,
            "before": entry.before, "after": entry.after, "client_address": entry.client_address}  # fmt: skip


@registry.route(bp, "GET", "/audit", summary="The audit log, newest first (filters as in the console)",
                access=ADMIN, query=AUDIT_FILTERS + PAGE_PARAMS, response=AUDIT_PAGE)  # fmt: skip
def list_audit(query: dict[str, Any]) -> dict[str, Any]:
    filters = {p.name: query[p.name] or "" for p in AUDIT_FILTERS}
    with services().db.session() as session:
        return paginate(session, audit_query(filters), query, lambda row: entry_json(row[0]))


def approval_json(session: Any, campaign: Campaign) -> dict[str, Any]:
    steps = approvals.history(session, campaign.id)
    return {
        "campaign": campaign.slug,
        "approval_required": approvals.needs_approval(services(), campaign),
        "approval": campaign.approval,
        "history": [{"action": s.action, "actor": s.actor, "note": s.note, "at": iso(s.at)} for s in steps],
    }


@registry.route(bp, "GET", "/campaigns/<campaign>/approval", summary="A campaign's approval state and history",
                access=ADMIN, response=APPROVAL)  # fmt: skip
def get_approval(campaign: str) -> dict[str, Any]:
    with services().db.session() as session:
        return approval_json(session, get_campaign_or_404(session, campaign))


def _step(campaign: str, step: Any, body: ApprovalNote) -> dict[str, Any]:
    with services().db.session() as session:
        row = get_campaign_or_404(session, campaign)
        step(session, row, body.note)
        return approval_json(session, row)


@registry.route(bp, "POST", "/campaigns/<campaign>/submit", summary="Submit a campaign for approval",
                access=ADMIN, body=ApprovalNote, response=APPROVAL, errors=(409,))  # fmt: skip
def submit_campaign(campaign: str, body: ApprovalNote) -> dict[str, Any]:
    return _step(campaign, approvals.submit, body)


@registry.route(bp, "POST", "/campaigns/<campaign>/approve",
                summary="Approve a submitted campaign (not by whoever submitted it)",
                access=ADMIN, body=ApprovalNote, response=APPROVAL, errors=(409,))  # fmt: skip
def approve_campaign(campaign: str, body: ApprovalNote) -> dict[str, Any]:
    return _step(campaign, approvals.approve, body)


@registry.route(bp, "POST", "/campaigns/<campaign>/reject", summary="Reject a submitted campaign: back to draft",
                access=ADMIN, body=ApprovalNote, response=APPROVAL, errors=(409,))  # fmt: skip
def reject_campaign(campaign: str, body: ApprovalNote) -> dict[str, Any]:
    return _step(campaign, approvals.reject, body)
