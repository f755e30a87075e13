"""`flask users …`: create a user; create the demo logins of `make run`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.auth import users
from app.cli.support import app_services, fail
from app.errors import InvalidInput
from app.models import UserRole


@click.group("users", cls=AppGroup)
def group() -> None:
    """Users: create one (with a one-time password), or the demo logins."""


@group.command("create")
@click.argument("email")
@click.option("--admin", "is_admin", is_flag=True, help="A marketing-console user.")
@click.option("--partner", "partner_slug", default=None, help="A partner-portal user of this partner.")
def create(email: str, is_admin: bool, partner_slug: str | None) -> None:
    """Create a user and print a one-time password."""
    if is_admin == bool(partner_slug):
        fail("give exactly one of --admin or --partner SLUG")
    role = UserRole.ADMIN if is_admin else UserRole.PARTNER_ADMIN
    try:
        with app_services().db.session() as session:
            user, password = users.create_user(session, email, role, partner_slug=partner_slug)
            user_email = user.email
    except InvalidInput as exc:
        fail(str(exc))
    click.echo(f"created {role.value} user {user_email}")
    click.echo(f"one-time password: {password}")
    click.echo("(change it after signing in: use 'Forgot your password?' on the sign-in page)")


@group.command("demo")
def demo() -> None:
    """Create (or reset) the demo admin and partner users and print their logins (development only)."""
    from app.demo import DEMO_ADMIN, DEMO_PARTNER, create_demo_users

    partner_name = create_demo_users(app_services())
    click.echo("Demo logins (development only):")
    click.echo(f"  marketing console  {DEMO_ADMIN[0]:28} password: {DEMO_ADMIN[1]}")
    if partner_name:
        click.echo(f"  partner portal     {DEMO_PARTNER[0]:28} password: {DEMO_PARTNER[1]}  ({partner_name})")
    else:
        click.echo("  (no partner user: import partners first)")
