"""Content versions: a folder's version is the hash of every file in it."""

from __future__ import annotations

import fnmatch
import hashlib
from pathlib import Path


def folder_version(root: Path, exclude: str = "") -> str:
    """SHA-256 over the sorted relative paths and bytes of every file below root.

    exclude: a glob of top-level file names left out (a template's copy.<locale>.toml files,
    whose content is hashed per locale instead).
    """
    digest = hashlib.sha256()
    files = (p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(
        p for p in files if not (exclude and p.parent == root and fnmatch.fnmatch(p.name, exclude))
    ):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
