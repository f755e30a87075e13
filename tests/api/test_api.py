"""The API's behaviour around its edges: errors, uploads, conflicts, the OpenAPI document."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from PIL import Image

from app.api.registry import registry
from app.services import Services
from tests.api_support import bearer, make_token
from tests.factories import Content


def _noisy_png() -> bytes:
    """A 300×100 PNG logo of noise: it does not compress, so it is well over 1000 bytes."""
    out = io.BytesIO()
    Image.effect_noise((300, 100), 64).convert("RGB").save(out, format="PNG")
    return out.getvalue()


LOGO = _noisy_png()


def test_openapi_document_lists_every_registered_route(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    operations = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert operations == {(r.method, r.path) for r in registry.routes}
    # And every rule under /api/v1 of the app is in the registry (no undocumented route).
    app_rules = {r.rule for r in client.application.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert app_rules == {r.prefix + r.rule for r in registry.routes}


def test_partner_crud_and_logo_upload(client: Any, partners: Services) -> None:
    headers = bearer(make_token(partners))
    body = {"slug": "acme", "name": "Acme IT", "type": "reseller", "tier": "gold", "region": "EMEA"}
    assert client.post("/api/v1/partners", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/partners", json=body, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    bad = client.post("/api/v1/partners", json={**body, "slug": "x2", "tier": "diamond"}, headers=headers)
    assert bad.status_code == 422 and "tier" in bad.get_json()["message"]
    assert (
        client.post(
            "/api/v1/partners", data="{", content_type="application/json", headers=headers
        ).status_code
        == 400
    )
    assert client.post("/api/v1/partners", data="slug=a", headers=headers).status_code == 415
    patched = client.patch("/api/v1/partners/acme", json={"phone": "+44 20 5550 0100"}, headers=headers)
    assert patched.get_json()["phone"] == "+44 20 5550 0100"
    filtered = client.get("/api/v1/partners?region=EMEA&per_page=100", headers=headers).get_json()
    assert "acme" in [p["slug"] for p in filtered["items"]]
    assert client.get("/api/v1/partners?region=MARS", headers=headers).status_code == 400

    png = LOGO
    raw = client.put("/api/v1/partners/acme/logo", data=png, content_type="image/png", headers=headers)
    assert raw.status_code == 200 and raw.get_json()["has_logo"]
    form = client.put("/api/v1/partners/acme/logo", data={"file": (io.BytesIO(LOGO), "logo.png")}, headers=headers,
                      content_type="multipart/form-data")  # fmt: skip
    assert form.status_code == 200
    wrong_type = client.put(
        "/api/v1/partners/acme/logo", data=png, content_type="application/pdf", headers=headers
    )
    assert wrong_type.status_code == 415 and "image/png" in wrong_type.get_json()["message"]
    not_image = client.put(
        "/api/v1/partners/acme/logo", data=b"GIF89a....", content_type="image/png", headers=headers
    )
    assert not_image.status_code == 422 and "PNG, JPEG, WebP or SVG" in not_image.get_json()["message"]

    assert client.delete("/api/v1/partners/acme", headers=headers).status_code == 204
    assert client.get("/api/v1/partners/acme", headers=headers).status_code == 404


def test_logo_over_the_limit_is_413(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAX_LOGO_BYTES=1000)
    headers = bearer(make_token(app.extensions["cobrand"]))
    client = app.test_client()
    body = {"slug": "acme", "name": "Acme IT", "type": "reseller", "tier": "gold", "region": "EMEA"}
    client.post("/api/v1/partners", json=body, headers=headers)
    assert len(LOGO) > 1000
    answer = client.put("/api/v1/partners/acme/logo", data=LOGO, content_type="image/png", headers=headers)
    assert answer.status_code == 413 and answer.get_json()["error"] == "too_large"


def test_campaign_lifecycle(client: Any, partners: Services, content: Content) -> None:
    headers = bearer(make_token(partners))
    body = {"slug": "launch", "template": content.badge, "brand_kit": content.kit,
            "audience": {"regions": ["EMEA"]}, "landing_url": "https://example.com/nx",
            "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-04-01T00:00:00Z"}  # fmt: skip
    created = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert client.post("/api/v1/campaigns", json=body, headers=headers).status_code == 409
    unknown = client.post(
        "/api/v1/campaigns", json={**body, "slug": "b", "template": "nope"}, headers=headers
    )
    assert unknown.status_code == 422 and "nope" in unknown.get_json()["message"]
    assert (
        client.patch("/api/v1/campaigns/launch", json={"title": "NX"}, headers=headers).get_json()["title"]
        == "NX"
    )
    published = client.post("/api/v1/campaigns/launch/publish", headers=headers)
    assert published.status_code == 202 and published.headers["Location"] == published.get_json()["url"]
    assert partners.queue.wait_idle(timeout=180)  # type: ignore[attr-defined]
    progress = client.get(published.get_json()["url"], headers=headers).get_json()
    assert progress["status"] == "completed" and progress["done"] == progress["total"] > 0
    assets = client.get("/api/v1/campaigns/launch/assets", headers=headers).get_json()
    assert assets["total"] == progress["total"]
    assert client.post("/api/v1/campaigns/launch/archive", headers=headers).get_json()["status"] == "archived"
    assert client.post("/api/v1/campaigns/launch/publish", headers=headers).status_code == 409
