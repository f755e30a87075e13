"""The guard that keeps core, service and API tests off the sample vendor's content.

Tests under tests/rendering, tests/publishing, tests/program and tests/api build their own
program, kit, templates and partners (tests/factories.py). While one of them runs, an audit hook
records every file or folder it opens under the sample's content (brand_kits/, campaign_templates/,
partner_program.toml, sample_data/); the test fails if there is one. The modules in STILL_ON_SAMPLE
are the exceptions, each with its reason; tests/test_own_content.py checks that they still need to be.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.config import PROJECT_ROOT

GUARDED = ("rendering", "publishing", "program", "api")
"""Test folders (under tests/) whose tests must not read the sample content."""
SAMPLE_CONTENT = tuple(
    str(PROJECT_ROOT / name)
    for name in ("brand_kits", "campaign_templates", "partner_program.toml", "sample_data")
)
STILL_ON_SAMPLE = {
    "program/test_no_values_in_code.py": "scans the code for the shipped program's values (must-show 6)",
}
"""Guarded modules that still read the sample content, and why (to move, or the sample is their point)."""

_opened: list[list[str]] = []
"""The paths opened while a guarded test runs (one list, pushed and popped by the fixture)."""


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _opened or event not in ("open", "os.scandir", "os.listdir") or not args:
        return
    path = args[0]
    if isinstance(path, (str, bytes, os.PathLike)):
        text = os.path.abspath(os.fsdecode(path))
        if text.startswith(SAMPLE_CONTENT):
            _opened[-1].append(text)


sys.addaudithook(_audit)  # audit hooks cannot be removed: it records only while a list is pushed


def is_guarded(test_file: Path) -> bool:
    """True for a test module under a guarded folder that is not one of the exceptions."""
    try:
        relative = test_file.resolve().relative_to(Path(__file__).resolve().parent).as_posix()
    except ValueError:
        return False
    return relative.split("/")[0] in GUARDED and relative not in STILL_ON_SAMPLE


def start() -> list[str]:
    """Start recording sample-content opens; returns the list they go into."""
    _opened.append([])
    return _opened[-1]


def stop() -> list[str]:
    """Stop recording; returns what was opened."""
    return _opened.pop()
