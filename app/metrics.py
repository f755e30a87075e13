"""Prometheus metrics: what the web app and the workers count, and their exposition for /metrics.

Callers use the small functions below (observe_render, count_asset, count_webhook_delivery,
count_short_link_redirect, count_request, count_job); nothing else imports prometheus_client.
The metric objects are made on first use, once the process knows whether it runs in
multiprocess mode: with PROMETHEUS_MULTIPROC_DIR set (gunicorn's workers, RQ's forked work
horses), every process writes its own files there and whoever serves /metrics adds them up.

Queue depth, the oldest job's age and publishes in progress are read from the queue and the
database when scraped, so every scraper of every process sees the same numbers.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

RENDER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Seconds: an image renders in ~0.05 s, a stamped PDF in ~0.2 s, a cold multi-page PDF in seconds."""

REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class _Metrics:
    requests: Any
    request_seconds: Any
    render_seconds: Any
    assets: Any
    webhook_deliveries: Any
    short_link_redirects: Any
    jobs: Any


_lock = threading.Lock()
_metrics: _Metrics | None = None
_registry: Any = None


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def multiprocess_dir() -> str:
    return os.environ.get(MULTIPROC_ENV, "")


def ensure_multiprocess_dir(default: str | os.PathLike[str]) -> Path:
    """Use PROMETHEUS_MULTIPROC_DIR, or default when it is unset; create it, empty it of old files.

    Must run before the first metric is made (prometheus_client picks its mode at import).
    """
    path = Path(os.environ.get(MULTIPROC_ENV) or default)
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink()  # a previous run's numbers would be added to this one's
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def mark_process_dead(pid: int) -> None:
    """Multiprocess mode: forget the live gauges of a process that exited (gunicorn's child_exit)."""
    if is_multiprocess():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def _get() -> _Metrics:
    global _metrics, _registry
    if _metrics is not None:
        return _metrics
    with _lock:
        if _metrics is None:
            from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

            disable_created_metrics()  # *_created series double the output and no alert uses them
            _registry = CollectorRegistry(auto_describe=True)
            r = _registry
            _metrics = _Metrics(
                requests=Counter("cobrand_http_requests", "HTTP requests by route, method and status.",
                                 ["route", "method", "status"], registry=r),
                request_seconds=Histogram("cobrand_http_request_duration_seconds", "HTTP request duration by route.",
                                          ["route"], buckets=REQUEST_BUCKETS, registry=r),
                render_seconds=Histogram("cobrand_render_duration_seconds", "Render time of one asset by output kind.",
                                         ["kind"], buckets=RENDER_BUCKETS, registry=r),
                assets=Counter("cobrand_assets", "Assets processed by publishes, by outcome (rendered, unchanged, failed).",
                               ["outcome"], registry=r),
                webhook_deliveries=Counter("cobrand_webhook_deliveries", "Outbound webhook delivery attempts by outcome.",
                                           ["outcome"], registry=r),
                short_link_redirects=Counter("cobrand_short_link_redirects", "Short-link redirects by outcome.",
                                             ["outcome"], registry=r),
                jobs=Counter("cobrand_jobs", "Jobs run by this process, by function and outcome.",
                             ["job", "outcome"], registry=r),
            )  # fmt: skip
    return _metrics


# --- what callers count -------------------------------------------------------------------------


def count_request(route: str, method: str, status: int, seconds: float) -> None:
    m = _get()
    m.requests.labels(route, method, str(status)).inc()
    m.request_seconds.labels(route).observe(seconds)


def observe_render(kind: str, seconds: float) -> None:
    """One asset rendered: its output kind (pdf, image, email …) and how long the render took."""
    _get().render_seconds.labels(kind).observe(seconds)


def count_asset(outcome: str, amount: int = 1) -> None:
    """Assets a publish processed: rendered, unchanged or failed."""
    if amount:
        _get().assets.labels(outcome).inc(amount)


def count_webhook_delivery(outcome: str) -> None:
    """One outbound delivery attempt: delivered, retrying, failed or refused."""
    _get().webhook_deliveries.labels(outcome).inc()


def count_short_link_redirect(outcome: str = "redirected") -> None:
    """One short link followed (/r/<code>): redirected, ended (archived campaign) or not_found."""
    _get().short_link_redirects.labels(outcome).inc()


def output_kind(template: Any, output_id: str) -> str:
    """The kind of output an asset is: the template output's own kind (pdf, image, email, design),
    image for a social output's sizes, social-post for its text."""
    for output in template.outputs:
        if output_id == output.name:
            return str(output.kind)
        if output_id == getattr(output, "post_id", None):
            return "social-post"
        if output_id.startswith(f"{output.name}-"):
            return "image" if output.kind == "social" else str(output.kind)
    return "other"


def count_job(job: str, outcome: str) -> None:
    _get().jobs.labels(job, outcome).inc()


class timer:
    """`with timer() as t: …; t.seconds` — a monotonic stopwatch."""

    def __enter__(self) -> timer:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


# --- exposition -----------------------------------------------------------------------------------


class _StateCollector:
    """Scrape-time gauges read from the queue and the database."""

    def __init__(self, services: Any, publishes: bool) -> None:
        self.services = services
        self.publishes = publishes

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        stats = self.services.jobs.stats()
        jobs = GaugeMetricFamily(
            "cobrand_queue_jobs", "Jobs in the queue by state.", labels=["queue", "state"]
        )
        for state in ("queued", "started", "scheduled", "failed"):
            jobs.add_metric([stats.name, state], getattr(stats, state))
        yield jobs
        oldest = GaugeMetricFamily(
            "cobrand_queue_oldest_job_age_seconds", "Age of the oldest job waiting in the queue (0: none).",
            labels=["queue"],
        )  # fmt: skip
        oldest.add_metric([stats.name], stats.oldest_age_seconds)
        yield oldest
        if not self.publishes:
            return
        yield GaugeMetricFamily(
            "cobrand_publishes_in_progress", "Publishes started and not yet complete.",
            value=_publishes_in_progress(self.services),
        )  # fmt: skip


def _publishes_in_progress(services: Any) -> int:
    from sqlalchemy import func, select

    from app.models import Publish, PublishStatus

    with services.db.session() as session:
        return int(session.scalar(select(func.count()).where(Publish.status == PublishStatus.RUNNING)) or 0)


def exposition(services: Any | None = None, *, publishes: bool = True) -> tuple[bytes, str]:
    """The text exposition of this process's (or, multiprocess, every process's) metrics, plus
    the queue gauges (and publishes in progress, from the database) when services are given;
    returns (body, content type)."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    _get()
    if is_multiprocess():
        from prometheus_client.multiprocess import MultiProcessCollector

        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = _registry
    body = generate_latest(counted)
    if services is not None:
        state = CollectorRegistry(auto_describe=False)
        state.register(_StateCollector(services, publishes))  # type: ignore[arg-type]
        body += generate_latest(state)
    return body, CONTENT_TYPE_LATEST
