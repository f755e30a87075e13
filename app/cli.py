"""The command line: `flask --app wsgi <command>`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from app.errors import CobrandError
from app.models import AssetOutcome, Campaign, Publish, PublishTrigger
from app.services import Services


def _services() -> Services:
    from flask import current_app

    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def wait_for_publish(services: Services, publish_id: int) -> Publish:
    """Show a live progress bar until the publish is complete."""
    from app.publishing import get_publish

    publish = get_publish(services, publish_id)
    assert publish is not None
    with click.progressbar(length=max(publish.total, 1), label=f"publish {publish_id}", show_pos=True) as bar:
        shown = 0
        while True:
            publish = get_publish(services, publish_id)
            assert publish is not None
            bar.update(publish.done - shown)
            shown = publish.done
            if publish.status.value in ("completed", "failed"):
                break
            if services.jobs.wait_idle(timeout=0):
                publish = get_publish(services, publish_id)  # in-process: every job has run
                break
            time.sleep(0.2)
    return publish


def register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema."""
        _services().db.upgrade()
        click.echo("database is up to date")

    @app.cli.command("seed-demo")
    @click.option("--days", default=30, show_default=True, help="How many past days to fill.")
    def seed_demo(days: int) -> None:
        """Seed plausible past downloads and clicks (marked demo data) for the analytics charts."""
        from app.demo import seed_demo_history

        downloads, clicks = seed_demo_history(_services(), days=days)
        if downloads or clicks:
            click.echo(
                f"demo history: {downloads} downloads and {clicks} clicks over {days} days (marked demo)"
            )
        else:
            click.echo("demo history: already seeded, nothing added")

    @app.cli.command("lint")
    def lint() -> None:
        """Validate the partner program, every brand kit and template; render each for worst-case partners."""
        from app.locales import partners_for_lint
        from app.program_usage import program_usage_problems
        from app.rendering.lint import lint_content
        from app.rendering.program import check_program

        services = _services()
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

    @app.cli.command("import-partners")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option(
        "--dry-run", is_flag=True, help="Check every row and report what it would do; write nothing."
    )
    def import_partners(file: Path, dry_run: bool) -> None:
        """Create or update partners from a PRM export (CSV or XLSX; columns mapped by the partner program)."""
        from app.partner_import import import_partners_file

        bar = click.progressbar(length=1, label="importing", show_pos=True, file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            with bar:
                report = import_partners_file(_services(), file, dry_run=dry_run, progress=progress)
        except CobrandError as exc:
            _fail(f"{file}: {exc}")
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
                _services(), [r.slug for r in report.rows if r.outcome != "rejected"]
            ):
                click.echo(f"note: {line}", err=True)
        verb = "would be " if dry_run else ""
        click.echo(f"{report.created} {verb}created, {report.updated} {verb}updated, {report.rejected} rejected"
                   + (" (dry run: nothing written)" if dry_run else ""))  # fmt: skip
        if report.rejected:
            sys.exit(1)

    @app.cli.command("render")
    @click.argument("template")
    @click.option("--partner", "partner_slug", required=True, help="Partner slug.")
    @click.option(
        "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for the files."
    )
    @click.option("--brand-kit", default=None, help="Brand kit slug (default: the first kit).")
    @click.option("--landing-url", default="", help="Landing URL for the tracked link.")
    def render(
        template: str, partner_slug: str, out_dir: Path, brand_kit: str | None, landing_url: str
    ) -> None:
        """Render one partner's assets of a template to files and print their paths."""
        from app.partners import get_partner
        from app.publishing import partner_input, public_asset_base
        from app.rendering.model import CampaignInput

        services = _services()
        try:
            kit_slug = brand_kit or (services.content.brand_kit_slugs() or ["?"])[0]
            kit = services.content.brand_kit(kit_slug)
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
            _fail(str(exc))
        out_dir.mkdir(parents=True, exist_ok=True)
        for file in files:
            path = out_dir / f"{template}-{file.output_id}-{partner_slug}.{file.extension}"
            path.write_bytes(file.data)
            click.echo(path)
            for warning in file.warnings:
                click.echo(f"warning: {warning}", err=True)

    @app.cli.command("create-campaign")
    @click.argument("slug")
    @click.option("--template", required=True)
    @click.option("--brand-kit", required=True)
    @click.option("--title", default="")
    @click.option("--types", multiple=True, help="Partner types (comma-separated or repeated).")
    @click.option("--tiers", multiple=True)
    @click.option("--regions", multiple=True)
    @click.option("--landing-url", default="")
    @click.option(
        "--locales", multiple=True, help="Locales it publishes, default first (empty: all the template's)."
    )
    def create_campaign_command(
        slug: str, template: str, brand_kit: str, title: str, types: tuple[str, ...], tiers: tuple[str, ...],
        regions: tuple[str, ...], landing_url: str, locales: tuple[str, ...],
    ) -> None:  # fmt: skip
        """Create a campaign (or update it if the slug exists)."""
        from app.campaigns import save_campaign

        data = {
            "slug": slug, "template": template, "brand_kit": brand_kit, "title": title, "landing_url": landing_url,
            "audience": {"types": _split(types), "tiers": _split(tiers), "regions": _split(regions)},
        }  # fmt: skip
        if locales:
            data["locales"] = _split(locales)
        try:
            campaign, created = save_campaign(_services(), data)
        except CobrandError as exc:
            _fail(str(exc))
        click.echo(f"{'created' if created else 'updated'} campaign {campaign.slug}")

    @app.cli.command("campaigns")
    def campaigns() -> None:
        """List campaigns: slug, template, brand kit, status, eligible partners."""
        from app.campaigns import eligible_count

        services = _services()
        with services.db.session() as session:
            rows = session.scalars(select(Campaign).order_by(Campaign.slug)).all()
            click.echo(f"{'SLUG':24} {'TEMPLATE':18} {'BRAND KIT':12} {'STATUS':10} ELIGIBLE")
            for c in rows:
                count = eligible_count(services, session, c)
                click.echo(
                    f"{c.slug:24} {c.template_slug:18} {c.brand_kit_slug:12} {c.status.value:10} {count}"
                )

    @app.cli.command("publish")
    @click.argument("campaign")
    @click.option("--no-wait", is_flag=True, help="Enqueue and return at once (with REDIS_URL).")
    def publish(campaign: str, no_wait: bool) -> None:
        """Render every eligible partner's assets into storage, with a progress bar."""
        from app.publishing import start_publish

        services = _services()
        try:
            publish_id = start_publish(services, campaign, trigger=PublishTrigger.CLI)
        except CobrandError as exc:
            _fail(str(exc))
        if no_wait and services.jobs.is_durable:
            click.echo(f"publish {publish_id} queued")
            return
        _report(services, wait_for_publish(services, publish_id))

    @app.cli.command("worker")
    @click.option("--simple", is_flag=True, help="Run jobs in the worker process (no fork per job).")
    @click.option("--burst", is_flag=True, help="Quit when the queue is empty.")
    @click.option("--name", default=None, help="Worker name (default: a random id).")
    @click.option("--queue", "queues", multiple=True, help="Queue name(s) (default: RQ_QUEUE).")
    @click.option("--log-level", default=None, help="Log level (default: LOG_LEVEL, INFO).")
    @click.option("--health-port", type=int, default=None, help="Serve /healthz and /metrics on this port.")
    @click.option("--health-host", default="127.0.0.1", show_default=True, help="Address for --health-port.")
    def worker_command(
        simple: bool, burst: bool, name: str | None, queues: tuple[str, ...], log_level: str | None,
        health_port: int | None, health_host: str,
    ) -> None:  # fmt: skip
        """Run an RQ worker: warm up once, then render jobs from REDIS_URL's queue."""
        import atexit
        import shutil
        import tempfile

        from app import metrics
        from app.ops.logs import configure_logging
        from workers.worker import run_worker

        services = _services()
        if not services.config.get("REDIS_URL"):
            _fail("REDIS_URL is not set: without it jobs run in-process and there is nothing to work on")
        level = (log_level or str(services.config.get("LOG_LEVEL") or "INFO")).upper()
        configure_logging({**services.config, "LOG_LEVEL": level})
        if not metrics.is_multiprocess():
            # Jobs run in forked work horses: their counts reach /metrics only through files.
            folder = tempfile.mkdtemp(prefix="cobrand-worker-metrics-")
            atexit.register(shutil.rmtree, folder, True)
            metrics.ensure_multiprocess_dir(folder)
        else:
            metrics.ensure_multiprocess_dir(metrics.multiprocess_dir())
        names = list(queues) or None
        run_worker(
            services, simple=simple, burst=burst, name=name, queue_names=names, logging_level=level,
            health_host=health_host, health_port=health_port,
        )  # fmt: skip

    @app.cli.command("retry-failed")
    @click.argument("publish_id", type=int)
    def retry_failed_command(publish_id: int) -> None:
        """Re-queue the failed assets of a publish."""
        from app.publishing import retry_failed

        services = _services()
        try:
            count = retry_failed(services, publish_id)
        except CobrandError as exc:
            _fail(str(exc))
        click.echo(f"re-queued {count} failed asset(s)")
        _report(services, wait_for_publish(services, publish_id))


def _report(services: Services, final: Publish) -> None:
    click.echo(
        f"publish {final.id}: {final.rendered} rendered, {final.unchanged} unchanged, {final.failed} failed"
        f" (of {final.total})"
    )
    if final.failed:
        _print_failures(services, final.id)
        sys.exit(2)


def _print_failures(services: Services, publish_id: int) -> None:
    from app.models import Asset, Partner

    with services.db.session() as session:
        rows = session.execute(
            select(Partner.slug, Asset.output, Asset.error)
            .join(Partner, Asset.partner_id == Partner.id)
            .where(Asset.publish_id == publish_id, Asset.outcome == AssetOutcome.FAILED)
            .order_by(Partner.slug, Asset.output)
        ).all()
    for slug, output, error in rows:
        click.echo(f"failed: {slug} {output}: {error}", err=True)
