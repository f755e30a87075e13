"""Design inputs: the zones of an uploaded design (each zone's own fields are checked by app/rendering/design.py)."""

from __future__ import annotations

from typing import Any

from app.schemas.base import Input


class DesignZones(Input):
    """The zones of a design, replacing its current ones (docs/formats.md, Design template)."""

    zones: list[dict[str, Any]]
