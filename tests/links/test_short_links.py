"""Tracked short links on a published sample campaign: redirect, click records, QR code, re-publish."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.links import CHANNELS, CODE_ALPHABET
from app.models import (
    Asset,
    Campaign,
    CampaignStatus,
    Click,
    ClickKind,
    ClickSalt,
    Partner,
    ShortLink,
    utcnow,
)
from app.publishing import start_publish
from app.rendering.links import display_url
from tests.pdfcheck import pdf_facts
from tests.support.qr import decode_qr, pdf_page_png

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
BASE = "https://go.northwind.example"


@pytest.fixture
def app(make_app):
    # No link cache: a test that archives a campaign sees it on the very next request.
    return make_app(PUBLIC_BASE_URL=BASE, LINK_CACHE_SECONDS=0)


@pytest.fixture
def published(app, sample_partners):
    services = sample_partners
    result = app.test_cli_runner().invoke(
        args=["create-campaign", "spring-launch", "--template", "spring-flyer", "--brand-kit", "northwind",
              "--landing-url", "https://northwind.example.com/spring?ref=print"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    start_publish(services, "spring-launch")
    assert services.queue.wait_idle(timeout=300)
    return services


def links_of(services, partner_slug: str) -> dict[str, str]:
    with services.db.session() as session:
        return dict(
            session.execute(
                select(ShortLink.channel, ShortLink.code)
                .join(Partner, ShortLink.partner_id == Partner.id)
                .where(Partner.slug == partner_slug)
            ).all()
        )


def clicks(services, partner_slug: str, **where) -> dict[str, int]:
    services.clicks.flush()
    with services.db.session() as session:
        query = (
            select(Click.kind, func.count())
            .join(Partner, Click.partner_id == Partner.id)
            .where(Partner.slug == partner_slug, *(getattr(Click, k) == v for k, v in where.items()))
            .group_by(Click.kind)
        )
        return {kind.value: count for kind, count in session.execute(query)}


def test_every_partner_has_one_random_code_per_channel(published) -> None:
    with published.db.session() as session:
        rows = session.execute(select(ShortLink.partner_id, ShortLink.channel, ShortLink.code)).all()
        partners = session.scalar(select(func.count(func.distinct(Asset.partner_id))))
    assert len(rows) == partners * len(CHANNELS)
    codes = [code for _, _, code in rows]
    assert len(set(codes)) == len(codes)
    assert all(len(code) >= 8 and set(code) <= set(CODE_ALPHABET) for code in codes)


def test_a_short_link_redirects_with_utm_and_records_one_click(published, client) -> None:
    code = links_of(published, "summit-it")["pdf"]
    response = client.get(f"/r/{code}", headers={"User-Agent": CHROME})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "northwind.example.com", "/spring")
    query = parse_qs(location.query)
    assert query["utm_source"] == ["summit-it"]
    assert query["utm_medium"] == ["pdf"]
    assert query["utm_campaign"] == ["spring-launch"]
    assert query["ref"] == ["print"]
    assert response.headers["Cache-Control"] == "no-store"
    assert clicks(published, "summit-it", channel="pdf") == {"click": 1}
    assert clicks(published, "summit-it", channel="qr") == {}

    with published.db.session() as session:
        click = session.scalar(select(Click))
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "spring-launch"))
        assert (click.campaign_id, click.channel, click.agent) == (campaign.id, "pdf", "desktop")
        assert len(click.visitor) == 32 and "127.0.0.1" not in click.visitor


def test_crawlers_previews_prefetches_and_head_are_counted_apart(published, client) -> None:
    code = links_of(published, "summit-it")["qr"]
    for headers in (
        {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {
            "User-Agent": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
        },
        {"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
        {"User-Agent": CHROME, "Purpose": "prefetch"},
        {"User-Agent": CHROME, "Sec-Purpose": "prefetch;prerender"},
        {"User-Agent": "curl/8.5.0"},
    ):
        assert client.get(f"/r/{code}", headers=headers).status_code == 302
    assert client.head(f"/r/{code}", headers={"User-Agent": CHROME}).status_code == 302
    assert clicks(published, "summit-it") == {"bot": 2, "preview": 2, "prefetch": 2, "head": 1}

    client.get(f"/r/{code}", headers={"User-Agent": IPHONE})
    assert clicks(published, "summit-it") == {"click": 1, "bot": 2, "preview": 2, "prefetch": 2, "head": 1}
    with published.db.session() as session:
        agent = session.scalar(select(Click.agent).where(Click.kind == ClickKind.CLICK))
    assert agent == "mobile"


def test_unique_visitors_hash_the_address_with_a_daily_salt(published, make_app) -> None:
    services = published
    recorder = services.clicks
    today = utcnow().date()
    first = recorder.visitor("203.0.113.7", CHROME, today)
    assert first == recorder.visitor("203.0.113.7", CHROME, today)
    assert first != recorder.visitor("203.0.113.8", CHROME, today)
    with services.db.session() as session:
        session.add(ClickSalt(day=(today - timedelta(days=5)).isoformat(), salt="old"))
    tomorrow = recorder.visitor("203.0.113.7", CHROME, today + timedelta(days=1))
    assert tomorrow != first
    with services.db.session() as session:
        days = sorted(session.scalars(select(ClickSalt.day)))
    assert days == [today.isoformat(), (today + timedelta(days=1)).isoformat()]  # older salts are gone


def test_the_qr_code_and_the_printed_link_in_the_pdf_are_the_short_links(published) -> None:
    links = links_of(published, "summit-it")
    with published.db.session() as session:
        asset = session.scalar(
            select(Asset).join(Partner).where(Partner.slug == "summit-it", Asset.output == "flyer")
        )
        data = published.storage.open(asset.storage_key)
    assert decode_qr(pdf_page_png(data)) == [f"{BASE}/r/{links['qr']}"]
    assert display_url(f"{BASE}/r/{links['pdf']}") in pdf_facts(data).compact_text


def test_republishing_keeps_every_code_and_fingerprint(published) -> None:
    with published.db.session() as session:
        before = set(session.execute(select(ShortLink.code, ShortLink.partner_id, ShortLink.channel)).all())
        prints = set(session.execute(select(Asset.id, Asset.fingerprint)).all())
    publish_id = start_publish(published, "spring-launch")
    assert published.queue.wait_idle(timeout=120)
    with published.db.session() as session:
        assert (
            set(session.execute(select(ShortLink.code, ShortLink.partner_id, ShortLink.channel)).all())
            == before
        )
        assert set(session.execute(select(Asset.id, Asset.fingerprint)).all()) == prints
        outcomes = set(session.scalars(select(Asset.outcome).where(Asset.publish_id == publish_id)))
    assert outcomes == {"unchanged"}


def test_an_archived_campaign_leads_to_the_fallback_page(published, client, make_app) -> None:
    code = links_of(published, "summit-it")["email"]
    with published.db.session() as session:
        session.scalar(select(Campaign)).status = CampaignStatus.ARCHIVED
    response = client.get(f"/r/{code}", headers={"User-Agent": CHROME})
    assert response.status_code == 410
    assert b"This offer has ended" in response.data
    assert clicks(published, "summit-it", channel="email") == {"click": 1}

    other = make_app(DATABASE_URL=published.db.url, LINK_FALLBACK_URL="https://northwind.example.com/offers")
    response = other.test_client().get(f"/r/{code}")
    assert (response.status_code, response.headers["Location"]) == (
        302,
        "https://northwind.example.com/offers",
    )


def test_unknown_codes_are_404(published, client) -> None:
    assert client.get("/r/AAAAAAAAAA").status_code == 404
    assert client.get("/r/not-a-code!").status_code == 404


def test_links_keep_redirecting_when_redis_is_down(published, make_app) -> None:
    code = links_of(published, "summit-it")["social"]
    # Nothing listens on port 1 of loopback: every Redis call would fail at once.
    app = make_app(DATABASE_URL=published.db.url, REDIS_URL="redis://127.0.0.1:1/0", PUBLIC_BASE_URL=BASE)
    response = app.test_client().get(f"/r/{code}", headers={"User-Agent": CHROME})
    assert response.status_code == 302
    assert "utm_medium=social" in response.headers["Location"]
    services = app.extensions["cobrand"]
    assert clicks(services, "summit-it", channel="social") == {"click": 1}
