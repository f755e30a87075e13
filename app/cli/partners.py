"""`flask partners …`: partners from a PRM export."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.support import app_services, fail
from app.errors import CobrandError


@click.group("partners", cls=AppGroup)
def group() -> None:
    """Partners: import them from a PRM export (CSV or XLSX)."""


@group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report what it would do; write nothing.")
def import_partners(file: Path, dry_run: bool) -> None:
    """Create or update partners from a PRM export (CSV or XLSX; columns mapped by the partner program)."""
    from app.partner_import import import_partners_file

    bar = click.progressbar(length=1, label="importing", show_pos=True, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    try:
        with bar:
            report = import_partners_file(app_services(), file, dry_run=dry_run, progress=progress)
    except CobrandError as exc:
        fail(f"{file}: {exc}")
    for line in report.errors:
        click.echo(f"{file}: {line}", err=True)
    for line in report.logo_problems:
        click.echo(f"{file}: {line}", err=True)
    if report.ignored_columns:
        click.echo(f"{file}: columns not mapped (ignored): {', '.join(report.ignored_columns)}; map them in"
                   " [import.columns] of the partner program", err=True)  # fmt: skip
    if report.unknown:
        click.echo("values the partner program does not declare:", err=True)
        for line in report.unknown_summary():
            click.echo(f"  {line}", err=True)
    if not dry_run:  # names are checked against every kit's fonts: which fall back, which have no glyphs
        from app.locales import imported_name_notes

        for line in imported_name_notes(
            app_services(), [r.slug for r in report.rows if r.outcome != "rejected"]
        ):
            click.echo(f"note: {line}", err=True)
    verb = "would be " if dry_run else ""
    click.echo(f"{report.created} {verb}created, {report.updated} {verb}updated, {report.rejected} rejected"
               + (" (dry run: nothing written)" if dry_run else ""))  # fmt: skip
    if report.rejected:
        sys.exit(1)
