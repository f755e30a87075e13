"""Log lines: one per request and per job, plain text by default, JSON lines with LOG_FORMAT=json.

Context (request id, publish id, partner, asset) lives in a context variable: the request hooks
and the job wrappers set it, and every record logged inside carries it. A forked RQ work horse
inherits its parent's context, so RQ's own lines about a job carry the publish id too.

No secret reaches a line: the formatter masks the values of secret settings, bearer tokens, our
API tokens (cbt_…), passwords in URLs and `password=` pairs, whatever logged them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from app.config import Settings

_context: ContextVar[dict[str, Any] | None] = ContextVar("cobrand_log_context", default=None)

SECRET_SETTINGS = ("SECRET_KEY", "METRICS_TOKEN", "AWS_SECRET_ACCESS_KEY")
"""Settings (config or environment) whose values are masked wherever they appear in a line."""

MASK = "[redacted]"

_PATTERNS = [
    (re.compile(r"(?i)\b(bearer)\s+[^\s\"',]+"), r"\1 " + MASK),
    (re.compile(r"\bcbt_[A-Za-z0-9_\-]{8,}"), "cbt_" + MASK),
    (re.compile(r"(?i)\b(password|passwd|secret|token)=([^\s&\"',]+)"), r"\1=" + MASK),
    (re.compile(r"(://[^/\s:@]*:)[^@/\s]+@"), r"\1" + MASK + "@"),  # scheme://user:PASSWORD@host
]
_PUBLISH_JOB_ID = re.compile(r"\bpublish-(\d+)-(?:[0-9a-f]{12}|prepare)\b")
"""The deterministic ids of a publish's jobs (app/publishing: its batches and its prepare job)."""

QUIET_LOGGERS = ("fontTools", "weasyprint", "botocore", "boto3", "s3transfer", "urllib3", "PIL")
"""Libraries that log per-glyph or per-request detail at INFO; kept at WARNING."""


def current_context() -> dict[str, Any]:
    return dict(_context.get() or {})


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Add fields (None values skipped) to every line logged inside the block."""
    merged = {**current_context(), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield merged
    finally:
        _context.reset(token)


@contextmanager
def job_logged(job: str, **fields: Any) -> Iterator[None]:
    """Run a job's body with fields in every line; end with one line saying how it went, and count it."""
    from app import metrics

    logger = logging.getLogger("cobrand.job")
    with log_context(job=job, **fields):
        started = time.perf_counter()
        try:
            yield
        except BaseException as exc:  # ok: logged with its duration, then re-raised
            ms = round((time.perf_counter() - started) * 1000, 1)
            logger.error("job %s failed after %.0f ms: %s: %s", job, ms, type(exc).__name__, exc,
                         extra={"fields": {"outcome": "failed", "duration_ms": ms}})  # fmt: skip
            metrics.count_job(job, "failed")
            raise
        ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "job %s done in %.0f ms", job, ms, extra={"fields": {"outcome": "done", "duration_ms": ms}}
        )
        metrics.count_job(job, "done")


def bind(**fields: Any) -> None:
    """Add fields to the current context until it is reset (a request's own scope)."""
    _context.set({**current_context(), **{k: v for k, v in fields.items() if v is not None}})


def reset_context() -> None:
    _context.set(None)


class Redactor:
    """Masks secrets in a finished line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Short values would mask ordinary words; a real secret is long.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def secret_values(config: Settings) -> list[str]:
    """Every secret the settings hold: secret keys, webhook secrets, passwords inside service URLs."""
    import os

    values = [str(config.get(name) or os.environ.get(name) or "") for name in SECRET_SETTINGS]
    for pair in config.WEBHOOK_SECRETS.split(","):
        values.append(pair.partition("=")[2].strip())
    for name in ("DATABASE_URL", "REDIS_URL"):
        password = urlsplit(str(config.get(name) or "")).password
        values.append(password or "")
    return values


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {**getattr(record, "context", {}), **getattr(record, "fields", {})}
    if "publish_id" not in fields:
        # RQ names a job before our context is set (when it dequeues it); the id tells the publish.
        match = _PUBLISH_JOB_ID.search(record.getMessage())
        if match:
            fields["publish_id"] = int(match.group(1))
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the context fields."""

    def __init__(self, *args: Any, redactor: Redactor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": _strip_colours(record.getMessage()),
            **_fields(record),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return self.redactor(json.dumps(data, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """A readable line for development: time level logger message key=value …"""

    def __init__(self, *args: Any, redactor: Redactor | None = None, **kwargs: Any) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.redactor = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _fields(record)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return self.redactor(line)


class ContextFilter(logging.Filter):
    """Copy the current context onto each record (at the moment it is logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = current_context()
        return True


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _strip_colours(text: str) -> str:
    return _ANSI.sub("", text)


class CobrandHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler configure_logging installs on the root logger (so it can replace itself).

    It writes to whatever sys.stderr is at the time of each line (test runners swap it).
    """

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def make_formatter(log_format: str, redactor: Redactor | None = None) -> logging.Formatter:
    if log_format not in ("text", "json"):
        raise ValueError(f"LOG_FORMAT: {log_format!r} is not text or json")
    return JsonFormatter(redactor=redactor) if log_format == "json" else TextFormatter(redactor=redactor)


def configure_logging(config: Settings) -> None:
    """Send every logger's lines to stderr through one handler, in LOG_FORMAT, secrets masked."""
    handler = CobrandHandler()
    handler.setFormatter(make_formatter(config.LOG_FORMAT, Redactor(secret_values(config))))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, CobrandHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    level = config.LOG_LEVEL.upper()
    for name in ("app", "workers", "cobrand", "rq"):
        logging.getLogger(name).setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
