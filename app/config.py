"""Configuration: embedded defaults, overridden by environment variables."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository root; the embedded defaults live below it in var/."""

VAR_DIR = Path(os.environ.get("COBRAND_VAR_DIR", PROJECT_ROOT / "var"))
"""Where the embedded defaults keep the SQLite database and local storage."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int_list(value: str | None) -> tuple[int, ...]:
    return tuple(int(v) for v in (value or "").replace(" ", "").split(",") if v)


def _local_secret_key() -> str:
    """A random key kept in VAR_DIR for the embedded defaults: never a well-known default key."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # Written 0600 to a private temp file, then linked into place: readers never see it half-written.
        fd, temp = tempfile.mkstemp(dir=VAR_DIR, prefix=".secret_key.")
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(temp)
    return path.read_text().strip()


def load_config() -> dict:
    """Read configuration from the environment, falling back to the embedded defaults."""
    return {
        "SECRET_KEY": _env("SECRET_KEY") or _local_secret_key(),
        "DATABASE_URL": _env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cobrand.db'}"),
        "STORAGE_URL": _env("STORAGE_URL", f"file://{VAR_DIR / 'storage'}"),
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "REDIS_URL": _env("REDIS_URL"),
        "RQ_QUEUE": _env("RQ_QUEUE", "cobrand"),
        "PUBLISH_BATCH_SIZE": int(_env("PUBLISH_BATCH_SIZE", "25")),
        # RQ jobs: a batch that raises is tried again JOB_RETRIES times, waiting the next of
        # JOB_RETRY_INTERVALS seconds (the last one repeats) before each try.
        "JOB_TIMEOUT": int(_env("JOB_TIMEOUT", "600")),
        "JOB_RETRIES": int(_env("JOB_RETRIES", "3")),
        "JOB_RETRY_INTERVALS": _int_list(_env("JOB_RETRY_INTERVALS", "5,30,120")),
        # RQ workers: how often a busy worker proves it is alive, how long after its last proof
        # its job counts as abandoned (and is run again elsewhere), how often registries are swept.
        "WORKER_JOB_MONITORING_INTERVAL": int(_env("WORKER_JOB_MONITORING_INTERVAL", "10")),
        "WORKER_HEARTBEAT_GRACE": int(_env("WORKER_HEARTBEAT_GRACE", "30")),
        "WORKER_MAINTENANCE_INTERVAL": int(_env("WORKER_MAINTENANCE_INTERVAL", "30")),
        # A running publish with no job in flight for this long is queued again from the database.
        "PUBLISH_SWEEP_GRACE": float(_env("PUBLISH_SWEEP_GRACE", "60")),
        "WORKER_TTL": int(_env("WORKER_TTL", "420")),
        "BRAND_KITS_DIR": _env("BRAND_KITS_DIR", str(PROJECT_ROOT / "brand_kits")),
        "TEMPLATES_DIR": _env("TEMPLATES_DIR", str(PROJECT_ROOT / "campaign_templates")),
        # The partner program (types, tiers, regions, attributes, import columns): content, like kits.
        "PARTNER_PROGRAM_FILE": _env("PARTNER_PROGRAM_FILE", str(PROJECT_ROOT / "partner_program.toml")),
        "WEBHOOK_SECRETS": _env("WEBHOOK_SECRETS", ""),
        # API and webhooks (docs/api.md): per-token requests per window; outbound delivery retries
        # wait BASE, 2×BASE, 4×BASE … seconds (at most an hour) until WINDOW seconds after the event.
        "API_RATE_LIMIT": int(_env("API_RATE_LIMIT", "600")),
        "API_RATE_WINDOW": int(_env("API_RATE_WINDOW", "60")),
        # Failed sign-ins per email address from one client address, and per client address, in each
        # window (seconds): a stranger elsewhere cannot lock an account out by failing on purpose.
        "LOGIN_RATE_LIMIT": int(_env("LOGIN_RATE_LIMIT", "10")),
        "LOGIN_RATE_LIMIT_PER_ADDRESS": int(_env("LOGIN_RATE_LIMIT_PER_ADDRESS", "50")),
        "LOGIN_RATE_WINDOW": int(_env("LOGIN_RATE_WINDOW", "300")),
        # Previews (API and portal) render on demand: per token or partner, in each window (seconds).
        "PREVIEW_RATE_LIMIT": int(_env("PREVIEW_RATE_LIMIT", "30")),
        "PREVIEW_RATE_WINDOW": int(_env("PREVIEW_RATE_WINDOW", "60")),
        "WEBHOOK_TOLERANCE_SECONDS": int(_env("WEBHOOK_TOLERANCE_SECONDS", "300")),
        "WEBHOOK_RETRY_BASE_SECONDS": float(_env("WEBHOOK_RETRY_BASE_SECONDS", "30")),
        "WEBHOOK_RETRY_WINDOW_SECONDS": float(_env("WEBHOOK_RETRY_WINDOW_SECONDS", str(24 * 3600))),
        "WEBHOOK_TIMEOUT_SECONDS": float(_env("WEBHOOK_TIMEOUT_SECONDS", "10")),
        # SSRF guard: outbound webhooks to loopback/private/link-local/... addresses only when true.
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": _env("WEBHOOK_ALLOW_PRIVATE_TARGETS", "false") == "true",
        # Short links (<PUBLIC_BASE_URL>/r/<code>) and e-mail images (<PUBLIC_ASSET_BASE_URL>/<file>):
        # the addresses the world reaches this app and its public files at.
        "PUBLIC_BASE_URL": (_env("PUBLIC_BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        "PUBLIC_ASSET_BASE_URL": (_env("PUBLIC_ASSET_BASE_URL") or "").rstrip("/"),
        # Where links of archived campaigns lead (empty: a page of ours saying the offer has ended).
        "LINK_FALLBACK_URL": _env("LINK_FALLBACK_URL", ""),
        "LINK_CACHE_SECONDS": float(_env("LINK_CACHE_SECONDS", "30")),
        "CLICK_BATCH_SIZE": int(_env("CLICK_BATCH_SIZE", "500")),
        "CLICK_FLUSH_SECONDS": float(_env("CLICK_FLUSH_SECONDS", "0.5")),
        # Logo URLs in an import: public https addresses only (true: loopback tests), a deadline
        # per logo, a few fetched at a time.
        "LOGO_FETCH_ALLOW_PRIVATE": _env("LOGO_FETCH_ALLOW_PRIVATE", "false") == "true",
        "LOGO_FETCH_TIMEOUT": float(_env("LOGO_FETCH_TIMEOUT", "10")),
        "LOGO_FETCH_CONCURRENCY": int(_env("LOGO_FETCH_CONCURRENCY", "4")),
        # Every campaign needs an approver's yes before it is published (else only those that ask for it).
        # Rows per page of the console's lists (partners, campaigns, audit log).
        "CONSOLE_PAGE_SIZE": int(_env("CONSOLE_PAGE_SIZE", "50")),
        "APPROVAL_REQUIRED": _env("APPROVAL_REQUIRED", "false") == "true",
        # A partner's logo and its replaced ones (deleted once its assets are rendered again), in bytes.
        "PARTNER_STORAGE_QUOTA_BYTES": int(_env("PARTNER_STORAGE_QUOTA_BYTES", str(20 * 1024 * 1024))),
        "MAX_LOGO_BYTES": int(_env("MAX_LOGO_BYTES", str(5 * 1024 * 1024))),
        "MAX_LOGO_PIXELS": int(_env("MAX_LOGO_PIXELS", str(25_000_000))),
        # Uploaded designs (docs/api.md): file size, pages and PDF objects; parse time limit (seconds).
        "MAX_DESIGN_BYTES": int(_env("MAX_DESIGN_BYTES", str(16 * 1024 * 1024))),
        "MAX_DESIGN_PAGES": int(_env("MAX_DESIGN_PAGES", "20")),
        "MAX_DESIGN_OBJECTS": int(_env("MAX_DESIGN_OBJECTS", "50000")),
        "DESIGN_PARSE_TIMEOUT": float(_env("DESIGN_PARSE_TIMEOUT", "15")),
        "DESIGN_CACHE_DIR": _env("DESIGN_CACHE_DIR", str(VAR_DIR / "designs")),
        # An uploaded SVG logo is drawn once in a child process limited to this time and memory.
        "LOGO_CHECK_TIMEOUT": float(_env("LOGO_CHECK_TIMEOUT", "10")),
        "LOGO_CHECK_MEMORY_MB": int(_env("LOGO_CHECK_MEMORY_MB", "1024")),
        "MAX_CONTENT_LENGTH": int(_env("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        # Sessions end after SESSION_LIFETIME_HOURS, or SESSION_IDLE_MINUTES without a request.
        "SESSION_LIFETIME_HOURS": float(_env("SESSION_LIFETIME_HOURS", "12")),
        "SESSION_IDLE_MINUTES": float(_env("SESSION_IDLE_MINUTES", "60")),
        # Sign-in and password forms: bodies over this many bytes are refused before they are parsed.
        "AUTH_MAX_BODY_BYTES": int(_env("AUTH_MAX_BODY_BYTES", str(16 * 1024))),
        # Password-reset links asked for per email address, and per client address, in each window.
        "RESET_RATE_LIMIT": int(_env("RESET_RATE_LIMIT", "3")),
        "RESET_RATE_LIMIT_PER_ADDRESS": int(_env("RESET_RATE_LIMIT_PER_ADDRESS", "20")),
        "RESET_RATE_WINDOW": int(_env("RESET_RATE_WINDOW", "3600")),
        "SESSION_COOKIE_SECURE": _env("SESSION_COOKIE_SECURE", "false") == "true",
        # Operations (docs/operations.md): log lines as plain text or JSON; forwarded headers
        # (X-Forwarded-For/-Proto/-Host) trusted only from these reverse-proxy addresses, PROXY_COUNT
        # hops deep; /metrics open to METRICS_ALLOW addresses, or to anyone sending METRICS_TOKEN.
        "LOG_FORMAT": _env("LOG_FORMAT", "text"),
        "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        "TRUSTED_PROXIES": _env("TRUSTED_PROXIES", ""),
        "PROXY_COUNT": int(_env("PROXY_COUNT", "1")),
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        "METRICS_ALLOW": _env("METRICS_ALLOW", "127.0.0.0/8,::1"),
        "DOCTOR_MIN_FREE_MB": int(_env("DOCTOR_MIN_FREE_MB", "1024")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
