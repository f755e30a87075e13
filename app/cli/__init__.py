"""The command line: `flask --app wsgi <group> <command>`, each command module-level click code.

Groups: `partners`, `campaigns`, `tokens`, `users` and `worker`; `init-db`, `lint`, `render`,
`seed-demo` and `doctor` stand alone. The names before the groups (`import-partners`, `publish`,
`create-token` …) still work, hidden, for one release (OLD_NAMES).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from app.cli import campaigns, content, partners, tokens, users, worker

if TYPE_CHECKING:
    from flask import Flask

GROUPS = (partners.group, campaigns.group, tokens.group, users.group, worker.group)
COMMANDS = (content.init_db, content.lint, content.render, content.seed_demo)

OLD_NAMES = {
    "import-partners": partners.import_partners,
    "create-campaign": campaigns.create,
    "publish": campaigns.publish,
    "retry-failed": campaigns.retry_failed,
    "create-token": tokens.create,
    "revoke-token": tokens.revoke,
    "create-user": users.create,
    "demo-users": users.demo,
    "deliver-pending": worker.deliver_pending,
}
"""Old command name -> the command it now is (kept for one release; `campaigns` and `worker`
with no subcommand still list campaigns and run a worker)."""


def alias(old: str, command: click.Command) -> click.Command:
    """A hidden copy of a command under its old name."""
    return click.Command(
        old,
        callback=command.callback,
        params=command.params,
        help=f"Old name of this command (kept for one release). {command.help or ''}",
        hidden=True,
    )


def register_cli(app: Flask) -> None:
    """Add every group, command and old name to `flask`."""
    for command in (*GROUPS, *COMMANDS):
        app.cli.add_command(command)
    for old, command in OLD_NAMES.items():
        app.cli.add_command(alias(old, command))
