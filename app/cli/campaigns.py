"""`flask campaigns …`: list, create, publish and retry campaigns."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.cli.support import app_services, fail, split
from app.errors import CobrandError
from app.models import AssetOutcome, Campaign, Publish, PublishStatus, PublishTrigger
from app.services import Services


@click.group("campaigns", cls=AppGroup, invoke_without_command=True)
@click.pass_context
@with_appcontext
def group(ctx: click.Context) -> None:
    """Campaigns: list (the default), create, publish, retry-failed."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_campaigns)


@group.command("list")
def list_campaigns() -> None:
    """List campaigns: slug, template, brand kit, status, eligible partners."""
    from app.campaigns import eligible_count

    services = app_services()
    with services.db.session() as session:
        rows = session.scalars(select(Campaign).order_by(Campaign.slug)).all()
        click.echo(f"{'SLUG':24} {'TEMPLATE':18} {'BRAND KIT':12} {'STATUS':10} ELIGIBLE")
        for c in rows:
            count = eligible_count(services, session, c)
            click.echo(f"{c.slug:24} {c.template_slug:18} {c.brand_kit_slug:12} {c.status.value:10} {count}")


@group.command("create")
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
def create(
    slug: str, template: str, brand_kit: str, title: str, types: tuple[str, ...], tiers: tuple[str, ...],
    regions: tuple[str, ...], landing_url: str, locales: tuple[str, ...],
) -> None:  # fmt: skip
    """Create a campaign (or update it if the slug exists)."""
    from app.campaigns import save_campaign

    data = {
        "slug": slug, "template": template, "brand_kit": brand_kit, "title": title, "landing_url": landing_url,
        "audience": {"types": split(types), "tiers": split(tiers), "regions": split(regions)},
    }  # fmt: skip
    if locales:
        data["locales"] = split(locales)
    try:
        campaign, created = save_campaign(app_services(), data)
    except CobrandError as exc:
        fail(str(exc))
    click.echo(f"{'created' if created else 'updated'} campaign {campaign.slug}")


@group.command("publish")
@click.argument("campaign")
@click.option("--no-wait", is_flag=True, help="Enqueue and return at once (with REDIS_URL).")
def publish(campaign: str, no_wait: bool) -> None:
    """Render every eligible partner's assets into storage, with a progress bar."""
    from app.publishing import start_publish

    services = app_services()
    try:
        publish_id = start_publish(services, campaign, trigger=PublishTrigger.CLI)
    except CobrandError as exc:
        fail(str(exc))
    if no_wait and services.jobs.is_durable:
        click.echo(f"publish {publish_id} queued")
        return
    _report(services, wait_for_publish(services, publish_id))


@group.command("retry-failed")
@click.argument("publish_id", type=int)
def retry_failed(publish_id: int) -> None:
    """Re-queue the failed assets of a publish."""
    from app.publishing import retry_failed

    services = app_services()
    try:
        count = retry_failed(services, publish_id)
    except CobrandError as exc:
        fail(str(exc))
    click.echo(f"re-queued {count} failed asset(s)")
    _report(services, wait_for_publish(services, publish_id))


def wait_for_publish(services: Services, publish_id: int) -> Publish:
    """Show a live progress bar until the publish is complete."""
    from app.publish_progress import get_publish

    publish = get_publish(services, publish_id)
    assert publish is not None
    with click.progressbar(length=max(publish.total, 1), label=f"publish {publish_id}", show_pos=True) as bar:
        shown = 0
        while True:
            publish = get_publish(services, publish_id)
            assert publish is not None
            bar.update(publish.done - shown)
            shown = publish.done
            if publish.status == PublishStatus.COMPLETED:
                break
            if services.jobs.wait_idle(timeout=0):
                publish = get_publish(services, publish_id)  # in-process: every job has run
                break
            time.sleep(0.2)
    return publish


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
