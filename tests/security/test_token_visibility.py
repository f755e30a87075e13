"""Partner API tokens follow the portal's visibility rule: schedule, archive, audience, active partner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.campaigns import archive_campaign, save_campaign
from app.models import Asset, Campaign, Partner
from app.partner_import import import_partners_file
from app.preview_cache import previews
from app.publishing import start_publish
from app.services import Services
from tests.api_support import bearer, make_token
from tests.fixtures_app import SAMPLE_CSV

OWN = "summit-it"  # NA, reseller, gold


@pytest.fixture
def world(make_app: Callable[..., Flask]) -> dict[str, Any]:
    app = make_app(PREVIEW_RATE_LIMIT=3)
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    for slug, extra in (
        ("live", {}),
        ("embargoed", {"starts_at": later}),
        ("archived", {}),
    ):
        save_campaign(services, {"slug": slug, "template": "email-header", "brand_kit": "northwind",
                                 "audience": {"regions": ["NA"]}, **extra})  # fmt: skip
        start_publish(services, slug)
        assert services.queue.wait_idle(timeout=180)  # type: ignore[attr-defined]
    save_campaign(services, {"slug": "excluded", "template": "datasheet", "brand_kit": "northwind",
                             "audience": {"regions": ["EMEA"]}})  # fmt: skip
    save_campaign(services, {"slug": "draft", "template": "spring-flyer", "brand_kit": "northwind"})
    assert services.queue.wait_idle(timeout=180)  # type: ignore[attr-defined]
    with services.db.session() as session:
        archive_campaign(services, session.scalar(select(Campaign.id).where(Campaign.slug == "archived")))
    with services.db.session() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.slug == OWN))
        assets = dict(
            session.execute(
                select(Campaign.slug, Asset.id)
                .join(Campaign, Asset.campaign_id == Campaign.id)
                .where(Asset.partner_id == partner_id)
            ).all()
        )
    return {"app": app, "services": services, "token": bearer(make_token(services, OWN)), "assets": assets}


def test_partner_token_gets_404_on_embargoed_and_archived_assets(world: dict[str, Any]) -> None:
    client, token, assets = world["app"].test_client(), world["token"], world["assets"]
    assert {"live", "embargoed", "archived"} <= set(assets)
    assert client.get(f"/api/v1/assets/{assets['live']}/download", headers=token).status_code == 200
    for hidden in ("embargoed", "archived"):
        for url in (f"/api/v1/assets/{assets[hidden]}", f"/api/v1/assets/{assets[hidden]}/download"):
            answer = client.get(url, headers=token)
            assert answer.status_code == 404, (url, answer.status_code)
    listed = client.get(f"/api/v1/partners/{OWN}/assets", headers=token).get_json()
    assert {a["campaign"] for a in listed["items"]} == {"live"}


def test_hidden_and_unknown_campaigns_answer_the_same_404(world: dict[str, Any]) -> None:
    client, token = world["app"].test_client(), world["token"]
    assert client.get("/api/v1/campaigns/live/assets", headers=token).status_code == 200
    answers = {}
    for slug in ("draft", "embargoed", "archived", "excluded", "no-such-campaign"):
        answer = client.get(f"/api/v1/campaigns/{slug}/assets", headers=token)
        answers[slug] = (answer.status_code, answer.get_json()["message"].replace(slug, "SLUG"))
    assert len(set(answers.values())) == 1 and answers["draft"][0] == 404, answers


def test_tokens_of_a_deactivated_partner_answer_401(world: dict[str, Any]) -> None:
    client, token = world["app"].test_client(), world["token"]
    assert client.get(f"/api/v1/partners/{OWN}", headers=token).status_code == 200
    with world["services"].db.session() as session:
        session.scalar(select(Partner).where(Partner.slug == OWN)).active = False
    answer = client.get(f"/api/v1/partners/{OWN}", headers=token)
    assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized"


def test_previews_are_audience_checked_cached_and_rate_limited(world: dict[str, Any]) -> None:
    client, token = world["app"].test_client(), world["token"]
    url = "/api/v1/templates/{}/preview?partner=" + OWN
    # datasheet: only in a campaign for EMEA; spring-flyer: only in a draft. Both as unknown as "nope".
    refused = [client.get(url.format(t), headers=token) for t in ("datasheet", "spring-flyer", "nope")]
    assert [r.status_code for r in refused] == [404, 404, 404]
    before = len(previews)
    first = client.get(url.format("email-header"), headers=token)
    assert first.status_code == 200 and first.data.startswith(b"\x89PNG")
    again = client.get(url.format("email-header"), headers=token)
    assert again.data == first.data and len(previews) == before + 1  # rendered once, served from memory
    client.get(url.format("email-header"), headers=token)
    limited = client.get(url.format("email-header"), headers=token)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    with world["services"].db.session() as session:
        assert session.scalar(select(Partner.id).where(Partner.slug == OWN))
    assert not list(world["services"].storage.list("previews/"))  # nothing stored per partner


def test_downloading_again_the_same_day_is_counted_once(world: dict[str, Any]) -> None:
    """The finding: downloads were counted on every request, so analytics could be inflated."""
    from app.models import Download

    client, token, asset_id = world["app"].test_client(), world["token"], world["assets"]["live"]
    for _ in range(5):
        assert client.get(f"/api/v1/assets/{asset_id}/download", headers=token).status_code == 200
    with world["services"].db.session() as session:
        assert session.query(Download).filter_by(asset_id=asset_id).count() == 1
