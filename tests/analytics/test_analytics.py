"""Analytics from known clicks and downloads, then from seeded demo history: exact counts per tier and
per channel, the same in the console, the CSV export and the API."""

from __future__ import annotations

import csv
import io
import random
import re
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.analytics import asset_channel
from app.campaigns import save_campaign
from app.demo import _moment, seed_demo_history
from app.downloads import record_download
from app.models import Asset, Click, ClickKind, Download, Partner, ShortLink, utcnow
from app.publishing import start_publish
from tests.api_support import bearer, make_token
from tests.web.conftest import ADMIN, login

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def engaged(users, client):
    """Two campaigns published; summit-it (gold) and cascade-advisors (registered) engage, known counts."""
    services = users
    for slug, template in (("header", "email-header"), ("webinar", "partner-newsletter")):
        save_campaign(services, {"slug": slug, "title": slug.title(), "template": template,
                                 "brand_kit": "northwind", "landing_url": f"https://northwind.example.com/{slug}"})  # fmt: skip
        start_publish(services, slug)
    assert services.jobs.wait_idle(timeout=300)
    with services.db.session() as session:

        def link(partner: str, campaign: str, channel: str) -> str:
            return session.scalar(
                select(ShortLink.code).join(Partner, ShortLink.partner_id == Partner.id)
                .where(Partner.slug == partner, ShortLink.channel == channel,
                       ShortLink.campaign_id == select(Asset.campaign_id).join(Partner)
                       .where(Partner.slug == partner, Asset.output == ("newsletter" if campaign == "webinar" else "email-header-600x200"))
                       .scalar_subquery())
            )  # fmt: skip

        plan = [("summit-it", "webinar", "email", CHROME, 3), ("summit-it", "header", "image", CHROME, 1),
                ("summit-it", "webinar", "email", BOT, 2), ("cascade-advisors", "webinar", "email", CHROME, 2)]  # fmt: skip
        codes = {(p, c, ch): link(p, c, ch) for p, c, ch, _, _ in plan}
        for slug, output, times in (
            ("summit-it", "newsletter", 2),
            ("cascade-advisors", "email-header-600x200", 1),
        ):
            asset = session.scalar(
                select(Asset).join(Partner).where(Partner.slug == slug, Asset.output == output)
            )
            # A partner's downloads of one asset count once a day, so repeats are on earlier days.
            for day in range(times):
                record_download(session, asset, "portal", now=utcnow() - timedelta(days=day))
    for partner, campaign, channel, agent, times in plan:
        for _ in range(times):
            assert (
                client.get(
                    f"/r/{codes[(partner, campaign, channel)]}", headers={"User-Agent": agent}
                ).status_code
                == 302
            )
    services.clicks.flush()
    return services, codes


def console_rows(client, by: str) -> dict[str, dict[str, int]]:
    page = client.get(f"/analytics?by={by}").get_data(as_text=True)
    rows = {}
    for key, cells in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', page):
        rows[key] = {col: int(v) for col, v in re.findall(r'data-col="(\w+)">(\d+)<', cells)}
    return rows


def test_clicks_api_counts_clicks_and_bots_apart(engaged, client) -> None:
    services, codes = engaged
    headers = bearer(make_token(services))
    get = lambda **q: client.get("/api/v1/analytics/clicks", query_string=q, headers=headers).get_json()  # noqa: E731
    everything = get()
    assert (everything["clicks"], everything["bots"], everything["crawlers"]) == (6, 2, 2)
    assert (
        get(partner="summit-it") | {} == get(partner="summit-it") and get(partner="summit-it")["clicks"] == 4
    )
    assert get(partner="summit-it")["bots"] == 2
    assert get(channel="email")["clicks"] == 5 and get(channel="image")["clicks"] == 1
    assert get(campaign="webinar")["clicks"] == 5 and get(campaign="header")["clicks"] == 1
    assert get(code=codes[("summit-it", "webinar", "email")])["clicks"] == 3
    assert get(code=codes[("summit-it", "webinar", "email")], channel="image")["clicks"] == 0
    assert get()["unique_visitors"] == 1  # one test client, one address and agent, one day

    mine = bearer(make_token(services, "cascade-advisors"))
    assert client.get("/api/v1/analytics/clicks", headers=mine).get_json()["clicks"] == 2
    theirs = client.get("/api/v1/analytics/clicks?partner=summit-it", headers=mine)
    assert theirs.status_code == 200 and theirs.get_json()["clicks"] == 0  # nothing of another partner
    code = codes[("summit-it", "webinar", "email")]
    assert client.get(f"/api/v1/analytics/clicks?code={code}", headers=mine).get_json()["clicks"] == 0
    assert client.get("/api/v1/analytics/clicks?code=NoSuchCode", headers=headers).status_code == 404
    assert client.get("/api/v1/analytics", headers=mine).status_code == 403


def test_per_tier_and_per_channel_counts_agree_in_console_csv_and_api(engaged, client) -> None:
    services, _ = engaged
    headers = bearer(make_token(services))
    api = {by: {row["key"]: row for row in client.get(f"/api/v1/analytics?by={by}", headers=headers).get_json()["rows"]}
           for by in ("tier", "channel")}  # fmt: skip
    assert {k: (r["downloads"], r["clicks"], r["bots"]) for k, r in api["tier"].items() if r["downloads"] or r["clicks"]} == {
        "gold": (2, 4, 2), "registered": (1, 2, 0)}  # fmt: skip
    assert api["tier"]["gold"]["click_through"] == 2.0
    assert {k: (r["downloads"], r["clicks"]) for k, r in api["channel"].items()} == {
        "email": (2, 5),
        "image": (1, 1),
    }

    login(client, *ADMIN)
    tiers = console_rows(client, "tier")
    assert (tiers["gold"]["downloads"], tiers["gold"]["clicks"], tiers["gold"]["bots"]) == (2, 4, 2)
    assert (tiers["registered"]["downloads"], tiers["registered"]["clicks"]) == (1, 2)
    assert (
        tiers["platinum"]["clicks"] == 0
        and tiers["platinum"]["published"] == api["tier"]["platinum"]["published"]
    )
    channels = console_rows(client, "channel")
    assert {k: (v["downloads"], v["clicks"]) for k, v in channels.items()} == {
        "email": (2, 5),
        "image": (1, 1),
    }
    for key, row in tiers.items():
        assert row["published"] == api["tier"][key]["published"]

    exported = list(csv.DictReader(io.StringIO(client.get("/analytics.csv?by=tier").get_data(as_text=True))))
    by_key = {row["key"]: row for row in exported}
    assert (by_key["gold"]["downloads"], by_key["gold"]["clicks"], by_key["all"]["clicks"]) == ("2", "4", "6")


def test_funnel_top_partners_and_never_engaged(engaged, client) -> None:
    services, _ = engaged
    report = client.get("/api/v1/analytics?by=partner", headers=bearer(make_token(services))).get_json()
    with services.db.session() as session:
        published = set(session.scalars(select(Partner.slug).join(Asset, Asset.partner_id == Partner.id)))
    assert report["funnel"] == {"published": len(published), "downloaded": 2, "clicked": 2}
    assert [row["key"] for row in report["top_partners"]] == ["summit-it", "cascade-advisors"]
    assert set(report["never_engaged"]) == published - {"summit-it", "cascade-advisors"}
    assert report["demo_data"] is False


def test_seeded_demo_history_gives_exact_counts_per_tier_and_channel(engaged, client) -> None:
    services, _ = engaged
    downloads, clicks = seed_demo_history(services, days=30)
    assert downloads > 0 and clicks > 0
    assert seed_demo_history(services, days=30) == (0, 0)  # idempotent
    # The expected counts, computed here from the rows themselves.
    with services.db.session() as session:
        tier_of = dict(session.execute(select(Partner.id, Partner.tier)).all())
        want_clicks = Counter(
            tier_of[p]
            for (p,) in session.execute(select(Click.partner_id).where(Click.kind == ClickKind.CLICK))
        )
        want_downloads = Counter(tier_of[p] for (p,) in session.execute(select(Download.partner_id)))
        want_channel_clicks = Counter(
            c for (c,) in session.execute(select(Click.channel).where(Click.kind == ClickKind.CLICK))
        )
        want_channel_downloads = Counter(
            asset_channel(o, t) for o, t in session.execute(select(Asset.output, Asset.content_type).join(Download, Download.asset_id == Asset.id))
        )  # fmt: skip
    report = client.get("/api/v1/analytics?by=tier", headers=bearer(make_token(services))).get_json()
    assert report["demo_data"] is True
    assert {r["key"]: r["clicks"] for r in report["rows"] if r["clicks"]} == dict(want_clicks)
    assert {r["key"]: r["downloads"] for r in report["rows"] if r["downloads"]} == dict(want_downloads)
    login(client, *ADMIN)
    page = client.get("/analytics?by=channel").get_data(as_text=True)
    assert "demo data" in page
    channels = console_rows(client, "channel")
    assert {k: v["clicks"] for k, v in channels.items() if v["clicks"]} == dict(want_channel_clicks)
    assert {k: v["downloads"] for k, v in channels.items() if v["downloads"]} == dict(want_channel_downloads)


@pytest.mark.parametrize("clock", ["00:01", "12:00", "23:59"])
def test_demo_history_falls_inside_the_reports_days_at_any_time_of_day(clock) -> None:
    # The report counts `days` calendar days, today included; a moment a day earlier went uncounted
    # when the seed ran just after midnight.
    hour, minute = map(int, clock.split(":"))
    now = datetime.combine(utcnow().date(), time(hour, minute), tzinfo=utcnow().tzinfo)
    rng = random.Random(5)
    moments = [_moment(rng, now, 30) for _ in range(2000)]
    assert min(m.date() for m in moments) == now.date() - timedelta(days=29)
    assert max(moments) <= now
