"""Text from untrusted sources made safe to store and to export.

NUL breaks PostgreSQL text and C-based tools; bidi overrides make text display differently from what
it is ("Trojan Source" names and files). Spreadsheet programs run a cell that starts with = + - @
(or a tab or CR before one) as a formula, so every CSV we export neutralises such cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

UNSAFE_CHARACTERS = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")
"""NUL and the bidi embedding, override and isolate controls."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
"""What a spreadsheet takes as the start of a formula."""


def clean_text(value: str) -> str:
    """The text without NUL and bidi-override characters."""
    return UNSAFE_CHARACTERS.sub("", value)


def csv_cell(value: Any) -> str:
    """One exported cell: cleaned, and a would-be formula made plain text with a leading apostrophe."""
    text = clean_text("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A UTF-8 CSV (with BOM, for spreadsheets) of safe cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode()
