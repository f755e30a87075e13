"""Build small brand kits, templates and partners on disk for tests."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image, ImageDraw

from app.config import PROJECT_ROOT

FONT_DIR = PROJECT_ROOT / "brand_kits" / "northwind" / "fonts"

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
family = "Inter"
weight = 400
style = "normal"
file = "fonts/Inter-Regular.otf"
license = "fonts/OFL.txt"

[[fonts]]
family = "Inter"
weight = 700
style = "normal"
file = "fonts/Inter-Bold.otf"
license = "fonts/OFL.txt"

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

TEMPLATE_TOML = """title = "Test flyer"
description = "A tiny template for tests"

[audience]
types = []

[copy]
headline = "Fast, safe networking"

[fields]
partner = ["name", "logo", "phone", "tracked_url", "qr"]

[fields.editable.offer]
label = "Offer"
max_length = 40
default = "Free pilot"

[[outputs]]
name = "flyer"
kind = "pdf"
html = "flyer.html"
css = ["flyer.css"]
page_size = "A4"
pages = 1

[outputs.text_boxes.partner_name]
width_mm = 80
height_mm = 14
font = "Inter"
weight = 700
max_size_pt = 20
min_size_pt = 9

[outputs.cobrand_zone]
page = 1
x_mm = 0
y_mm = 237
width_mm = 210
height_mm = 60

[[outputs]]
name = "social"
kind = "image"
format = "png"
layouts = "social.toml"
"""

FLYER_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>{{ copy.headline }}</title></head>
<body>
<h1>{{ copy.headline }}</h1>
<p class="offer">{{ fields.offer }}</p>
<img class="brand" src="{{ brand.logo }}" alt="{{ brand.name }}">
<div class="zone">
  {% if partner.logo %}<img class="plogo" src="{{ partner.logo }}" style="{{ partner.logo_style }}" alt="">{% endif %}
  <div class="pname">{{ partner.name | fit("partner_name") }}</div>
  <p>{{ partner.phone }} · {{ tracked_url_display }}</p>
  <img class="qr" src="{{ qr }}" alt="QR">
  <p class="legal">{{ disclaimer }}</p>
</div>
</body></html>
"""

FLYER_CSS = """@page { margin: 0 }
body { font-family: Inter; margin: 0; }
h1 { color: #0B3D91; padding: 20mm; font-weight: 700; }
.brand { position: absolute; top: 60mm; left: 20mm; width: 60mm; }
.zone { position: absolute; left: 0; top: 237mm; width: 210mm; height: 60mm; background: #F4F6FA; }
.plogo { position: absolute; left: 10mm; top: 8mm; width: 40mm; height: 20mm; object-fit: contain; }
.pname { position: absolute; left: 60mm; top: 8mm; width: 80mm; height: 14mm; }
.zone p { position: absolute; left: 60mm; top: 24mm; font-size: 9pt; margin: 0; }
.qr { position: absolute; right: 10mm; top: 8mm; width: 30mm; height: 30mm; }
.zone p.legal { top: 50mm; font-size: 6pt; }
"""

SOCIAL_TOML = """[[sizes]]
width = 600
height = 400

[[sizes.layers]]
type = "background"
color = "primary"

[[sizes.layers]]
type = "brand_logo"
box = [30, 30, 240, 60]

[[sizes.layers]]
type = "text"
box = [30, 110, 540, 120]
text = "{{ copy.headline }}"
font = "Inter"
weight = 700
size = 48
min_size = 20
color = "#FFFFFF"
max_lines = 2

[[sizes.layers]]
type = "rect"
box = [0, 260, 600, 140]
color = "#FFFFFF"

[[sizes.layers]]
type = "partner_logo"
box = [30, 280, 200, 100]
align = "left"

[[sizes.layers]]
type = "text"
box = [250, 290, 220, 80]
text = "{{ partner.name }}"
font = "Inter"
weight = 700
size = 28
min_size = 12
color = "text"

[[sizes.layers]]
type = "qr"
box = [490, 280, 100, 100]

[[sizes]]
width = 300
height = 100

[[sizes.layers]]
type = "background"
color = "#FFFFFF"

[[sizes.layers]]
type = "partner_logo"
box = [10, 10, 120, 80]

[[sizes.layers]]
type = "cta"
box = [150, 25, 140, 50]
text = "Book a demo"
fill = "accent"
color = "text"
font = "Inter"
weight = 700
size = 20
min_size = 10
"""


def make_kit(root: Path, *, brand_toml: str = BRAND_TOML) -> Path:
    """A small valid brand kit (real Inter fonts, SVG logos) at root."""
    (root / "fonts").mkdir(parents=True, exist_ok=True)
    (root / "logos").mkdir(exist_ok=True)
    for name in ("Inter-Regular.otf", "Inter-Bold.otf", "OFL.txt"):
        shutil.copy(FONT_DIR / name, root / "fonts" / name)
    (root / "logos" / "primary.svg").write_text(LOGO_SVG.format(color="#0B3D91"))
    (root / "logos" / "on-dark.svg").write_text(LOGO_SVG.format(color="#FFFFFF"))
    (root / "logos" / "mark.svg").write_text(
        LOGO_SVG.format(color="#0B3D91").replace('width="400"', 'width="100"')
    )
    (root / "brand.toml").write_text(brand_toml)
    return root


def make_template(root: Path, **files: str) -> Path:
    """A small valid template (one PDF, one two-size image output) at root; files override by name."""
    root.mkdir(parents=True, exist_ok=True)
    contents = {
        "template.toml": TEMPLATE_TOML,
        "flyer.html": FLYER_HTML,
        "flyer.css": FLYER_CSS,
        "social.toml": SOCIAL_TOML,
        **files,
    }
    for name, text in contents.items():
        (root / name.replace("__", "/")).write_text(text)
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
