"""Content and set-up commands: init-db, lint (the partner program, kits, templates), render, seed-demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cli.support import app_services, fail
from app.errors import CobrandError


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema."""
    app_services().db.upgrade()
    click.echo("database is up to date")


@click.command("lint")
@with_appcontext
def lint() -> None:
    """Validate the partner program, every brand kit and template; render each for worst-case partners."""
    from app.locales import partners_for_lint
    from app.program_usage import program_usage_problems
    from app.rendering.lint import lint_content
    from app.rendering.program import check_program

    services = app_services()
    content = services.content
    report = lint_content(
        [content.brand_kits_dir / s for s in content.brand_kit_slugs()],
        [content.templates_dir / s for s in content.template_slugs()],
        services.renderer,
        partners_for_lint(services),
        program_file=content.program_file,
    )
    program, _ = check_program(content.program_file)
    if program is not None:
        with services.db.session() as session:
            report.errors.extend(program_usage_problems(session, program))
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    for line in report.errors:
        click.echo(line, err=True)
    if report.errors:
        click.echo(
            f"{len(report.errors)} problem(s) in {len(report.checked)} kit(s) and template(s)", err=True
        )
        sys.exit(1)
    click.echo(f"ok: {', '.join(report.checked)}")


@click.command("render")
@click.argument("template")
@click.option("--partner", "partner_slug", required=True, help="Partner slug.")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for the files."
)
@click.option("--brand-kit", default=None, help="Brand kit slug (default: the first kit).")
@click.option("--landing-url", default="", help="Landing URL for the tracked link.")
@with_appcontext
def render(template: str, partner_slug: str, out_dir: Path, brand_kit: str | None, landing_url: str) -> None:
    """Render one partner's assets of a template to files and print their paths."""
    from app.partners import get_partner
    from app.render_inputs import partner_input, public_asset_base
    from app.rendering.model import CampaignInput

    services = app_services()
    try:
        brand_kit_slug = brand_kit or (services.content.brand_kit_slugs() or ["?"])[0]
        kit = services.content.brand_kit(brand_kit_slug)
        tpl = services.content.template(template)
        with services.db.session() as session:
            partner = partner_input(services, get_partner(session, partner_slug))
        files = services.renderer.render(
            kit,
            tpl,
            partner,
            CampaignInput(
                slug=template, landing_url=landing_url, asset_base_url=public_asset_base(services.config)
            ),  # fmt: skip
        )
    except CobrandError as exc:
        fail(str(exc))
    out_dir.mkdir(parents=True, exist_ok=True)
    for file in files:
        path = out_dir / f"{template}-{file.output_id}-{partner_slug}.{file.extension}"
        path.write_bytes(file.data)
        click.echo(path)
        for warning in file.warnings:
            click.echo(f"warning: {warning}", err=True)


@click.command("seed-demo")
@click.option("--days", default=30, show_default=True, help="How many past days to fill.")
@with_appcontext
def seed_demo(days: int) -> None:
    """Seed plausible past downloads and clicks (marked demo data) for the analytics charts."""
    from app.demo import seed_demo_history

    downloads, clicks = seed_demo_history(app_services(), days=days)
    if downloads or clicks:
        click.echo(f"demo history: {downloads} downloads and {clicks} clicks over {days} days (marked demo)")
    else:
        click.echo("demo history: already seeded, nothing added")
