"""Text from untrusted sources made safe to store and to export.

NUL breaks PostgreSQL text and C-based tools; bidi overrides make text display differently from what
it is ("Trojan Source" names and files). Spreadsheet programs run a cell that starts with = + - @
(or a tab or CR before one) as a formula, so every CSV we export neutralises such cells.
"""

from __future__ import annotations

import csv
import io
import json
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


MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a JSON body may have (deeper ones made the parser recurse
until it crashed the request with a 500)."""

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def loads_json(data: str | bytes) -> Any:
    """json.loads, refusing (ValueError) nesting deeper than MAX_JSON_DEPTH before parsing."""
    text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        depth = deepest = 0
        for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
            depth += 1 if bracket.group() in "[{" else -1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)
