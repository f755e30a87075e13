"""Image outputs: real PNG/JPEG/WebP files decoded and inspected pixel by pixel."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from PIL import Image, ImageChops

from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from tests.factories import SOCIAL_TOML, make_template, png_logo

PANEL_WHITE = (255, 255, 255)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def test_every_size_has_its_declared_pixels(renderer, kit, template, partner, campaign) -> None:
    files = renderer.render(kit, template, partner, campaign)
    sizes = {f.output_id: decode(f.data).size for f in files if f.content_type == "image/png"}
    assert sizes == {"social-600x400": (600, 400), "social-300x100": (300, 100)}


def test_partner_logo_box_is_filled_trimmed_and_aspect_kept(
    renderer, kit, template, partner, campaign
) -> None:
    image = decode(renderer.render_one(kit, template, partner, campaign, "social-600x400").data)
    box = image.crop((30, 280, 230, 380))  # the partner_logo layer's box
    red = Image.new("RGB", box.size, (0xC0, 0x39, 0x2B))
    # Pixels that are the logo's red: the 300×100 logo (40 px transparent padding trimmed) fits 200×67 at the left.
    mask = ImageChops.difference(box, red).convert("L").point(lambda v: 255 if v < 40 else 0)
    left, top, right, bottom = mask.getbbox()
    assert left <= 1 and right >= 198, "trimmed logo should span the box width"
    assert 62 <= bottom - top <= 70, "aspect 3:1 kept"


def test_small_raster_logo_is_never_upscaled_more_than_twice(
    renderer, kit, template, partner, campaign
) -> None:
    tiny = dataclasses.replace(partner, logo=png_logo(40, 20, color="#C0392B"))
    image = decode(renderer.render_one(kit, template, tiny, campaign, "social-600x400").data)
    box = image.crop((30, 280, 230, 380))
    mask = (
        ImageChops.difference(box, Image.new("RGB", box.size, (0xC0, 0x39, 0x2B)))
        .convert("L")
        .point(lambda v: 255 if v < 40 else 0)
    )
    left, top, right, bottom = mask.getbbox()
    assert right - left <= 81 and bottom - top <= 41


def test_brand_logo_variant_follows_background_luminance(tmp_path: Path, kit, partner, campaign) -> None:
    dark = load_template(make_template(tmp_path / "dark"))
    light = load_template(
        make_template(
            tmp_path / "light",
            **{"social.toml": SOCIAL_TOML.replace('color = "primary"', 'color = "#F4F6FA"', 1)},
        )
    )
    renderer = Renderer()
    on_dark = decode(renderer.render_one(kit, dark, partner, campaign, "social-600x400").data).crop(
        (30, 30, 270, 90)
    )
    on_light = decode(renderer.render_one(kit, light, partner, campaign, "social-600x400").data).crop(
        (30, 30, 270, 90)
    )
    # The fixture kit's on_dark logo is white, its primary logo is navy.
    assert max(on_dark.get_flattened_data(), key=sum) == (255, 255, 255)
    assert (
        min(on_light.get_flattened_data(), key=sum)[2] > 100
        and min(on_light.get_flattened_data(), key=sum)[0] < 40
    )


def test_images_are_byte_identical_for_identical_inputs(kit, template, partner, campaign) -> None:
    first = Renderer().render(kit, template, partner, campaign, ["social-600x400", "social-300x100"])
    second = Renderer().render(kit, template, partner, campaign, ["social-600x400", "social-300x100"])
    assert [f.data for f in first] == [f.data for f in second]


def test_jpeg_and_webp_encodings(tmp_path: Path, kit, partner, campaign) -> None:
    for fmt, magic in (("jpeg", b"\xff\xd8\xff"), ("webp", b"RIFF")):
        toml = (
            (Path(make_template(tmp_path / "x") / "template.toml"))
            .read_text()
            .replace('format = "png"', f'format = "{fmt}"')
        )
        template = load_template(make_template(tmp_path / fmt, **{"template.toml": toml}))
        data = Renderer().render_one(kit, template, partner, campaign, "social-600x400").data
        assert data.startswith(magic) and decode(data).size == (600, 400)


def test_partner_without_logo_gets_its_name_in_the_box(renderer, kit, template, partner, campaign) -> None:
    image = decode(
        renderer.render_one(
            kit, template, dataclasses.replace(partner, logo=None), campaign, "social-600x400"
        ).data
    )
    box = image.crop((30, 280, 230, 380))
    assert box.getcolors(100000) and len(box.getcolors(100000)) > 2  # text drawn, not a blank panel
