"""/healthz and /readyz on real apps: the database, Redis and storage each named when they fail.

The Redis test stops and restarts a Redis of its own (tests/services.py), never a shared one.
"""

from __future__ import annotations

import uuid

import pytest

from app import create_app
from tests import services as test_services


def _ready(client):
    response = client.get("/readyz")
    return response.status_code, response.get_json()


def test_healthz_answers_without_checking_anything(tmp_path) -> None:
    port = test_services.free_port()  # nothing listens there: the database is unreachable
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "DATABASE_URL": f"postgresql+psycopg://cobrand@127.0.0.1:{port}/cobrand",
                      "STORAGE_URL": f"file://{tmp_path / 'storage'}", "REDIS_URL": None})  # fmt: skip
    client = app.test_client()
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.get_json() == {"status": "ok"}
    status, body = _ready(client)
    assert status == 503
    assert body["failing"] == ["database"]
    assert "not reachable" in body["checks"]["database"]["detail"]
    assert body["checks"]["storage"]["ok"] and body["checks"]["redis"]["ok"]


def test_readyz_names_pending_migrations(tmp_path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
                      "STORAGE_URL": f"file://{tmp_path / 'storage'}", "REDIS_URL": None})  # fmt: skip
    client = app.test_client()
    status, body = _ready(client)
    assert status == 503 and body["failing"] == ["database"]
    assert "migrations pending (at no schema" in body["checks"]["database"]["detail"]
    app.extensions["cobrand"].db.upgrade()
    status, body = _ready(client)
    assert status == 200 and body["status"] == "ready", body
    assert "migrations at head" in body["checks"]["database"]["detail"]


@pytest.mark.s3
def test_readyz_names_storage_when_s3_refuses_the_credentials(
    make_app, s3_endpoint, s3_credentials, s3_bucket, monkeypatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_credentials["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    app = make_app(STORAGE_URL=f"s3://{s3_bucket}/cobrand", S3_ENDPOINT_URL=s3_endpoint)
    status, body = _ready(app.test_client())
    assert status == 503 and body["failing"] == ["storage"]
    assert "SignatureDoesNotMatch" in body["checks"]["storage"]["detail"], body
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_credentials["aws_secret_access_key"])
    good = make_app(STORAGE_URL=f"s3://{s3_bucket}/cobrand", S3_ENDPOINT_URL=s3_endpoint)
    assert _ready(good.test_client())[0] == 200


@pytest.mark.redis
def test_readyz_names_redis_while_it_is_stopped_and_recovers_without_a_restart(make_app, tmp_path) -> None:
    url, stop = test_services.start_redis(tmp_path)  # our own: stopping it disturbs no one
    try:
        app = make_app(REDIS_URL=url, RQ_QUEUE=f"readyz-{uuid.uuid4().hex[:8]}")
        client = app.test_client()
        status, body = _ready(client)
        assert status == 200 and body["checks"]["redis"] == {"ok": True, "detail": "answers PING"}

        stop()
        status, body = _ready(client)
        assert status == 503
        assert body["status"] == "unavailable" and body["failing"] == ["redis"]
        assert "not answering" in body["checks"]["redis"]["detail"]
        assert client.get("/healthz").status_code == 200  # alive all the same

        port = int(url.rsplit(":", 1)[1].split("/")[0])
        url_again, stop = test_services.start_redis(tmp_path, port=port)
        assert url_again == url
        status, body = _ready(client)
        assert status == 200 and body["failing"] == [], body
    finally:
        stop()
