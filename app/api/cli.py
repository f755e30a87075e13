"""`flask --app wsgi create-token [--partner SLUG] [--name NAME]`, `revoke-token PREFIX_OR_ID` and
`deliver-pending` (queue the webhook deliveries that are due; for cron)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app

from app.auth.tokens import create_token, revoke_token
from app.errors import CobrandError
from app.partners import get_partner


def register_token_commands(app: Flask) -> None:
    @app.cli.command("create-token")
    @click.option(
        "--partner", "partner_slug", default=None, help="Scope the token to this partner (default: admin)."
    )
    @click.option("--name", default="", help="A label, to tell tokens apart.")
    def create_token_command(partner_slug: str | None, name: str) -> None:
        """Create an API token and print it once (only its hash is stored)."""
        services = current_app.extensions["cobrand"]
        try:
            with services.db.session() as session:
                partner = get_partner(session, partner_slug) if partner_slug else None
                token, row = create_token(session, name=name, partner=partner)
                scope = f"partner {partner_slug}" if partner else "admin"
                token_id = row.id
        except CobrandError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        click.echo(f"created token {token_id} ({scope}); it is shown only now:", err=True)
        click.echo(token)

    @app.cli.command("revoke-token")
    @click.argument("prefix_or_id")
    def revoke_token_command(prefix_or_id: str) -> None:
        """Revoke an API token, given its id or prefix (the first 12 characters)."""
        services = current_app.extensions["cobrand"]
        try:
            with services.db.session() as session:
                row = revoke_token(session, prefix_or_id)
                token_id, prefix = row.id, row.prefix
        except CobrandError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        click.echo(f"revoked token {token_id} ({prefix}…)")


def register_webhook_commands(app: Flask) -> None:
    @app.cli.command("deliver-pending")
    def deliver_pending_command() -> None:
        """Queue the next attempt of every pending webhook delivery that is due (safe to run any time)."""
        from app.webhooks.delivery import requeue_pending

        services = current_app.extensions["cobrand"]
        count = requeue_pending(services)
        services.jobs.wait_idle()  # in-process: deliver now, before this command exits
        click.echo(f"queued {count} pending deliveries")
