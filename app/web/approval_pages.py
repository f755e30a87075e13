"""Approval steps of a campaign: submit (editors), approve or reject (approvers other than the submitter)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from app import approvals
from app.auth import roles
from app.auth.security import allow
from app.errors import CobrandError
from app.models import Campaign
from app.web import bp
from app.web.views import services

MESSAGES = {"submit": lazy_gettext("Submitted for approval."), "approve": lazy_gettext("Approved: it can be published now."),
            "reject": lazy_gettext("Rejected: it is a draft again.")}  # fmt: skip


def _step(campaign_id: int, step: Callable[[Session, Campaign, str], None], name: str) -> object:
    try:
        with services().db.session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                abort(404)
            step(session, campaign, request.form.get("note", "").strip())
    except CobrandError as exc:
        flash(str(exc), "error")
    else:
        flash(str(MESSAGES[name]), "success")
    return redirect(url_for("console.campaign_detail", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/submit")
@allow(roles.EDITORS)
def campaign_submit(campaign_id: int) -> object:
    return _step(campaign_id, approvals.submit, "submit")


@bp.post("/campaigns/<int:campaign_id>/approve")
@allow(roles.APPROVERS)
def campaign_approve(campaign_id: int) -> object:
    return _step(campaign_id, approvals.approve, "approve")


@bp.post("/campaigns/<int:campaign_id>/reject")
@allow(roles.APPROVERS)
def campaign_reject(campaign_id: int) -> object:
    return _step(campaign_id, approvals.reject, "reject")
