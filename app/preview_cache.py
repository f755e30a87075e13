"""Previews made for a real partner: kept in memory (bounded), never in storage.

A partner may ask for as many distinct previews as it can type field values; storing each one
would let it fill the bucket. Only previews of the synthetic worst-case partners are stored
(app/previews.py): there are few of them and they are partner-independent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from app.config import Settings
from app.ratelimit import RateLimit, build_rate_limiter

MAX_BYTES = 32 * 1024 * 1024
"""Total size of the previews kept per process; the least recently used go first."""


class PreviewCache:
    """A least-recently-used map of preview bytes, bounded by their total size."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: str, make: Callable[[], bytes]) -> bytes:
        """The bytes under key, made (outside the lock) and kept if they are not there yet."""
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
                return data
        data = make()
        with self._lock:
            if key not in self._items and len(data) <= self.max_bytes:
                self._items[key] = data
                self._size += len(data)
                while self._size > self.max_bytes:
                    _, old = self._items.popitem(last=False)
                    self._size -= len(old)
        return data

    def __len__(self) -> int:
        return len(self._items)


previews = PreviewCache()
"""This process's cache of partner previews."""


def hit_preview_limit(extensions: dict[str, Any], config: Settings, key: str) -> RateLimit:
    """Count one preview for key (a token, a partner) against PREVIEW_RATE_LIMIT per PREVIEW_RATE_WINDOW."""
    limiter = extensions.get("cobrand_preview_limiter")
    if limiter is None:
        limiter = extensions["cobrand_preview_limiter"] = build_rate_limiter(
            config, limit_key="PREVIEW_RATE_LIMIT", window_key="PREVIEW_RATE_WINDOW"
        )
    return limiter.hit(key)  # type: ignore[no-any-return]
