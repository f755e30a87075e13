"""The partner newsletter opened in headless Chromium: images load from their public URLs, 600 px wide.

Saves docs/images/email-newsletter.png (shown in the README).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.auth.users import create_user
from app.campaigns import save_campaign
from app.config import PROJECT_ROOT
from app.models import UserRole
from app.partner_import import import_partners_file
from app.publishing import start_publish
from tests.browser.conftest import PARTNER, LiveServer, sign_in
from tests.services import free_port


@pytest.fixture(scope="module")
def newsletter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("email-live")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app({"SECRET_KEY": "browser-test", "DATABASE_URL": f"sqlite:///{tmp / 'cobrand.db'}",
                      "STORAGE_URL": f"file://{tmp / 'storage'}", "REDIS_URL": None, "PUBLIC_BASE_URL": url})  # fmt: skip
    services = app.extensions["cobrand"]
    services.db.upgrade()
    assert not import_partners_file(services, PROJECT_ROOT / "sample_data" / "partners.csv").errors
    with services.db.session() as session:
        create_user(
            session, PARTNER[0], UserRole.PARTNER_ADMIN, partner_slug="summit-it", password=PARTNER[1]
        )
    save_campaign(services, {"slug": "webinar", "title": "Secure Edge webinar", "template": "partner-newsletter",
                             "brand_kit": "northwind", "landing_url": "https://northwind.example.com/webinar"})  # fmt: skip
    start_publish(services, "webinar", trigger="cli")
    assert services.jobs.wait_idle(timeout=180)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url, app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        services.db.dispose()


def test_the_newsletter_renders_in_chromium_with_its_images(page: Any, newsletter_server: LiveServer) -> None:
    sign_in(page, newsletter_server, *PARTNER)
    page.goto(f"{newsletter_server.url}/portal/campaigns/webinar")
    preview = page.get_by_role("link", name="Preview").get_attribute("href")
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto(f"{newsletter_server.url}{preview}")
    page.wait_for_load_state("networkidle")
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.src, e.naturalWidth, e.getBoundingClientRect().width])"
    )
    assert images and all(natural > 0 for _, natural, _ in images), images  # every image loaded
    assert all(shown <= 600 for _, _, shown in images)
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('table, div')].map(e => e.getBoundingClientRect().width))"
    )
    assert widest <= 700  # nothing wider than the window: the body is 600 px, centred
    assert page.get_by_text("Save my seat").is_visible()
    (PROJECT_ROOT / "docs" / "images").mkdir(exist_ok=True)
    page.screenshot(path=str(PROJECT_ROOT / "docs" / "images" / "email-newsletter.png"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})  # phone: the body shrinks, no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
