"""Console and portal pages: they render, forms validate next to the field, partners are isolated (404)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from sqlalchemy import select

from app.models import Asset, Campaign, Download, Partner
from tests.factories import png_logo
from tests.web.conftest import OTHER, PARTNER, login, post


def _assets(services: Any, partner_slug: str, campaign_slug: str) -> list[Asset]:
    with services.db.session() as session:
        return list(
            session.scalars(
                select(Asset)
                .join(Partner, Asset.partner_id == Partner.id)
                .join(Campaign, Asset.campaign_id == Campaign.id)
                .where(Partner.slug == partner_slug, Campaign.slug == campaign_slug)
            )
        )


def test_console_pages_render(admin: Any, published: Any) -> None:
    campaign_id = _assets(published, "summit-it", "na-launch")[0].campaign_id
    for url in ("/", "/dashboard", "/campaigns", "/campaigns/new", f"/campaigns/{campaign_id}",
                f"/campaigns/{campaign_id}/edit", f"/campaigns/{campaign_id}/grid", "/templates",
                "/templates/email-header", "/brand-kits", "/brand-kits/northwind", "/partners",
                "/partners?q=summit&region=NA", "/partners/summit-it/edit", "/partners/new", "/partners/import",
                "/assets", "/analytics", "/analytics?by=region&days=7"):  # fmt: skip
        response = admin.get(url)
        assert response.status_code == 200, url
    preview = admin.get(f"/campaigns/{campaign_id}/preview/worst-case/email-header-600x200.jpg")
    assert preview.status_code == 200 and preview.data[:2] == b"\xff\xd8"


def test_partners_get_404_on_console_pages(partner: Any, published: Any) -> None:
    campaign_id = _assets(published, "summit-it", "na-launch")[0].campaign_id
    for url in ("/dashboard", "/campaigns", f"/campaigns/{campaign_id}", "/partners", "/analytics", "/assets",
                f"/assets/{_assets(published, 'summit-it', 'na-launch')[0].id}/download"):  # fmt: skip
        assert partner.get(url).status_code == 404, url


def test_campaign_form_rejects_bad_input_and_keeps_it(admin: Any, users: Any) -> None:
    data = {"title": "Spring", "slug": "Bad Slug!", "template": "spring-flyer", "brand_kit": "northwind",
            "landing_url": "ftp://nope", "regions": ["na"]}  # fmt: skip
    response = post(admin, "/campaigns/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="e-slug"' in html and 'value="Bad Slug!"' in html
    assert 'value="na" checked' in html and 'value="ftp://nope"' in html
    data["slug"] = "spring"
    response = post(admin, "/campaigns/new", data, page="/campaigns/new")
    assert response.status_code == 400 and 'id="e-landing_url"' in response.get_data(as_text=True)
    data.update(landing_url="https://example.com/x", starts_at="2030-01-02T00:00", ends_at="2030-01-01T00:00")
    response = post(admin, "/campaigns/new", data, page="/campaigns/new")
    assert response.status_code == 400 and 'id="e-ends_at"' in response.get_data(as_text=True)
    data.pop("starts_at"), data.pop("ends_at")
    response = post(admin, "/campaigns/new", data, page="/campaigns/new")
    assert response.status_code == 302


def test_audience_count_is_live(admin: Any, users: Any) -> None:
    everyone = admin.get("/campaigns/audience-count?template=spring-flyer").get_json()
    na = admin.get("/campaigns/audience-count?template=spring-flyer&regions=NA").get_json()
    assert everyone["count"] == everyone["total"] > na["count"] > 0


def test_partner_form_rejects_bad_input_per_field(admin: Any, users: Any) -> None:
    data = {"name": "", "slug": "new-one", "type": "reseller", "tier": "gold", "region": "XX",
            "email": "not-an-email", "website": "nope", "country": "Germany"}  # fmt: skip
    response = post(admin, "/partners/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for name in ("name", "region", "email", "website", "country"):
        assert f'id="e-{name}"' in html, name
    assert 'value="not-an-email"' in html and 'value="Germany"' in html


def test_partner_logo_upload_rejects_garbage(admin: Any, users: Any) -> None:
    data = {"name": "Summit IT Solutions", "type": "reseller", "tier": "gold", "region": "NA",
            "logo": (io.BytesIO(b"not an image"), "logo.png")}  # fmt: skip
    response = post(admin, "/partners/summit-it/edit", data, content_type="multipart/form-data")
    assert response.status_code == 400 and 'id="e-logo"' in response.get_data(as_text=True)


def test_import_previews_row_by_row_then_imports(admin: Any, users: Any) -> None:
    csv = "slug;name;type;tier;region\r\nnew-co;New Co;reseller;gold;NA\r\nbad;Bad;unknown;gold;NA\r\n"
    data = {"file": (io.BytesIO(b"\xef\xbb\xbf" + csv.encode()), "p.csv")}
    html = post(admin, "/partners/import", data, content_type="multipart/form-data").get_data(as_text=True)
    assert "Preview: nothing has been written yet" in html
    assert 'data-label="Slug">new-co</td>' in html and "Would be created" in html
    assert "type &#39;unknown&#39;: 1 row(s) (lines 3)" in html
    with users.db.session() as session:
        assert session.scalar(select(Partner).where(Partner.slug == "new-co")) is None
    upload = re.search(r'name="upload" value="([^"]+)"', html)
    assert upload is not None
    started = post(
        admin, "/partners/import", {"upload": upload.group(1), "filename": "p.csv"}, page="/partners/import"
    )
    assert started.status_code == 302  # to the import's progress page: it runs as a job
    assert users.jobs.wait_idle(timeout=60)
    progress = admin.get(started.headers["Location"] + ".json").get_json()
    assert progress == {"done": 2, "total": 2, "percent": 100, "completed": True, "failed": 1}
    html = admin.get(started.headers["Location"]).get_data(as_text=True)
    assert "Import report" in html and "<strong>1</strong> created" in html
    with users.db.session() as session:
        assert session.scalar(select(Partner.tier).where(Partner.slug == "new-co")) == "gold"


def test_invite_partner_user(admin: Any, users: Any, client: Any) -> None:
    response = post(admin, "/partners/summit-it/invite", {"email": "new@summit-it.example"},
                    page="/partners/summit-it/edit")  # fmt: skip
    assert response.status_code == 302
    bad = post(admin, "/partners/summit-it/invite", {"email": "nope"}, page="/partners/summit-it/edit")
    assert bad.status_code == 400 and 'value="nope"' in bad.get_data(as_text=True)


def test_portal_shows_only_my_campaigns_and_assets(partner: Any, published: Any) -> None:
    html = partner.get("/portal/").get_data(as_text=True)
    assert "NA launch" in html and "EMEA only" not in html
    mine = _assets(published, "summit-it", "na-launch")[0]
    response = partner.get(f"/portal/assets/{mine.id}/download")
    assert response.status_code == 200 and response.data == published.storage.open(mine.storage_key)
    zipped = zipfile.ZipFile(io.BytesIO(partner.get("/portal/campaigns/na-launch/download.zip").data))
    assert zipped.namelist() == [mine.filename]
    with published.db.session() as session:
        assert session.scalar(select(Download).where(Download.channel == "portal")) is not None


def test_portal_404_for_anything_of_another_partner(partner: Any, published: Any) -> None:
    theirs = _assets(published, "cascade-advisors", "na-launch")[0]
    emea = _assets(published, "mueller-koehler", "emea-only")
    urls = [f"/portal/assets/{theirs.id}/download", f"/portal/assets/{theirs.id}/thumbnail",
            "/portal/campaigns/emea-only", "/portal/campaigns/emea-only/download.zip",
            "/portal/campaigns/does-not-exist", "/portal/assets/999999/download"]  # fmt: skip
    urls += [f"/portal/assets/{a.id}/download" for a in emea]
    for url in urls:
        assert partner.get(url).status_code == 404, url
    assert post(partner, "/portal/campaigns/emea-only/fields", {}, page="/portal/").status_code == 404


def test_other_partner_sees_its_own_asset_not_mine(client: Any, published: Any) -> None:
    login(client, *OTHER)
    mine = _assets(published, "summit-it", "na-launch")[0]
    theirs = _assets(published, "cascade-advisors", "na-launch")[0]
    assert client.get(f"/portal/assets/{mine.id}/download").status_code == 404
    assert client.get(f"/portal/assets/{theirs.id}/download").status_code == 200


def test_partner_fields_validate_preview_and_generate(client: Any, published: Any) -> None:
    from app.campaigns import save_campaign
    from app.publishing import start_publish

    save_campaign(published, {"slug": "flyer", "title": "Flyer", "template": "spring-flyer", "brand_kit": "northwind",
                              "audience": {"regions": ["NA"], "tiers": ["gold"]}})  # fmt: skip
    start_publish(published, "flyer")
    assert published.queue.wait_idle(timeout=120)
    login(client, *PARTNER)
    too_long = "x" * 61
    response = post(client, "/portal/campaigns/flyer/fields", {"local_offer": too_long, "action": "preview"},
                    page="/portal/campaigns/flyer")  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="e-local_offer"' in html and too_long in html
    response = post(client, "/portal/campaigns/flyer/fields", {"local_offer": "Two months free", "action": "preview"},
                    page="/portal/campaigns/flyer")  # fmt: skip
    assert response.status_code == 200 and "data:image/jpeg;base64," in response.get_data(as_text=True)
    response = post(client, "/portal/campaigns/flyer/fields", {"local_offer": "Two months free", "action": "generate"},
                    page="/portal/campaigns/flyer")  # fmt: skip
    assert response.status_code == 302
    assert published.queue.wait_idle(timeout=120)
    assert client.get("/portal/progress.json").get_json()["completed"] is True


def test_profile_validates_and_publishes_again(partner: Any, published: Any) -> None:
    response = post(partner, "/portal/profile", {"email": "bad", "phone": "1", "website": "", "address": ""})
    assert response.status_code == 400 and 'value="bad"' in response.get_data(as_text=True)
    check = post(partner, "/portal/profile/logo-check", {"logo": (io.BytesIO(b"junk"), "x.png")},
                 page="/portal/profile", content_type="multipart/form-data")  # fmt: skip
    assert check.status_code == 422 and check.get_json()["ok"] is False
    logo = png_logo(300, 120, color="#118844")
    check = post(partner, "/portal/profile/logo-check", {"logo": (io.BytesIO(logo), "x.png")},
                 page="/portal/profile", content_type="multipart/form-data")  # fmt: skip
    assert check.get_json()["ok"] is True and check.get_json()["preview"].startswith("data:image/jpeg")
    before = _assets(published, "summit-it", "na-launch")[0].fingerprint
    data = {"email": "new@summit-it.example", "phone": "+1 555", "website": "https://summit-it.example.com",
            "address": "Denver", "logo": (io.BytesIO(logo), "logo.png")}  # fmt: skip
    assert post(partner, "/portal/profile", data, content_type="multipart/form-data").status_code == 302
    assert published.queue.wait_idle(timeout=120)
    assert partner.get("/portal/progress.json").get_json()["completed"] is True
    assert (
        partner.get("/portal/regeneration.json").headers["Location"].endswith("/portal/progress.json")
    )  # old URL
    assert _assets(published, "summit-it", "na-launch")[0].fingerprint != before
