"""A replaced logo is deleted from storage once no partner uses it and the partner's assets were
rendered again; a logo two partners share survives one replacing it. Logos have a storage quota."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.errors import UploadRejected
from app.models import Partner, RetiredLogo
from app.partner_import import import_partners_file
from app.partners import store_logo
from app.publishing import start_publish
from app.services import Services
from tests.factories import Content, png_logo


def _published(app: Flask, content: Content) -> Services:
    from app.campaigns import save_campaign

    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, content.partners_csv).errors == []
    save_campaign(services, {"slug": "launch", "template": content.badge, "brand_kit": content.kit})
    start_publish(services, "launch")
    assert services.queue.wait_idle(timeout=180)
    return services


def _replace_logo(services: Services, slug: str, data: bytes) -> tuple[str, str]:
    """(old key, new key) of the partner's logo after storing data as its logo."""
    with services.db.session() as session:
        partner = session.scalars(select(Partner).where(Partner.slug == slug)).one()
        old = partner.logo_key
        store_logo(services, partner, data)
        new = partner.logo_key
    assert old and new and old != new
    return old, new


def _republish(services: Services) -> None:
    start_publish(services, "launch")
    assert services.queue.wait_idle(timeout=180)


def _check_replacement(services: Services) -> None:
    old, new = _replace_logo(services, "alpine", png_logo(320, 120, color="#aa2244"))
    # Its assets still come from the old logo (a running publish may read it): kept until re-rendered.
    assert services.storage.exists(old) and services.storage.exists(new)
    _republish(services)
    assert not services.storage.exists(old) and services.storage.exists(new)
    with services.db.session() as session:
        assert session.scalars(select(RetiredLogo)).all() == []


def test_replaced_logo_is_deleted_after_re_render_local(
    make_app: Callable[..., Flask], content: Content
) -> None:
    _check_replacement(_published(make_app(), content))


@pytest.mark.postgres
def test_replaced_logo_is_deleted_after_re_render_s3(
    make_app: Callable[..., Flask], postgres_db: str, s3_endpoint: str, s3_credentials: dict[str, str],
    s3_bucket: str, s3_client: Any, monkeypatch: pytest.MonkeyPatch, content: Content,
) -> None:  # fmt: skip
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_credentials["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_credentials["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_credentials["region_name"])
    services = _published(make_app(DATABASE_URL=postgres_db, STORAGE_URL=f"s3://{s3_bucket}/cobrand",
                                   S3_ENDPOINT_URL=s3_endpoint), content)  # fmt: skip
    with services.db.session() as session:
        old = session.scalars(select(Partner.logo_key).where(Partner.slug == "alpine")).one()
    _check_replacement(services)
    listed = s3_client.list_objects_v2(Bucket=s3_bucket, Prefix="cobrand/partner-logos/")
    keys = {o["Key"] for o in listed.get("Contents", [])}
    assert f"cobrand/{old}" not in keys and len(keys) == 4  # alpine's new one and the three others'


def test_a_shared_logo_survives_one_partner_replacing_it(
    make_app: Callable[..., Flask], content: Content
) -> None:
    services = _published(make_app(), content)
    shared = png_logo(300, 100, color="#224488")
    _replace_logo(services, "alpine", shared)
    _, shared_key = _replace_logo(services, "dune", shared)
    _republish(services)
    old, _ = _replace_logo(services, "alpine", png_logo(310, 100, color="#118844"))
    assert old == shared_key
    _republish(services)
    assert services.storage.exists(shared_key)  # dune still uses it
    _replace_logo(services, "dune", png_logo(330, 100, color="#884411"))
    _republish(services)
    assert not services.storage.exists(shared_key)


def test_a_partner_without_assets_frees_its_old_logo_at_once(
    make_app: Callable[..., Flask], content: Content
) -> None:
    services: Services = make_app().extensions["cobrand"]
    assert import_partners_file(services, content.partners_csv).errors == []
    old, new = _replace_logo(services, "alpine", png_logo(320, 120, color="#aa2244"))
    assert not services.storage.exists(old) and services.storage.exists(new)


def test_storage_quota_refuses_a_logo_in_one_line(make_app: Callable[..., Flask], content: Content) -> None:
    first, second = png_logo(400, 160, color="#aa2244"), png_logo(410, 160, color="#2244aa")
    services = _published(make_app(PARTNER_STORAGE_QUOTA_BYTES=max(len(first), len(second)) + 10), content)
    _replace_logo(services, "alpine", first)  # the sample logo now waits for the re-render
    with pytest.raises(UploadRejected) as refused:
        _replace_logo(services, "alpine", second)  # first + the waiting sample logo: over the quota
    message = str(refused.value)
    assert "quota" in message and "alpine" in message and "\n" not in message
    assert not services.storage.exists(f"partner-logos/{hashlib.sha256(second).hexdigest()}.png")
    _republish(services)  # the replaced logo is deleted and no longer counts
    _replace_logo(services, "alpine", second)
