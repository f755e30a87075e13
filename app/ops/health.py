"""Readiness checks of the parts a request needs: the database (reachable, schema at head), Redis
(when configured) and storage (a tiny object written, then read back).

/readyz runs them on every probe; `doctor` runs them and more. Each answers a Check: what was
looked at, whether it is fine, and what to do when it is not.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from app.services import Services

REDIS_TIMEOUT_SECONDS = 2.0
"""A probe must answer before the load balancer's own timeout, even when Redis hangs."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def check_database(services: Services) -> Check:
    """Reachable, and migrated to every head of the code's migrations."""
    try:
        current, heads = services.db.migration_heads()
    except Exception as exc:  # ok: any driver error means "not reachable"; reported, not raised
        return Check("database", False, f"not reachable ({_error(exc)})",
                     "check DATABASE_URL and that the database server is up")  # fmt: skip
    dialect = services.db.engine.dialect.name
    if current != heads:
        at = ", ".join(sorted(current)) or "no schema"
        return Check("database", False, f"{dialect}: migrations pending (at {at}; head {', '.join(sorted(heads))})",
                     "run `flask --app wsgi init-db`")  # fmt: skip
    return Check("database", True, f"{dialect}: reachable, migrations at head {', '.join(sorted(heads))}")


_redis_clients: dict[str, Any] = {}
_redis_lock = threading.Lock()


def _redis_client(url: str) -> Any:
    """One client per URL with short timeouts (the queue's own client waits as long as a job needs)."""
    from redis import Redis

    with _redis_lock:
        if url not in _redis_clients:
            _redis_clients[url] = Redis.from_url(
                url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
            )
        return _redis_clients[url]


def check_redis(services: Services) -> Check:
    url = services.config.REDIS_URL
    if not url:
        return Check("redis", True, "not configured: jobs run in-process")
    try:
        _redis_client(url).ping()
    except Exception as exc:  # ok: connection refused, timeout, auth: all mean "not answering"
        return Check("redis", False, f"not answering ({_error(exc)})",
                     "check REDIS_URL and that the Redis server is up")  # fmt: skip
    return Check("redis", True, "answers PING")


def check_storage(services: Services) -> Check:
    """Write a tiny object, read it back (one key per process, overwritten by every probe)."""
    key = f"health/{socket.gethostname()}-{os.getpid()}.txt"
    data = f"ready {time.time():.3f}".encode()
    try:
        services.storage.put(key, data, content_type="text/plain")
        read = services.storage.open(key)
    except Exception as exc:  # ok: a missing bucket, denied credentials, a full disk: reported, not raised
        return Check("storage", False, f"write and read failed ({_error(exc)})",
                     "check STORAGE_URL, its bucket or folder, and the credentials")  # fmt: skip
    if read != data:
        return Check("storage", False, "read back different bytes than were written",
                     "check that nothing else writes under the storage prefix")  # fmt: skip
    return Check("storage", True, f"wrote and read {key}")


def readiness(services: Services) -> list[Check]:
    """Every check a request depends on."""
    return [check_database(services), check_redis(services), check_storage(services)]
