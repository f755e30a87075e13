"""Configuration: one frozen Settings object, built once from embedded defaults, the environment and
the overrides a caller gives (create_app(config), tests). Code reads `services.config.NAME`, never a
default of its own."""

from __future__ import annotations

import dataclasses
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository root; the embedded defaults live below it in var/."""

VAR_DIR = Path(os.environ.get("COBRAND_VAR_DIR", PROJECT_ROOT / "var"))
"""Where the embedded defaults keep the SQLite database and local storage."""

MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings(Mapping[str, Any]):
    """Every setting, with its embedded default; each is overridden by the environment variable of its name.

    A Mapping too, so Flask takes it whole (app.config.update) and settings Flask owns (TESTING,
    WTF_CSRF_ENABLED, …) given as overrides are kept in `extra`.
    """

    SECRET_KEY: str = ""
    """Empty: a random key kept in VAR_DIR (never a well-known default)."""
    DATABASE_URL: str = f"sqlite:///{VAR_DIR / 'cobrand.db'}"
    STORAGE_URL: str = f"file://{VAR_DIR / 'storage'}"
    S3_ENDPOINT_URL: str | None = None
    REDIS_URL: str | None = None
    """None: jobs run in this process (the embedded default)."""
    RQ_QUEUE: str = "cobrand"
    PUBLISH_BATCH_SIZE: int = 25
    # RQ jobs: a batch that raises is tried again JOB_RETRIES times, waiting the next of
    # JOB_RETRY_INTERVALS seconds (the last one repeats) before each try.
    JOB_TIMEOUT: int = 600
    JOB_RETRIES: int = 3
    JOB_RETRY_INTERVALS: tuple[int, ...] = (5, 30, 120)
    # RQ workers: how often a busy worker proves it is alive, how long after its last proof
    # its job counts as abandoned (and is run again elsewhere), how often registries are swept.
    WORKER_JOB_MONITORING_INTERVAL: int = 10
    WORKER_HEARTBEAT_GRACE: int = 30
    WORKER_MAINTENANCE_INTERVAL: int = 30
    PUBLISH_SWEEP_GRACE: float = 60
    """A running publish with no job in flight for this long is queued again from the database."""
    WORKER_TTL: int = 420
    BRAND_KITS_DIR: str = str(PROJECT_ROOT / "brand_kits")
    TEMPLATES_DIR: str = str(PROJECT_ROOT / "campaign_templates")
    PARTNER_PROGRAM_FILE: str = str(PROJECT_ROOT / "partner_program.toml")
    """The partner program (types, tiers, regions, attributes, import columns): content, like kits."""
    WEBHOOK_SECRETS: str = ""
    # API and webhooks (docs/api.md): per-token requests per window; outbound delivery retries
    # wait BASE, 2×BASE, 4×BASE … seconds (at most an hour) until WINDOW seconds after the event.
    API_RATE_LIMIT: int = 600
    API_RATE_WINDOW: int = 60
    # Failed sign-ins per email address from one client address, and per client address, in each
    # window (seconds): a stranger elsewhere cannot lock an account out by failing on purpose.
    LOGIN_RATE_LIMIT: int = 10
    LOGIN_RATE_LIMIT_PER_ADDRESS: int = 50
    LOGIN_RATE_WINDOW: int = 300
    # Previews (API and portal) render on demand: per token or partner, in each window (seconds).
    PREVIEW_RATE_LIMIT: int = 30
    PREVIEW_RATE_WINDOW: int = 60
    WEBHOOK_TOLERANCE_SECONDS: int = 300
    WEBHOOK_RETRY_BASE_SECONDS: float = 30
    WEBHOOK_RETRY_WINDOW_SECONDS: float = 24 * 3600
    WEBHOOK_TIMEOUT_SECONDS: float = 10
    WEBHOOK_ALLOW_PRIVATE_TARGETS: bool = False
    """SSRF guard: outbound webhooks to loopback/private/link-local/... addresses only when true."""
    # Short links (<PUBLIC_BASE_URL>/r/<code>) and e-mail images (<PUBLIC_ASSET_BASE_URL>/<file>):
    # the addresses the world reaches this app and its public files at.
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    PUBLIC_ASSET_BASE_URL: str = ""
    LINK_FALLBACK_URL: str = ""
    """Where links of archived campaigns lead (empty: a page of ours saying the offer has ended)."""
    LINK_CACHE_SECONDS: float = 30
    CLICK_BATCH_SIZE: int = 500
    CLICK_FLUSH_SECONDS: float = 0.5
    # Logo URLs in an import: public https addresses only (true: loopback tests), a deadline
    # per logo, a few fetched at a time.
    LOGO_FETCH_ALLOW_PRIVATE: bool = False
    LOGO_FETCH_TIMEOUT: float = 10
    LOGO_FETCH_CONCURRENCY: int = 4
    CONSOLE_PAGE_SIZE: int = 50
    """Rows per page of the console's lists (partners, campaigns, audit log)."""
    PARTNER_STORAGE_QUOTA_BYTES: int = 20 * MiB
    """A partner's logo and its replaced ones (deleted once its assets are rendered again), in bytes."""
    APPROVAL_REQUIRED: bool = False
    """Every campaign needs an approver's yes before it is published (else only those that ask for it)."""
    MAX_LOGO_BYTES: int = 5 * MiB
    """The one limit on a logo's size: uploads, imports (files and URLs) and the logo checks all use it."""
    MAX_LOGO_PIXELS: int = 25_000_000
    # Uploaded designs (docs/api.md): file size, pages and PDF objects; parse time limit (seconds).
    MAX_DESIGN_BYTES: int = 16 * MiB
    MAX_DESIGN_PAGES: int = 20
    MAX_DESIGN_OBJECTS: int = 50_000
    DESIGN_PARSE_TIMEOUT: float = 15
    DESIGN_CACHE_DIR: str = str(VAR_DIR / "designs")
    # An uploaded SVG logo is drawn once in a child process limited to this time and memory.
    LOGO_CHECK_TIMEOUT: float = 10
    LOGO_CHECK_MEMORY_MB: int = 1024
    MAX_CONTENT_LENGTH: int = 16 * MiB
    # Sessions end after SESSION_LIFETIME_HOURS, or SESSION_IDLE_MINUTES without a request.
    SESSION_LIFETIME_HOURS: float = 12
    SESSION_IDLE_MINUTES: float = 60
    AUTH_MAX_BODY_BYTES: int = 16 * 1024
    """Sign-in and password forms: bodies over this many bytes are refused before they are parsed."""
    # Password-reset links asked for per email address, and per client address, in each window.
    RESET_RATE_LIMIT: int = 3
    RESET_RATE_LIMIT_PER_ADDRESS: int = 20
    RESET_RATE_WINDOW: int = 3600
    SESSION_COOKIE_SECURE: bool = False
    # Operations (docs/operations.md): log lines as plain text or JSON; forwarded headers
    # (X-Forwarded-For/-Proto/-Host) trusted only from these reverse-proxy addresses, PROXY_COUNT
    # hops deep; /metrics open to METRICS_ALLOW addresses, or to anyone sending METRICS_TOKEN.
    LOG_FORMAT: str = "text"
    LOG_LEVEL: str = "INFO"
    TRUSTED_PROXIES: str = ""
    PROXY_COUNT: int = 1
    METRICS_TOKEN: str | None = None
    METRICS_ALLOW: str = "127.0.0.0/8,::1"
    DOCTOR_MIN_FREE_MB: int = 1024
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Other keys given as overrides: Flask's and its extensions' own settings."""

    def __getitem__(self, key: str) -> Any:
        if key in _NAMES:
            return getattr(self, key)
        return self.extra[key]

    def __iter__(self) -> Iterator[str]:
        yield from _NAMES
        yield from self.extra

    def __len__(self) -> int:
        return len(_NAMES) + len(self.extra)

    __hash__ = None  # type: ignore[assignment]  # extra is a dict; settings are never dict keys


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "extra"}
_NAMES = tuple(_FIELDS)


def _parse(name: str, kind: str, raw: Any) -> Any:
    """A value of the setting's type from the environment's text (or an override given as text)."""
    if not isinstance(raw, str):
        return tuple(raw) if kind.startswith("tuple") else raw
    if kind == "bool":
        return raw.strip().lower() == "true"
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind.startswith("tuple"):
        return tuple(int(v) for v in raw.replace(" ", "").split(",") if v)
    return raw


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings: each override, else its environment variable (when set and not empty), else the default."""
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    for name, spec in _FIELDS.items():
        if name in overrides:
            raw = overrides.pop(name)
        elif os.environ.get(name, "") != "":
            raw = os.environ[name]
        else:
            continue
        try:
            values[name] = _parse(name, str(spec.type), raw)
        except ValueError:
            raise ValueError(f"{name}: {raw!r} is not a valid {spec.type}") from None
    for name in ("PUBLIC_BASE_URL", "PUBLIC_ASSET_BASE_URL"):
        if name in values:
            values[name] = str(values[name] or "").rstrip("/")
    if not values.get("SECRET_KEY"):
        values["SECRET_KEY"] = _local_secret_key()
    return Settings(**values, extra=overrides)


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
