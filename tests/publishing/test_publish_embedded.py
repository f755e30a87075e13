"""Publishing on the embedded defaults: SQLite, local storage, in-process jobs."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Asset, AssetStatus, Partner
from app.publishing import start_publish
from app.services import Services
from tests.factories import PARTNERS, Content


def test_publish_then_republish_renders_nothing(runner, partners: Services, content: Content) -> None:
    services = partners
    result = runner.invoke(args=["create-campaign", "spring", "--template", content.badge, "--brand-kit", content.kit,
                                 "--landing-url", "https://vendor.example.com/spring"])  # fmt: skip
    assert result.exit_code == 0, result.output
    first = runner.invoke(args=["publish", "spring"])
    assert first.exit_code == 0, first.output
    assert f"{len(PARTNERS)} rendered, 0 unchanged, 0 failed" in first.output  # the badge: one PDF each
    with services.db.session() as session:
        keys = session.scalars(select(Asset.storage_key).where(Asset.status == AssetStatus.RENDERED)).all()
        assert len(keys) == session.scalar(select(func.count()).select_from(Partner)) == len(PARTNERS)
    stored = {k for k in services.storage.list("assets/")}
    assert stored == set(keys)
    again = start_publish(services, "spring")
    assert services.queue.wait_idle(timeout=120)
    with services.db.session() as session:
        outcomes = session.scalars(select(Asset.outcome).where(Asset.publish_id == again)).all()
    assert outcomes == ["unchanged"] * len(PARTNERS)
