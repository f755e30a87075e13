"""A Salesforce-PRM-style account export, as a vendor would download it: BOM, CRLF, its own headers,
tiers Silver/Gold/Platinum, types written "system integrator" and "referral partner", a LATAM region,
multi-line quoted addresses, and SVG, PNG, JPEG and WebP logos given as file paths."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PIL import Image, ImageDraw

HEADERS = [
    "Account Name", "Partner Level", "Partner Type", "Partner Region", "Billing Country", "Billing Address",
    "Website", "Partner Marketing Email", "Phone", "Industry", "Certifications", "Channel Account Manager",
    "Logo", "Created Date",
]  # fmt: skip
LEVELS = ["Silver", "Gold Partner", "Platinum", "Gold", "Silver Partner", "platinum"]
TYPES = ["Reseller", "system integrator", "referral partner", "Distributor", "Systems Integrator", "SI"]
PLACES = [("LATAM", "BR"), ("LATAM", "MX"), ("", "AR"), ("EMEA", "DE"), ("NA", "US"), ("APAC", "JP")]
INDUSTRIES = ["Finance; Healthcare", "public-sector", "", "Retail"]
LOGOS = ["svg", "png", "jpeg", "webp"]


def _logo(kind: str, index: int) -> bytes:
    color = (30 + index * 4 % 200, 90, 160)
    if kind == "svg":
        hex_color = "#{:02x}{:02x}{:02x}".format(*color)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><rect x="5" y="5" width="90" '
                f'height="90" fill="{hex_color}"/><rect x="110" y="35" width="180" height="30" fill="{hex_color}"/>'
                "</svg>").encode()  # fmt: skip
    image = Image.new(
        "RGB" if kind == "jpeg" else "RGBA", (240, 80), (255, 255, 255) if kind == "jpeg" else (0, 0, 0, 0)
    )
    ImageDraw.Draw(image).rectangle((10, 10, 230, 70), fill=color)
    out = io.BytesIO()
    image.save(out, format=kind.upper())
    return out.getvalue()


def write_export(folder: Path, rows: int = 51, *, logos: bool = True) -> Path:
    """Write the export (and its logos under logos/) into folder; returns the CSV's path."""
    folder.mkdir(parents=True, exist_ok=True)
    if logos:
        (folder / "logos").mkdir(exist_ok=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for i in range(rows):
        region, country = PLACES[i % len(PLACES)]
        logo = ""
        if logos and i % 5 != 4:  # every fifth partner has no logo
            kind = LOGOS[i % len(LOGOS)]
            logo = f"logos/partner-{i:03d}.{'jpg' if kind == 'jpeg' else kind}"
            (folder / logo).write_bytes(_logo(kind, i))
        writer.writerow([
            f"Partner {i:03d} Soluções & Systems" if i % 7 == 0 else f"Partner {i:03d} Networks",
            LEVELS[i % len(LEVELS)], TYPES[i % len(TYPES)], region, country,
            f"Rua Exemplo {i}\nSala {i % 9 + 1}\nCidade {country}",  # multi-line, quoted by the writer
            f"https://partner-{i:03d}.example.com", f"marketing@partner-{i:03d}.example.com", f"+1 555 {i:04d}",
            INDUSTRIES[i % len(INDUSTRIES)], "secure-edge-associate" if i % 3 == 0 else "", f"CAM {i % 4}",
            logo, "2026-11-30",
        ])  # fmt: skip
    path = folder / "Account Export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    return path
