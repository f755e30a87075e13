"""A batch's storage work done beside its rendering: files and thumbnails put, logos read.

A small thread pool (PDFium, zlib and sockets release the GIL) stores each rendered file and its
thumbnail while the batch renders its next chunk, and reads the partners' logos a chunk ahead. At
most QUEUE files wait for the pool: rendering waits rather than holding more, so a batch's memory
is bounded whatever its size. An upload error is kept, not raised: every other upload still
finishes and is reported, so the batch records what was stored before it fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

from app.assets import asset_filename, asset_key, public_key
from app.models import Asset, Campaign, Partner
from app.rendering.model import RenderedFile
from app.rendering.thumbnails import StampedPdf, thumbnail
from app.services import Services

logger = logging.getLogger(__name__)

THREADS = 4
"""Uploads in flight at once."""
QUEUE = 16
"""Rendered files waiting for the pool at most."""

T = TypeVar("T")


@dataclass(frozen=True)
class Stored(Generic[T]):
    """One rendered file stored with its thumbnail: what the asset row needs of it."""

    tag: T
    key: str
    thumbnail_key: str
    size: int
    content_type: str
    extension: str


class Uploads(Generic[T]):
    """The uploads of one batch; use as a context manager (leaving it waits for every upload)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.stored: list[Stored[T]] = []
        self.error: Exception | None = None
        """The first upload error; the batch raises it once what was stored is recorded."""
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="cobrand-upload")
        self._pending: dict[Future[tuple[str, str]], tuple[T, str, RenderedFile]] = {}

    def __enter__(self) -> Uploads[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.finish()
        self._pool.shutdown(wait=True)

    def read(self, key: str) -> Future[bytes]:
        """Read an object (a partner's logo) on the pool."""
        return self._pool.submit(self.services.storage.open, key)

    def store(
        self, tag: T, campaign: Campaign, asset: Asset, partner: Partner, fingerprint: str,
        versions: tuple[str, str], rendered: RenderedFile, stamped: StampedPdf | None,
    ) -> None:  # fmt: skip
        """Queue the upload of one rendered file and its thumbnail (waits while QUEUE are waiting).

        versions: the template's and the brand kit's. stamped: the master a PDF was stamped on;
        its thumbnail then renders only the zone.
        """
        while len(self._pending) >= QUEUE:
            self._collect(wait(self._pending, return_when=FIRST_COMPLETED).done)
        upload = _uploader(self.services, campaign, asset, partner, fingerprint, versions, rendered, stamped)
        label = f"{campaign.slug}/{partner.slug}/{asset.output}"
        self._pending[self._pool.submit(upload)] = (tag, label, rendered)

    def finish(self) -> list[Stored[T]]:
        """Wait for every upload; returns what was stored (self.error: the first that was not)."""
        self._collect(wait(self._pending).done)
        return self.stored

    def _collect(self, done: set[Future[tuple[str, str]]]) -> None:
        for future in done:
            tag, label, rendered = self._pending.pop(future)  # the file's bytes are let go here
            try:
                key, thumb_key = future.result()
            except Exception as exc:  # ok: kept; the batch raises it once what was stored is recorded
                logger.warning("%s not stored: %s: %s", label, type(exc).__name__, exc)
                self.error = self.error or exc
                continue
            self.stored.append(Stored(tag, key, thumb_key, len(rendered.data), rendered.content_type,
                                      rendered.extension))  # fmt: skip


def _uploader(
    services: Services, campaign: Campaign, asset: Asset, partner: Partner, fp: str, versions: tuple[str, str],
    rendered: RenderedFile, stamped: StampedPdf | None,
) -> Callable[[], tuple[str, str]]:  # fmt: skip
    """The upload of one rendered file and its thumbnail, to run on the pool; returns their keys."""
    key = asset_key(campaign.slug, partner.slug, asset.output, fp, rendered.extension)
    thumb_key = f"thumbnails/{campaign.slug}/{partner.slug}/{asset.output}-{fp[:16]}.jpg"
    filename = asset_filename(campaign, asset.output, partner, rendered.extension)
    metadata = {
        "campaign": campaign.slug, "partner": partner.slug, "output": asset.output,
        "template-version": versions[0][:16], "brand-kit-version": versions[1][:16], "fingerprint": fp,
    }  # fmt: skip

    def upload() -> tuple[str, str]:
        services.storage.put(key, rendered.data, content_type=rendered.content_type, filename=filename,
                             metadata=metadata)  # fmt: skip
        for public in rendered.public_files:  # content-addressed: never rewritten, never deleted here
            if not services.storage.exists(public_key(public.name)):
                services.storage.put(public_key(public.name), public.data, content_type=public.content_type)
        if rendered.preview:
            preview = thumbnail(rendered.preview, "image/png")
        elif rendered.content_type == "application/pdf":
            preview = services.renderer.thumbnails.thumbnail(rendered.data, stamped)
        else:
            preview = thumbnail(rendered.data, rendered.content_type)
        services.storage.put(thumb_key, preview, content_type="image/jpeg")
        return key, thumb_key

    return upload
