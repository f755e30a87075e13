"""Who may do what: the sets of roles that routes declare (web pages, portal pages, API endpoints).

A route names one of these sets (`@allow(EDITORS)` on a page, `roles=EDITORS` in the API
registry); a test walks every route and proves each refuses every role outside its set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from app.models import UserRole

F = TypeVar("F", bound=Callable[..., Any])

ADMIN, EDITOR, APPROVER, VIEWER = UserRole.ADMIN, UserRole.EDITOR, UserRole.APPROVER, UserRole.VIEWER
PARTNER_ADMIN, PARTNER = UserRole.PARTNER_ADMIN, UserRole.PARTNER

PUBLIC: frozenset[UserRole] = frozenset()
"""No sign-in needed (sign-in, password reset, the OpenAPI document, signed webhooks)."""
CONSOLE = frozenset({ADMIN, EDITOR, APPROVER, VIEWER})
"""Every console user: pages that only read."""
EDITORS = frozenset({ADMIN, EDITOR})
"""Changes to campaigns, templates and partners."""
APPROVERS = frozenset({ADMIN, APPROVER})
"""Approving or rejecting a submitted campaign."""
ADMINS = frozenset({ADMIN})
"""Users, tokens, webhook subscriptions, the audit log's export."""
PORTAL = frozenset({PARTNER_ADMIN, PARTNER})
"""Every user of a partner organisation: its campaigns and downloads."""
PARTNER_ADMINS = frozenset({PARTNER_ADMIN})
"""A partner organisation's admin: its profile, logo, field values and users."""
EVERYONE = CONSOLE | PORTAL
"""Any signed-in user (sign out)."""

ALL_ROLES = tuple(UserRole)
"""Every role, in declaration order (the route walk tries each)."""


def public(view: F) -> F:
    """Declare a route that needs no sign-in (health checks, metrics with their own token, sign-in)."""
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view
