"""Moved to app.forms; this name is kept while other branches move to it."""

from app.forms import *  # noqa: F403
