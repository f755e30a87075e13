"""Delivering assets: the one door every download goes through (portal, console, API).

A download is recorded first, then answered with a 302 to a short-lived URL of the storage
backend (presigned on S3), so the bytes never pass through the web process; only a backend
without such URLs (the local folder of the embedded default) has the app send them. A
partner's zip bundle of a campaign is streamed entry by entry: memory holds one asset at a
time, however many the bundle has.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, abort, redirect, stream_with_context
from sqlalchemy.orm import Session

from app.models import Asset, Download
from app.storage import Storage

DOWNLOAD_URL_SECONDS = 120
"""How long a presigned download URL works: long enough to start, too short to pass around."""

FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
"""Headers on every file the app itself sends: never sniffed, never run as a page, never cached."""


def record_download(session: Session, asset: Asset, channel: str) -> None:
    """Count one download of an asset (channel: portal | api | console)."""
    session.add(
        Download(
            asset_id=asset.id, campaign_id=asset.campaign_id, partner_id=asset.partner_id, channel=channel
        )
    )


def deliver_asset(
    storage: Storage, session: Session, asset: Asset, channel: str, *, inline: bool = False
) -> Response:
    """Record the download (committed), then redirect to the file, or send it; 404 if it is gone."""
    if not asset.storage_key:
        abort(404)
    filename = asset.filename or f"asset-{asset.id}"
    record_download(session, asset, channel)
    session.commit()  # recorded before the answer: a redirect that is followed is never lost
    url = storage.url_for_download(
        asset.storage_key, filename=None if inline else filename, expires_in=DOWNLOAD_URL_SECONDS
    )
    if url is not None:
        return redirect(url)  # type: ignore[return-value]
    try:
        data = storage.open(asset.storage_key)
    except FileNotFoundError:
        abort(404)
    response = Response(data, mimetype=asset.content_type or "application/octet-stream")
    if not inline:
        response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers.update(FILE_HEADERS)
    return response


def deliver_bundle(
    storage: Storage, session: Session, assets: Sequence[Asset], channel: str, filename: str
) -> Response:
    """Record a download of every asset (committed), then stream them as one zip file."""
    entries = [(a.filename or f"asset-{a.id}", a.storage_key) for a in assets if a.storage_key]
    if not entries:
        abort(404)
    for asset in assets:
        record_download(session, asset, channel)
    session.commit()
    response = Response(stream_with_context(_zip_stream(storage, entries)), mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers.update(FILE_HEADERS)
    return response


class _Chunks:
    """A write-only file for ZipFile that hands what was written on to a generator."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _zip_stream(storage: Storage, entries: Iterable[tuple[str, str]]) -> Iterator[bytes]:
    """The zip file, one entry at a time. Entries are stored, not deflated: PDFs, PNGs and JPEGs
    are compressed already, and deflating them again costs CPU for a few per cent."""
    out = _Chunks()
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
        for name, key in entries:
            unique = name
            while unique in seen:  # two assets with one filename: keep both
                unique = f"_{unique}"
            seen.add(unique)
            try:
                data = storage.open(key)
            except FileNotFoundError:
                continue  # withdrawn while the bundle streams: leave it out
            archive.writestr(unique, data)
            del data
            yield out.take()
    yield out.take()
