"""Approvals: draft → submitted → approved → published, for campaigns that need them.

A campaign needs approval when its own `approval_required` is set or the APPROVAL_REQUIRED setting
is on. Its editor submits it; an approver who is not the submitter approves (or rejects) it; only
then can it be published. Any later change to what partners would get sends it back to draft, so
it needs a new approval. Every step is kept (CampaignApproval) and written to the audit log.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app import audit
from app.errors import InvalidInput, NotApproved
from app.models import ApprovalState, Campaign, CampaignApproval, utcnow
from app.services import Services

CONTENT_FIELDS = (
    "title", "template_slug", "brand_kit_slug", "audience", "landing_url", "overrides", "starts_at", "ends_at",
)  # fmt: skip
"""What partners get: a change to any of these needs a new approval."""


def needs_approval(services: Services, campaign: Campaign) -> bool:
    return bool(campaign.approval_required or services.config.APPROVAL_REQUIRED)


def history(session: Session, campaign_id: int) -> list[CampaignApproval]:
    """The campaign's approval steps, oldest first."""
    return list(
        session.scalars(
            select(CampaignApproval)
            .where(CampaignApproval.campaign_id == campaign_id)
            .order_by(CampaignApproval.id)
        )
    )


def _step(session: Session, campaign: Campaign, action: str, state: ApprovalState, note: str = "") -> None:
    user_id, actor, _ = audit.who()
    before = campaign.approval
    campaign.approval = state.value
    session.add(CampaignApproval(campaign_id=campaign.id, action=action, user_id=user_id, actor=actor,
                                 note=note[:2000], at=utcnow()))  # fmt: skip
    session.flush()
    audit.log(
        session, f"campaign.{action}", campaign, before={"approval": before}, after={"approval": state.value}
    )


def _submitter(session: Session, campaign: Campaign) -> CampaignApproval | None:
    return session.scalar(
        select(CampaignApproval)
        .where(CampaignApproval.campaign_id == campaign.id, CampaignApproval.action == "submitted")
        .order_by(CampaignApproval.id.desc())
    )


def submit(session: Session, campaign: Campaign, note: str = "") -> None:
    """The editor asks for approval of the campaign as it is now."""
    if campaign.approval != ApprovalState.DRAFT.value:
        raise InvalidInput(
            f"campaign {campaign.slug!r} is {campaign.approval}; only a draft can be submitted"
        )
    _step(session, campaign, "submitted", ApprovalState.SUBMITTED, note)


def approve(session: Session, campaign: Campaign, note: str = "") -> None:
    """An approver other than the submitter approves the submitted campaign."""
    if campaign.approval != ApprovalState.SUBMITTED.value:
        raise InvalidInput(f"campaign {campaign.slug!r} is {campaign.approval}; submit it before approving")
    submitted = _submitter(session, campaign)
    user_id, actor, _ = audit.who()
    if submitted is not None and (submitted.actor == actor or (user_id and submitted.user_id == user_id)):
        raise InvalidInput(
            f"campaign {campaign.slug!r}: you submitted it, so another approver must approve it"
        )
    _step(session, campaign, "approved", ApprovalState.APPROVED, note)


def reject(session: Session, campaign: Campaign, note: str = "") -> None:
    """An approver sends the submitted campaign back to draft, saying why."""
    if campaign.approval != ApprovalState.SUBMITTED.value:
        raise InvalidInput(
            f"campaign {campaign.slug!r} is {campaign.approval}; only a submitted one can be rejected"
        )
    _step(session, campaign, "rejected", ApprovalState.DRAFT, note)


def reset_if_changed(session: Session, campaign: Campaign) -> None:
    """Back to draft when what partners get changed after submission or approval."""
    if campaign.id is None or campaign.approval == ApprovalState.DRAFT.value:
        return
    state = inspect(campaign)
    changed = [f for f in CONTENT_FIELDS if state.attrs[f].history.has_changes()]
    if changed:
        _step(session, campaign, "reset", ApprovalState.DRAFT, f"changed: {', '.join(changed)}")


def check_publishable(services: Services, session: Session, campaign: Campaign) -> None:
    """NotApproved unless the campaign needs no approval or is approved as it is now."""
    if needs_approval(services, campaign) and campaign.approval != ApprovalState.APPROVED.value:
        raise NotApproved(
            f"campaign {campaign.slug!r} needs an approval before it is published (it is {campaign.approval})"
        )


def record_published(session: Session, campaign: Campaign) -> None:
    if campaign.approval == ApprovalState.APPROVED.value:
        session.add(CampaignApproval(campaign_id=campaign.id, action="published", user_id=audit.who()[0],
                                     actor=audit.who()[1], at=utcnow()))  # fmt: skip
