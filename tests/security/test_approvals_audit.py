"""Approvals (must-show 4) and the audit log: an editor's campaign is published only after another
user approves it, a later change needs a new approval, and the audit log shows each step with its user."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from app.auth.users import create_user
from app.campaigns import save_campaign
from app.models import AuditEntry, Campaign, CampaignApproval, Publish, UserRole
from tests.api_support import bearer, make_token
from tests.web.conftest import login, post

EDITOR, APPROVER, ADMIN = "editor@example.com", "approver@example.com", "admin@example.com"
PASSWORD = "approvals-password"


@pytest.fixture
def people(make_app: Any) -> dict[str, Any]:
    app = make_app(APPROVAL_REQUIRED=True)
    services = app.extensions["cobrand"]
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    assert import_partners_file(services, SAMPLE_CSV).errors == []
    for email, role in ((EDITOR, UserRole.EDITOR), (APPROVER, UserRole.APPROVER), (ADMIN, UserRole.ADMIN)):
        with services.db.session() as session:
            create_user(session, email, role, password=PASSWORD)
    campaign, _ = save_campaign(services, {"slug": "launch", "title": "Launch", "template": "email-header",
                                           "brand_kit": "northwind", "audience": {"regions": ["NA"]}})  # fmt: skip
    clients = {email: login(app.test_client(), email, PASSWORD) for email in (EDITOR, APPROVER, ADMIN)}
    return {"app": app, "services": services, "id": campaign.id, **clients}


def _state(services: Any) -> tuple[str, int]:
    with services.db.session() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "launch"))
        publishes = session.scalar(select(Publish.id).where(Publish.campaign_id == campaign.id).limit(1))
        return campaign.approval, 0 if publishes is None else 1


def test_an_editors_campaign_needs_another_users_approval_and_again_after_a_change(
    people: dict[str, Any],
) -> None:
    services, cid = people["services"], people["id"]
    editor, approver, admin = people[EDITOR], people[APPROVER], people[ADMIN]
    page = f"/campaigns/{cid}"
    post(editor, f"{page}/publish", page=page)
    assert _state(services) == ("draft", 0)  # refused: not approved
    assert post(editor, f"{page}/submit", page=page).status_code == 302
    assert post(editor, f"{page}/approve", page=page).status_code == 403  # an editor is no approver
    assert _state(services) == ("submitted", 0)
    post(approver, f"{page}/approve", page=page)
    assert _state(services) == ("approved", 0)
    post(editor, f"{page}/publish", page=page)
    assert services.queue.wait_idle(timeout=120)
    assert _state(services) == ("approved", 1)
    # A change after approval: back to draft, and publishing again needs a new approval.
    with people["app"].test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        from flask import g

        g.audit_user = (None, EDITOR, "127.0.0.1")
        save_campaign(services, {"title": "Launch, revised"}, campaign_id=cid)
    with services.db.session() as session:
        before = session.scalar(select(Publish.id).order_by(Publish.id.desc()))
    post(editor, f"{page}/publish", page=page)
    with services.db.session() as session:
        assert session.scalar(select(Publish.id).order_by(Publish.id.desc())) == before
        assert session.scalar(select(Campaign.approval).where(Campaign.id == cid)) == "draft"
        steps = [
            (s.action, s.actor)
            for s in session.scalars(select(CampaignApproval).order_by(CampaignApproval.id))
        ]
        log = [(e.action, e.actor, e.client_address) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.subject_type == "campaign").order_by(AuditEntry.id))]  # fmt: skip
    assert steps == [("submitted", EDITOR), ("approved", APPROVER), ("published", EDITOR), ("reset", EDITOR)]
    for step in (("campaign.submitted", EDITOR), ("campaign.approved", APPROVER), ("campaign.reset", EDITOR)):
        assert (*step, "127.0.0.1") in log, (step, log)
    assert ("campaign.changed", EDITOR, "127.0.0.1") in log
    shown = admin.get(page).get_data(as_text=True)
    # The reset step is shown by its label.
    assert "Approval" in shown and APPROVER in shown and "Back to draft (changed)" in shown


def test_the_submitter_cannot_approve_its_own_campaign(people: dict[str, Any]) -> None:
    services, cid, admin = people["services"], people["id"], people[ADMIN]
    page = f"/campaigns/{cid}"
    post(admin, f"{page}/submit", page=page)
    answer = post(admin, f"{page}/approve", page=page, follow_redirects=True)
    assert "another approver must approve it" in answer.get_data(as_text=True)
    assert _state(services) == ("submitted", 0)


def test_api_publish_without_approval_is_409_and_the_api_shows_the_audit_log(people: dict[str, Any]) -> None:
    client, token = people["app"].test_client(), bearer(make_token(people["services"]))
    answer = client.post("/api/v1/campaigns/launch/publish", headers=token)
    assert answer.status_code == 409 and "needs an approval" in answer.get_json()["message"]
    submitted = client.post("/api/v1/campaigns/launch/submit", json={}, headers=token)
    assert submitted.status_code == 200 and submitted.get_json()["approval"] == "submitted"
    same_token = client.post("/api/v1/campaigns/launch/approve", json={}, headers=token)
    assert same_token.status_code == 422  # the token that submitted cannot approve
    entries = client.get(
        "/api/v1/audit?subject_type=campaign&action=campaign.submitted", headers=token
    ).get_json()
    assert [e["action"] for e in entries["items"]] == ["campaign.submitted"]
    assert entries["items"][0]["actor"].startswith("token ")


def test_the_audit_log_is_append_only(people: dict[str, Any]) -> None:
    services = people["services"]
    with services.db.session() as session:
        assert session.scalar(select(AuditEntry.id).limit(1)) is not None
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):  # noqa: PT011  (the driver's own error type)
            with services.db.session() as session:
                session.execute(text(statement))


def test_audit_page_filters_and_its_csv_neutralises_formulas(people: dict[str, Any]) -> None:
    services, admin = people["services"], people[ADMIN]
    save_campaign(services, {"title": '=HYPERLINK("https://evil.example")\u202e'}, campaign_id=people["id"])
    page = admin.get("/audit?subject_type=campaign&action=campaign.changed")
    assert page.status_code == 200 and "HYPERLINK" in page.get_data(as_text=True)
    csv = admin.get("/audit.csv?subject_type=campaign").get_data(as_text=True)
    assert "\u202e" not in csv
    assert all(
        not cell.startswith(("=", "+", "-", "@")) for line in csv.splitlines() for cell in line.split(",")
    )
    assert people[EDITOR].get("/audit").status_code == 403
