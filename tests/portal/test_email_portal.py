"""The partner newsletter in the portal: preview, Copy HTML, .eml and .html downloads, public images."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from sqlalchemy import func, select

from app.campaigns import save_campaign
from app.models import Asset, Download, Partner
from app.publishing import start_publish
from tests.web.conftest import OTHER, PARTNER, login


@pytest.fixture
def newsletter(users):
    save_campaign(users, {"slug": "webinar", "title": "Webinar", "template": "partner-newsletter",
                          "brand_kit": "northwind", "landing_url": "https://northwind.example.com/webinar"})  # fmt: skip
    start_publish(users, "webinar")
    assert users.queue.wait_idle(timeout=300)
    with users.db.session() as session:
        return session.scalar(select(Asset.id).join(Partner).where(Partner.slug == "summit-it"))


def downloads(services) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count(Download.id)))


def test_the_portal_offers_preview_copy_and_both_downloads(users, newsletter, client) -> None:
    login(client, *PARTNER)
    page = client.get("/portal/campaigns/webinar").get_data(as_text=True)
    for label in ("Preview", "Copy HTML", "Download .eml", "Download .html"):
        assert label in page
    assert f'data-copy-url="/portal/assets/{newsletter}/email.html?copy=1"' in page

    preview = client.get(f"/portal/assets/{newsletter}/email.html")
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    html = preview.get_data(as_text=True)
    assert "Summit IT Solutions" in html and "{{unsubscribe_url}}" in html
    assert downloads(users) == 0  # looking is not downloading

    as_file = client.get(f"/portal/assets/{newsletter}/email.html?download=1")
    assert as_file.headers["Content-Disposition"] == "attachment; filename=webinar-newsletter-summit-it.html"
    assert as_file.get_data(as_text=True) == html
    eml = client.get(f"/portal/assets/{newsletter}/download")
    message = email.message_from_bytes(eml.data, policy=policy.default)
    assert message.get_body(("html",)).get_content() == html
    assert "Save my seat: " in message.get_body(("plain",)).get_content()
    assert downloads(users) == 1  # one asset, two formats, one day: counted once


def test_the_images_are_served_from_public_urls(users, newsletter, client) -> None:
    login(client, *PARTNER)
    html = client.get(f"/portal/assets/{newsletter}/email.html").get_data(as_text=True)
    sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert sources and all(src.startswith("http://127.0.0.1:5000/public/") for src in sources)
    # The images must load in any mail program: no sign-in.
    with_no_session = client.application.test_client()
    image = with_no_session.get(sources[0].removeprefix("http://127.0.0.1:5000"))
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"
    assert "immutable" in image.headers["Cache-Control"]
    assert with_no_session.get("/public/../secret_key").status_code == 404
    assert with_no_session.get("/public/" + "0" * 32 + ".png").status_code == 404


def test_another_partner_gets_404(users, newsletter, client) -> None:
    login(client, *OTHER)
    assert client.get(f"/portal/assets/{newsletter}/email.html").status_code == 404
    assert client.get(f"/portal/assets/{newsletter}/email.html?download=1").status_code == 404
