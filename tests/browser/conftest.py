"""A live Cobrand server for browser tests: werkzeug in a thread on 127.0.0.1, SQLite + local storage in tmp."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
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

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
ADMIN = ("admin@example.com", "admin-password-1")
PARTNER = ("marketing@summit-it.example", "partner-password-1")
OTHER = ("marketing@mueller-koehler.example", "partner-password-2")


@dataclass
class LiveServer:
    url: str
    app: Any

    @property
    def services(self) -> Any:
        return self.app.extensions["cobrand"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Sample partners, an admin and two partner users, and two published campaigns (NA and EMEA)."""
    tmp: Path = tmp_path_factory.mktemp("live")
    app = create_app({"SECRET_KEY": "browser-test", "DATABASE_URL": f"sqlite:///{tmp / 'cobrand.db'}",
                      "STORAGE_URL": f"file://{tmp / 'storage'}", "REDIS_URL": None})  # fmt: skip
    services = app.extensions["cobrand"]
    services.db.upgrade()
    report = import_partners_file(services, PROJECT_ROOT / "sample_data" / "partners.csv")
    assert not report.errors
    with services.db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
        create_user(
            session, PARTNER[0], UserRole.PARTNER_ADMIN, partner_slug="summit-it", password=PARTNER[1]
        )
        create_user(
            session, OTHER[0], UserRole.PARTNER_ADMIN, partner_slug="mueller-koehler", password=OTHER[1]
        )
    save_campaign(services, {"slug": "spring-na", "title": "Spring flyer — North America", "template": "spring-flyer",
                             "brand_kit": "northwind", "audience": {"regions": ["NA"]},
                             "landing_url": "https://www.northwind.example.com/secure-edge"})  # fmt: skip
    save_campaign(services, {"slug": "emea-email", "title": "EMEA email header", "template": "email-header",
                             "brand_kit": "northwind", "audience": {"regions": ["EMEA"]}})  # fmt: skip
    start_publish(services, "spring-na", trigger="cli")
    start_publish(services, "emea-email", trigger="cli")
    assert services.queue.wait_idle(timeout=180)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        services.db.dispose()


def sign_in(page: Any, server: LiveServer, email: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page: Any, name: str) -> None:
    """Save the page at desktop (1280 px) and phone (375 px) width into docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width, height in (("desktop", 1280, 800), ("phone", 375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
