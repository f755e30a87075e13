"""Acme's partner program and partners for tests: the program file and a partners CSV with logos."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.factories.kit import LOGO_SVG, png_logo

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
