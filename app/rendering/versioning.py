"""Content versions: a folder's version is the hash of every file in it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def folder_version(root: Path) -> str:
    """SHA-256 over the sorted relative paths and bytes of every file below root."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
