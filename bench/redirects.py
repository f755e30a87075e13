"""Short-link redirects under load: throughput, p95 latency, and every click accounted for.

A real server (gunicorn, 2 processes × 8 threads, the app's own wsgi.py) on loopback, the
embedded SQLite database, and an open-loop Python load generator: request i is due at
start + i/rate, whoever sends it, and its latency is counted from when it was due (so a stall
is not hidden by requests that were never sent). Then the server is stopped and the clicks in
the database are counted against the 302s received: a lost click shows as sent − recorded.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


def _seed(env: dict[str, str], partners: int) -> list[str]:
    """A published campaign with short links for `partners` partners; returns their codes."""
    from sqlalchemy import select

    from app.links import ensure_links
    from app.models import Campaign, CampaignStatus, Partner, ShortLink
    from app.services import build_services

    services = build_services({k: env[k] for k in ("DATABASE_URL", "STORAGE_URL", "PUBLIC_BASE_URL")})
    services.db.upgrade()
    with services.db.session() as session:
        campaign = Campaign(slug="bench-links", title="Bench", template_slug="spring-flyer",
                            brand_kit_slug="northwind", landing_url="https://northwind.example.com/offer",
                            status=CampaignStatus.PUBLISHED)  # fmt: skip
        session.add(campaign)
        program = services.content.program()
        first = {d: program.values(d)[0].slug for d in ("type", "tier", "region")}
        people = [Partner(slug=f"bench-{i:04d}", name=f"Bench Partner {i}", **first) for i in range(partners)]
        session.add_all(people)
        session.flush()
        ensure_links(session, campaign.id, [p.id for p in people])
        codes = list(session.scalars(select(ShortLink.code).order_by(ShortLink.id)))
    services.db.dispose()
    return codes


def _count_clicks(env: dict[str, str]) -> int:
    from sqlalchemy import func, select

    from app.db import Database
    from app.models import Click, ClickKind

    db = Database(env["DATABASE_URL"])
    try:
        with db.session() as session:
            return int(session.scalar(select(func.count(Click.id)).where(Click.kind == ClickKind.CLICK)) or 0)
    finally:
        db.dispose()


def _load(
    port: int, codes: list[str], rate: float, seconds: float, threads: int
) -> tuple[list[float], int, float]:
    """Send rate × seconds GETs on schedule; returns each latency (ms, from its due time), errors, and
    the seconds from the first due time to the last answer."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))
    start = time.perf_counter() + 0.2

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                connection.request("GET", f"/r/{codes[index % len(codes)]}", headers={"User-Agent": BROWSER})
                response = connection.getresponse()
                response.read()
                if response.status != 302:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append((time.perf_counter() - due) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    pool = [threading.Thread(target=client) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, errors, time.perf_counter() - start


def bench_redirects(
    workdir: Path, *, rate: float = 500, seconds: float = 10, partners: int = 100
) -> dict[str, Any]:
    """Throughput and p95 of /r/<code> at `rate` requests/s, and clicks lost (sent − recorded)."""
    from tests.services import free_port

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'links.db'}",
        "STORAGE_URL": f"file://{workdir / 'storage'}",
        "COBRAND_VAR_DIR": str(workdir / "var"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "REDIS_URL": "",
    }
    codes = _seed(env, partners)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--worker-class", "gthread", "--threads", "8", "--keep-alive", "30", "--graceful-timeout", "30",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(workdir / "gunicorn.log").open("wb"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("HEAD", f"/r/{codes[0]}")  # HEAD: not a click
                if probe.getresponse().status == 302:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")
            time.sleep(0.2)
        warm, warm_errors, _ = _load(port, codes, rate, 2, 16)  # fills both processes' link caches
        latencies, errors, elapsed = _load(port, codes, rate, seconds, 16)
    finally:
        server.send_signal(signal.SIGTERM)  # graceful: each process writes its queued clicks on exit
        server.wait(timeout=60)
    sent = len(warm) + len(latencies)
    recorded = _count_clicks(env)
    latencies.sort()

    def percentile(share: float) -> float | None:  # None: no request was answered (a MISS)
        return round(latencies[int(len(latencies) * share)], 2) if latencies else None

    return {
        "rate_target": rate,
        "requests": len(latencies),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(0.5),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "errors": errors + warm_errors,
        "clicks_sent": sent,
        "clicks_recorded": recorded,
        "clicks_lost": sent - recorded,
        "log_tail": (workdir / "gunicorn.log").read_text(errors="replace")[-2000:]
        if errors + warm_errors
        else "",
    }


if __name__ == "__main__":
    import json
    import sys
    import tempfile

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="cobrand-bench-links-") as workdir:
        print(json.dumps(bench_redirects(Path(workdir)), indent=2))
