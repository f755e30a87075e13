"""The same publish on the production parts: PostgreSQL and a real S3 server (SeaweedFS) on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Asset, AssetStatus


@pytest.fixture
def production_app(make_app, postgres_db, s3_endpoint, s3_credentials, s3_bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_credentials["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_credentials["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_credentials["region_name"])
    return make_app(
        DATABASE_URL=postgres_db, STORAGE_URL=f"s3://{s3_bucket}/cobrand", S3_ENDPOINT_URL=s3_endpoint
    )


def test_publish_on_postgres_and_s3_then_nothing_changes(production_app, s3_client, s3_bucket) -> None:
    services = production_app.extensions["cobrand"]
    assert services.db.engine.dialect.name == "postgresql"
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    assert import_partners_file(services, SAMPLE_CSV).errors == []
    runner = production_app.test_cli_runner()
    result = runner.invoke(args=["create-campaign", "spring", "--template", "spring-flyer", "--brand-kit", "northwind",
                                 "--landing-url", "https://northwind.example.com/spring"])  # fmt: skip
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["publish", "spring"])
    assert "12 rendered, 0 unchanged, 0 failed" in result.output, result.output

    with services.db.session() as session:
        assets = session.scalars(select(Asset).where(Asset.status == AssetStatus.RENDERED)).all()
        db_keys = {f"cobrand/{a.storage_key}" for a in assets}
        filenames = {a.storage_key: a.filename for a in assets}
    listed = s3_client.list_objects_v2(Bucket=s3_bucket, Prefix="cobrand/assets/")
    assert {o["Key"] for o in listed.get("Contents", [])} == db_keys and len(db_keys) == 12

    key = sorted(db_keys)[0]
    head = s3_client.head_object(Bucket=s3_bucket, Key=key)
    assert head["ContentType"] == "application/pdf"
    assert filenames[key.removeprefix("cobrand/")] in head["ContentDisposition"]
    assert head["Metadata"]["campaign"] == "spring"
    body = s3_client.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert body.startswith(b"%PDF-")

    again = runner.invoke(args=["publish", "spring"])
    assert "0 rendered, 12 unchanged, 0 failed" in again.output, again.output
