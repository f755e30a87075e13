"""link.clicked: each minute's clicks sent once as one signed event to a real receiver on 127.0.0.1."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.campaigns import save_campaign
from app.links import ensure_links
from app.links.events import minute_of, send_click_batch
from app.models import Campaign, Click, Partner, ShortLink
from app.partner_import import import_partners_file
from tests.api_support import bearer, http_receiver, make_token
from tests.fixtures_app import SAMPLE_CSV
from tests.webhooks.test_outbound import documented_verifier

CHROME = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"


def test_a_minute_of_clicks_is_one_signed_link_clicked_event(make_app) -> None:
    verify_signature = documented_verifier()
    app = make_app(WEBHOOK_RETRY_BASE_SECONDS=0, WEBHOOK_ALLOW_PRIVATE_TARGETS=True, LINK_CACHE_SECONDS=0)
    services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    save_campaign(services, {"slug": "spring", "template": "spring-flyer", "brand_kit": "northwind",
                             "landing_url": "https://northwind.example.com/spring"})  # fmt: skip
    with services.db.session() as session:
        campaign = session.scalar(select(Campaign))
        summit = session.scalar(select(Partner).where(Partner.slug == "summit-it"))
        ensure_links(session, campaign.id, [summit.id])
        code = session.scalar(select(ShortLink.code).where(ShortLink.channel == "qr"))
    client = app.test_client()
    with http_receiver(lambda n, headers, body: 204) as receiver:
        created = client.post("/api/v1/subscriptions", json={"url": receiver.url, "events": ["link.clicked"]},
                              headers=bearer(make_token(services)))  # fmt: skip
        assert created.status_code == 201, created.get_json()
        secret = created.get_json()["secret"]
        for agent in (CHROME, CHROME, "Googlebot/2.1 (+http://www.google.com/bot.html)"):
            assert client.get(f"/r/{code}", headers={"User-Agent": agent}).status_code == 302
        services.clicks.flush()
        with services.db.session() as session:
            minutes = sorted({minute_of(at.replace(tzinfo=None).astimezone() if at.tzinfo is None else at)
                              for at in session.scalars(select(Click.created_at))})  # fmt: skip
        sent = sum(send_click_batch(services, m.strftime("%Y-%m-%dT%H:%M")) for m in minutes)
        assert sent == 2  # the bot is not a click
        assert sum(send_click_batch(services, m.strftime("%Y-%m-%dT%H:%M")) for m in minutes) == 0  # once
        assert services.jobs.wait_idle(timeout=60)
    bodies = []
    for headers, body, _ in receiver.requests:
        assert verify_signature(secret, headers["Cobrand-Signature"], body)
        bodies.append(json.loads(body))
    assert {b["type"] for b in bodies} == {"link.clicked"}
    clicks = [c for b in bodies for c in b["data"]["clicks"]]
    assert len(clicks) == 2 and sum(b["data"]["count"] for b in bodies) == 2
    assert {(c["code"], c["partner"], c["campaign"], c["channel"], c["agent"]) for c in clicks} == {
        (code, "summit-it", "spring", "qr", "desktop")}  # fmt: skip
    assert all(len(c["visitor"]) == 32 for c in clicks)  # a daily salted hash, never the address
