"""Moved to app.auth.security; this name is kept while other branches move to it."""

from app.auth.security import *  # noqa: F403
