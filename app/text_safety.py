"""Text from untrusted sources made safe to store and to export.

Input is cleaned where it is stored (install(): a flush listener over every row written), exports
where they are written (csv_cell).

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


def clean_deep(value: Any) -> Any:
    """The value with every string in it cleaned (dict keys, lists, nested JSON); others unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_deep(k): clean_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_deep(v) for v in value)
    return value


def _has_unsafe(value: Any) -> bool:
    if isinstance(value, str):
        return UNSAFE_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(_has_unsafe(k) or _has_unsafe(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_unsafe(v) for v in value)
    return False


def clean_before_flush(session: Any, _context: Any, _instances: Any) -> None:
    """Clean every text and JSON column of each row about to be written.

    Every door (console and portal forms, API bodies, CSV/XLSX imports, webhook payloads, the CLI,
    jobs) ends in a flush, so this one listener strips NUL and bidi controls from all stored input.
    """
    from sqlalchemy import inspect

    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for key in (prop.key for prop in state.mapper.column_attrs):
            value = state.dict.get(key)
            if _has_unsafe(value):
                setattr(obj, key, clean_deep(value))


def install() -> None:
    """Clean text on every session's flushes (once per process; safe to call again)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", clean_before_flush):
        event.listen(Session, "before_flush", clean_before_flush)


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
