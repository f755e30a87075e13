"""Console lists come in pages of CONSOLE_PAGE_SIZE rows, with page links that keep the filters."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from sqlalchemy import func, insert

from app.campaigns import save_campaign
from app.models import Partner
from app.services import Services

PARTNERS = 100_000
EDIT_LINK = re.compile(r'<a class="strong" href="/partners/([a-z0-9-]+)/edit">')


def _add_partners(services: Services, count: int) -> None:
    regions = ("na", "emea", "apac", "latam")
    rows = [{"slug": f"p{i:06d}", "name": f"Partner {i:06d}", "type": "reseller", "tier": "gold",
             "region": regions[i % 4], "custom_fields": {}, "attributes": {}} for i in range(count)]  # fmt: skip
    with services.db.session() as session:
        session.execute(insert(Partner), rows)


def _slugs(html: str) -> list[str]:
    return EDIT_LINK.findall(html)


def test_partners_page_of_100k_renders_one_page(admin: Any, users: Services) -> None:
    _add_partners(users, PARTNERS)
    users.config = dataclasses.replace(users.config, CONSOLE_PAGE_SIZE=40)  # settings are frozen
    first = admin.get("/partners")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    page_one = _slugs(html)
    assert len(page_one) == 40
    assert f"{PARTNERS + 12} shown" in html and 'rel="next" href="/partners?page=2"' in html
    page_two = _slugs(admin.get("/partners?page=2").get_data(as_text=True))
    assert len(page_two) == 40 and not set(page_one) & set(page_two)
    last = admin.get(f"/partners?page={-(-(PARTNERS + 12) // 40)}").get_data(as_text=True)
    assert len(_slugs(last)) == (PARTNERS + 12) % 40 and 'rel="next"' not in last


def test_filters_keep_working_across_pages(admin: Any, users: Services) -> None:
    _add_partners(users, 1_000)
    users.config = dataclasses.replace(users.config, CONSOLE_PAGE_SIZE=25)  # settings are frozen
    html = admin.get("/partners?region=emea&q=Partner").get_data(as_text=True)
    assert "250 shown" in html
    link = re.search(r'rel="next" href="([^"]+)"', html)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert "region=emea" in href and "q=Partner" in href and "page=2" in href
    page_two = _slugs(admin.get(href).get_data(as_text=True))
    assert len(page_two) == 25 and all(int(slug[1:]) % 4 == 1 for slug in page_two)  # emea is i % 4 == 1
    assert not set(page_two) & set(_slugs(html))


def test_campaigns_and_audit_log_are_paged(admin: Any, users: Services) -> None:
    for n in range(5):
        save_campaign(users, {"slug": f"c{n}", "title": f"Campaign number {n}", "template": "email-header",
                              "brand_kit": "northwind"})  # fmt: skip
    users.config = dataclasses.replace(users.config, CONSOLE_PAGE_SIZE=2)  # settings are frozen
    titles = re.compile(r"Campaign number (\d)")
    one = titles.findall(admin.get("/campaigns").get_data(as_text=True))
    two = titles.findall(admin.get("/campaigns?page=2").get_data(as_text=True))
    three = titles.findall(admin.get("/campaigns?page=3").get_data(as_text=True))
    assert (one, two, three) == (["4", "3"], ["2", "1"], ["0"])
    drafts = admin.get("/campaigns?status=draft").get_data(as_text=True)
    assert (
        'href="/campaigns?page=2&amp;status=draft"' in drafts
        or 'href="/campaigns?status=draft&amp;page=2"' in drafts
    )
    audit = admin.get("/audit?action=campaign").get_data(as_text=True)
    rows = re.findall(r"<code>campaign\.created</code>", audit)
    assert len(rows) == 2 and "Page 1 of 3" in audit


def test_assets_page_lists_one_page_of_partners(admin: Any, published: Services) -> None:
    _add_partners(published, 2_000)
    published.config = dataclasses.replace(published.config, CONSOLE_PAGE_SIZE=30)  # settings are frozen
    section = re.compile(r'<section class="card partner" id="partner-([a-z0-9-]+)">')
    first = admin.get("/assets").get_data(as_text=True)
    second = admin.get("/assets?page=2").get_data(as_text=True)
    one, two = section.findall(first), section.findall(second)
    assert len(one) == 30 and len(two) == 30 and not set(one) & set(two)
    found = admin.get("/assets?q=summit").get_data(as_text=True)
    assert section.findall(found) == ["summit-it"] and "/thumbnail" in found  # its rendered assets are shown


def test_campaign_grid_lists_one_page_of_partners(admin: Any, published: Services) -> None:
    from sqlalchemy import select

    from app.models import Asset, Campaign

    with published.db.session() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == "na-launch"))
        rendered = session.scalar(
            select(func.count(func.distinct(Asset.partner_id))).where(Asset.campaign_id == campaign_id)
        )
    assert rendered and rendered > 2
    published.config = dataclasses.replace(published.config, CONSOLE_PAGE_SIZE=2)  # settings are frozen
    heading = re.compile(r'<section class="card partner-block">\s*<h2 class="h3">([^<]+)</h2>')
    one = heading.findall(admin.get(f"/campaigns/{campaign_id}/grid").get_data(as_text=True))
    two_html = admin.get(f"/campaigns/{campaign_id}/grid?page=2").get_data(as_text=True)
    two = heading.findall(two_html)
    assert len(one) == 2 and 1 <= len(two) <= 2 and not set(one) & set(two) and "/thumbnail" in two_html
