"""Build a small partner program, brand kit, templates and partners on disk for tests.

Tests of the core, the services and the API use these instead of the sample vendor's content
(brand_kits/, campaign_templates/, partner_program.toml, sample_data/), so that content can change
freely; tests/test_sample_content.py and tests/sample/ are the tests of the sample itself.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

FONT_DIR = Path(__file__).resolve().parent / "fonts"
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


PROGRAM_TOML = """# Acme's partner program, for tests: what a real one has (ranked tiers with Silver, a LATAM region,
# aliases, two custom attributes, export headers), kept small.

[types.reseller]
label = "Reseller"
aliases = ["value added reseller", "VAR"]

[types.distributor]
label = "Distributor"
aliases = ["disti"]

[types.system-integrator]
label = "System Integrator"
aliases = ["system integrator", "SI", "Systems Integrator"]

[types.referral]
label = "Referral Partner"
aliases = ["referral partner", "agent"]

[tiers.registered]
label = "Registered"
rank = 0

[tiers.silver]
label = "Silver"
rank = 1
aliases = ["silver partner"]

[tiers.gold]
label = "Gold"
rank = 2
aliases = ["gold partner"]

[tiers.platinum]
label = "Platinum"
rank = 3
aliases = ["platinum partner"]

[regions.na]
label = "North America"
aliases = ["NA"]
countries = ["US", "CA"]

[regions.latam]
label = "Latin America"
aliases = ["LATAM"]
countries = ["BR", "MX", "AR", "CL", "CO", "PE"]

[regions.emea]
label = "Europe, Middle East & Africa"
aliases = ["EMEA"]
countries = ["GB", "FR", "DE", "BG", "AE"]

[regions.apac]
label = "Asia Pacific"
aliases = ["APAC"]
countries = ["AU", "JP", "SG"]

[attributes.industry]
label = "Industry"
values = ["healthcare", "finance", "public-sector", "retail"]
multiple = true

[attributes.certifications]
label = "Certifications"
values = ["secure-edge-associate", "secure-edge-professional"]
multiple = true

[import.columns]
"Account Name" = "name"
"Partner Level" = "tier"
"Partner Type" = "type"
"Partner Region" = "region"
"Billing Country" = "country"
"Billing Address" = "address"
"Website" = "website"
"Partner Marketing Email" = "email"
"Phone" = "phone"
"Logo" = "logo"
"Industry" = "industry"
"Certifications" = "certifications"
"Channel Account Manager" = "custom.account_manager"
"""

LOCALIZED_COPY = {
    "de": ("Schnelles, sicheres Netzwerk", "Mehr erfahren:"),
    "fr": ("Un réseau rapide et sûr", "En savoir plus :"),
    "ja": ("高速で安全なネットワーク", "詳しくはこちら"),
}
"""copy.<locale>.toml of the content root's flyer: (headline, url_label)."""

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

CSV_FIELDS = [
    "slug", "name", "type", "tier", "region", "country", "locale", "website", "email", "phone", "address",
    "logo", "active", "industry", "custom.account_manager",
]  # fmt: skip

PARTNERS: list[dict[str, str]] = [
    {"slug": "alpine", "name": "Alpine Netzwerke GmbH", "type": "reseller", "tier": "gold", "region": "emea",
     "country": "DE", "locale": "de-DE", "logo": "png", "industry": "finance"},
    {"slug": "beacon", "name": "Beacon Distribution", "type": "distributor", "tier": "platinum", "region": "na",
     "country": "US", "locale": "en-US", "logo": "svg", "industry": "healthcare; retail"},
    {"slug": "cedar", "name": "Cedar Systems Integration Cooperative, Inc.", "type": "system-integrator",
     "tier": "registered", "region": "na", "country": "CA", "locale": "en-CA", "logo": "", "industry": ""},
    {"slug": "dune", "name": "Dune Conseil", "type": "referral", "tier": "silver", "region": "emea",
     "country": "FR", "locale": "fr-FR", "logo": "png", "industry": "public-sector"},
    {"slug": "ember", "name": "Ember Digital", "type": "reseller", "tier": "gold", "region": "apac",
     "country": "JP", "locale": "ja-JP", "logo": "png", "industry": ""},
    {"slug": "fjord", "name": "Fjord Net", "type": "reseller", "tier": "registered", "region": "emea",
     "country": "BG", "locale": "bg-BG", "logo": "", "industry": ""},
]  # fmt: skip
"""The test partners: every tier, four locales with copy or without (bg-BG), logos PNG, SVG or none."""


def make_program(path: Path, text: str = PROGRAM_TOML) -> Path:
    """Acme's partner program file at path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


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


def write_partners_csv(folder: Path, partners: list[dict[str, str]] = PARTNERS) -> Path:
    """A partners CSV in the import's own columns, with the partners' logos under logos/."""
    (folder / "logos").mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for index, partner in enumerate(partners):
        logo = ""
        if partner.get("logo") == "png":
            logo = f"logos/{partner['slug']}.png"
            (folder / logo).write_bytes(png_logo(240, 80, color=f"#{40 + index * 30:02X}5080"))
        elif partner.get("logo") == "svg":
            logo = f"logos/{partner['slug']}.svg"
            (folder / logo).write_text(LOGO_SVG.format(color="#2E86AB"))
        writer.writerow({
            "website": f"https://{partner['slug']}.example.com", "email": f"sales@{partner['slug']}.example.com",
            "phone": f"+1 555 01{index:02d}", "address": f"{index + 1} Example Street\nSuite {index + 10}",
            "active": "true", "custom.account_manager": "Sam Rivera", **partner, "logo": logo,
        })  # fmt: skip
    path = folder / "partners.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


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


SOCIAL_TEMPLATE_TOML = """title = "Test social post"
description = "Images in two sizes and the post text for LinkedIn, X and Facebook"

[copy]
headline = "Fast, safe networking"
subhead = "One cloud-managed platform for every branch, user and cloud."

[fields]
partner = ["name", "logo", "tracked_url", "qr"]

[[outputs]]
name = "social"
kind = "social"
format = "png"
layouts = "social.toml"
post = "post.txt"
post_short = "post-short.txt"
hashtags = ["FastNet", "SafeBranch", "AcmeEdge"]
"""

SOCIAL_POST = """{{ copy.headline }}.

{{ copy.subhead }} {{ partner.name }} is your {{ brand.name }} partner: book a 30-minute demo and see \
a branch go live in minutes, with every connection verified and one policy everywhere.
"""

SOCIAL_POST_SHORT = "{{ copy.headline }}. Book a demo with {{ partner.name }}.\n"


def make_social_template(root: Path) -> Path:
    """A social template: the image layouts of the test template, and post texts with hashtags."""
    return make_template(root, **{"template.toml": SOCIAL_TEMPLATE_TOML, "post.txt": SOCIAL_POST,
                                  "post-short.txt": SOCIAL_POST_SHORT})  # fmt: skip


EMAIL_TEMPLATE_TOML = """title = "Test newsletter"
description = "An HTML e-mail with a co-branded header image, the partner's contacts and merge tags"

[copy]
subject = "Live demo: fast, safe networking with {{ partner.name }}"
preheader = "Join our 30-minute webinar."
headline = "See fast, safe networking live"
greeting = "Hello {{first_name}},"
cta = "Save my seat"
contact_title = "Your partner"
unsubscribe = "Unsubscribe"
view_online = "View in your browser"

[fields]
partner = ["name", "logo", "email", "phone", "website", "tracked_url"]

[[outputs]]
name = "newsletter"
kind = "email"
mjml = "newsletter.mjml"
text = "newsletter.txt"
header = "header.toml"
"""

EMAIL_MJML = """<mjml lang="{{ partner.locale }}">
  <mj-head>
    <mj-title>{{ subject }}</mj-title>
    <mj-preview>{{ preheader }}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body width="600px">
    <mj-section><mj-column>
      <mj-text><a href="{{ placeholders.view_in_browser_url }}">{{ copy.view_online }}</a></mj-text>
    </mj-column></mj-section>
    {% if header_url %}<mj-section padding="0"><mj-column>
      <mj-image src="{{ header_url }}" width="600px" padding="0" alt="{{ brand.name }}" href="{{ tracked_url }}" />
    </mj-column></mj-section>{% endif %}
    <mj-section><mj-column>
      <mj-text>{{ copy.greeting }}</mj-text>
      <mj-text font-size="26px" color="{{ brand.colors.primary }}">{{ copy.headline }}</mj-text>
      <mj-button href="{{ tracked_url }}" background-color="{{ brand.colors.accent }}">{{ copy.cta }}</mj-button>
      <mj-text><strong>{{ copy.contact_title }}: {{ partner.name }}</strong><br>
        {% if partner.email %}<a href="mailto:{{ partner.email }}">{{ partner.email }}</a>{% endif %}</mj-text>
      <mj-text font-size="12px">{{ disclaimer }}<br>{{ placeholders.sender_address }} ·
        <a href="{{ placeholders.unsubscribe_url }}">{{ copy.unsubscribe }}</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>
"""

EMAIL_TEXT = """{{ copy.greeting }}

{{ copy.headline }}

{{ copy.cta }}: {{ tracked_url }}

--
{{ copy.contact_title }}: {{ partner.name }}
{% if partner.email %}{{ partner.email }}
{% endif %}
{{ disclaimer }}
{{ placeholders.sender_address }}
{{ copy.unsubscribe }}: {{ placeholders.unsubscribe_url }}
{{ copy.view_online }}: {{ placeholders.view_in_browser_url }}
"""

EMAIL_HEADER_TOML = """[[sizes]]
width = 600
height = 200

[[sizes.layers]]
type = "background"
color = "primary"

[[sizes.layers]]
type = "brand_logo"
box = [32, 70, 232, 60]

[[sizes.layers]]
type = "partner_logo"
box = [328, 58, 224, 76]
align = "center"
"""


def make_email_template(root: Path) -> Path:
    """An e-mail template: MJML and plain-text bodies and a 600 × 200 header image."""
    return make_template(root, **{"template.toml": EMAIL_TEMPLATE_TOML, "newsletter.mjml": EMAIL_MJML,
                                  "newsletter.txt": EMAIL_TEXT, "header.toml": EMAIL_HEADER_TOML})  # fmt: skip
