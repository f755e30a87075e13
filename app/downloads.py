"""Delivering assets: the one door every download goes through (portal, console, API).

A download is recorded first, then answered with a 302 to a short-lived URL of the storage
backend (presigned on S3), so the bytes never pass through the web process; only a backend
without such URLs (the local folder of the embedded default) has the app send them. A
partner's zip bundle of a campaign is streamed entry by entry: memory holds one asset at a
time, however many the bundle has.

Every stored file is answered with its recorded content type and `nosniff`. Types a browser would
run as a document (SVG, HTML, XML) always come as an attachment as well, so a script hidden in one
never runs on our origin, nor on the bucket's through a presigned URL (where the content type and
the attachment are signed into the URL: S3 answers with them whatever the object was stored with).
Downloads are counted once per partner, asset, day and channel, so analytics cannot be inflated.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta

from flask import Response, abort, redirect, stream_with_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Asset, Download, DownloadChannel, utcnow
from app.storage import Storage

DOWNLOAD_URL_SECONDS = 120
"""How long a presigned download URL works: long enough to start, too short to pass around."""

FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
"""Headers on every file the app itself sends: never sniffed, never run as a page, never cached."""


ACTIVE_TYPES = ("image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml")
"""Content types a browser renders as a document that can run script: always sent as attachments."""


def is_active_content(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in ACTIVE_TYPES


def record_download(
    session: Session, asset: Asset, channel: DownloadChannel, now: datetime | None = None
) -> bool:
    """Count a download of an asset (portal, api or console), at most once per partner, asset,
    day and channel (so the channel breakdown stays true); True if this one was counted."""
    now = now or utcnow()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    already = session.scalar(
        select(Download.id).where(
            Download.asset_id == asset.id,
            Download.partner_id == asset.partner_id,
            Download.channel == channel,
            Download.created_at >= day,
            Download.created_at < day + timedelta(days=1),
        )
    )
    if already is not None:
        return False
    session.add(Download(asset_id=asset.id, campaign_id=asset.campaign_id, partner_id=asset.partner_id,
                         channel=channel, created_at=now))  # fmt: skip
    session.flush()
    return True


def send_file(
    storage: Storage,
    key: str,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    inline: bool,
    max_age: int = 300,
) -> Response:
    """Any stored file (asset, thumbnail, logo), the one way files are served: a redirect to a
    short-lived storage URL when the backend has one, else the bytes; 404 when it is missing.

    content_type defaults to the type recorded when the file was stored (Storage.describe)."""
    try:
        content_type = content_type or str(storage.describe(key)["content_type"])
        return _send(storage, key, content_type, filename, inline=inline, max_age=max_age)
    except FileNotFoundError:
        abort(404)


def _send(
    storage: Storage, key: str, content_type: str, filename: str | None, *, inline: bool, max_age: int
) -> Response:
    active = is_active_content(content_type)
    attachment = filename or ("download.svg" if active else None)
    url = storage.url_for_download(
        key, filename=None if inline and not active else attachment, content_type=content_type,
        expires_in=DOWNLOAD_URL_SECONDS,
    )  # fmt: skip
    if url is not None:
        return redirect(url)  # type: ignore[return-value]
    response = Response(storage.open(key), mimetype=content_type)
    if attachment and (active or not inline):
        response.headers.set("Content-Disposition", "attachment", filename=attachment)
    response.headers.update(FILE_HEADERS)
    if not active:
        response.headers["Cache-Control"] = f"private, max-age={max_age}"
    return response


def deliver_asset(
    storage: Storage, session: Session, asset: Asset, channel: DownloadChannel, *, inline: bool = False
) -> Response:
    """Record the download (committed), then redirect to the file, or send it; 404 if it is gone."""
    if not asset.storage_key:
        abort(404)
    filename = asset.filename or f"asset-{asset.id}"
    record_download(session, asset, channel)
    session.commit()  # recorded before the answer: a redirect that is followed is never lost
    response = send_file(storage, asset.storage_key, content_type=asset.content_type or "application/octet-stream",
                         filename=filename, inline=inline)  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response


def deliver_bundle(
    storage: Storage, session: Session, assets: Sequence[Asset], channel: DownloadChannel, filename: str
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
