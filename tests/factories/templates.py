"""Templates for tests: a flyer (A4 PDF with a co-brand zone, and an image output in two sizes), its localized copy, and a tier badge."""

from __future__ import annotations

from pathlib import Path

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
font = "Test Sans"
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
body { font-family: "Test Sans"; margin: 0; }
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
font = "Test Sans"
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
font = "Test Sans"
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
font = "Test Sans"
weight = 700
size = 20
min_size = 10
"""


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


LOCALIZED_COPY = {
    "de": ("Schnelles, sicheres Netzwerk", "Mehr erfahren:"),
    "fr": ("Un réseau rapide et sûr", "En savoir plus :"),
    "ja": ("高速で安全なネットワーク", "詳しくはこちら"),
}
"""copy.<locale>.toml of the content root's flyer: (headline, url_label)."""


def make_localized_template(root: Path) -> Path:
    """The test template with a url_label in [copy] and German, French and Japanese copy beside it."""
    html = FLYER_HTML.replace("{{ tracked_url_display }}", "{{ copy.url_label }} {{ tracked_url_display }}")
    toml = TEMPLATE_TOML.replace(
        'headline = "Fast, safe networking"', 'headline = "Fast, safe networking"\nurl_label = "Learn more:"'
    )
    make_template(root, **{"template.toml": 'locale = "en"\n' + toml, "flyer.html": html})
    for locale, (headline, url_label) in LOCALIZED_COPY.items():
        (root / f"copy.{locale}.toml").write_text(
            f'[copy]\nheadline = "{headline}"\nurl_label = "{url_label}"\n'
        )
    return root


BADGE_TOML = """title = "Tier badge"
description = "A one-page PDF that prints the partner's tier and type labels"

[copy]
headline = "Partner badge"

[fields]
partner = ["name", "tier", "type"]

[[outputs]]
name = "badge"
kind = "pdf"
html = "badge.html"
css = ["badge.css"]
page_size = "A4"
pages = 1
"""


BADGE_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>{{ copy.headline }}</title></head>
<body><h1>{{ partner.name }}</h1><p class="badge">{{ partner.tier_label }} {{ partner.type_label }}</p></body></html>
"""


BADGE_CSS = """@page { margin: 10mm }
body { font-family: "Test Sans"; }
.badge { text-transform: uppercase; font-weight: 700; }
"""


IN_FLOW_FLYER_CSS = """@page { margin: 0 }
body { font-family: "Test Sans"; margin: 0; }
h1 { position: absolute; top: 0; left: 0; margin: 0; color: #0B3D91; padding: 20mm; font-weight: 700; }
.offer { position: absolute; top: 45mm; left: 20mm; margin: 0; }
.brand { position: absolute; top: 60mm; left: 20mm; width: 60mm; }
.zone { position: relative; top: 237mm; margin: 0; width: 210mm; height: 60mm; background: #F4F6FA; }
.zone:last-child { background: #C0392B; }
.plogo { position: absolute; left: 10mm; top: 8mm; width: 40mm; height: 20mm; object-fit: contain; }
.pname { position: absolute; left: 60mm; top: 8mm; width: 80mm; height: 14mm; }
.zone p { position: absolute; left: 60mm; top: 24mm; font-size: 9pt; margin: 0; }
.qr { position: absolute; right: 10mm; top: 8mm; width: 30mm; height: 30mm; }
.zone p.legal { top: 50mm; font-size: 6pt; }
"""
"""flyer.css with the zone in flow (a page break starts each partner's page in a batch) and
styled by a structural pseudo-class of the body's children: alone, the zone is the last child."""
