"""Social posts in the portal: the texts with Copy text, each network's share link, the image downloads."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.campaigns import save_campaign
from app.models import Asset, Partner
from app.publishing import start_publish
from app.render_inputs import partner_links
from tests.web.conftest import PARTNER, login


def test_the_portal_shows_post_texts_share_links_and_images(users, client) -> None:
    save_campaign(users, {"slug": "launch", "title": "Launch", "template": "social-launch",
                          "brand_kit": "northwind", "landing_url": "https://northwind.example.com/launch"})  # fmt: skip
    start_publish(users, "launch")
    assert users.queue.wait_idle(timeout=300)
    with users.db.session() as session:
        rows = session.execute(
            select(Asset.id, Asset.output, Asset.campaign_id, Asset.partner_id)
            .join(Partner).where(Partner.slug == "summit-it")
        ).all()  # fmt: skip
        assets = {output: asset_id for asset_id, output, _, _ in rows}
        link = partner_links(users, session, rows[0][2], rows[0][3])["social"]
    assert set(assets) == {"social-1080x1080", "social-1200x627", "social-post"}

    login(client, *PARTNER)
    page = client.get("/portal/campaigns/launch").get_data(as_text=True)
    post = json.loads(client.get(f"/portal/assets/{assets['social-post']}/download").data)
    assert post["link"] == link and all(link in text for text in post["text"].values())
    assert page.count("Copy text") == 3
    assert html.escape(post["text"]["linkedin"], quote=False) in page
    shares = {
        urlsplit(html.unescape(href)).netloc: parse_qs(urlsplit(html.unescape(href)).query)
        for href in re.findall(r'href="(https://[^"]+)"[^>]*>Share on', page)
    }
    assert shares["www.linkedin.com"]["url"] == [link]
    assert shares["www.facebook.com"]["u"] == [link]
    assert shares["x.com"]["text"] == [post["text"]["x"]]
    for output in ("social-1080x1080", "social-1200x627"):
        assert f"/portal/assets/{assets[output]}/download" in page
        image = client.get(f"/portal/assets/{assets[output]}/download")
        assert image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"
