"""Helpers for the worker tests: real worker processes, a faulty S3 proxy, generated partners."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import select

from app.config import PROJECT_ROOT
from app.models import Asset, Partner, Publish, PublishStatus
from app.services import Services

SAMPLE_LOGOS = sorted((PROJECT_ROOT / "sample_data" / "logos").iterdir())


# --- an S3 endpoint that can be made to fail -------------------------------------------------------


class FaultyProxy:
    """A loopback HTTP proxy in front of an S3 endpoint that answers 500 while `failing` is set.

    Requests are forwarded byte for byte with their Host header, so SigV4 signatures made for
    the proxy's address still verify at the real server.
    """

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.failing = threading.Event()
        self.failed_requests = 0
        self.forwarded_requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.failing.is_set():
                    proxy.failed_requests += 1
                    payload = (
                        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
                        b"<Message>injected outage</Message></Error>"
                    )
                    self.send_response(500)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                proxy.forwarded_requests += 1
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    for name, value in self.headers.items():
                        conn.putheader(name, value)
                    conn.endheaders(body)
                    response = conn.getresponse()
                    data = response.read()
                finally:
                    conn.close()
                self.send_response_only(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="faulty-s3-proxy", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- generated partners ----------------------------------------------------------------------------

FIRST = ["Summit", "Harbour", "Blue", "Granite", "Northern", "Pacific", "Atlas", "Cedar", "Vertex", "Lumen"]
SECOND = ["Networks", "IT", "Systems", "Digital", "Solutions", "Cloud", "Secure", "Data", "Tech", "Link"]
SUFFIX = ["Ltd", "GmbH", "S.A.", "Pty Ltd", "Inc.", "B.V.", "K.K.", "", "SRL", "AB"]


def generate_partners(services: Services, count: int, *, seed: int = 3, logo_every: int = 3) -> list[int]:
    """Insert count varied partners straight into the database; every logo_every-th gets a logo."""
    rng = random.Random(seed)
    logo_keys = []
    for path in SAMPLE_LOGOS:
        key = f"partner-logos/generated/{path.name}"
        content_type = "image/svg+xml" if path.suffix == ".svg" else "image/png"
        services.storage.put(key, path.read_bytes(), content_type=content_type)
        logo_keys.append(key)
    rows = []
    program = services.content.program()
    for i in range(count):
        region = rng.choice(program.regions)
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(SUFFIX)}".strip() + f" {i}"
        slug = f"gen-{i:05d}"
        rows.append(
            {
                "slug": slug,
                "name": name,
                "type": rng.choice(program.types).slug,
                "tier": rng.choice(program.tiers).slug,
                "region": region.slug,
                "country": rng.choice(region.countries or ("US",)),
                "locale": "en",
                "website": f"https://{slug}.example.com",
                "email": f"sales@{slug}.example.com",
                "phone": f"+1 555 {i:04d}" if i % 5 else "",
                "address": f"{i} Example Street",
                "logo_key": logo_keys[i % len(logo_keys)] if i % logo_every == 0 else None,
                "custom_fields": {},
                "active": True,
            }
        )
    with services.db.session() as session:
        session.execute(sa.insert(Partner), rows)
        ids = list(session.scalars(select(Partner.id).where(Partner.slug.like("gen-%")).order_by(Partner.id)))
    return ids


# --- worker processes ------------------------------------------------------------------------------


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    name: str
    killed: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def children(self) -> list[int]:
        """Pids whose parent is this worker (its work horse, its scheduler)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == self.pid:
                    found.append(int(entry.name))
        return found

    def kill_hard(self) -> None:
        """SIGKILL the worker, its work horse and its scheduler, as if the machine died."""
        self.killed = True
        victims = [self.pid, *self.children()]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_hard()

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@dataclass
class WorkerPool:
    """Real `flask --app wsgi worker` processes sharing one environment."""

    env: dict[str, str]
    log_dir: Path
    redis_url: str
    workers: list[WorkerProcess] = field(default_factory=list)

    def start(self, count: int = 1) -> list[WorkerProcess]:
        started = []
        for _ in range(count):
            n = len(self.workers)
            log = self.log_dir / f"worker-{n}.log"
            name = f"w{n}-{os.getpid()}"
            argv = [str(PROJECT_ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "worker", "--name", name]
            with log.open("ab") as out:
                process = subprocess.Popen(
                    argv,
                    cwd=PROJECT_ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            worker = WorkerProcess(process, log, name)
            self.workers.append(worker)
            started.append(worker)
        self.wait_registered()
        return started

    def alive(self) -> list[WorkerProcess]:
        return [w for w in self.workers if w.process.poll() is None]

    def wait_registered(self, timeout: float = 90) -> None:
        """Wait until every live worker has warmed up and registered with Redis."""
        from redis import Redis
        from rq import Worker

        conn = Redis.from_url(self.redis_url)
        deadline = time.monotonic() + timeout
        try:
            while True:
                names = {w.name for w in Worker.all(connection=conn)}
                if any(w.process.poll() is not None and not w.killed for w in self.workers):
                    raise AssertionError("a worker exited while starting:\n" + self.logs())
                if all(w.name in names for w in self.alive()):
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"workers not registered after {timeout}s:\n" + self.logs())
                time.sleep(0.2)
        finally:
            conn.close()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {w.log.name} (pid {w.pid}) ---\n{w.log_tail()}" for w in self.workers)


# --- waiting and checking --------------------------------------------------------------------------


def wait_for(
    predicate: Callable[[], Any], timeout: float, message: Callable[[], str] | str, step: float = 0.2
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(step)


def publish_state(services: Services, publish_id: int) -> Publish:
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        assert publish is not None
        return publish


def wait_for_publish(
    services: Services, publish_id: int, timeout: float, pool: WorkerPool | None = None
) -> Publish:
    """Poll the database until the publish is completed."""

    def done() -> Publish | None:
        publish = publish_state(services, publish_id)
        return publish if publish.status == PublishStatus.COMPLETED else None

    def why() -> str:
        p = publish_state(services, publish_id)
        state = (
            f"publish {publish_id} not complete after {timeout}s: {p.done}/{p.total} ({p.rendered} rendered,"
        )
        state += f" {p.unchanged} unchanged, {p.failed} failed)"
        return state + ("\n" + pool.logs() if pool else "")

    return wait_for(done, timeout, why, step=0.3)  # type: ignore[no-any-return]


def assert_bucket_matches_db(services: Services, campaign_slug: str, expected: int) -> None:
    """The keys under assets/<campaign>/ are exactly the storage keys of the campaign's assets."""
    from app.models import Campaign

    stored = list(services.storage.list(f"assets/{campaign_slug}/"))
    with services.db.session() as session:
        keys = list(
            session.scalars(
                select(Asset.storage_key)
                .join(Campaign, Asset.campaign_id == Campaign.id)
                .where(Campaign.slug == campaign_slug)
            )
        )
    assert len(stored) == len(set(stored)) == expected, (len(stored), expected)
    assert len(keys) == len(set(keys)) == expected, (len(keys), expected)
    assert set(stored) == set(keys)


@contextlib.contextmanager
def timed(label: str, timings: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[label] = time.perf_counter() - started
