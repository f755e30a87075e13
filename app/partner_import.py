"""Import partners from a PRM export as it is: CSV (any UTF-8, BOM or not, CRLF, comma or
semicolon, quoted multi-line fields) or XLSX, headers mapped through the partner program.

Every row is checked before anything is written; a dry run stops there. Values the program does
not know are grouped with their counts, so one fix (a new tier, an alias) clears many rows.
Logos are file paths relative to the file, or https URLs fetched safely (app/logo_fetch.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.errors import CobrandError, InvalidInput, UploadRejected
from app.logo_fetch import LogoFetchFailed, fetch_logos
from app.models import Partner
from app.partners import store_logo
from app.rendering.program import DIMENSIONS, PartnerProgram
from app.schemas import validate
from app.schemas.partners import PartnerImportRow
from app.services import Services

Progress = Callable[[int, int], None]
"""progress(done, total): called as rows are written."""
BATCH = 500
"""Rows written per transaction."""


@dataclass
class RowResult:
    line: int
    slug: str
    outcome: str
    """created | updated | rejected"""
    problem: str = ""
    logo: str = ""
    """Why the row's logo was not used (the partner is imported without it)."""


@dataclass
class ImportReport:
    dry_run: bool = False
    rows: list[RowResult] = field(default_factory=list)
    unknown: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(dimension, value as written) → lines, for values the program does not declare."""
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def errors(self) -> list[str]:
        """`line N: problem` for every rejected row."""
        return [f"line {r.line}: {r.problem}" for r in self.rows if r.outcome == "rejected"]

    @property
    def logo_problems(self) -> list[str]:
        return [f"line {r.line}: {r.slug}: logo not used: {r.logo}" for r in self.rows if r.logo]

    def unknown_summary(self) -> list[str]:
        """One line per unknown value: "tier 'Diamond': 3 rows (lines 4, 9, 12) — add it …"."""
        lines = []
        for (dimension, value), at in sorted(self.unknown.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = ", ".join(map(str, at[:10])) + (", …" if len(at) > 10 else "")
            lines.append(f"{dimension} {value!r}: {len(at)} row(s) (lines {shown}) — add it to the partner program"
                         f" or map it as an alias")  # fmt: skip
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "rejected": self.rejected,
            "unknown_values": self.unknown_summary(),
            "ignored_columns": self.ignored_columns,
            "rows": [
                {"line": r.line, "slug": r.slug, "outcome": r.outcome, "problem": r.problem, "logo": r.logo}
                for r in self.rows
            ],
        }


# --- reading ---------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every row, the header first: XLSX by its zip signature, else CSV."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        yield from _read_xlsx(data)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the file is not UTF-8 text (byte {exc.start}); export it as CSV UTF-8 or XLSX"
        ) from None
    header = text.split("\n", 1)[0]
    # The delimiter the header uses most: Excel in many locales writes ";".
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:  # a field over the csv module's 128 KiB limit, a stray NUL…
        raise InvalidInput(f"line {line}: the CSV cannot be read ({exc})") from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # ok: openpyxl raises many types for a damaged file; the message says which
        raise InvalidInput(f"the file is not a readable XLSX workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if v is None else str(v) for v in row]
    finally:
        book.close()


# --- checking --------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    data: dict[str, Any]
    logo: str


def _rows(
    table: Iterator[tuple[int, list[str]]], program: PartnerProgram, report: ImportReport
) -> list[_Row]:
    try:
        _, header = next(table)
    except StopIteration:
        raise InvalidInput("the file is empty") from None
    targets = [program.column_for(h.strip()) for h in header]
    report.ignored_columns = [
        h.strip() for h, t in zip(header, targets, strict=True) if t is None and h.strip()
    ]
    if "name" not in targets:
        raise InvalidInput("line 1: no column maps to name; map the export's header in [import.columns]")
    rows = []
    for line, cells in table:
        if not any(c.strip() for c in cells):
            continue
        data: dict[str, Any] = {"attributes": {}, "custom_fields": {}}
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            data["_problem"] = f"{len(cells)} fields but {len(header)} columns (a missing quote?)"
        logo = ""
        for target, cell in zip(targets, cells, strict=False):
            value = cell.strip()
            if target is None or not value:
                continue
            if target == "logo":
                logo = value
            elif target in program.attributes:
                data["attributes"][target] = value
            elif target.startswith("custom."):
                data["custom_fields"][target.removeprefix("custom.")] = value
            else:
                data[target] = value
        rows.append(_Row(line, data, logo))
    return rows


def _check(row: _Row, program: PartnerProgram, report: ImportReport) -> dict[str, Any] | str:
    """The row's clean partner values, or the problem that rejects it."""
    data = row.data
    if "_problem" in data:
        return str(data["_problem"])
    data["slug"] = PartnerImportRow.slug_for(data)  # the report names the row by it, even rejected
    unknown = False
    for dimension in DIMENSIONS:
        value = str(data.get(dimension) or "").strip()
        if value and program.resolve(dimension, value) is None:
            report.unknown.setdefault((dimension, value), []).append(row.line)
            unknown = True
    if unknown:
        bad = [
            f"{d} {str(data[d]).strip()!r}"
            for d in DIMENSIONS
            if data.get(d) and program.resolve(d, data[d]) is None
        ]
        return f"{', '.join(bad)} not in the partner program"
    if not data["slug"]:
        return "no slug, and none can be made from the name"
    try:
        return validate(PartnerImportRow, data, program).values()
    except InvalidInput as exc:
        return str(exc)


# --- the import ------------------------------------------------------------------------------------


def import_partners(
    services: Services,
    data: bytes,
    *,
    filename: str = "",
    base: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then (unless dry_run) create or update the partners and attach their logos.

    base is the folder logo paths are relative to (None: file paths are refused, as for uploads).
    """
    program = services.content.program()
    report = ImportReport(dry_run=dry_run)
    rows = _rows(read_table(data, filename), program, report)
    checked: list[tuple[_Row, dict[str, Any] | str]] = [(row, _check(row, program, report)) for row in rows]
    slugs = [c["slug"] for _, c in checked if isinstance(c, dict)]
    with services.db.session() as session:
        existing = set()
        for start in range(0, len(slugs), BATCH):
            existing.update(session.scalars(
                select(Partner.slug).where(Partner.slug.in_(slugs[start : start + BATCH]), Partner.deleted_at.is_(None))
            ))  # fmt: skip
    urls = [] if dry_run else [row.logo for row, c in checked if isinstance(c, dict) and "://" in row.logo]
    fetched = fetch_logos(urls, services.config) if urls else {}
    seen: set[str] = set()
    total = len(checked)
    for start in range(0, total, BATCH):
        batch = checked[start : start + BATCH]
        with services.db.session() as session:
            # One query per batch for the partners it updates; new ones are flushed together at commit.
            wanted = [c["slug"] for _, c in batch if isinstance(c, dict)]
            rows = {p.slug: p for p in session.scalars(select(Partner).where(Partner.slug.in_(wanted)))}
            for row, clean in batch:
                if isinstance(clean, str):
                    report.rows.append(
                        RowResult(row.line, str(row.data.get("slug") or ""), "rejected", clean)
                    )
                    continue
                slug = clean["slug"]
                outcome = "updated" if slug in existing or slug in seen else "created"
                seen.add(slug)
                result = RowResult(row.line, slug, outcome)
                report.rows.append(result)
                logo: bytes | None = None
                try:
                    logo = _logo_bytes(row.logo, base, fetched, dry_run)
                except (UploadRejected, LogoFetchFailed) as exc:
                    result.logo = f"{row.logo!r}: {exc}"
                if dry_run:
                    continue
                partner = rows.get(slug)
                if partner is None:
                    partner = rows[slug] = Partner(**clean)
                    session.add(partner)
                else:
                    for key, value in clean.items():
                        setattr(partner, key, value)
                    partner.deleted_at = None
                if logo is not None:
                    try:
                        store_logo(services, partner, logo, source=f"logo {row.logo!r}")
                    except CobrandError as exc:
                        result.logo = str(exc)
        if progress:
            progress(min(start + BATCH, total), total)
    return report


def _logo_bytes(value: str, base: Path | None, fetched: dict[str, Any], dry_run: bool) -> bytes | None:
    if not value:
        return None
    if "://" in value:
        if dry_run:
            return None  # fetched only when importing for real
        result = fetched[value]
        if isinstance(result, LogoFetchFailed):
            raise result
        return result  # type: ignore[no-any-return]
    if base is None:
        raise UploadRejected("file paths cannot be resolved from an upload; give an https URL")
    path = (base / value).resolve()
    if not path.is_relative_to(base.resolve()):
        raise UploadRejected("the path leaves the file's folder")
    if not path.is_file():
        raise UploadRejected("file not found")
    return path.read_bytes()


def import_partners_file(services: Services, path: Path, **options: Any) -> ImportReport:
    """import_partners for a file on disk; logo paths are relative to its folder."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file ({exc.strerror})") from None
    return import_partners(services, data, filename=path.name, base=path.parent.resolve(), **options)
