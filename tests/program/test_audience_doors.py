"""Must-show 2: min_tier = "gold" with regions = ["latam"] reaches exactly the gold and platinum LATAM
partners, and every door agrees: the console's live count, publish, the portal and the API, on SQLite
and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.auth.users import create_user
from app.campaigns import save_campaign
from app.models import Asset, AssetStatus, Campaign, Partner, UserRole
from app.partner_access import visible_campaigns
from app.partners import upsert_partner
from app.publishing import start_publish
from app.services import Services
from tests.api_support import bearer, make_token
from tests.factories import Content
from tests.web.conftest import login

ADMIN = ("admin@example.com", "admin-password-1")
PARTNERS = {
    # slug: (tier as an export writes it, region as written or "" to imply it from the country, country, active)
    "gold-br": ("Gold Partner", "LATAM", "BR", True),
    "platinum-mx": ("platinum", "Latin America", "MX", True),
    "gold-cl-implied": ("GOLD", "", "CL", True),
    "silver-ar": ("Silver", "latam", "AR", True),
    "registered-co": ("Registered", "latam", "CO", True),
    "gold-de": ("Gold", "EMEA", "DE", True),
    "platinum-us": ("Platinum", "NA", "US", True),
    "gold-pe-inactive": ("Gold", "latam", "PE", False),
}
EXPECTED = {"gold-br", "platinum-mx", "gold-cl-implied"}


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, make_app: Callable[..., Flask], content: Content) -> Services:
    config = {} if request.param == "sqlite" else {"DATABASE_URL": request.getfixturevalue("postgres_db")}
    app = make_app(**config)
    services: Services = app.extensions["cobrand"]
    program = services.content.program()
    with services.db.session() as session:
        for slug, (tier, region, country, active) in PARTNERS.items():
            upsert_partner(session, {"slug": slug, "name": slug.title(), "type": "Value Added Reseller", "tier": tier,
                                     "region": region, "country": country, "active": active}, program)  # fmt: skip
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
    save_campaign(services, {"slug": "latam-gold", "title": "LATAM gold+", "template": content.badge,
                             "brand_kit": content.kit, "audience": {"min_tier": "gold", "regions": ["latam"]}})  # fmt: skip
    services.flask_app = app  # type: ignore[attr-defined]
    return services


def test_every_door_reaches_the_same_partners(services: Services, content: Content) -> None:
    app: Flask = services.flask_app  # type: ignore[attr-defined]
    admin = login(app.test_client(), *ADMIN)

    count = admin.get(
        f"/campaigns/audience-count?template={content.badge}&min_tier=gold&regions=latam"
    ).get_json()
    assert count["count"] == len(EXPECTED), count

    start_publish(services, "latam-gold")
    assert services.jobs.wait_idle(timeout=300)
    with services.db.session() as session:
        published = set(
            session.scalars(
                select(Partner.slug)
                .join(Asset, Asset.partner_id == Partner.id)
                .where(Asset.status == AssetStatus.RENDERED)
            )
        )
        portal = {
            p.slug
            for p in session.scalars(select(Partner))
            if "latam-gold" in [c.slug for c in visible_campaigns(services, session, p)]
        }
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == "latam-gold"))
    assert published == EXPECTED
    assert portal == EXPECTED

    api = app.test_client().get(
        "/api/v1/campaigns/latam-gold/partners?per_page=100", headers=bearer(make_token(services))
    )
    assert api.status_code == 200, api.get_data(as_text=True)
    assert {p["slug"] for p in api.get_json()["items"]} == EXPECTED

    detail = admin.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f"{len(EXPECTED)} partners in the audience" in detail
    assert "Gold and above" in detail and "Latin America" in detail


def test_values_are_stored_as_program_slugs(services: Services) -> None:
    with services.db.session() as session:
        rows: dict[str, Any] = {p.slug: (p.type, p.tier, p.region) for p in session.scalars(select(Partner))}
    assert rows["gold-br"] == ("reseller", "gold", "latam")
    assert rows["gold-cl-implied"] == ("reseller", "gold", "latam")
    assert rows["gold-de"] == ("reseller", "gold", "emea")
