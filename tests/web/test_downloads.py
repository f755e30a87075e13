"""Downloads on S3 (a real S3 server on loopback): every door answers 302 to a presigned URL
after recording the download once, and a partner's zip of 200 assets streams through the web
process without its memory growing with the bundle."""

from __future__ import annotations

import os
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.auth.tokens import create_token
from app.auth.users import create_user
from app.campaigns import save_campaign
from app.models import Asset, AssetStatus, Campaign, CampaignStatus, Download, Partner, UserRole
from tests.web.conftest import ADMIN, PARTNER, login

BUNDLE_ASSETS = 200
ASSET_BYTES = 256 * 1024
"""200 incompressible assets of 256 KiB: a 50 MiB bundle."""
RSS_BOUND_MIB = 20
"""How much the web process may grow while streaming the whole 50 MiB bundle: a few assets'
worth plus the allocator's slack; building the zip in memory would take more than 50."""


@pytest.fixture
def s3_app(make_app, s3_endpoint, s3_credentials, s3_bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_credentials["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_credentials["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_credentials["region_name"])
    app = make_app(
        STORAGE_URL=f"s3://{s3_bucket}/cobrand", S3_ENDPOINT_URL=s3_endpoint, WTF_CSRF_ENABLED=True
    )
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    with services.db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
        create_user(session, PARTNER[0], UserRole.PARTNER, partner_slug="summit-it", password=PARTNER[1])
    save_campaign(
        services, {"slug": "files", "title": "Files", "template": "email-header", "brand_kit": "northwind"}
    )
    with services.db.session() as session:
        session.scalar(select(Campaign).where(Campaign.slug == "files")).status = CampaignStatus.PUBLISHED
    return app


def _add_assets(services: Any, count: int, size: int) -> list[int]:
    """Rendered assets of summit-it in campaign "files", their bytes in the bucket."""
    with services.db.session() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.slug == "summit-it"))
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == "files"))
        ids = []
        for index in range(count):
            key = f"assets/files/summit-it/out-{index:03d}.pdf"
            services.storage.put(key, os.urandom(size), content_type="application/pdf")
            asset = Asset(campaign_id=campaign_id, partner_id=partner_id, output=f"out-{index:03d}",
                          status=AssetStatus.RENDERED, storage_key=key, content_type="application/pdf",
                          filename=f"files-out-{index:03d}-summit-it.pdf", size_bytes=size)  # fmt: skip
            session.add(asset)
            session.flush()
            ids.append(asset.id)
    return ids


def _downloads(services: Any, channel: str) -> int:
    with services.db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Download).where(Download.channel == channel)) or 0
        )


def _fetch(url: str) -> bytes:
    assert url.startswith("http://127.0.0.1:") and "X-Amz-Signature=" in url, url  # presigned, on loopback
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (a loopback URL, checked above)
        return answer.read()  # type: ignore[no-any-return]


def test_every_download_door_redirects_to_a_presigned_url_and_records_once(s3_app) -> None:
    services = s3_app.extensions["cobrand"]
    (asset_id,) = _add_assets(services, 1, 4096)
    expected = services.storage.open("assets/files/summit-it/out-000.pdf")
    with services.db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == "summit-it"))
        token, _ = create_token(session, name="test", partner=partner)

    doors: list[tuple[str, Any, str, dict[str, str]]] = [
        ("console", login(s3_app.test_client(), *ADMIN), f"/assets/{asset_id}/download", {}),
        ("portal", login(s3_app.test_client(), *PARTNER), f"/portal/assets/{asset_id}/download", {}),
        (
            "api",
            s3_app.test_client(),
            f"/api/v1/assets/{asset_id}/download",
            {"Authorization": f"Bearer {token}"},
        ),
    ]
    for channel, client, url, headers in doors:
        before = _downloads(services, channel)
        response = client.get(url, headers=headers)
        assert response.status_code == 302, (
            channel,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
        assert response.get_data() == b"" or len(response.get_data()) < 2048  # no file bytes in the answer
        assert _downloads(services, channel) == before + 1, channel
        assert _fetch(response.headers["Location"]) == expected, channel


def _rss_mib() -> float:
    fields = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024


def test_a_zip_of_200_assets_streams_with_flat_memory(s3_app, tmp_path: Path) -> None:
    services = s3_app.extensions["cobrand"]
    _add_assets(services, BUNDLE_ASSETS, ASSET_BYTES)
    client = login(s3_app.test_client(), *PARTNER)
    before = _downloads(services, "portal")

    start = _rss_mib()
    response = client.get("/portal/campaigns/files/download.zip", buffered=False)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.is_streamed
    peak = start
    bundle = tmp_path / "bundle.zip"
    with bundle.open("wb") as out:
        for chunk in response.response:
            out.write(chunk)
            peak = max(peak, _rss_mib())
    response.close()

    assert peak - start < RSS_BOUND_MIB, f"RSS grew {peak - start:.1f} MiB streaming a 50 MiB bundle"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert len(names) == BUNDLE_ASSETS and len(set(names)) == BUNDLE_ASSETS
        assert archive.testzip() is None  # every entry's CRC checks out
        assert archive.read("files-out-007-summit-it.pdf") == services.storage.open(
            "assets/files/summit-it/out-007.pdf"
        )
    assert bundle.stat().st_size > BUNDLE_ASSETS * ASSET_BYTES
    assert _downloads(services, "portal") == before + BUNDLE_ASSETS
