"""Regenerate the Northwind brand logos and the campaign template artwork.

    .venv/bin/python sample_data/make_brand_art.py

Writes:
  brand_kits/northwind/logos/{northwind,northwind-on-dark,northwind-mark}.svg
  campaign_templates/spring-flyer/images/hero.jpg
  campaign_templates/datasheet/images/cover.jpg
  campaign_templates/social-launch/images/background-{square,wide}.jpg

Deterministic (fixed seeds, no timestamps), so re-running it gives the same
bytes and therefore the same brand kit / template versions.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_logos import text_path, text_width  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "brand_kits" / "northwind"
TEMPLATES = ROOT / "campaign_templates"

NAVY = "#0E2A47"
TEAL = "#14A3A1"
TEAL_LIGHT = "#5FD6D0"
AMBER = "#F4A623"
INK = "#17202C"


# --------------------------------------------------------------------------
# Logos


def mark_shapes(tile: str, stroke: str, diagonal: str, arrow: str, x: float = 0) -> str:
    """The Northwind mark in a 100x100 box at (x, 0): an "N" whose right stem is a
    north-pointing arrow."""
    def pts(*coords):
        return " ".join(f"{x + a:g},{b:g}" for a, b in zip(coords[::2], coords[1::2]))

    return (
        f'  <rect x="{x:g}" y="0" width="100" height="100" rx="22" fill="{tile}"/>\n'
        f'  <polygon fill="{stroke}" points="{pts(25, 34, 37, 34, 37, 76, 25, 76)}"/>\n'
        f'  <polygon fill="{diagonal}" points="{pts(25, 34, 38, 34, 75, 76, 62, 76)}"/>\n'
        f'  <polygon fill="{stroke}" points="{pts(62, 40, 74, 40, 74, 76, 62, 76)}"/>\n'
        f'  <polygon fill="{arrow}" points="{pts(56, 42, 68, 22, 80, 42)}"/>\n'
    )


def svg(view_w: float, view_h: float, px_w: int, px_h: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view_w:g} {view_h:g}" '
        f'width="{px_w}" height="{px_h}" role="img" aria-label="{title}">\n'
        f"  <title>{title}</title>\n{body}</svg>\n"
    )


def wordmark(word_fill: str, sub_fill: str) -> str:
    x = 122
    return (
        f'  <path fill="{word_fill}" d="{text_path("Northwind", x, 57, 52, 700, -0.5)}"/>\n'
        f'  <path fill="{sub_fill}" d="{text_path("NETWORKS", x + 2, 82, 14, 600, 5)}"/>\n'
    )


def logos() -> None:
    out = KIT / "logos"
    out.mkdir(parents=True, exist_ok=True)
    width = 122 + text_width("Northwind", 700, 52, -0.5) + 4
    width = math.ceil(width)
    (out / "northwind.svg").write_text(svg(
        width, 100, width * 2, 200, "Northwind Networks",
        mark_shapes(NAVY, "#FFFFFF", TEAL, AMBER) + wordmark(NAVY, TEAL)))
    (out / "northwind-on-dark.svg").write_text(svg(
        width, 100, width * 2, 200, "Northwind Networks",
        mark_shapes(TEAL, "#FFFFFF", NAVY, AMBER) + wordmark("#FFFFFF", TEAL_LIGHT)))
    (out / "northwind-mark.svg").write_text(svg(
        100, 100, 256, 256, "Northwind Networks",
        mark_shapes(NAVY, "#FFFFFF", TEAL, AMBER)))


# --------------------------------------------------------------------------
# Abstract "network" artwork


def hexrgb(h: str) -> tuple[int, int, int]:
    return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))


def lerp(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def network_art(w: int, h: int, seed: int, focus: tuple[float, float], nodes: int = 46,
                clear_left: float = 0.42, y_max: float = 1.02) -> Image.Image:
    """Deep-navy gradient with a soft teal glow and a constellation of nodes/links,
    kept away from the left `clear_left` fraction where text goes."""
    rng = random.Random(seed)
    top, bottom = hexrgb("#0B2036"), hexrgb("#103A5C")
    base = Image.new("RGB", (w, h))
    px = base.load()
    for y in range(h):
        for x in range(0, w):
            t = min(1.0, max(0.0, 0.65 * y / h + 0.35 * x / w))
            px[x, y] = lerp(top, bottom, t)

    glow = Image.new("L", (w, h), 0)
    gd = ImageDraw.Draw(glow)
    fx, fy = focus[0] * w, focus[1] * h
    r = 0.55 * max(w, h)
    gd.ellipse((fx - r, fy - r, fx + r, fy + r), fill=120)
    glow = glow.filter(ImageFilter.GaussianBlur(max(w, h) * 0.18))
    base = Image.composite(Image.new("RGB", (w, h), hexrgb(TEAL)), base, glow.point(lambda v: v * 0.4))

    # concentric arcs (radar / coverage motif)
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    unit = min(w, h)
    for i in range(1, 7):
        rr = unit * 0.16 * i
        d.ellipse((fx - rr, fy - rr, fx + rr, fy + rr), outline=(95, 214, 208, 40), width=max(1, unit // 400))

    # constellation
    pts = []
    while len(pts) < nodes:
        x = rng.uniform(clear_left * w, w * 1.02)
        y = rng.uniform(-0.02 * h, h * y_max)
        pts.append((x, y))
    line_w = max(1, unit // 360)
    for i, (x1, y1) in enumerate(pts):
        near = sorted(pts, key=lambda p: (p[0] - x1) ** 2 + (p[1] - y1) ** 2)[1:4]
        for x2, y2 in near:
            dist = math.hypot(x2 - x1, y2 - y1) / unit
            alpha = int(max(0, 150 - dist * 300))
            d.line((x1, y1, x2, y2), fill=(95, 214, 208, alpha), width=line_w)
    for i, (x, y) in enumerate(pts):
        rr = unit * rng.choice((0.006, 0.008, 0.011))
        color = (244, 166, 35, 235) if i % 9 == 0 else (160, 236, 230, 200)
        if i % 9 == 0:
            d.ellipse((x - rr * 2.6, y - rr * 2.6, x + rr * 2.6, y + rr * 2.6), fill=(244, 166, 35, 50))
        d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=color)

    # fade the constellation out towards the text side
    ramp = Image.linear_gradient("L").rotate(90, expand=True)
    ramp = ramp.resize((w, h)).point(
        lambda v: int(255 * min(1.0, max(0.0, (v / 255 - clear_left + 0.05) / 0.25))))
    layer.putalpha(ImageChops.multiply(layer.getchannel("A"), ramp))
    faded = layer
    out = base.convert("RGBA")
    out.alpha_composite(faded)
    return out.convert("RGB")


def save_jpeg(img: Image.Image, path: Path, limit: int = 200_000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for q in (86, 82, 78, 72, 66):
        img.save(path, "JPEG", quality=q, optimize=True, progressive=True)
        if path.stat().st_size <= limit:
            return
    raise SystemExit(f"{path} is larger than {limit} bytes")


def artwork() -> None:
    # flyer hero band: 216 x 126 mm (with bleed) at ~150 dpi
    save_jpeg(network_art(1276, 744, seed=7, focus=(0.86, 0.3), nodes=40, clear_left=0.62),
              TEMPLATES / "spring-flyer" / "images" / "hero.jpg")
    # datasheet header band: 216 x 84 mm
    save_jpeg(network_art(1276, 496, seed=11, focus=(0.9, 0.2), nodes=34, clear_left=0.5),
              TEMPLATES / "datasheet" / "images" / "cover.jpg")
    # social backgrounds: the square keeps its constellation above the headline,
    # the link image keeps it on the right, behind the partner card
    save_jpeg(network_art(1080, 1080, seed=3, focus=(0.85, 0.12), nodes=26, clear_left=0.45, y_max=0.24),
              TEMPLATES / "social-launch" / "images" / "background-square.jpg")
    save_jpeg(network_art(1200, 627, seed=5, focus=(0.8, 0.3), nodes=30, clear_left=0.62),
              TEMPLATES / "social-launch" / "images" / "background-wide.jpg")


if __name__ == "__main__":
    logos()
    artwork()
    print("ok")
