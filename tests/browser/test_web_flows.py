"""The web app in headless Chromium: an admin publishes a campaign, a partner downloads and re-brands."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from app.models import Asset, Partner
from tests.browser.conftest import ADMIN, OTHER, PARTNER, LiveServer, screenshot, sign_in
from tests.factories import png_logo

pytestmark = pytest.mark.browser


def test_sign_in_page(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "sign-in")


def test_admin_creates_previews_publishes_and_watches_progress(page: Any, live_server: LiveServer) -> None:
    sign_in(page, live_server, *ADMIN)
    screenshot(page, "dashboard")
    page.goto(f"{live_server.url}/campaigns/new")
    page.get_by_label("Title").fill("APAC social launch")
    page.get_by_label("Slug").fill("apac-social")
    page.get_by_label("Template").select_option("social-launch")
    page.get_by_label("Brand kit").select_option("northwind")
    page.get_by_label("Asia Pacific", exact=True).check()
    expect(page.locator("#audience-count")).to_contain_text(re.compile(r"\d+ of 12"))
    page.get_by_label("Landing URL").fill("https://www.northwind.example.com/apac")
    screenshot(page, "campaign-form")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_role("heading", name=re.compile("APAC social launch"))).to_be_visible()
    previews = page.locator("img[alt*='preview for']")
    expect(previews.first).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"img[alt*='preview for']\")].every(i => i.complete && i.naturalWidth > 0)",
        timeout=60_000,
    )
    page.get_by_role("button", name="Publish", exact=True).click()
    progress_text = page.locator(".progress-text").first
    expect(progress_text).to_be_visible()
    expect(progress_text).to_contain_text("100%", timeout=120_000)
    expect(page.locator("progress").first).to_have_attribute("value", "100")
    screenshot(page, "campaign")
    page.goto(f"{live_server.url}/templates")
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=60_000)
    screenshot(page, "templates")
    for name, path in (
        ("partners", "/partners"),
        ("analytics", "/analytics"),
        ("assets", "/assets?q=summit"),
    ):
        page.goto(live_server.url + path)
        screenshot(page, name)


def test_partner_sees_its_campaigns_downloads_pdf_and_rebrands(page: Any, live_server: LiveServer) -> None:
    sign_in(page, live_server, *PARTNER)
    headings = page.locator(".campaign-card h2")
    expect(headings).to_have_count(1)
    expect(headings.first).to_have_text("Spring flyer — North America")
    screenshot(page, "portal")
    page.get_by_role("link", name="Open").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    data = info.value.path().read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Summit IT Solutions" in text
    screenshot(page, "portal-campaign")

    page.goto(f"{live_server.url}/portal/")
    thumb = page.locator(".campaign-card img").first
    old_src = thumb.get_attribute("src")
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("New logo").set_input_files(
        files=[
            {"name": "new-logo.png", "mimeType": "image/png", "buffer": png_logo(420, 140, color="#D6336C")}
        ]
    )
    expect(page.locator(".logo-check-preview")).to_be_visible(timeout=30_000)
    screenshot(page, "portal-profile")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator(".regen-done")).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="See your updated assets").click()
    new_thumb = page.locator(".campaign-card img").first
    expect(new_thumb).not_to_have_attribute("src", old_src or "")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")


def test_partner_cannot_open_another_partners_asset_or_page(page: Any, live_server: LiveServer) -> None:
    with live_server.services.db.session() as session:
        theirs = session.scalars(
            select(Asset.id)
            .join(Partner, Asset.partner_id == Partner.id)
            .where(Partner.slug == "mueller-koehler")
        ).first()
    assert theirs is not None
    sign_in(page, live_server, *PARTNER)
    for path in (f"/portal/assets/{theirs}/download", f"/portal/assets/{theirs}/thumbnail",
                 "/portal/campaigns/emea-email", "/partners", "/campaigns"):  # fmt: skip
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 404, path
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    # The owner can open it.
    page.context.clear_cookies()
    sign_in(page, live_server, *OTHER)
    response = page.goto(f"{live_server.url}/portal/assets/{theirs}/thumbnail")
    assert response is not None and response.status == 200
