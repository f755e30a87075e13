"""Regenerate the fictional partner logos in sample_data/logos/.

    .venv/bin/python sample_data/make_logos.py

Deterministic: no randomness, only Pillow + fontTools and the Inter fonts
bundled with the Northwind brand kit. The logos deliberately come in
different shapes and backgrounds (wide, square, tall, transparent, padded
white box, dark background, tiny PNG, SVG) so that the renderer's logo
handling (trim, contain, "never upscale more than 2x") gets exercised.

`text_path()` is also used by make_brand_art.py to draw text as SVG paths,
so the SVG files do not depend on any installed font.
"""

from __future__ import annotations

from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "brand_kits" / "northwind" / "fonts"
OUT = Path(__file__).resolve().parent / "logos"

WEIGHTS = {400: "Inter-Regular.otf", 600: "Inter-SemiBold.otf", 700: "Inter-Bold.otf"}
_tt_cache: dict[int, TTFont] = {}


def font_file(weight: int) -> Path:
    return FONTS / WEIGHTS[weight]


def pil_font(weight: int, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_file(weight)), size=size)


# --------------------------------------------------------------------------
# SVG helpers


def _tt(weight: int) -> TTFont:
    if weight not in _tt_cache:
        _tt_cache[weight] = TTFont(str(font_file(weight)))
    return _tt_cache[weight]


def text_width(text: str, weight: int, size: float, tracking: float = 0.0) -> float:
    """Advance width in user units of `text` set at `size` (em = size)."""
    font = _tt(weight)
    scale = size / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    width = 0.0
    for ch in text:
        width += hmtx[cmap[ord(ch)]][0] * scale + tracking
    return width - tracking if text else 0.0


def text_path(text: str, x: float, baseline: float, size: float, weight: int = 700,
              tracking: float = 0.0) -> str:
    """Return the `d` attribute of an SVG path drawing `text` with Inter."""
    font = _tt(weight)
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    scale = size / font["head"].unitsPerEm
    parts = []
    pen_x = x
    for ch in text:
        name = cmap[ord(ch)]
        pen = SVGPathPen(glyphs, ntos=lambda v: f"{v:.2f}".rstrip("0").rstrip("."))
        glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, pen_x, baseline)))
        d = pen.getCommands()
        if d:
            parts.append(d)
        pen_x += hmtx[name][0] * scale + tracking
    return "".join(parts)


def svg_doc(width: float, height: float, body: str, px_width: int, title: str) -> str:
    px_height = round(px_width * height / width)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
        f'width="{px_width}" height="{px_height}" role="img" aria-label="{title}">\n'
        f"  <title>{title}</title>\n{body}</svg>\n"
    )


# --------------------------------------------------------------------------
# PNG helpers (drawn at 4x and downsampled for clean anti-aliasing)

SS = 4


def canvas(w: int, h: int, bg=(0, 0, 0, 0)):
    img = Image.new("RGBA", (w * SS, h * SS), bg)
    return img, ImageDraw.Draw(img)


def finish(img: Image.Image, name: str, mode: str = "RGBA") -> None:
    w, h = img.width // SS, img.height // SS
    out = img.resize((w, h), Image.Resampling.LANCZOS)
    if mode == "RGB":
        out = out.convert("RGB")
    out.save(OUT / name, optimize=True)


def text(draw, xy, s, weight, size, fill, anchor="ls", spacing=0):
    """Draw text at 1x coordinates (scaled internally). Optional letter spacing."""
    x, y = xy
    font = pil_font(weight, size * SS)
    if not spacing:
        draw.text((x * SS, y * SS), s, font=font, fill=fill, anchor=anchor)
        return
    for ch in s:
        draw.text((x * SS, y * SS), ch, font=font, fill=fill, anchor=anchor)
        x += font.getlength(ch) / SS + spacing


def text_len(s, weight, size, spacing=0):
    return pil_font(weight, size).getlength(s) + spacing * max(len(s) - 1, 0)


def S(*v):
    return [c * SS for c in v]


# --------------------------------------------------------------------------
# Partner logos


def summit() -> None:
    """Wide (4:1), transparent PNG, 600x150."""
    img, d = canvas(600, 150)
    navy, green = (28, 44, 64, 255), (46, 139, 87, 255)
    d.polygon(S(20, 122, 72, 30, 124, 122), fill=navy)
    d.polygon(S(84, 122, 112, 72, 140, 122), fill=green)
    d.polygon(S(58, 56, 72, 30, 86, 56, 78, 50, 72, 58, 66, 50), fill=(255, 255, 255, 255))
    text(d, (160, 92), "Summit", 700, 64, navy)
    text(d, (160 + text_len("Summit", 700, 64) + 12, 92), "IT", 400, 64, green)
    text(d, (162, 124), "SOLUTIONS", 600, 20, (100, 112, 128, 255), spacing=7)
    finish(img, "summit-it.png")


def brightpath() -> None:
    """Wide SVG, transparent."""
    orange, ink = "#E8590C", "#212529"
    body = (
        f'  <circle cx="40" cy="40" r="34" fill="{orange}"/>\n'
        '  <path d="M22 54 L40 22 L58 54 Z" fill="#FFFFFF" opacity="0.95"/>\n'
        f'  <path d="M34 54 L40 43 L46 54 Z" fill="{orange}"/>\n'
        f'  <path fill="{ink}" d="{text_path("BrightPath", 88, 50, 38, 700, -0.4)}"/>\n'
        f'  <path fill="{orange}" d="{text_path("DISTRIBUTION", 89, 70, 11.5, 600, 3.1)}"/>\n'
    )
    (OUT / "brightpath.svg").write_text(svg_doc(300, 80, body, 600, "BrightPath Distribution"))


def great_lakes() -> None:
    """Tall (1:2) transparent PNG, 300x600: stacked emblem + name."""
    img, d = canvas(300, 600)
    blue, deep = (0, 119, 182, 255), (3, 4, 94, 255)
    d.ellipse(S(40, 30, 260, 250), fill=deep)
    for i, y in enumerate((130, 165, 200)):
        col = (72, 202, 228, 255) if i % 2 == 0 else (144, 224, 239, 255)
        d.arc(S(70, y - 30, 150, y + 10), 20, 160, fill=col, width=14 * SS)
        d.arc(S(150, y - 30, 230, y + 10), 20, 160, fill=col, width=14 * SS)
    d.polygon(S(150, 60, 175, 110, 125, 110), fill=(255, 255, 255, 255))
    for i, line in enumerate(("GREAT", "LAKES")):
        text(d, (150, 330 + i * 62), line, 700, 60, deep, anchor="ms")
    text(d, (150, 440), "CYBERSECURITY", 600, 22, blue, anchor="ms")
    text(d, (150, 472), "& MANAGED", 600, 22, blue, anchor="ms")
    text(d, (150, 504), "NETWORKS", 600, 22, blue, anchor="ms")
    d.rectangle(S(110, 540, 190, 546), fill=blue)
    finish(img, "great-lakes.png")


def societe() -> None:
    """Square SVG with a coloured tile."""
    blue, red = "#1D3557", "#E63946"
    body = (
        f'  <rect x="0" y="0" width="200" height="200" rx="28" fill="{blue}"/>\n'
        f'  <path fill="#FFFFFF" d="{text_path("SLIN", 100 - text_width("SLIN", 700, 62, 1) / 2, 112, 62, 700, 1)}"/>\n'
        f'  <rect x="44" y="128" width="112" height="6" rx="3" fill="{red}"/>\n'
        f'  <path fill="#A8DADC" d="{text_path("INTÉGRATION", 100 - text_width("INTÉGRATION", 600, 13, 2) / 2, 160, 13, 600, 2)}"/>\n'
    )
    (OUT / "societe-lyonnaise.svg").write_text(svg_doc(200, 200, body, 400, "SLIN Intégration"))


def mueller_koehler() -> None:
    """Wide logo on an opaque white box with lots of padding (trimming matters), RGB PNG."""
    img, d = canvas(600, 300, (255, 255, 255, 255))
    red, grey = (200, 16, 46, 255), (51, 51, 51, 255)
    d.rounded_rectangle(S(110, 108, 194, 192), radius=10 * SS, fill=red)
    text(d, (152, 166), "M&K", 700, 30, (255, 255, 255, 255), anchor="ms")
    text(d, (210, 148), "Müller & Köhler", 700, 36, grey)
    text(d, (211, 182), "Netzwerktechnik GmbH", 400, 22, red)
    finish(img, "mueller-koehler.png", mode="RGB")


def balkan_net() -> None:
    """Logo on a dark background (opaque), Cyrillic, 600x240."""
    img, d = canvas(600, 240, (18, 24, 38, 255))
    teal = (0, 200, 170, 255)
    for i in range(3):
        d.rounded_rectangle(S(40 + i * 30, 150 - i * 40, 62 + i * 30, 180), radius=5 * SS, fill=teal)
    text(d, (150, 132), "Балкан Нет", 700, 56, (255, 255, 255, 255))
    text(d, (152, 172), "СИСТЕМИ ООД", 600, 22, teal, spacing=5)
    finish(img, "balkan-net.png", mode="RGB")


def helios() -> None:
    """Deliberately small transparent PNG: 120x48."""
    img, d = canvas(120, 48)
    gold, ink = (244, 162, 97, 255), (38, 70, 83, 255)
    d.ellipse(S(6, 12, 30, 36), fill=gold)
    for dx, dy in ((18, 4), (18, 44), (2, 24), (34, 24)):
        d.ellipse(S(dx - 2, dy - 2, dx + 2, dy + 2), fill=gold)
    text(d, (38, 30), "Ήλιος", 700, 18, ink)
    text(d, (39, 42), "ΔΙΚΤΥΑ", 600, 8, gold, spacing=1.5)
    finish(img, "helios.png")


def harbourline() -> None:
    """Square transparent PNG, 500x500, sail mark over the name."""
    img, d = canvas(500, 500)
    navy, sea = (0, 48, 73, 255), (0, 150, 199, 255)
    d.polygon(S(250, 60, 250, 250, 130, 250), fill=navy)
    d.polygon(S(266, 100, 266, 250, 360, 250), fill=sea)
    d.rectangle(S(110, 268, 390, 278), fill=sea)
    text(d, (250, 360), "Harbourline", 700, 64, navy, anchor="ms")
    text(d, (250, 408), "TECHNOLOGIES", 600, 24, sea, anchor="ms", spacing=0)
    finish(img, "harbourline.png")


def lion_city() -> None:
    """Tall SVG (1:2), transparent."""
    red, ink = "#D62828", "#1B1B1B"
    w1 = text_width("LION", 700, 44, 2)
    w2 = text_width("CITY", 700, 44, 2)
    w3 = text_width("NETWORKS", 600, 13, 3)
    body = (
        f'  <path fill="{red}" d="M60 10 L102 34 L102 82 C102 108 84 124 60 134 '
        'C36 124 18 108 18 82 L18 34 Z"/>\n'
        '  <path fill="#FFFFFF" d="M46 44 L56 44 L56 96 L80 96 L80 106 L46 106 Z"/>\n'
        '  <circle cx="76" cy="52" r="6" fill="#FFFFFF"/>\n'
        f'  <path fill="{ink}" d="{text_path("LION", 60 - w1 / 2, 184, 44, 700, 2)}"/>\n'
        f'  <path fill="{ink}" d="{text_path("CITY", 60 - w2 / 2, 228, 44, 700, 2)}"/>\n'
        f'  <path fill="{red}" d="{text_path("NETWORKS", 60 - w3 / 2, 226 + 24, 13, 600, 3)}"/>\n'
    )
    (OUT / "lion-city.svg").write_text(svg_doc(120, 260, body, 280, "Lion City Networks"))


def tasman() -> None:
    """Wide PNG with a white card background and padding baked in (RGB)."""
    img, d = canvas(640, 220, (255, 255, 255, 255))
    purple, ink = (94, 53, 177, 255), (33, 33, 33, 255)
    d.rounded_rectangle(S(70, 70, 150, 150), radius=18 * SS, fill=purple)
    d.rounded_rectangle(S(92, 92, 128, 128), radius=8 * SS, fill=(255, 255, 255, 255))
    d.rounded_rectangle(S(102, 102, 118, 118), radius=4 * SS, fill=(255, 193, 7, 255))
    text(d, (170, 112), "tasman", 700, 48, ink)
    text(d, (170 + text_len("tasman", 700, 48), 112), ".cloud", 400, 48, purple)
    text(d, (172, 144), "MARKETPLACE", 600, 18, (117, 117, 117, 255), spacing=4)
    finish(img, "tasman.png", mode="RGB")


def sakura() -> None:
    """Square logo on a dark opaque background, 400x400."""
    img, d = canvas(400, 400, (34, 34, 59, 255))
    pink = (255, 143, 171, 255)
    import math

    for i in range(5):
        a = math.radians(-90 + i * 72)
        cx, cy = 200 + 46 * math.cos(a), 150 + 46 * math.sin(a)
        d.ellipse(S(cx - 34, cy - 34, cx + 34, cy + 34), fill=pink)
    d.ellipse(S(180, 130, 220, 170), fill=(255, 214, 224, 255))
    text(d, (200, 290), "SAKURA", 700, 52, (255, 255, 255, 255), anchor="ms", spacing=0)
    text(d, (200, 330), "DIGITAL INTEGRATION", 600, 18, pink, anchor="ms")
    finish(img, "sakura.png", mode="RGB")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for make in (summit, brightpath, great_lakes, societe, mueller_koehler, balkan_net,
                 helios, harbourline, lion_city, tasman, sakura):
        make()
    print("wrote", ", ".join(sorted(p.name for p in OUT.iterdir())))


if __name__ == "__main__":
    main()
