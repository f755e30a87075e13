"""LocalStorage: objects as files under one root folder, for the embedded default and for tests.

Layout: the bytes of key "a/b.pdf" live in ROOT/a/b.pdf, so the folder reads like the bucket it
stands in for; what S3 keeps in headers (content type, filename, metadata) lives in a sidecar,
ROOT/.meta/a/b.pdf.json. Keys may not have segments starting with "." (see check_key), so neither
the sidecar tree nor the temporary files of a write can collide with a key or show up in list().

The key rules and metadata rules here are shared with S3Storage, so both backends accept and refuse
exactly the same keys.

One difference S3 does not have: a key cannot also be a folder of other keys ("a" and "a/b"),
since a file cannot be a directory; the app's keys never do that.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.storage.errors import StorageFull

META_DIR = ".meta"
"""The hidden folder under the root holding one JSON sidecar per object."""

MAX_KEY_BYTES = 1024
"""S3's limit on a key's UTF-8 length; LocalStorage enforces it too so the backends agree."""

DEFAULT_CONTENT_TYPE = "application/octet-stream"
"""What describe() reports for an object stored without a sidecar."""

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
"""A write failed for want of room: the disk, or the user's quota, is full."""

_METADATA_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_FORBIDDEN_KEY_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def check_key(key: str) -> str:
    """Return key if it is a plain relative path of safe segments; raise ValueError otherwise."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"storage key {key!r}: must be a non-empty string")
    if _FORBIDDEN_KEY_CHARS.search(key):
        raise ValueError(f"storage key {key!r}: backslashes and control characters are not allowed")
    if key.startswith("/"):
        raise ValueError(f"storage key {key!r}: must be relative, not start with '/'")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"storage key {key[:40]!r}…: longer than {MAX_KEY_BYTES} bytes")
    for segment in key.split("/"):
        if not segment:
            raise ValueError(f"storage key {key!r}: empty segment ('//' or a trailing '/')")
        if segment.startswith("."):
            # Covers "." and "..", and reserves dot-names for the sidecar tree and temporary files.
            raise ValueError(f"storage key {key!r}: segment {segment!r} may not start with '.'")
    return key


def check_prefix(prefix: str) -> str:
    """Return prefix if list() may use it: "" or the start of a valid key; raise ValueError otherwise."""
    if prefix:
        # A prefix may end mid-segment ("renders/2024-") or on a "/"; either way, completing it
        # with a letter must give a valid key.
        check_key(prefix + "x")
    return prefix


def check_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """Return a copy of metadata if every name is lowercase [a-z0-9_-] and every value a str.

    S3 lowercases metadata names and allows few characters in them; refusing other names up front
    keeps LocalStorage and S3Storage round-tripping the same dict.
    """
    checked: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if not isinstance(name, str) or not _METADATA_KEY.fullmatch(name):
            raise ValueError(f"metadata name {name!r}: use 1-64 characters of a-z, 0-9, '_' and '-'")
        if not isinstance(value, str):
            raise ValueError(f"metadata {name!r}: value must be a str, not {type(value).__name__}")
        checked[name] = value
    return checked


class LocalStorage:
    """Store objects as files under root; the app serves them itself (no download URLs)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = self.root / check_key(key)
        # The key is lexically safe; this also refuses a symlink inside the root pointing out of it.
        if not path.resolve().is_relative_to(self.root):
            raise ValueError(f"storage key {key!r}: resolves outside the storage root")
        return path

    def _meta_path(self, key: str) -> Path:
        return self.root / META_DIR / f"{check_key(key)}.json"

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
        path = self._path(key)
        sidecar = {"content_type": content_type, "filename": filename, "metadata": check_metadata(metadata)}
        # Both files are written in full before either is renamed into place, so a failed write
        # (a full disk) leaves the old object whole. The sidecar is renamed first: a reader may
        # briefly see new headers on old bytes, never bytes without headers.
        files = [
            (self._meta_path(key), json.dumps(sidecar, ensure_ascii=False).encode()),
            (path, bytes(data)),
        ]
        try:
            _write_atomically(files)
        except OSError as exc:
            if exc.errno in _FULL_ERRNOS:
                # No path in the message: asset errors reach partners; the cause (in logs) has it.
                raise StorageFull(
                    f"local storage is full: {key!r} was not stored (no space left where STORAGE_URL "
                    "points); free space there, then publish or upload again"
                ) from exc
            raise

    def open(self, key: str) -> bytes:
        """Return the bytes under key; FileNotFoundError if there are none."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise FileNotFoundError(f"no object under storage key {key!r}") from None

    def exists(self, key: str) -> bool:
        """Tell whether key holds an object."""
        return self._path(key).is_file()

    def describe(self, key: str) -> dict[str, Any]:
        """Return {content_type, filename, metadata, size} of key; FileNotFoundError if missing."""
        path = self._path(key)
        try:
            size = path.stat().st_size if path.is_file() else None
        except FileNotFoundError:
            size = None
        if size is None:
            raise FileNotFoundError(f"no object under storage key {key!r}")
        try:
            sidecar = json.loads(self._meta_path(key).read_bytes())
        except FileNotFoundError:
            sidecar = {}
        return {
            "content_type": sidecar.get("content_type") or DEFAULT_CONTENT_TYPE,
            "filename": sidecar.get("filename"),
            "metadata": sidecar.get("metadata") or {},
            "size": size,
        }

    def url_for_download(
        self, key: str, *, filename: str | None = None, content_type: str | None = None, expires_in: int = 300
    ) -> str | None:
        """Return None: there is no URL to files on this machine, so the app serves the bytes."""
        check_key(key)
        return None

    def delete(self, key: str) -> None:
        """Remove key; no error if it is already gone."""
        path, meta = self._path(key), self._meta_path(key)
        for p in (path, meta):  # Bytes first, so a half-done delete leaves no visible object.
            try:
                p.unlink()
            except (FileNotFoundError, NotADirectoryError):
                pass

    def close_connections(self) -> None:
        pass  # files: no connection to close

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield every key that starts with prefix, in sorted (S3's UTF-8 byte) order."""
        check_prefix(prefix)
        # Walk only the folder the prefix points into, not the whole root.
        base = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root
        keys: builtins.list[str] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = os.path.relpath(dirpath, self.root)
            for name in filenames:
                if name.startswith("."):
                    continue  # A temporary file of a write in progress.
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        # Sorting str by code point equals sorting their UTF-8 bytes, which is S3's order.
        yield from sorted(keys)


def _write_atomically(files: builtins.list[tuple[Path, bytes]]) -> None:
    """Write each file to a temporary file beside it, flushed to disk; once all are written, rename
    each over its path in order. On any error every temporary file is removed and the error re-raised."""
    written: builtins.list[tuple[str, Path]] = []
    try:
        for path, data in files:
            written.append((_write_temporary(path, data), path))
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException:  # ok: the temporary files are removed and the error re-raised
        for tmp, _ in written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def _write_temporary(path: Path, data: bytes) -> str:
    """Write data to a new temporary file beside path, flushed to disk; return its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; stored objects are ordinary files.
    except BaseException:  # ok: the temp file is removed and the error re-raised
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp
