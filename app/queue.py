"""Run jobs: on RQ when REDIS_URL is set, otherwise in-process (the embedded default).

Jobs are plain functions named by dotted path ("workers.jobs.render_batch") taking ids.
Callers enqueue through JobQueue.enqueue and never branch on the backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


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
    """Runs each job at once in this process; a failing job calls its on_failure and re-raises nothing."""

    is_inline = True
    services: Any = None
    """The Services jobs run with; set by build_services()."""

    def enqueue(self, func: str, *args: Any, options: JobOptions) -> None:
        from app.services import using_services

        try:
            with using_services(self.services):
                resolve(func)(*args)
        except Exception as exc:
            if options.on_failure is None:
                raise
            # In-process there is no retry: the job's failure handler records what failed.
            with using_services(self.services):
                resolve(options.on_failure)(args, exc)
