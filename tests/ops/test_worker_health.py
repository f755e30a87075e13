"""A worker's --health-port server (workers/health.py) with a real RQ worker on a real Redis."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, Worker

from workers.health import start_health_server, worker_health

pytestmark = pytest.mark.redis


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=10
        ) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_worker_health_follows_its_heartbeat_and_metrics_need_the_token(
    make_app, redis_url, redis_conn
) -> None:
    queue_name = f"health-{uuid.uuid4().hex[:8]}"
    app = make_app(REDIS_URL=redis_url, RQ_QUEUE=queue_name, METRICS_ALLOW="10.0.0.0/8",
                   METRICS_TOKEN="worker-metrics-token-1234", WORKER_TTL=60)  # fmt: skip
    services = app.extensions["cobrand"]
    worker = Worker([Queue(queue_name, connection=redis_conn)], connection=redis_conn, name=f"w-{queue_name}")
    assert worker_health(worker, 60)[0] == 503  # never registered: no heartbeat yet
    worker.register_birth()
    server = start_health_server(worker, services, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        status, body = _get(url + "/healthz")
        data = json.loads(body)
        assert status == 200 and data["status"] == "ok" and data["worker"] == worker.name

        worker.last_heartbeat = datetime.now(UTC) - timedelta(seconds=61)  # as if it had hung for a minute
        status, body = _get(url + "/healthz")
        assert status == 503 and json.loads(body)["status"] == "unavailable"

        assert _get(url + "/metrics")[0] == 403  # loopback is not in METRICS_ALLOW here
        status, body = _get(url + "/metrics", {"Authorization": "Bearer worker-metrics-token-1234"})
        assert status == 200
        assert f'cobrand_queue_jobs{{queue="{queue_name}",state="queued"}} 0.0' in body.decode()
        assert b"cobrand_publishes_in_progress" not in body  # the web's gauge, read from the database
        assert _get(url + "/nothing")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
        worker.register_death()
