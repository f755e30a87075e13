"""A whole content root for tests, and the app settings that point at it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.factories.kit import KIT_SLUG, make_kit
from tests.factories.program import make_program, write_partners_csv
from tests.factories.templates import (
    BADGE_CSS,
    BADGE_HTML,
    BADGE_TOML,
    make_localized_template,
    make_template,
)


@dataclass(frozen=True)
class Content:
    """A content root made by make_content: Acme's program, one kit, three templates and a partners CSV."""

    root: Path
    partners_csv: Path
    kit: str = KIT_SLUG
    flyer: str = "flyer"
    """PDF (A4, one page) and image (two sizes) outputs, localized copy; prints no tier."""
    badge: str = "badge"
    """One PDF page printing the partner's tier and type labels."""

    @property
    def program_file(self) -> Path:
        return self.root / "partner_program.toml"

    @property
    def config(self) -> dict[str, Any]:
        """The app settings that point at this content root."""
        return {
            "BRAND_KITS_DIR": str(self.root / "brand_kits"),
            "TEMPLATES_DIR": str(self.root / "campaign_templates"),
            "PARTNER_PROGRAM_FILE": str(self.program_file),
        }


def make_content(root: Path) -> Content:
    """Write a whole content root (program, kit, templates, partners CSV) at root."""
    make_program(root / "partner_program.toml")
    make_kit(root / "brand_kits" / KIT_SLUG)
    make_localized_template(root / "campaign_templates" / "flyer")
    make_template(root / "campaign_templates" / "badge",
                  **{"template.toml": BADGE_TOML, "badge.html": BADGE_HTML, "badge.css": BADGE_CSS})  # fmt: skip
    return Content(root=root, partners_csv=write_partners_csv(root / "partners"))
