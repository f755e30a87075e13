"""Inbound webhooks: a signed partner.updated event publishes that partner's assets again, and only once."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select

from app.models import Asset, AssetStatus, Partner, Publish, WebhookEvent
from app.partner_import import import_partners_file
from app.publishing import start_publish
from app.services import Services
from tests.api_support import WEBHOOK_SECRET, signed
from tests.fixtures_app import SAMPLE_CSV

NEW_PHONE = "+1 (303) 555-0199"
# summit-it is a US partner, so its flyer shows the number in the national format.
NEW_PHONE_SHOWN = "(303) 555-0199"


def published_app(make_app: Callable[..., Flask], **config: Any) -> tuple[Flask, Services]:
    """An app with the sample partners and the spring-flyer campaign published."""
    app = make_app(WEBHOOK_SECRETS=f"prm={WEBHOOK_SECRET},git=other-secret", **config)
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    from app.campaigns import save_campaign

    save_campaign(services, {"slug": "spring", "template": "spring-flyer", "brand_kit": "northwind",
                             "landing_url": "https://northwind.example.com/spring"})  # fmt: skip
    start_publish(services, "spring")
    assert services.queue.wait_idle(timeout=180)
    return app, services


def snapshot(services: Services) -> dict[str, tuple[str | None, str | None, int | None]]:
    """partner slug/output -> (fingerprint, storage key, publish id) of every rendered asset."""
    with services.db.session() as session:
        rows = session.execute(
            select(Partner.slug, Asset.output, Asset.fingerprint, Asset.storage_key, Asset.publish_id)
            .join(Partner, Asset.partner_id == Partner.id)
            .where(Asset.status == AssetStatus.RENDERED)
        ).all()
    return {f"{slug}/{output}": (fp, key, pub) for slug, output, fp, key, pub in rows}


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_partner_updated_event_publishes_that_partner_only(
    make_app: Callable[..., Flask], request: pytest.FixtureRequest, database: str
) -> None:
    config = {"DATABASE_URL": request.getfixturevalue("postgres_db")} if database == "postgres" else {}
    app, services = published_app(make_app, **config)
    client = app.test_client()
    before = snapshot(services)
    assert len(before) == 12
    with services.db.session() as session:
        publishes_before = session.scalar(select(func.count()).select_from(Publish))

    event = {
        "id": "evt-phone-1",
        "type": "partner.updated",
        "data": {"slug": "summit-it", "phone": NEW_PHONE},
    }
    body, headers = signed(event)
    response = client.post("/api/v1/webhooks/prm", data=body, headers=headers)
    assert response.status_code == 202, response.get_json()
    assert services.queue.wait_idle(timeout=120)

    after = snapshot(services)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"summit-it/flyer"}
    key = after["summit-it/flyer"][1]
    assert key is not None and key != before["summit-it/flyer"][1]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(services.storage.open(key))).pages)
    assert NEW_PHONE_SHOWN in text
    with services.db.session() as session:
        assert session.scalar(select(Partner.phone).where(Partner.slug == "summit-it")) == NEW_PHONE
        event_row = session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == "evt-phone-1"))
        assert event_row is not None and event_row.status == "processed"
        publishes_after = session.scalar(select(func.count()).select_from(Publish))
    assert publishes_after == publishes_before + 1

    # The same event again (even freshly signed): 200, and nothing happens.
    body, headers = signed(event)
    again = client.post("/api/v1/webhooks/prm", data=body, headers=headers)
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    assert services.queue.wait_idle(timeout=60)
    assert snapshot(services) == after
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Publish)) == publishes_after
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1

    # The same body with a wrong signature, or signed 10 minutes ago: 401, nothing stored.
    fresh = {**event, "id": "evt-phone-2", "data": {"slug": "summit-it", "phone": "+1 000"}}
    body, _ = signed(fresh)
    _, wrong = signed(fresh, secret="not-the-secret")
    _, stale = signed(fresh, timestamp=int(time.time()) - 600)
    for bad in (wrong, stale, {"Content-Type": "application/json"}):
        rejected = client.post("/api/v1/webhooks/prm", data=body, headers=bad)
        assert rejected.status_code == 401
        assert set(rejected.get_json()) == {"error", "message"}
    # Another source's secret does not open this source.
    _, other = signed(fresh, secret="other-secret")
    assert client.post("/api/v1/webhooks/prm", data=body, headers=other).status_code == 401
    assert services.queue.wait_idle(timeout=60)
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
        assert session.scalar(select(Partner.phone).where(Partner.slug == "summit-it")) == NEW_PHONE


def test_partner_deleted_event_withdraws_its_assets(make_app: Callable[..., Flask]) -> None:
    app, services = published_app(make_app)
    body, headers = signed({"id": 7, "type": "partner.deleted", "data": {"slug": "brightpath"}})
    assert app.test_client().post("/api/v1/webhooks/prm", data=body, headers=headers).status_code == 202
    assert services.queue.wait_idle(timeout=60)
    with services.db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == "brightpath"))
        assert partner is not None and partner.deleted_at is not None
        statuses = session.scalars(select(Asset.status).where(Asset.partner_id == partner.id)).all()
    assert statuses and set(statuses) == {AssetStatus.WITHDRAWN}
    assert not list(services.storage.list("assets/spring/brightpath/"))


def test_template_updated_event_republishes_campaigns_using_it(make_app: Callable[..., Flask]) -> None:
    app, services = published_app(make_app)
    body, headers = signed({"id": "t-1", "type": "template.updated", "data": {"slug": "spring-flyer"}})
    assert app.test_client().post("/api/v1/webhooks/prm", data=body, headers=headers).status_code == 202
    assert services.queue.wait_idle(timeout=120)
    with services.db.session() as session:
        last = session.scalars(select(Publish).order_by(Publish.id.desc())).first()
    assert last is not None and last.trigger == "webhook"
    assert (last.rendered, last.unchanged, last.failed) == (0, 12, 0)  # nothing changed on disk


def test_bad_events_are_refused_before_anything_is_stored(make_app: Callable[..., Flask]) -> None:
    app = make_app(WEBHOOK_SECRETS=f"prm={WEBHOOK_SECRET}")
    client = app.test_client()
    body, headers = signed({"id": "x", "type": "partner.exploded", "data": {}})
    assert client.post("/api/v1/webhooks/prm", data=body, headers=headers).status_code == 422
    body, headers = signed({"id": "x", "type": "partner.updated", "data": {}})
    assert client.post("/api/v1/webhooks/unknown-source", data=body, headers=headers).status_code == 401
    with app.extensions["cobrand"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


@pytest.mark.parametrize("event_type", ["campaign.publish", "campaign.regenerate"])
def test_campaign_publish_event_and_its_old_name_publish_the_campaign(
    make_app: Callable[..., Flask], event_type: str
) -> None:
    app, services = published_app(make_app)
    body, headers = signed({"id": f"c-{event_type}", "type": event_type, "data": {"slug": "spring"}})
    assert app.test_client().post("/api/v1/webhooks/prm", data=body, headers=headers).status_code == 202
    assert services.queue.wait_idle(timeout=120)
    with services.db.session() as session:
        publishes = session.scalars(select(Publish).order_by(Publish.id)).all()
        event_row = session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == f"c-{event_type}"))
    assert len(publishes) == 2 and publishes[-1].trigger == "webhook"
    assert (publishes[-1].rendered, publishes[-1].unchanged, publishes[-1].failed) == (0, 12, 0)
    assert event_row is not None and event_row.status == "processed"
