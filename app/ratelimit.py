"""Fixed-window rate limits (API tokens, sign-in attempts): in Redis when REDIS_URL is set, else in this process."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from app.config import Settings


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int
    """Unix time at which the window ends."""

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimiter(Protocol):
    def hit(self, key: str) -> RateLimit:
        """Count one request for key in the current window."""

    def peek(self, key: str) -> RateLimit:
        """The state of key's current window, counting nothing."""


def limiter_key(*parts: str) -> str:
    """A fixed-size key from untrusted parts (an email, an address): memory per key is bounded."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


class MemoryRateLimiter:
    """Counts in a dict: right for one process (the embedded default and tests)."""

    def __init__(self, limit: int, window: int) -> None:
        self.limit, self.window = limit, window
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateLimit:
        start = int(time.time()) // self.window * self.window
        with self._lock:
            self._counts = {k: v for k, v in self._counts.items() if k[1] == start}  # forget old windows
            count = self._counts.get((key, start), 0) + 1
            self._counts[(key, start)] = count
        return RateLimit(self.limit, self.limit - count, start + self.window)

    def peek(self, key: str) -> RateLimit:
        start = int(time.time()) // self.window * self.window
        with self._lock:
            count = self._counts.get((key, start), 0)
        return RateLimit(self.limit, self.limit - count, start + self.window)


class RedisRateLimiter:
    """Counts in Redis (INCR + EXPIRE), shared by every web process."""

    def __init__(self, redis_url: str, limit: int, window: int) -> None:
        from redis import Redis

        self.redis: Any = Redis.from_url(redis_url)
        self.limit, self.window = limit, window

    def hit(self, key: str) -> RateLimit:
        start = int(time.time()) // self.window * self.window
        name = f"cobrand:ratelimit:{key}:{start}"
        with self.redis.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, self.window + 5)
            count = int(pipe.execute()[0])
        return RateLimit(self.limit, self.limit - count, start + self.window)

    def peek(self, key: str) -> RateLimit:
        start = int(time.time()) // self.window * self.window
        count = int(self.redis.get(f"cobrand:ratelimit:{key}:{start}") or 0)
        return RateLimit(self.limit, self.limit - count, start + self.window)


def build_rate_limiter(
    config: Settings, *, limit_key: str = "API_RATE_LIMIT", window_key: str = "API_RATE_WINDOW"
) -> RateLimiter:
    """The limiter the settings ask for (Redis when REDIS_URL is set); limits read from the named settings."""
    limit, window = int(getattr(config, limit_key)), int(getattr(config, window_key))
    if config.REDIS_URL:
        return RedisRateLimiter(config.REDIS_URL, limit, window)
    return MemoryRateLimiter(limit, window)
