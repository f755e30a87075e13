"""An Arabic partner name is right-aligned and shaped, in the flyer and in the social image.

Each is compared pixel by pixel with a reference rendering of the same string: Pillow's raqm
engine for the image, WeasyPrint on a bare page for the flyer. An unshaped rendering of the
same letters (isolated forms) is far from both, so the comparison really tests shaping.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat
from weasyprint import HTML

from app.rendering.brand_kit import load_brand_kit
from app.rendering.fonts import font_stack, installed_face
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.template import load_template
from app.rendering.textfit import fit_text
from tests.factories import FLYER_CSS, FONT_FAMILY, TEMPLATE_TOML, make_kit, make_template, png_logo

NAME = "شركة النور"
ZWNJ = "\u200c"
"""Between every two letters it stops Arabic joining: the isolated forms an unshaped engine draws."""


COLOR = "#0E2A47"
BOX = (406, 146, 440, 104)
"""The partner-name layer of the social image below: x, y, width, height."""
SOCIAL = """title = "RTL social"
description = "One image with the partner's name in a box"

[fields]
partner = ["name"]

[[outputs]]
name = "social"
kind = "image"
format = "png"
layouts = "social.toml"
"""
LAYOUT = f"""[[sizes]]
width = 1080
height = 400

[[sizes.layers]]
type = "background"
color = "#FFFFFF"

[[sizes.layers]]
type = "text"
box = [{", ".join(map(str, BOX))}]
text = "{{{{ partner.name }}}}"
font = "{FONT_FAMILY}"
weight = 700
size = 36
min_size = 22
color = "{COLOR}"
valign = "middle"
line_height = 1.15
max_lines = 3
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("rtl")


@pytest.fixture(scope="module")
def kit(root):
    return load_brand_kit(make_kit(root / "kit"))


@pytest.fixture(scope="module")
def flyer(root):
    """The test flyer, its partner name set bold in COLOR on white (as the reference below) with the text box's line height."""
    toml = TEMPLATE_TOML.replace("min_size_pt = 9\n", "min_size_pt = 9\nline_height = 1.15\n", 1)
    css = (
        FLYER_CSS
        + f".zone {{ background: #FFFFFF; }}\n.pname {{ color: {COLOR}; font-weight: 700; line-height: 1.15; }}\n"
    )
    return load_template(make_template(root / "flyer", **{"template.toml": toml, "flyer.css": css}))


@pytest.fixture(scope="module")
def arabic_partner() -> PartnerInput:
    return PartnerInput(
        slug="al-noor", name=NAME, type="reseller", tier="gold", region="EMEA", country="AE",
        locale="en", website="https://alnoor.example", logo=png_logo(300, 100, color="#2E86AB"),
    )  # fmt: skip


def unshaped(text: str) -> str:
    return ZWNJ.join(text)


def ink_box(image: Image.Image, background: Image.Image) -> tuple[int, int, int, int]:
    box = ImageChops.difference(image, background).getbbox()
    assert box is not None, "nothing was drawn"
    return box


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("L"), b.convert("L"))).mean)


def test_arabic_name_in_the_social_image_is_right_aligned_and_shaped(
    renderer, kit, root, arabic_partner
) -> None:
    template = load_template(
        make_template(root / "social", **{"template.toml": SOCIAL, "social.toml": LAYOUT})
    )
    campaign = CampaignInput(slug="launch", landing_url="https://vendor.example/launch")
    output_id = "social-1080x400"
    rendered = Image.open(
        io.BytesIO(renderer.render_one(kit, template, arabic_partner, campaign, output_id).data)
    )
    blank = Image.open(
        io.BytesIO(
            renderer.render_one(kit, template, replace(arabic_partner, name=""), campaign, output_id).data
        )
    )
    x, y, w, h = BOX
    region = (x, y, x + w, y + h)

    # The reference: the same string drawn in one raqm call, right-aligned in the same box.
    stack = font_stack(kit, FONT_FAMILY, 700)
    fitted = fit_text(
        NAME, fonts=stack, width=w, height=h, max_size=36, min_size=22, line_height=1.15, max_lines=3
    )
    face = installed_face("Noto Sans Arabic", 700)
    assert face is not None
    font = ImageFont.truetype(str(face.path), fitted.size, layout_engine=ImageFont.Layout.RAQM)
    reference = blank.convert("RGB").copy()
    ascent, descent = ImageFont.truetype(str(stack.primary.path), fitted.size).getmetrics()
    line_box = fitted.size * 1.15
    baseline = y + (h - line_box) / 2 + (line_box - (ascent + descent)) / 2 + ascent
    width = font.getlength(NAME, direction="rtl")
    ImageDraw.Draw(reference).text(
        (x + w - width, baseline), NAME, font=font, fill=COLOR, anchor="ls", direction="rtl"
    )
    unshaped_reference = blank.convert("RGB").copy()
    ImageDraw.Draw(unshaped_reference).text(
        (x + w - font.getlength(unshaped(NAME), direction="rtl"), baseline), unshaped(NAME),
        font=font, fill=COLOR, anchor="ls", direction="rtl",
    )  # fmt: skip

    ours = rendered.convert("RGB").crop(region)
    assert ImageChops.difference(ours, reference.crop(region)).getbbox() is None
    assert mean_difference(ours, unshaped_reference.crop(region)) > 1.0
    left, _, right, _ = ink_box(ours, blank.convert("RGB").crop(region))
    assert right >= w - 4 and left > w / 3  # flush right, and not stretched across the box


def raster(pdf: bytes, page: int = 0, scale: float = 4) -> Image.Image:
    return pdfium.PdfDocument(pdf)[page].render(scale=scale).to_pil().convert("RGB")


def test_arabic_name_in_the_flyer_is_right_aligned_and_shaped(renderer, kit, flyer, arabic_partner) -> None:
    template = flyer
    campaign = CampaignInput(slug="spring", landing_url="https://vendor.example/spring")
    flyer = raster(renderer.render_one(kit, template, arabic_partner, campaign, "flyer").data)
    blank = raster(
        renderer.render_one(kit, template, replace(arabic_partner, name=""), campaign, "flyer").data
    )
    box = template.outputs[0].text_boxes["partner_name"]
    fitted = fit_text(
        NAME, fonts=font_stack(kit, FONT_FAMILY, 700), width=box.width, height=box.height,
        max_size=box.max_size, min_size=box.min_size, line_height=box.line_height,
    )  # fmt: skip
    ink = ink_box(flyer, blank)
    name = flyer.crop(ink)

    # A Latin name starts at the left of the partner-name box (the 80 mm .pname of flyer.css); the
    # Arabic one ends at its right edge.
    latin = raster(
        renderer.render_one(kit, template, replace(arabic_partner, name="Al Noor"), campaign, "flyer").data
    )
    column_left = ink_box(latin, blank)[0]
    px_per_mm = 4 * 72 / 25.4
    assert abs(ink[2] - (column_left + 80 * px_per_mm)) < 1.5 * px_per_mm
    assert ink[0] > column_left + 20 * px_per_mm

    def reference(text: str) -> Image.Image:
        html = (
            '<html lang="ar" dir="rtl"><body style="margin:0">'
            f"<p style=\"margin:5mm;font-family:'Noto Sans Arabic';font-weight:700;font-size:{fitted.size}pt;"
            f'color:{COLOR}">{text}</p></body></html>'
        )
        page = raster(HTML(string=html).write_pdf())
        return page.crop(ink_box(page, Image.new("RGB", page.size, "#FFFFFF")))

    shaped, isolated = reference(NAME), reference(unshaped(NAME))
    assert abs(shaped.width - name.width) <= 3 and abs(shaped.height - name.height) <= 3
    assert mean_difference(name, shaped.resize(name.size)) < 8
    assert mean_difference(name, isolated.resize(name.size)) > 2 * mean_difference(
        name, shaped.resize(name.size)
    )
