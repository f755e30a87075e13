"""On RQ, a partner.updated event renders that partner in every affected campaign in its own job; when
rendering there fails, the partner's render job is queued at once and finishes the work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from rq import SimpleWorker
from sqlalchemy import select

from app.campaigns import save_campaign
from app.models import Asset, AssetStatus, Partner, Publish, WebhookEvent
from app.partner_import import import_partners_file
from app.publishing import start_publish
from app.services import Services, using_services
from tests.api_support import WEBHOOK_SECRET, signed
from tests.fixtures_app import SAMPLE_CSV


def _summit_assets(services: Services) -> dict[tuple[int, str], tuple[str | None, int | None]]:
    with services.db.session() as session:
        rows = session.execute(
            select(Asset.campaign_id, Asset.output, Asset.storage_key, Asset.publish_id)
            .join(Partner, Asset.partner_id == Partner.id)
            .where(Partner.slug == "summit-it", Asset.status == AssetStatus.RENDERED)
        ).all()
    return {(campaign, output): (key, publish) for campaign, output, key, publish in rows}


def _event_row_id(services: Services) -> int:
    with services.db.session() as session:
        row_id = session.scalar(select(WebhookEvent.id).where(WebhookEvent.event_id == "evt-1"))
    assert row_id is not None
    return row_id


def _published_app(make_app: Callable[..., Flask], redis_url: str, redis_conn: Any) -> tuple[Flask, Services]:
    """Two campaigns published (spring-flyer and social-launch) and every job run."""
    app = make_app(REDIS_URL=redis_url, WEBHOOK_SECRETS=f"prm={WEBHOOK_SECRET}", JOB_RETRIES=0)
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    for slug, template in (("spring", "spring-flyer"), ("launch", "social-launch")):
        save_campaign(services, {"slug": slug, "template": template, "brand_kit": "northwind",
                                 "landing_url": f"https://northwind.example.com/{slug}"})  # fmt: skip
        start_publish(services, slug)
    _work(services, redis_conn)
    return app, services


def _work(services: Services, redis_conn: Any, max_jobs: int | None = None) -> None:
    with using_services(services):
        SimpleWorker([services.queue.queue], connection=redis_conn).work(burst=True, max_jobs=max_jobs)  # type: ignore[attr-defined]


def _post_phone_change(app: Flask) -> None:
    body, headers = signed({"id": "evt-1", "type": "partner.updated",
                            "data": {"slug": "summit-it", "phone": "+1 (303) 555-0199"}})  # fmt: skip
    assert app.test_client().post("/api/v1/webhooks/prm", data=body, headers=headers).status_code == 202


def test_partner_updated_renders_its_campaigns_in_the_events_own_job(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any
) -> None:
    app, services = _published_app(make_app, redis_url, redis_conn)
    before = _summit_assets(services)
    assert len({campaign for campaign, _ in before}) == 2  # summit-it (gold) is in both campaigns

    _post_phone_change(app)
    queue = services.queue.queue  # type: ignore[attr-defined]
    _work(services, redis_conn, max_jobs=1)  # the event's own job only: it renders the partner itself
    with services.db.session() as session:
        publishes = session.scalars(select(Publish).where(Publish.trigger == "webhook")).all()
    assert len(publishes) == 2
    # One job in all: nothing queued after it, and its safety net (scheduled first) was dropped.
    assert queue.get_job_ids() == [] and queue.scheduled_job_registry.get_job_ids() == []
    assert [j for j in queue.finished_job_registry.get_job_ids() if not j.startswith("publish-")] == [
        f"webhook-event-{_event_row_id(services)}"
    ]

    after = _summit_assets(services)
    assert set(after) == set(before)
    new_publishes = {p.id for p in publishes}
    for slot, (key, publish_id) in after.items():
        assert publish_id in new_publishes
        assert key is not None and key != before[slot][0]
        assert services.storage.exists(key)
        assert not services.storage.exists(before[slot][0] or "")  # the old file is gone
    with services.db.session() as session:
        for publish in session.scalars(select(Publish).where(Publish.id.in_(new_publishes))):
            assert (publish.status.value, publish.failed) == ("completed", 0)
            assert publish.rendered == publish.total > 0


def test_a_failed_render_in_the_events_job_queues_the_partners_render_job_at_once(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any
) -> None:
    app, services = _published_app(make_app, redis_url, redis_conn)
    before = _summit_assets(services)
    # summit-it's spring thumbnails cannot be written: a file stands where their folder would be.
    wall = Path(services.storage.root) / "thumbnails" / "spring" / "summit-it"  # type: ignore[attr-defined]
    moved = wall.with_name("summit-it.before")
    wall.rename(moved)
    wall.write_bytes(b"not a folder")

    _post_phone_change(app)
    queue = services.queue.queue  # type: ignore[attr-defined]
    _work(services, redis_conn, max_jobs=1)  # the event's job: its render fails, the event is still done
    assert f"webhook-event-{_event_row_id(services)}" in queue.finished_job_registry.get_job_ids()
    waiting = queue.get_job_ids()
    assert len(waiting) == 1 and waiting[0].startswith("partner-")  # due now, not after the job timeout
    assert queue.scheduled_job_registry.get_job_ids() == []  # the safety net was replaced, not doubled

    wall.unlink()
    moved.rename(wall)
    _work(services, redis_conn)  # the render job finishes what the event's job could not
    after = _summit_assets(services)
    assert set(after) == set(before)
    for slot, (key, _publish) in after.items():
        assert key is not None and key != before[slot][0] and services.storage.exists(key), slot
    with services.db.session() as session:
        publishes = session.scalars(select(Publish).where(Publish.trigger == "webhook")).all()
        assert len(publishes) == 2
        assert all((p.status.value, p.failed, p.rendered) == ("completed", 0, p.total) for p in publishes)
