"""Publishing on the embedded defaults: SQLite, local storage, in-process jobs."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Asset, AssetStatus, Partner
from app.publishing import start_publish
from app.services import Services


def test_publish_then_republish_renders_nothing(runner, sample_partners: Services) -> None:
    services = sample_partners
    result = runner.invoke(args=["create-campaign", "spring", "--template", "spring-flyer", "--brand-kit", "northwind",
                                 "--landing-url", "https://northwind.example.com/spring"])  # fmt: skip
    assert result.exit_code == 0, result.output
    first = runner.invoke(args=["publish", "spring"])
    assert first.exit_code == 0, first.output
    assert "12 rendered, 0 unchanged, 0 failed" in first.output
    with services.db.session() as session:
        keys = session.scalars(select(Asset.storage_key).where(Asset.status == AssetStatus.RENDERED)).all()
        assert len(keys) == session.scalar(select(func.count()).select_from(Partner)) == 12
    stored = {k for k in services.storage.list("assets/")}
    assert stored == set(keys)
    again = start_publish(services, "spring")
    assert services.queue.wait_idle(timeout=120)
    with services.db.session() as session:
        outcomes = session.scalars(select(Asset.outcome).where(Asset.publish_id == again)).all()
    assert outcomes == ["unchanged"] * 12
