"""The services every entry point needs (database, storage, jobs, events, content, renderer), built once.

Flask builds them in create_app(); RQ workers build them once per process from the
environment, before forking, so fonts and stylesheets are warm in every job. Nothing is
built at import time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Settings, load_settings
from app.content import ContentLibrary
from app.db import Database
from app.design_store import DesignStore
from app.events import Events
from app.jobs import JobRunner, build_runner
from app.links import LinkResolver
from app.links.clicks import ClickRecorder
from app.masters import StorageMasterStore
from app.rendering.renderer import Renderer
from app.storage import Storage, storage_from_url
from app.webhooks.delivery import queue_events


@dataclass
class Services:
    config: Settings
    db: Database
    storage: Storage
    jobs: JobRunner
    content: ContentLibrary
    events: Events = field(default_factory=Events)
    _renderer: Renderer | None = field(default=None, repr=False)
    _links: LinkResolver | None = field(default=None, repr=False)
    _clicks: ClickRecorder | None = field(default=None, repr=False)

    @property
    def queue(self) -> JobRunner:
        """Old name of jobs, kept while call sites move to it."""
        return self.jobs

    @property
    def renderer(self) -> Renderer:
        """The renderer, made on first use (importing WeasyPrint costs ~0.4 s)."""
        if self._renderer is None:
            self._renderer = Renderer(
                extra_roots=_storage_roots(self.storage), master_store=StorageMasterStore(self.storage)
            )
        return self._renderer

    @property
    def links(self) -> LinkResolver:
        """Short link codes to targets, cached in this process for LINK_CACHE_SECONDS."""
        if self._links is None:
            self._links = LinkResolver(self.db, ttl=self.config.LINK_CACHE_SECONDS)
        return self._links

    @property
    def clicks(self) -> ClickRecorder:
        """Clicks on short links, queued and written in batches by a background thread."""
        if self._clicks is None:
            from app.links.events import schedule_click_batches  # imported here: it needs app.jobs

            self._clicks = ClickRecorder(
                self.db,
                batch_size=self.config.CLICK_BATCH_SIZE,
                interval=self.config.CLICK_FLUSH_SECONDS,
                on_written=lambda times: schedule_click_batches(self, times) if times else None,
            )
        return self._clicks


def _storage_roots(storage: Storage) -> tuple[Path, ...]:
    root = getattr(storage, "root", None)
    return (Path(root),) if root else ()


def build_services(config: Mapping[str, Any] | None = None) -> Services:
    """Build every service from the settings: defaults, the environment, then these overrides."""
    from app import audit, logo_retirement, text_safety

    audit.install()  # every change of an audited model is logged, whichever door it came through
    text_safety.install()  # NUL and bidi controls stripped from every text stored, whichever door
    config = load_settings(config)

    def job_context() -> AbstractContextManager[Services]:
        return using_services(services)  # in-process jobs run with these services

    services = Services(
        config=config,
        db=Database(config.DATABASE_URL),
        storage=storage_from_url(config.STORAGE_URL, endpoint_url=config.S3_ENDPOINT_URL),
        jobs=build_runner(config, job_context),
        content=ContentLibrary(
            Path(config.BRAND_KITS_DIR),
            Path(config.TEMPLATES_DIR),
            Path(config.PARTNER_PROGRAM_FILE),
        ),
    )
    # Subscribers, wired once here: whoever emits events knows none of them.
    services.events.subscribe(lambda batch: queue_events(services, batch))
    services.events.subscribe(lambda batch: logo_retirement.on_events(services, batch))
    services.content.uploaded = DesignStore(services.db, services.storage, Path(config.DESIGN_CACHE_DIR))
    return services


_current: ContextVar[Services | None] = ContextVar("cobrand_services", default=None)
_process_services: Services | None = None


def get_services() -> Services:
    """The services of the running app or job; a worker builds its own once, from the environment."""
    global _process_services
    services = _current.get()
    if services is not None:
        return services
    if _process_services is None:
        _process_services = build_services()
    return _process_services


@contextmanager
def using_services(services: Services) -> Iterator[Services]:
    """Make services current for jobs run in this context (the in-process queue, tests)."""
    token = _current.set(services)
    try:
        yield services
    finally:
        _current.reset(token)


def set_process_services(services: Services) -> None:
    """Install services for this whole process (a worker warming up before it forks)."""
    global _process_services
    _process_services = services
