"""Moved to app.previews; this name is kept while other branches move to it."""

from app.previews import *  # noqa: F403
