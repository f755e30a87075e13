"""Stored files go out one way (app.downloads.send_file) with the content type recorded when they
were stored: a WebP logo is image/webp in the console and the portal, a missing file is a 404."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy import select

from app.models import Partner
from tests.web.conftest import ADMIN, PARTNER, login


def webp_logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, "WEBP")
    return out.getvalue()


def give_logo(services: Any, data: bytes) -> None:
    services.storage.put("partner-logos/odd-name.bin", data, content_type="image/webp")
    with services.db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == "summit-it"))
        assert partner is not None
        partner.logo_key = "partner-logos/odd-name.bin"  # no extension to guess from: the record decides


def test_the_console_serves_a_logo_with_its_recorded_type(client: Any, users: Any) -> None:
    data = webp_logo()
    give_logo(users, data)
    login(client, *ADMIN)
    console = client.get("/partners/summit-it/logo")
    assert console.status_code == 200 and console.mimetype == "image/webp" and console.data == data
    users.storage.delete("partner-logos/odd-name.bin")
    assert client.get("/partners/summit-it/logo").status_code == 404


def test_the_portal_serves_the_recorded_type_too(users: Any, client: Any) -> None:
    data = webp_logo()
    give_logo(users, data)
    login(client, *PARTNER)
    portal = client.get("/portal/profile/logo")
    assert portal.status_code == 200 and portal.mimetype == "image/webp" and portal.data == data
    users.storage.delete("partner-logos/odd-name.bin")
    assert client.get("/portal/profile/logo").status_code == 404
