"""Bring your own design, through the API: upload a PDF from another tool with zones, publish, check."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.models import Asset, AssetStatus, Campaign, DesignTemplate, Partner
from app.render_inputs import partner_links
from app.rendering.model import DesignZone
from app.services import Services
from tests.api_support import bearer, make_token
from tests.factories import FONT_FAMILY, PARTNERS, Content
from tests.pdfcheck import pdf_facts
from tests.support.designs import (
    RASTER_DPI,
    design_pdf,
    differing_outside,
    hostile_pdfs,
    raster,
    trim_offset_px,
    zone_mask,
)
from tests.support.qr import decode_qr

MASTER = design_pdf(bleed_mm=3)
"""A4 with 3 mm bleed, made by reportlab: artwork at the top, a plain panel below for the zones."""
ZONES = [
    {"page": 1, "kind": "logo", "x_mm": 15, "y_mm": 231, "width_mm": 60, "height_mm": 24},
    {"page": 1, "kind": "name", "x_mm": 15, "y_mm": 258, "width_mm": 125, "height_mm": 9, "font": FONT_FAMILY,
     "weight": 700, "max_size_pt": 16, "min_size_pt": 9, "color": "primary"},
    {"page": 1, "kind": "contact", "x_mm": 15, "y_mm": 268, "width_mm": 125, "height_mm": 17,
     "fields": ["phone", "email", "website"], "max_size_pt": 9.5, "min_size_pt": 6.5},
    {"page": 1, "kind": "qr", "x_mm": 160, "y_mm": 240, "width_mm": 36, "height_mm": 36},
]  # fmt: skip
PX_PER_MM = RASTER_DPI / 25.4


def upload(client: Any, headers: dict[str, str], master: bytes, *, slug: str = "partner-flyer",
           zones: Any = ZONES, filename: str = "flyer.pdf", **fields: str) -> Any:  # fmt: skip
    data = {"slug": slug, "title": "Partner flyer", "zones": json.dumps(zones),
            "master": (io.BytesIO(master), filename), **fields}  # fmt: skip
    return client.post("/api/v1/templates", data=data, headers=headers, content_type="multipart/form-data")


def qr_texts(page: Any, zone: DesignZone, offset: tuple[float, float]) -> list[str]:
    margin = 6
    box = (offset[0] + (zone.x_mm - margin) * PX_PER_MM, offset[1] + (zone.y_mm - margin) * PX_PER_MM,
           offset[0] + (zone.x_mm + zone.width_mm + margin) * PX_PER_MM,
           offset[1] + (zone.y_mm + zone.height_mm + margin) * PX_PER_MM)  # fmt: skip
    out = io.BytesIO()
    page.crop(tuple(round(v) for v in box)).resize((600, 600)).save(out, format="PNG")
    return decode_qr(out.getvalue())


def test_uploaded_design_is_published_for_the_partners(
    client: Any, partners: Services, content: Content
) -> None:
    services = partners
    headers = bearer(make_token(services))
    answer = upload(client, headers, MASTER, audience=json.dumps({"regions": ["EMEA", "NA"]}))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["kind"] == "design" and body["outputs"] == ["design"] and body["zones"][0]["kind"] == "logo"
    assert [{k: z[k] for k in ZONES[i]} for i, z in enumerate(body["zones"])] == ZONES
    assert body["pages"] == [{"width_mm": 210.0, "height_mm": 297.0}]
    created = client.post("/api/v1/campaigns", headers=headers, json={
        "slug": "byod", "template": "partner-flyer", "brand_kit": content.kit,
        "landing_url": "https://vendor.example.com/byod"})  # fmt: skip
    assert created.status_code == 201, created.get_json()
    assert client.post("/api/v1/campaigns/byod/publish", headers=headers).status_code == 202
    assert services.jobs.wait_idle(timeout=300)

    before = raster(MASTER)
    offset = trim_offset_px(MASTER)
    zones = [DesignZone(**{k: v for k, v in z.items() if k in ("page", "kind", "x_mm", "y_mm", "width_mm", "height_mm")})
             for z in ZONES]  # fmt: skip
    mask = zone_mask(before.size, zones, offset, PX_PER_MM)
    with services.db.session() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "byod"))
        eligible = session.scalars(select(Partner).where(Partner.region.in_(["emea", "na"]))).all()
        assets = session.scalars(select(Asset).where(Asset.campaign_id == campaign.id)).all()
        assert len(eligible) == sum(p["region"] in ("emea", "na") for p in PARTNERS) > 1
        assert {a.partner_id for a in assets} == {p.id for p in eligible}
        for asset in assets:
            assert asset.status == AssetStatus.RENDERED, asset.error
            data = services.storage.open(asset.storage_key)
            assert data.startswith(MASTER)  # the designer's file, untouched, then our update
            after = raster(data)
            assert differing_outside(before, after, mask) == 0, asset.partner.slug
            assert "".join(asset.partner.name.split()) in pdf_facts(data).compact_text
            assert qr_texts(after, zones[3], offset) == [
                partner_links(services, session, campaign.id, asset.partner_id)["qr"]
            ]


def test_a_new_upload_is_a_new_version_and_re_renders(
    client: Any, partners: Services, content: Content
) -> None:
    services = partners
    headers = bearer(make_token(services))
    first = upload(client, headers, MASTER).get_json()
    client.post("/api/v1/campaigns", headers=headers,
                json={"slug": "v", "template": "partner-flyer", "brand_kit": content.kit})  # fmt: skip
    client.post("/api/v1/campaigns/v/publish", headers=headers)
    assert services.jobs.wait_idle(timeout=300)
    same = upload(client, headers, MASTER)
    assert (
        same.status_code == 200 and same.get_json()["changed"] is False and same.get_json()["publishes"] == []
    )
    moved = [{**ZONES[1], "y_mm": 200}]
    second = upload(client, headers, design_pdf(), zones=moved)
    assert second.status_code == 200, second.get_json()
    assert second.get_json()["version"] != first["version"] and len(second.get_json()["publishes"]) == 1
    assert services.jobs.wait_idle(timeout=300)
    with services.db.session() as session:
        assets = session.scalars(select(Asset)).all()
        assert assets and all(a.status == AssetStatus.RENDERED for a in assets)
        assert all(services.storage.open(a.storage_key).startswith(design_pdf()) for a in assets)
    zones = client.put("/api/v1/templates/partner-flyer/zones", headers=headers, json={"zones": ZONES[:1]})
    assert zones.status_code == 200 and [z["kind"] for z in zones.get_json()["zones"]] == ["logo"]
    assert (
        client.get("/api/v1/templates/partner-flyer", headers=headers).get_json()["version"]
        == zones.get_json()["version"]
    )


@pytest.mark.parametrize("name", sorted(hostile_pdfs()))
def test_hostile_uploads_are_refused_and_nothing_is_stored(
    client: Any, services: Services, name: str
) -> None:
    data, words = hostile_pdfs()[name]
    answer = upload(client, bearer(make_token(services)), data, filename=f"{name}.pdf")
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid" and words in answer.get_json()["message"]
    assert "\n" not in answer.get_json()["message"]
    assert list(services.storage.list("designs/")) == []
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(DesignTemplate)) == 0


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"zones": "[{"}, 422, "zones: not valid JSON"),
        (
            {"zones": json.dumps([{**ZONES[0], "page": 3}])},
            422,
            "zones[0].page: 3 is not a page of the master",
        ),
        ({"slug": "flyer"}, 422, "is a template folder in git"),  # the content root's flyer
        ({"slug": "Bad Slug"}, 422, "slug"),
    ],
)
def test_bad_uploads_are_named(client: Any, services: Services, fields: dict[str, str], status: int,
                               words: str) -> None:  # fmt: skip
    headers = bearer(make_token(services))
    data = {
        "slug": "x",
        "title": "X",
        "zones": json.dumps(ZONES),
        "master": (io.BytesIO(MASTER), "f.pdf"),
        **fields,
    }
    answer = client.post("/api/v1/templates", data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == status and words in answer.get_json()["message"], answer.get_json()
    assert list(services.storage.list("designs/")) == []


def test_partner_tokens_cannot_upload(client: Any, partners: Services) -> None:
    token = make_token(partners, "alpine")
    assert upload(client, bearer(token), MASTER).status_code == 403


def test_audience_rules_and_editable_fields_of_an_upload(client: Any, partners: Services) -> None:
    headers = bearer(make_token(partners))
    zones = [*ZONES, {"page": 1, "kind": "text", "text": "{{ fields.offer }}", "x_mm": 80, "y_mm": 231,
                      "width_mm": 70, "height_mm": 20, "background": "#FFFFFF", "align": "right"}]  # fmt: skip
    answer = upload(client, headers, MASTER, zones=zones,
                    audience=json.dumps({"min_tier": "gold", "countries": ["de", "US"]}),
                    editable=json.dumps({"offer": {"label": "Offer", "max_length": 40, "default": "Free pilot"}}))  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["audience"]["min_tier"] == "gold" and body["audience"]["countries"] == ["DE", "US"]
    assert body["editable_fields"] == ["offer"] and body["zones"][4]["background"] == "#FFFFFF"
    bad = upload(client, headers, MASTER, slug="bad-audience", audience=json.dumps({"continent": ["EU"]}))
    assert bad.status_code == 422 and "audience.continent: unknown rule" in bad.get_json()["message"]
