"""NUL and bidi controls are stripped from text whichever door it comes in through (one flush
listener cleans every row written): console and portal forms, API bodies, CSV and XLSX imports and
webhook payloads."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from openpyxl import Workbook
from sqlalchemy import select

from app.models import Partner, WebhookEvent
from app.services import Services
from tests.api_support import WEBHOOK_SECRET, bearer, make_token, signed
from tests.web.conftest import post

UNSAFE = "\x00\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TROJAN = f"Evil{UNSAFE}Corp"
CLEAN = "EvilCorp"
UNSAFE_SET = set(UNSAFE)


def _partner(services: Services, slug: str) -> Partner:
    with services.db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug))
        assert partner is not None
        return partner


def _has_no_unsafe(value: Any) -> bool:
    return not (set(repr(value)) & UNSAFE_SET) and "\\x00" not in repr(value) and "\\u202" not in repr(value)


def test_console_form(admin: Any, users: Services) -> None:
    page = "/partners/summit-it/edit"
    values = {k: v or "" for k, v in _form_values(users, "summit-it").items()} | {
        "name": TROJAN,
        "active": "on",
    }
    response = post(admin, page, values)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _partner(users, "summit-it").name == CLEAN


def test_portal_form(partner: Any, users: Services) -> None:
    current = _partner(users, "summit-it")
    response = post(partner, "/portal/profile", {"email": current.email or "", "phone": current.phone or "",
                                                 "website": current.website or "",
                                                 "address": f"1 {TROJAN} Street"})  # fmt: skip
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
    assert _partner(users, "summit-it").address == f"1 {CLEAN} Street"


def test_api_body(client: Any, sample_partners: Services) -> None:
    response = client.patch("/api/v1/partners/summit-it", json={"name": TROJAN, "custom_fields": {"account_manager": TROJAN}},
                            headers=bearer(make_token(sample_partners)))  # fmt: skip
    assert response.status_code == 200, response.get_json()
    partner = _partner(sample_partners, "summit-it")
    assert (
        partner.name == CLEAN
        and _has_no_unsafe(partner.custom_fields)
        and partner.custom_fields["account_manager"] == CLEAN
    )


def test_csv_import(client: Any, services: Services) -> None:
    csv = f"slug,name,type,tier,region\ntrojan-csv,{TROJAN},reseller,gold,na\n".encode()
    response = client.post("/api/v1/partners/import", data=csv,
                           headers={**bearer(make_token(services)), "Content-Type": "text/csv"})  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert _partner(services, "trojan-csv").name == CLEAN


def test_xlsx_import(client: Any, services: Services) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["slug", "name", "type", "tier", "region"])
    # openpyxl refuses control characters in cells, so the XLSX carries the bidi controls only.
    sheet.append(["trojan-xlsx", TROJAN.replace("\x00", ""), "reseller", "gold", "na"])
    data = io.BytesIO()
    book.save(data)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = client.post("/api/v1/partners/import", data=data.getvalue(),
                           headers={**bearer(make_token(services)), "Content-Type": xlsx})  # fmt: skip
    assert response.status_code == 200, response.get_json()
    assert _partner(services, "trojan-xlsx").name == CLEAN


def test_webhook_payload(make_app: Any) -> None:
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    app: Flask = make_app(WEBHOOK_SECRETS=f"prm={WEBHOOK_SECRET}")
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    event = {"id": f"evt{UNSAFE}-1", "type": "partner.updated", "data": {"slug": "summit-it", "name": TROJAN}}
    body, headers = signed(event)
    response = app.test_client().post("/api/v1/webhooks/prm", data=body, headers=headers)
    assert response.status_code == 202, response.get_json()
    assert services.queue.wait_idle(timeout=120)
    with services.db.session() as session:
        row = session.scalars(select(WebhookEvent)).one()
    assert row.event_id == "evt-1" and row.payload["data"]["name"] == CLEAN and _has_no_unsafe(row.payload)
    assert _partner(services, "summit-it").name == CLEAN


def _form_values(services: Services, slug: str) -> dict[str, Any]:
    from app.web.partner_pages import FIELDS

    partner = _partner(services, slug)
    return {k: getattr(partner, k) for k in FIELDS if k != "slug"}
