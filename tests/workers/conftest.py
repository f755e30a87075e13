"""A cluster for the worker tests: PostgreSQL, Redis, the S3 endpoint (behind a proxy that can fail)
and real worker processes, started once per test module and shared by its tests."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.services import Services
from tests.workers.support import FaultyProxy, WorkerPool


@dataclass
class Cluster:
    app: Flask
    services: Services
    pool: WorkerPool
    proxy: FaultyProxy
    redis_url: str
    base_config: dict[str, Any]

    def make_app(self, **config: Any) -> Flask:
        """Another app on the same services with config overrides (e.g. retries)."""
        app = create_app({**self.base_config, **config})
        app.config.update(TESTING=True)
        return app

    def create_campaign(self, slug: str, template: str = "spring-flyer", **audience: list[str]) -> None:
        from app.campaigns import save_campaign

        data = {
            "slug": slug,
            "template": template,
            "brand_kit": "northwind",
            "title": slug,
            "landing_url": f"https://northwind.example.com/{slug}",
            "audience": {"types": [], "tiers": [], "regions": [], **audience},
        }
        save_campaign(self.services, data)


@pytest.fixture(scope="module")
def cluster(
    postgres_url: str, redis_url: str, s3_endpoint: str, s3_credentials: dict[str, str], s3_client: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:  # fmt: skip
    """Fresh database, bucket and Redis DB; 2 worker processes; a test-side app on the same services."""
    import redis

    db_name = f"test_workers_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    database_url = sa.make_url(postgres_url).set(database=db_name).render_as_string(hide_password=False)
    bucket = f"workers-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=bucket)
    queue_url = redis_url  # its DB number is the one tests may flush (flushed before and after)
    redis_conn = redis.Redis.from_url(queue_url)
    redis_conn.flushdb()
    proxy = FaultyProxy(s3_endpoint)

    aws_env = {
        "AWS_ACCESS_KEY_ID": s3_credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": s3_credentials["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": s3_credentials.get("region_name", "us-east-1"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    base_config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "STORAGE_URL": f"s3://{bucket}/cobrand",
        "S3_ENDPOINT_URL": s3_endpoint,  # the test side talks to S3 directly, workers through the proxy
        "REDIS_URL": queue_url,
        "PUBLISH_BATCH_SIZE": 10,
        "JOB_RETRIES": 2,
        "JOB_RETRY_INTERVALS": (0,),
    }
    worker_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TEST_", "PYTEST"))},
        **aws_env,
        "DATABASE_URL": database_url,
        "REDIS_URL": queue_url,
        "STORAGE_URL": f"s3://{bucket}/cobrand",
        "S3_ENDPOINT_URL": proxy.url,
        # Detect a dead worker's job within seconds: heartbeat every 1 s, abandoned 4 s after the
        # last one, registries swept every 2 s, idle workers wake every 5 s (worker TTL - 15).
        "WORKER_JOB_MONITORING_INTERVAL": "1",
        "WORKER_HEARTBEAT_GRACE": "4",
        "WORKER_MAINTENANCE_INTERVAL": "2",
        "WORKER_TTL": "20",
    }
    saved_env = {k: os.environ.get(k) for k in aws_env}
    os.environ.update(aws_env)
    log_dir = tmp_path_factory.mktemp("worker-logs")
    pool = WorkerPool(worker_env, Path(log_dir), queue_url)
    app = None
    try:
        app = create_app(base_config)
        app.config.update(TESTING=True)
        services: Services = app.extensions["cobrand"]
        services.db.upgrade()
        started = time.perf_counter()
        pool.start(2)
        print(f"\n2 workers warm and registered in {time.perf_counter() - started:.1f}s")
        yield Cluster(app, services, pool, proxy, queue_url, base_config)
    finally:
        pool.stop()
        proxy.close()
        if app is not None:
            app.extensions["cobrand"].db.dispose()
        redis_conn.flushdb()
        redis_conn.close()
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if objects:
                s3_client.delete_objects(Bucket=bucket, Delete={"Objects": objects})
        s3_client.delete_bucket(Bucket=bucket)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()
