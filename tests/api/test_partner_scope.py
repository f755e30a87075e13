"""A partner token sees only its own partner: driven by the route registry, so new routes are covered."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.api.registry import ADMIN, PUBLIC, SIGNATURE, TOKEN, Route, registry
from app.campaigns import save_campaign
from app.models import Asset, Partner, Publish, ShortLink
from app.partner_import import import_partners_file
from app.publishing import start_publish
from app.services import Services
from tests.api_support import bearer, make_token
from tests.factories import Content

OWN, OTHER = "alpine", "beacon"
OWNED_PARAMS = {"partner", "asset_id", "code"}
"""Path or query parameters that name a partner's data: another partner's value must give 404."""


@pytest.fixture
def world(make_app: Callable[..., Flask], content: Content) -> dict[str, Any]:
    app = make_app(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)  # the subscription below is to 127.0.0.1
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, content.partners_csv).errors == []
    save_campaign(services, {"slug": "spring", "template": content.badge, "brand_kit": content.kit})
    start_publish(services, "spring")
    assert services.queue.wait_idle(timeout=180)
    admin = bearer(make_token(services))
    sub = app.test_client().post("/api/v1/subscriptions", json={"url": "http://127.0.0.1:9/x"}, headers=admin)
    with services.db.session() as session:
        ids = dict(session.execute(select(Partner.slug, Partner.id)).all())
        assets = {pid: aid for pid, aid in session.execute(select(Asset.partner_id, Asset.id)).all()}
        publish_id = session.scalar(select(Publish.id))
        codes = dict(
            session.execute(
                select(ShortLink.partner_id, ShortLink.code).where(ShortLink.channel == "pdf")
            ).all()
        )
    values = {
        "own": {"partner": OWN, "asset_id": assets[ids[OWN]], "code": codes[ids[OWN]]},
        "other": {"partner": OTHER, "asset_id": assets[ids[OTHER]], "code": codes[ids[OTHER]]},
        "shared": {"campaign": "spring", "template": content.badge, "brand_kit": content.kit,
                   "publish_id": publish_id, "subscription_id": sub.get_json()["id"], "source": "prm",
                   "channel": "pdf"},
    }  # fmt: skip
    return {"app": app, "token": bearer(make_token(services, OWN)), "values": values}


def url_for_route(route: Route, values: dict[str, Any]) -> str:
    path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), route.path)
    query = "&".join(f"{p.name}={values[p.name]}" for p in route.query if p.name in values)
    return f"{path}?{query}" if query else path


def call(app: Flask, route: Route, url: str, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if route.body is not None:
        kwargs["json"] = {}
    return app.test_client().open(url, method=route.method, **kwargs)


def test_every_route_is_covered_by_an_access_rule() -> None:
    assert registry.routes
    for route in registry.routes:
        assert route.access in (ADMIN, TOKEN, PUBLIC, SIGNATURE), route
        assert route.access != TOKEN or route.method == "GET", (
            f"{route.endpoint}: partner tokens are read-only"
        )
        names = {name for name, _ in route.path_params()} | {p.name for p in route.query}
        assert names <= OWNED_PARAMS | {"campaign", "template", "brand_kit", "publish_id", "subscription_id",
                                        "source", "type", "tier", "region", "page", "per_page", "output", "channel", "by", "days", "dry_run",
                                        "actor", "action", "subject_type", "subject", "since", "until"}, route  # fmt: skip


def test_partner_token_cannot_reach_another_partners_data(world: dict[str, Any]) -> None:
    """Every route taking a token, called by a partner token with another partner's ids (one app for all)."""
    checked = []
    for route in [r for r in registry.routes if r.access in (ADMIN, TOKEN)]:
        check_route(world, route)
        checked.append(route.endpoint)
    assert "api.download_asset" in checked and "api.template_preview" in checked


def check_route(world: dict[str, Any], route: Route) -> None:
    app, token, values = world["app"], world["token"], world["values"]
    other_url = url_for_route(route, {**values["shared"], **values["other"]})
    answer = call(app, route, other_url, token)
    if route.access == ADMIN:
        assert answer.status_code == 403, (route.method, other_url, answer.status_code)
        return
    owned = {name for name, _ in route.path_params()} | {p.name for p in route.query if p.required}
    if owned & OWNED_PARAMS:
        assert answer.status_code == 404, (other_url, answer.status_code)
        assert answer.get_json()["error"] == "not_found"
        # And the same route with the partner's own ids works, so the 404 is the scoping, not a bug.
        own = call(app, route, url_for_route(route, {**values["shared"], **values["own"]}), token)
        assert own.status_code in (200, 302), (route.path, own.status_code)
    else:
        # Listings and shared content: they answer, but nothing of the other partner is in them.
        assert answer.status_code == 200, (other_url, answer.status_code)
        if answer.is_json:
            text = answer.get_data(as_text=True)
            assert OTHER not in text, other_url
            assert str(values["other"]["asset_id"]) not in re.findall(r'"id": ?(\d+)', text), other_url


def test_partner_listings_show_only_its_own(world: dict[str, Any]) -> None:
    client, token = world["app"].test_client(), world["token"]
    partners = client.get("/api/v1/partners", headers=token).get_json()
    assert [p["slug"] for p in partners["items"]] == [OWN]
    assets = client.get("/api/v1/campaigns/spring/assets", headers=token).get_json()
    assert {a["partner"] for a in assets["items"]} == {OWN}
    download = client.get(assets["items"][0]["download_url"], headers=token)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
