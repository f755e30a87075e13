"""What every job runner shares: the options of one job, the runner Protocol, resolving a job's path."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


def resolve(path: str) -> Callable[..., Any]:
    """The function a dotted path ("workers.jobs.render_batch") names."""
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
    """Dotted path of a function(job_args, error) called once when the last try failed."""
    result_ttl: int = 3600
    failure_ttl: int = 7 * 24 * 3600
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueueStats:
    """What a runner's queue holds right now (for /metrics)."""

    name: str
    queued: int
    started: int
    scheduled: int
    failed: int
    oldest_age_seconds: float
    """How long the oldest job still waiting has waited; 0 when none waits."""


class JobRunner(Protocol):
    """Runs jobs (plain functions of ids, named by dotted path) now or after a delay."""

    is_durable: bool
    """True when queued jobs outlive this process (RQ); False when they die with it (in-process)."""

    def enqueue(self, func: str, *args: Any, options: JobOptions, delay: float = 0.0) -> None:
        """Run func(*args) once, at least delay seconds from now."""

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until the jobs this process runs are done; False on timeout or when others run them."""

    def stats(self) -> QueueStats:
        """Jobs waiting, running, scheduled and failed, and the oldest waiting job's age."""

    def has_in_flight(self, job_id_prefix: str) -> bool:
        """Whether a job whose id starts with the prefix is queued, scheduled or running."""

    def cancel_scheduled(self, job_id: str) -> bool:
        """Drop the job of this id if it is still waiting for its time (delayed); whether it was."""
