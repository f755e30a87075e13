"""A brand kit for tests: the Latin test font (tests/fonts/), SVG logos, colours and disclaimers."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image, ImageDraw

from app.rendering.model import PartnerInput

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
"""Cobrand Test Sans: DejaVu Sans cut down to Latin (see fonts/LICENSE.txt and make_test_font.py)."""


FONT_FAMILY = "Test Sans"


REGULAR, BOLD = FONT_DIR / "TestSans-Regular.ttf", FONT_DIR / "TestSans-Bold.ttf"


KIT_SLUG = "acme"


LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100" viewBox="0 0 400 100">
<rect x="0" y="0" width="100" height="100" rx="20" fill="{color}"/>
<rect x="120" y="30" width="270" height="40" fill="{color}"/></svg>"""


BRAND_TOML = """name = "Acme Test Vendor"

[colors]
primary = "#0B3D91"
secondary = "#1FA3A3"
accent = "#F2A900"
text = "#1B2330"
background = "#FFFFFF"

[[fonts]]
family = "Test Sans"
weight = 400
style = "normal"
file = "fonts/TestSans-Regular.ttf"
license = "fonts/LICENSE.txt"

[[fonts]]
family = "Test Sans"
weight = 700
style = "normal"
file = "fonts/TestSans-Bold.ttf"
license = "fonts/LICENSE.txt"

[logos]
primary = "logos/primary.svg"
on_dark = "logos/on-dark.svg"
mark = "logos/mark.svg"

[disclaimer]
default = "Default disclaimer."
[disclaimer.regions]
EMEA = "EMEA disclaimer: Acme Europe B.V."
NA = "NA disclaimer: Acme Inc."
"""


def make_kit(root: Path, *, brand_toml: str = BRAND_TOML) -> Path:
    """A small valid brand kit (the test font, SVG logos) at root."""
    (root / "fonts").mkdir(parents=True, exist_ok=True)
    (root / "logos").mkdir(exist_ok=True)
    for name in ("TestSans-Regular.ttf", "TestSans-Bold.ttf", "LICENSE.txt"):
        shutil.copy(FONT_DIR / name, root / "fonts" / name)
    (root / "logos" / "primary.svg").write_text(LOGO_SVG.format(color="#0B3D91"))
    (root / "logos" / "on-dark.svg").write_text(LOGO_SVG.format(color="#FFFFFF"))
    (root / "logos" / "mark.svg").write_text(
        LOGO_SVG.format(color="#0B3D91").replace('width="400"', 'width="100"')
    )
    (root / "brand.toml").write_text(brand_toml)
    return root


def png_logo(
    width: int, height: int, *, color: str = "#C0392B", padding: int = 0, background=(0, 0, 0, 0)
) -> bytes:
    """A PNG logo: a coloured block with optional transparent/white padding around it."""
    image = Image.new("RGBA", (width + 2 * padding, height + 2 * padding), background)
    ImageDraw.Draw(image).rectangle((padding, padding, padding + width - 1, padding + height - 1), fill=color)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def acme_partner() -> PartnerInput:
    """The renderer's view of one gold reseller with a padded PNG logo: the rendering tests' partner."""
    return PartnerInput(
        slug="acme",
        name="Acme Networks GmbH",
        type="reseller",
        tier="gold",
        region="EMEA",
        phone="+49 30 555 0100",
        website="https://acme.example.com",
        logo=png_logo(300, 100, padding=40, color="#C0392B"),
    )
