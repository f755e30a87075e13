"""Collect validation problems as `file: field: problem` lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass
class Problems:
    file: Path
    lines: list[str] = field(default_factory=list)

    def add(self, where: str, problem: str, file: Path | None = None) -> None:
        self.lines.append(f"{file or self.file}: {where}: {problem}")

    def __bool__(self) -> bool:
        return bool(self.lines)


def inside(root: Path, relative: str) -> Path | None:
    """Resolve a manifest path inside root, or None if it escapes root."""
    if not relative or relative.startswith("/") or "\\" in relative:
        return None
    path = (root / relative).resolve()
    return path if path.is_relative_to(root.resolve()) else None
