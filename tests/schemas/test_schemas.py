"""One schema per input: the same partner rules at every door, errors by field, OpenAPI from the models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.auth.users import create_user
from app.models import Partner, UserRole, WebhookEvent
from app.partner_import import import_partners
from app.rendering.program import PartnerProgram, load_program
from app.schemas import SchemaInvalid, json_schema, validate
from app.schemas.campaigns import CampaignCreate
from app.schemas.partners import PartnerCreate, PartnerImportRow, PartnerUpdate, PartnerWebhookCreate
from tests.api_support import WEBHOOK_SECRET, bearer, make_token, signed
from tests.web.conftest import login, post

PROGRAM = """
[types.var]
label = "Value Added Reseller"
aliases = ["VAR"]

[tiers.bronze]
label = "Bronze"
rank = 1

[tiers.diamond]
label = "Diamond Partner"
rank = 2

[regions.mars]
label = "Mars"
countries = ["MA"]

[attributes.industry]
label = "Industry"
values = ["mining", "farming"]
multiple = true

[import.columns]
"Account Name" = "name"
"Partner Type" = "type"
"Partner Level" = "tier"
"""
BAD_TIER = "tier: 'gold' is not one of bronze, diamond"


@pytest.fixture
def program_file(tmp_path: Path) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(PROGRAM)
    return path


@pytest.fixture
def program(program_file: Path) -> PartnerProgram:
    return load_program(program_file)


def test_the_partner_schema_takes_the_programs_values_in_any_spelling(program: PartnerProgram) -> None:
    body = {"slug": "acme", "name": " Acme ", "type": "value added reseller", "tier": "DIAMOND PARTNER",
            "country": "ma", "attributes": {"industry": "Mining; farming"}}  # fmt: skip
    assert validate(PartnerCreate, body, program).values() == {
        "slug": "acme", "name": "Acme", "type": "var", "tier": "diamond", "region": "mars", "country": "MA",
        "attributes": {"industry": ["mining", "farming"]},
    }  # fmt: skip
    # An export row has no slug: it is made from the name; the region comes from the country.
    row = validate(PartnerImportRow, {"name": "Müller & Söhne", "type": "VAR", "tier": "bronze", "country": "MA",
                                      "active": "no"}, program).values()  # fmt: skip
    assert (row["slug"], row["region"], row["active"]) == ("muller-sohne", "mars", False)
    # A webhook sender's extra keys and nulls are left out; an API body's are refused.
    sent = {**body, "crm_id": 42, "phone": None}
    assert validate(PartnerWebhookCreate, sent, program).values()["tier"] == "diamond"
    with pytest.raises(SchemaInvalid) as refused:
        validate(PartnerCreate, sent, program)
    assert set(refused.value.problems) == {"crm_id", "phone"}


def test_every_problem_is_named_by_its_field_with_what_would_be_valid(program: PartnerProgram) -> None:
    with pytest.raises(SchemaInvalid) as caught:
        validate(PartnerCreate, {"slug": "Not A Slug", "name": "", "type": "var", "tier": "gold", "region": "mars",
                                 "email": "nope", "country": "Germany",
                                 "attributes": {"industry": ["mining", "fishing"], "size": "big"}}, program)  # fmt: skip
    assert caught.value.problems == {
        "slug": "'Not A Slug' must be lowercase letters, digits and dashes (max 64)",
        "name": "required",
        "tier": "'gold' is not one of bronze, diamond",
        "email": "'nope' is not an email address",
        "country": "'GERMANY' is not a two-letter ISO code",
        "attributes.industry": "'fishing' is not one of mining, farming",
        "attributes.size": "not an attribute of the partner program (known: industry)",
    }
    message = str(caught.value)
    assert "\n" not in message and BAD_TIER in message
    # An update names only what it is given; a slug is not a field an update may change.
    with pytest.raises(SchemaInvalid) as update:
        validate(PartnerUpdate, {"slug": "new", "tier": "Bronze"}, program)
    assert list(update.value.problems) == ["slug"] and "not a field here" in update.value.problems["slug"]


def test_campaign_schema_checks_audience_and_dates(program: PartnerProgram) -> None:
    good = validate(CampaignCreate, {"slug": "c", "template": "t", "brand_kit": "k",
                                     "audience": {"min_tier": "Bronze", "regions": ["MARS"]},
                                     "starts_at": "2030-01-01T00:00:00Z"}, program).values()  # fmt: skip
    assert good["audience"]["min_tier"] == "bronze" and good["audience"]["regions"] == ["mars"]
    with pytest.raises(SchemaInvalid) as caught:
        validate(CampaignCreate, {"slug": "c", "template": "t", "brand_kit": "k", "landing_url": "ftp://x",
                                  "audience": {"tiers": ["gold"], "continent": "x"}}, program)  # fmt: skip
    problems = caught.value.problems
    assert problems["audience.tiers"] == BAD_TIER.replace("tier: ", "audience.tiers: ").split(": ", 1)[1]
    assert problems["audience.continent"].startswith("unknown rule")
    assert problems["landing_url"] == "'ftp://x' must start with https:// or http://"
    with pytest.raises(SchemaInvalid) as backwards:
        validate(CampaignCreate, {"slug": "c", "template": "t", "brand_kit": "k", "starts_at": "2030-02-01",
                                  "ends_at": "2030-01-01"}, program)  # fmt: skip
    assert backwards.value.problems == {"ends_at": "must be after starts_at"}


def test_json_schema_is_the_models_with_program_markers() -> None:
    schema = json_schema(PartnerCreate)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"slug", "name", "type", "tier", "region"}
    assert schema["properties"]["tier"] == {"type": "string", "x-program": "tier"}
    assert "$defs" not in str(schema) and "title" not in schema
    assert "slug" not in json_schema(PartnerUpdate)["properties"]


def _schema_of(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]


def test_openapi_lists_the_loaded_programs_values(make_app: Callable[..., Flask], program_file: Path) -> None:
    app = make_app(PARTNER_PROGRAM_FILE=str(program_file))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    create = _schema_of(document, "post", "/api/v1/partners")
    assert create["properties"]["tier"]["enum"] == ["bronze", "diamond"]
    assert create["properties"]["region"]["enum"] == ["mars"]
    assert "x-program" not in str(document)
    audience = _schema_of(document, "post", "/api/v1/campaigns")["properties"]["audience"]
    assert audience["properties"]["min_tier"]["enum"] == ["bronze", "diamond"]
    assert audience["properties"]["types"]["items"]["enum"] == ["var"]


def test_one_bad_tier_gets_one_message_at_every_door(
    make_app: Callable[..., Flask], program_file: Path, tmp_path: Path
) -> None:
    app = make_app(PARTNER_PROGRAM_FILE=str(program_file), WEBHOOK_SECRETS=f"prm={WEBHOOK_SECRET}")
    services = app.extensions["cobrand"]
    client = app.test_client()
    body = {"slug": "acme", "name": "Acme", "type": "VAR", "tier": "gold", "region": "mars"}

    api = client.post("/api/v1/partners", json=body, headers=bearer(make_token(services)))
    assert api.status_code == 422 and api.get_json()["message"] == BAD_TIER

    with services.db.session() as session:
        create_user(session, "admin@example.com", UserRole.ADMIN, password="admin-password-1")
    login(client, "admin@example.com", "admin-password-1")
    form = post(client, "/partners/new", body)
    html = form.get_data(as_text=True)
    assert form.status_code == 400 and 'id="e-tier"' in html and "is not one of bronze, diamond" in html

    event = {"id": "e1", "type": "partner.created", "data": {**body, "prm_id": 7}}
    assert (
        client.post("/api/v1/webhooks/prm", data=signed(event)[0], headers=signed(event)[1]).status_code
        == 202
    )
    assert services.queue.wait_idle(timeout=60)
    with services.db.session() as session:
        stored = session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == "e1"))
        assert stored is not None and (stored.status, stored.error) == ("failed", f"data.{BAD_TIER}")
        assert session.scalar(select(Partner.id)) is None

    # The import groups unknown values (so one fix clears many rows); a known one passes the same schema.
    csv = b"Account Name,Partner Type,Partner Level,Country\nAcme,VAR,gold,MA\nBeta,VAR,Diamond Partner,MA\n"
    report = import_partners(services, csv, filename="export.csv")
    assert (report.created, report.rejected) == (1, 1)
    with services.db.session() as session:
        assert session.execute(select(Partner.slug, Partner.tier, Partner.region)).all() == [
            ("beta", "diamond", "mars")
        ]
