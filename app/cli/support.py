"""What every command shares: the app's services, the one-line error exit, list options."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask import current_app

from app.services import Services


def app_services() -> Services:
    """The services of the app the command runs in."""
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


def fail(message: str) -> NoReturn:
    """Print one error line and exit 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def split(values: tuple[str, ...]) -> list[str]:
    """Values given comma-separated, repeated, or both."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]
