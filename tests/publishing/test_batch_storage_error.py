"""A storage error in the middle of a batch: what was stored is recorded, the rest is tried again.

One partner's thumbnails cannot be written (a file stands where their folder would be). The batch
still stores and records every other asset, emits their events, then fails; once the path is
free again the retry renders only that partner's assets.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app import batches
from app.events import Event
from app.models import Asset, AssetStatus, Partner
from app.publishing import plan_publish
from app.services import Services
from tests.factories import Content


def _assets(services: Services) -> dict[tuple[str, str], Asset]:
    with services.db.session() as session:
        rows = session.execute(
            select(Partner.slug, Asset).join(Partner, Asset.partner_id == Partner.id)
        ).all()
        session.expunge_all()
    return {(slug, asset.output): asset for slug, asset in rows}


def test_an_upload_error_keeps_what_was_stored_and_the_retry_does_the_rest(
    partners: Services, content: Content
) -> None:
    services = partners
    from app.campaigns import save_campaign

    save_campaign(services, {"slug": "spring", "title": "Spring", "template": content.flyer, "brand_kit": content.kit,
                             "landing_url": "https://vendor.example.com/spring"})  # fmt: skip
    plan = plan_publish(services, "spring")
    partner_ids = [p for batch in plan.batches for p in batch]
    with services.db.session() as session:
        slugs = sorted(session.scalars(select(Partner.slug).where(Partner.id.in_(partner_ids))))
    assert len(slugs) >= 3
    blocked = slugs[len(slugs) // 2]
    root = Path(services.storage.root)  # type: ignore[attr-defined]
    wall = root / "thumbnails" / "spring" / blocked
    wall.parent.mkdir(parents=True, exist_ok=True)
    wall.write_bytes(b"not a folder")
    seen: list[Event] = []
    services.events.subscribe(seen.extend)

    with pytest.raises(OSError):
        batches.render_batch(services, plan.publish_id, partner_ids)

    first = _assets(services)
    outputs = sorted({output for _, output in first})
    for (slug, output), asset in first.items():
        if slug == blocked:
            assert asset.status != AssetStatus.RENDERED and asset.storage_key is None, output
            continue
        assert asset.status == AssetStatus.RENDERED and asset.publish_id == plan.publish_id, (slug, output)
        assert services.storage.exists(asset.storage_key) and services.storage.exists(asset.thumbnail_key)
    ready = sorted((e.payload["partner"], e.payload["output"]) for e in seen if e.type == "asset.ready")
    assert ready == sorted(k for k in first if k[0] != blocked)  # the stored ones told once

    wall.unlink()
    seen.clear()
    batches.render_batch(services, plan.publish_id, partner_ids)  # RQ's next try

    second = _assets(services)
    assert all(a.status == AssetStatus.RENDERED for a in second.values())
    assert {k: a.rendered_at for k, a in second.items() if k[0] != blocked} == {
        k: a.rendered_at for k, a in first.items() if k[0] != blocked
    }  # not rendered again
    ready = sorted((e.payload["partner"], e.payload["output"]) for e in seen if e.type == "asset.ready")
    assert ready == [(blocked, output) for output in outputs]
    for output in outputs:
        asset = second[(blocked, output)]
        assert services.storage.exists(asset.storage_key) and services.storage.exists(asset.thumbnail_key)
