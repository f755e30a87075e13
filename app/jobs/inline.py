"""InlineRunner: jobs in this process, one at a time on a background thread (the embedded default)."""

from __future__ import annotations

import heapq
import logging
import queue
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from app.jobs.base import JobOptions, QueueStats, resolve

logger = logging.getLogger(__name__)


class InlineRunner:
    """Requests return at once and progress can be watched, as with RQ. There are no retries: a job
    that raises has its on_failure handler called, which records what failed. Delayed jobs wait on
    one timer thread and are lost when the process ends (the webhook sweep finds their work again).
    """

    is_durable = False

    def __init__(self, context: Callable[[], AbstractContextManager[Any]] | None = None) -> None:
        self.context: Callable[[], AbstractContextManager[Any]] = context or nullcontext
        """Entered around every job (the app's services made current for it)."""
        self._jobs: queue.Queue[tuple[str, tuple[Any, ...], JobOptions]] = queue.Queue()
        self._pending: set[str] = set()
        self._queued_at: dict[str, float] = {}
        self._running: str | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._timer: _DueTimer | None = None

    def enqueue(self, func: str, *args: Any, options: JobOptions, delay: float = 0.0) -> None:
        if delay > 0:
            with self._lock:
                if self._timer is None:
                    self._timer = _DueTimer()
            self._timer.add(delay, lambda: self.enqueue(func, *args, options=options))
            return
        with self._lock:
            if options.job_id in self._pending:
                return  # the same work is already queued
            self._pending.add(options.job_id)
            self._queued_at[options.job_id] = time.monotonic()
            self._jobs.put((func, args, options))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="cobrand-inline-jobs", daemon=True)
                self._thread.start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued job has run (delayed ones not yet due excepted); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._pending:
                    return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def has_in_flight(self, job_id_prefix: str) -> bool:
        with self._lock:
            return any(job_id.startswith(job_id_prefix) for job_id in self._pending)

    def cancel_scheduled(self, job_id: str) -> bool:
        return False  # delayed jobs wait on the timer unnamed (and die with the process anyway)

    def stats(self) -> QueueStats:
        with self._lock:
            waiting = [t for job_id, t in self._queued_at.items() if job_id != self._running]
            running = 1 if self._running else 0
        oldest = time.monotonic() - min(waiting) if waiting else 0.0
        return QueueStats("in-process", len(waiting), running, 0, 0, oldest)

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
            with self._lock:
                self._running = options.job_id
            try:
                self._run(func, args, options)
            finally:
                with self._lock:
                    self._pending.discard(options.job_id)
                    self._queued_at.pop(options.job_id, None)
                    self._running = None

    def _run(self, func: str, args: tuple[Any, ...], options: JobOptions) -> None:
        with self.context():
            try:
                resolve(func)(*args)
            except Exception as exc:  # ok: handled as RQ would: its failure handler, else logged
                if options.on_failure is None:
                    logger.exception("job %s failed", options.job_id)
                    return
                resolve(options.on_failure)(args, exc)


class _DueTimer:
    """One daemon thread running callbacks when they are due."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = 0
        self._cond = threading.Condition()
        threading.Thread(target=self._run, name="cobrand-delayed-jobs", daemon=True).start()

    def add(self, delay: float, callback: Callable[[], None]) -> None:
        with self._cond:
            self._counter += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, self._counter, callback))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                _, _, callback = heapq.heappop(self._heap)
            callback()
