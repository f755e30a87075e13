"""Error text never shows a server path, a traceback or a Python object repr, in HTML, JSON or an
import report: the main error paths are provoked and every answer is searched."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

from flask import Flask

from app.auth.users import create_user
from app.config import PROJECT_ROOT
from app.errors import InvalidInput, public_text
from app.models import UserRole
from app.partner_import import import_partners_file
from tests.api_support import bearer, make_token
from tests.fixtures_app import SAMPLE_CSV
from tests.web.conftest import login, post

LEAKS = re.compile(r"/(?:work|root|home|usr|tmp|opt|var)/|site-packages|Traceback|object at 0x")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def assert_clean(text: str, *roots: Path) -> None:
    assert not LEAKS.search(text), LEAKS.search(text)
    for root in roots:
        assert str(root) not in text


def test_public_text_cuts_paths_reprs_and_tracebacks() -> None:
    text = public_text("/work/main/brand_kits/acme/brand.toml: x; '/root/.venv/lib/site-packages/PIL/Image.py' "
                       "<_io.BytesIO object at 0x7f00ab> https://example.com/usr/x\nTraceback (most recent call last):")  # fmt: skip
    assert text == "brand_kits/acme/brand.toml: x; 'Image.py' the data https://example.com/usr/x"
    assert str(InvalidInput("cannot read /tmp/pytest-1/x/partners.csv")) == "cannot read partners.csv"


def test_api_error_paths(client: Any, sample_partners: Any) -> None:
    headers = bearer(make_token(sample_partners))
    answers = [
        client.put("/api/v1/partners/summit-it/logo", data=b"\x89PNG\r\n\x1a\n" + b"junk" * 50,
                   headers={**headers, "Content-Type": "image/png"}),  # fmt: skip
        client.put("/api/v1/partners/summit-it/logo", data=b"<svg><nope", headers={**headers, "Content-Type": "image/svg+xml"}),
        client.post("/api/v1/partners/import", data=b"PK\x03\x04" + b"\x00" * 200, headers={**headers, "Content-Type": XLSX}),
        client.post("/api/v1/partners/import", data=b"slug,name,type,tier,region,logo\nx,X,reseller,gold,na,/etc/passwd\n"
                    b"y,Y,reseller,gold,na,../../../../x.png\n", headers={**headers, "Content-Type": "text/csv"}),
        client.post("/api/v1/templates", data={"slug": "junk", "title": "Junk", "zones": "[]",
                                               "master": (io.BytesIO(b"%PDF-1.7 junk"), "flyer.pdf")},
                    headers=headers, content_type="multipart/form-data"),
        client.post("/api/v1/campaigns", data="{", headers={**headers, "Content-Type": "application/json"}),
        client.get("/api/v1/no-such-thing", headers=headers),
        client.delete("/api/v1/partners/import", headers=headers),
    ]  # fmt: skip
    for answer in answers:
        assert answer.status_code in (200, 400, 404, 405, 413, 415, 422), answer.status_code
        assert_clean(answer.get_data(as_text=True), PROJECT_ROOT)
        if answer.status_code != 200:
            assert set(answer.get_json()) == {"error", "message"}


def test_console_and_import_report_error_paths(make_app: Any, tmp_path: Path) -> None:
    kits, templates = tmp_path / "content" / "brand_kits", tmp_path / "content" / "campaign_templates"
    shutil.copytree(PROJECT_ROOT / "brand_kits", kits)
    shutil.copytree(PROJECT_ROOT / "campaign_templates", templates)
    (kits / "broken").mkdir()
    (kits / "broken" / "brand.toml").write_text("name = [unclosed\n")
    (templates / "broken").mkdir()
    (templates / "broken" / "template.toml").write_text("[outputs\n")
    app: Flask = make_app(BRAND_KITS_DIR=str(kits), TEMPLATES_DIR=str(templates))
    services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    with services.db.session() as session:
        create_user(session, "admin@example.com", UserRole.ADMIN, password="admin-password-1")
    client = login(app.test_client(), "admin@example.com", "admin-password-1")
    pages = [
        client.get(url)
        for url in ("/brand-kits", "/brand-kits/broken", "/templates", "/templates/broken", "/nowhere")
    ]
    for page in pages:
        assert page.status_code in (200, 404, 422), page.status_code
        assert_clean(page.get_data(as_text=True), tmp_path, PROJECT_ROOT)
    assert "brand_kits/broken/brand.toml" in pages[0].get_data(as_text=True)  # the content's own path stays
    junk_logo = post(client, "/partners/summit-it/edit", {"name": "Summit", "type": "reseller", "tier": "gold", "region": "na",
                     "logo": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"junk" * 50), "logo.png")},
                     page="/partners/summit-it/edit", content_type="multipart/form-data")  # fmt: skip
    assert junk_logo.status_code == 400
    assert_clean(junk_logo.get_data(as_text=True), tmp_path, PROJECT_ROOT)
    # A CSV whose logo files are missing or outside its folder, imported from disk: the report names them plainly.
    folder = tmp_path / "export"
    folder.mkdir()
    csv = folder / "partners.csv"
    csv.write_text("slug,name,type,tier,region,logo\nx1,X,reseller,gold,na,missing.png\n"
                   "x2,Y,reseller,gold,na,../../../etc/passwd\nx3,Z,reseller,gold,na,bad.png\n")  # fmt: skip
    (folder / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"junk" * 50)
    report = import_partners_file(services, csv)
    text = json.dumps(report.as_json())
    assert len(report.logo_problems) == 3, text
    assert_clean(text, tmp_path, PROJECT_ROOT)
    try:
        import_partners_file(services, tmp_path / "nothing-here.csv")
    except InvalidInput as exc:
        assert_clean(str(exc), tmp_path)
    else:
        raise AssertionError("a missing file was imported")
