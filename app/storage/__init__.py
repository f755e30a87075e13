"""Where rendered assets and uploaded logos live: one small protocol, two real backends.

Callers never branch on the backend: `storage_from_url(config.STORAGE_URL)` picks it.
Every backend turns "missing" into FileNotFoundError, "no room" into StorageFull, and refuses
keys that are not plain relative paths (no "..", no leading "/").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from app.storage.errors import StorageFull

__all__ = ["Storage", "StorageFull", "storage_from_url"]


class Storage(Protocol):
    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        filename: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """Store bytes under key, atomically: readers see the old object or the new one."""

    def open(self, key: str) -> bytes:
        """Return the bytes under key; FileNotFoundError if there are none."""

    def exists(self, key: str) -> bool:
        """Tell whether key holds an object."""

    def describe(self, key: str) -> dict[str, Any]:
        """{content_type, filename, metadata, size} as recorded by put(); FileNotFoundError if missing."""

    def url_for_download(
        self, key: str, *, filename: str | None = None, content_type: str | None = None, expires_in: int = 300
    ) -> str | None:
        """A short-lived URL the browser can fetch directly, or None when the app must serve the bytes.

        With filename the file comes as an attachment of that name; with content_type, with that type.
        """

    def delete(self, key: str) -> None:
        """Remove key; no error if it is already gone."""

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield every key that starts with prefix."""

    def close_connections(self) -> None:
        """Close idle network connections (a forking worker's parent, so that no child shares one)."""


def storage_from_url(url: str, *, endpoint_url: str | None = None) -> Storage:
    """Build the backend named by STORAGE_URL: file:///path or s3://bucket/prefix."""
    if url.startswith("file://"):
        from app.storage.local import LocalStorage

        return LocalStorage(url.removeprefix("file://"))
    if url.startswith("s3://"):
        from app.storage.s3 import S3Storage

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        return S3Storage(bucket, prefix, endpoint_url=endpoint_url)
    raise ValueError(f"STORAGE_URL: {url!r} is not file:///path or s3://bucket/prefix")
