"""Run jobs: on RQ when REDIS_URL is set, otherwise in-process (the embedded default).

Jobs are plain functions named by dotted path ("workers.jobs.render_batch") taking ids.
Callers enqueue through JobQueue.enqueue and never branch on the backend.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class JobOptions:
    job_id: str
    """Deterministic id: enqueueing the same work twice while it is in flight does nothing."""
    timeout: int = 600
    retries: int = 3
    retry_intervals: tuple[int, ...] = (5, 30, 120)
    on_failure: str | None = None
    """Dotted path of a function(job_args) called once when the last try failed."""
    result_ttl: int = 3600
    failure_ttl: int = 7 * 24 * 3600
    meta: dict[str, Any] = field(default_factory=dict)


class JobQueue(Protocol):
    def enqueue(self, func: str, *args: Any, options: JobOptions) -> None:
        """Run func(*args) now or later."""


class InlineQueue:
    """Runs jobs in this process, one at a time, on a background thread (the embedded default).

    Requests return at once and progress can be watched, as with RQ. There are no retries:
    a job that raises has its on_failure handler called, which records what failed.
    """

    is_inline = True

    def __init__(self) -> None:
        self.services: Any = None
        """The Services jobs run with; set by build_services()."""
        self._jobs: queue.Queue[tuple[str, tuple[Any, ...], JobOptions]] = queue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def enqueue(self, func: str, *args: Any, options: JobOptions) -> None:
        with self._lock:
            if options.job_id in self._pending:
                return  # the same work is already queued
            self._pending.add(options.job_id)
            self._jobs.put((func, args, options))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="cobrand-inline-jobs", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued job has run; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._pending:
                    return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def _work(self) -> None:
        while True:
            try:
                func, args, options = self._jobs.get(timeout=1)
            except queue.Empty:
                with self._lock:
                    if self._jobs.empty():
                        self._thread = None
                        return
                continue
            try:
                self._run(func, args, options)
            finally:
                with self._lock:
                    self._pending.discard(options.job_id)

    def _run(self, func: str, args: tuple[Any, ...], options: JobOptions) -> None:
        from app.services import using_services

        with using_services(self.services):
            try:
                resolve(func)(*args)
            except Exception as exc:
                if options.on_failure is None:
                    logger.exception("job %s failed", options.job_id)
                    return
                resolve(options.on_failure)(args, exc)
