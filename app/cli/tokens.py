"""`flask tokens …`: create and revoke API tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.auth.tokens import create_token, revoke_token
from app.cli.support import app_services, fail
from app.errors import CobrandError
from app.partners import get_partner


@click.group("tokens", cls=AppGroup)
def group() -> None:
    """API tokens: create (printed once, only its hash is kept), revoke."""


@group.command("create")
@click.option(
    "--partner", "partner_slug", default=None, help="Scope the token to this partner (default: admin)."
)
@click.option("--name", default="", help="A label, to tell tokens apart.")
def create(partner_slug: str | None, name: str) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    try:
        with app_services().db.session() as session:
            partner = get_partner(session, partner_slug) if partner_slug else None
            token, row = create_token(session, name=name, partner=partner)
            scope = f"partner {partner_slug}" if partner else "admin"
            token_id = row.id
    except CobrandError as exc:
        fail(str(exc))
    click.echo(f"created token {token_id} ({scope}); it is shown only now:", err=True)
    click.echo(token)


@group.command("revoke")
@click.argument("prefix_or_id")
def revoke(prefix_or_id: str) -> None:
    """Revoke an API token, given its id or prefix (the first 12 characters)."""
    try:
        with app_services().db.session() as session:
            row = revoke_token(session, prefix_or_id)
            token_id, prefix = row.id, row.prefix
    except CobrandError as exc:
        fail(str(exc))
    click.echo(f"revoked token {token_id} ({prefix}…)")
