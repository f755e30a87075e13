"""Fixtures for page tests: signed-in admin and partner clients, a published campaign."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.auth.users import create_user
from app.campaigns import save_campaign
from app.models import UserRole
from app.publishing import start_publish
from app.services import Services

ADMIN = ("admin@example.com", "admin-password-1")
PARTNER = ("someone@summit-it.example", "partner-password-1")
OTHER = ("someone@cascade-advisors.example", "partner-password-2")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: Any, email: str, password: str) -> Any:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post(
    client: Any, url: str, data: dict[str, Any] | None = None, *, page: str | None = None, **kwargs: Any
) -> Any:
    """POST with the CSRF token of the page at `page` (default: the same URL)."""
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def users(sample_partners: Services) -> Services:
    with sample_partners.db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
        create_user(
            session, PARTNER[0], UserRole.PARTNER_ADMIN, partner_slug="summit-it", password=PARTNER[1]
        )
        create_user(
            session, OTHER[0], UserRole.PARTNER_ADMIN, partner_slug="cascade-advisors", password=OTHER[1]
        )
    return sample_partners


@pytest.fixture
def published(users: Services) -> Services:
    """Campaign "na-launch" (email header, NA partners) published and rendered."""
    save_campaign(users, {"slug": "na-launch", "title": "NA launch", "template": "email-header", "brand_kit": "northwind",
                          "audience": {"regions": ["NA"]}})  # fmt: skip
    save_campaign(users, {"slug": "emea-only", "title": "EMEA only", "template": "email-header",
                          "brand_kit": "northwind", "audience": {"regions": ["EMEA"]}})  # fmt: skip
    start_publish(users, "na-launch")
    start_publish(users, "emea-only")
    assert users.queue.wait_idle(timeout=120)  # type: ignore[attr-defined]
    return users


@pytest.fixture
def admin(client: Any, users: Services) -> Any:
    return login(client, *ADMIN)


@pytest.fixture
def partner(client: Any, users: Services) -> Any:
    return login(client, *PARTNER)
