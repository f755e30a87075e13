"""Draw docs/images/locale-samples.png: a Japanese, an Arabic and a German partner's assets, side by side.

Real output of the renderer (the sample kit and templates, each partner in its own locale):
    .venv/bin/python docs/images/make_locale_samples.py
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from app.config import PROJECT_ROOT
from app.rendering.brand_kit import load_brand_kit
from app.rendering.fonts import font_stack, load_face
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.template import load_template

LOGOS = PROJECT_ROOT / "sample_data" / "logos"
PARTNERS = [
    PartnerInput(slug="sakura-digital", name="さくらデジタルインテグレーション株式会社", type="system_integrator",
                 tier="gold", region="APAC", country="JP", locale="ja-JP", phone="+81 3-5555-0123",
                 email="partner@sakura-digital.example.jp", website="https://sakura-digital.example.jp"),
    PartnerInput(slug="gulf-networks", name="شركة الخليج للشبكات", type="reseller", tier="gold", region="EMEA",
                 country="AE", locale="ar-AE", phone="+971 4 555 0147", email="sales@gulf-networks.example.ae",
                 website="https://gulf-networks.example.ae"),
    PartnerInput(slug="mueller-koehler", name="Müller & Köhler Netzwerktechnik GmbH", type="reseller", tier="gold",
                 region="EMEA", country="DE", locale="de-DE", phone="+49 30 901820",
                 email="vertrieb@mueller-koehler.example.de", website="https://mueller-koehler.example.de",
                 logo=(LOGOS / "mueller-koehler.png").read_bytes() if (LOGOS / "mueller-koehler.png").exists() else None),
]  # fmt: skip
COLUMN = 620
OUT = PROJECT_ROOT / "docs" / "images" / "locale-samples.png"


def main() -> None:
    renderer = Renderer()
    kit = load_brand_kit(PROJECT_ROOT / "brand_kits" / "northwind")
    flyer = load_template(PROJECT_ROOT / "campaign_templates" / "spring-flyer")
    social = load_template(PROJECT_ROOT / "campaign_templates" / "social-launch")
    columns = []
    for partner in PARTNERS:
        campaign = CampaignInput(slug="spring", landing_url="https://northwind.example.com/spring", locale=partner.locale)
        pdf = renderer.render_one(kit, flyer, partner, campaign, "flyer").data
        page = pdfium.PdfDocument(pdf)[0]
        flyer_image = page.render(scale=COLUMN / page.get_width()).to_pil().convert("RGB")
        post = renderer.render_one(kit, social, partner, replace(campaign, slug="launch"), "social-1080x1080").data
        post_image = Image.open(io.BytesIO(post)).convert("RGB").resize((COLUMN, COLUMN), Image.Resampling.LANCZOS)
        column = Image.new("RGB", (COLUMN, 48 + flyer_image.height + 16 + COLUMN), "#FFFFFF")
        label = f"{partner.name} · {partner.locale}"
        fonts = font_stack(kit, "Inter", 600, partner.locale)
        draw, x = ImageDraw.Draw(column), 0.0
        for run in fonts.visual_runs(label):
            face = load_face(run.face, 20)
            draw.text((x, 30), run.text, font=face, fill="#17202C", anchor="ls", direction=run.direction)
            x += face.getlength(run.text, direction=run.direction)
        column.paste(flyer_image, (0, 48))
        column.paste(post_image, (0, 48 + flyer_image.height + 16))
        columns.append(column)
    gap = 24
    sheet = Image.new("RGB", (len(columns) * COLUMN + (len(columns) + 1) * gap, columns[0].height + 2 * gap), "#FFFFFF")
    for index, column in enumerate(columns):
        sheet.paste(column, (gap + index * (COLUMN + gap), gap))
    sheet.save(OUT, optimize=True)
    print(f"wrote {Path(OUT).relative_to(PROJECT_ROOT)} ({sheet.width}×{sheet.height})")


if __name__ == "__main__":
    main()
