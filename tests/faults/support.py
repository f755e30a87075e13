"""What the fault tests share: an app and real worker processes on the services a test chose, and
a TCP proxy that can cut a server off (nothing listening, open connections reset) and let it back."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, Worker

from app.campaigns import save_campaign
from app.partner_import import import_partners_file
from app.services import Services
from tests.factories import Content
from tests.workers.support import WorkerPool

QUEUE = "faults"
"""The RQ queue of the fault tests (each test has a Redis of its own)."""


@dataclass
class Site:
    """A test-side app and a pool of worker processes on the same database, Redis and storage."""

    app: Flask
    services: Services
    pool: WorkerPool
    env: dict[str, str]
    redis_url: str

    def queue(self) -> Queue:
        return Queue(QUEUE, connection=Redis.from_url(self.redis_url))

    def current_job(self, worker_name: str) -> str | None:
        """The id of the job the named worker has in hand, if any."""
        connection = Redis.from_url(self.redis_url)
        try:
            found = Worker.find_by_key(
                Worker.redis_worker_namespace_prefix + worker_name, connection=connection
            )
            return found.get_current_job_id() if found else None
        finally:
            connection.close()


def open_site(
    make_app: Any, content: Content, monkeypatch: Any, tmp_path: Path, *, database_url: str, redis_url: str,
    storage_url: str,
    s3_endpoint: str | None = None, s3_credentials: dict[str, str] | None = None,
    worker_s3_endpoint: str | None = None, campaign: str, batch_size: int = 1, retries: int = 3,
    retry_intervals: tuple[int, ...] = (5, 30, 120),
) -> Site:  # fmt: skip
    """Import the content root's partners, save a campaign of its flyer, and ready (not start) workers.

    The tests' own small content root (tests/factories.py) keeps warm-up and rendering short: the
    faults, not the templates, are what these tests are about.

    Workers reach S3 at worker_s3_endpoint (a proxy a test may cut) when given, the test side at
    s3_endpoint directly, so the test can always look into the bucket.
    """
    aws: dict[str, str] = {}
    if s3_credentials:
        aws = {"AWS_ACCESS_KEY_ID": s3_credentials["aws_access_key_id"],
               "AWS_SECRET_ACCESS_KEY": s3_credentials["aws_secret_access_key"],
               "AWS_DEFAULT_REGION": s3_credentials["region_name"], "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
    for key, value in aws.items():
        monkeypatch.setenv(key, value)
    config: dict[str, Any] = {**content.config, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                              "STORAGE_URL": storage_url, "PUBLISH_BATCH_SIZE": batch_size, "RQ_QUEUE": QUEUE,
                              # The enqueuer's retries hold for every job of the publish, wherever queued.
                              "JOB_RETRIES": retries, "JOB_RETRY_INTERVALS": retry_intervals}  # fmt: skip
    if s3_endpoint:
        config["S3_ENDPOINT_URL"] = s3_endpoint
    app = make_app(**config)
    services: Services = app.extensions["cobrand"]
    report = import_partners_file(services, content.partners_csv)
    assert report.errors == [] and report.rejected == 0, report.errors
    save_campaign(services, {"slug": campaign, "template": content.flyer, "brand_kit": content.kit,
                             "title": campaign.title()})  # fmt: skip
    metrics_dir = tmp_path / f"metrics-{uuid.uuid4().hex[:6]}"
    metrics_dir.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST", "AWS_"))}, **aws,
           "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": QUEUE, "STORAGE_URL": storage_url,
           "PUBLISH_BATCH_SIZE": str(batch_size), "PUBLISH_SWEEP_GRACE": "1",
           # A dead worker's job is found within seconds: heartbeat every 1 s, abandoned 4 s after
           # the last one, registries swept every 2 s.
           "WORKER_JOB_MONITORING_INTERVAL": "1", "WORKER_HEARTBEAT_GRACE": "4",
           "WORKER_MAINTENANCE_INTERVAL": "2", "WORKER_TTL": "20",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), **content.config, "JOB_RETRIES": str(retries),
           "JOB_RETRY_INTERVALS": ",".join(map(str, retry_intervals))}  # fmt: skip
    if worker_s3_endpoint or s3_endpoint:
        env["S3_ENDPOINT_URL"] = worker_s3_endpoint or s3_endpoint or ""
    return Site(app, services, WorkerPool(env, tmp_path, redis_url), env, redis_url)


class CuttableProxy:
    """A loopback TCP proxy in front of a server; cut() makes the server unreachable through it.

    While cut, nothing listens on the proxy's port (connections are refused) and every connection it
    carried is reset; restore() listens on the same port again. Bytes pass through untouched.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self.restore()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restore(self) -> None:
        """Listen (again, on the same port) and forward."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self.port = listener.getsockname()[1]
        self._stop.clear()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), name="cuttable-proxy", daemon=True).start()

    def cut(self) -> None:
        """Stop listening and reset every open connection."""
        self._stop.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _reset(sock)

    def close(self) -> None:
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by cut()
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                _reset(client)
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            done = threading.Barrier(2, action=lambda c=client, s=server: self._forget(c, s))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, target, done), daemon=True).start()

    def _forget(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._open.difference_update(sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()


def _pump(source: socket.socket, target: socket.socket, done: threading.Barrier) -> None:
    """Copy one direction until it ends; the last direction to end closes both sockets."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # ok: the other side went away, or cut() reset both; the peer sees the reset
    with contextlib.suppress(threading.BrokenBarrierError):
        done.wait()


def _reset(sock: socket.socket) -> None:
    """Close with an RST (linger 0), as a vanished server's host would answer."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    with contextlib.suppress(OSError):
        sock.close()
