"""Image masters and row-cached PNG: a warm cache gives the same bytes as a cold one, the same
pixels as drawing every layer in order with Pillow's own encoder, and the cache stays bounded."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image

from app.rendering.brand_kit import load_brand_kit
from app.rendering.image import ImageRenderer, layer_is_static, partner_window, split_row, static_prefix
from app.rendering.model import CampaignInput, Layer, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from tests.factories import EMAIL_HEADER_TOML, LOGO_SVG, SOCIAL_TOML, make_kit, make_template, png_logo

LOGOS = [
    png_logo(300, 100, padding=40),
    LOGO_SVG.format(color="#2E86AB").encode(),
    png_logo(120, 120, color="#1FA3A3", background=(255, 255, 255, 255)),
]
CAMPAIGN = CampaignInput(slug="spring-launch", landing_url="https://vendor.example.com/secure-edge")
SCAN = """
[[sizes.layers]]
type = "text"
box = [490, 382, 100, 16]
text = "Scan me"
font = "Test Sans"
weight = 400
size = 12
min_size = 10
color = "text"
"""
"""A static caption after the QR code of the 600 × 400 size: static, but drawn after a partner layer."""
TEMPLATE = """title = "Test images"
description = "A PNG in two sizes and a JPEG header"

[copy]
headline = "Fast, safe networking"

[fields]
partner = ["name", "logo", "tracked_url", "qr"]

[[outputs]]
name = "social"
kind = "image"
format = "png"
layouts = "social.toml"

[[outputs]]
name = "email-header"
kind = "image"
format = "jpeg"
layouts = "header.toml"
"""


def sample_partner(index: int, *, logo: bool = True) -> PartnerInput:
    names = (
        "Acme Networks GmbH",
        "Blue Fjord Systems",
        "Kestrel IT Solutions Pty Ltd",
        "Tamarind",
        "Ørsted Ålesund Dataløsninger AS",
    )
    return PartnerInput(
        slug=f"partner-{index}",
        name=names[index % len(names)],
        type=("reseller", "distributor", "system_integrator", "referral")[index % 4],
        tier=("gold", "platinum")[index % 2],
        region=("NA", "EMEA", "APAC")[index % 3],
        website=f"https://partner-{index}.example.com",
        logo=LOGOS[index % len(LOGOS)] if logo else None,
    )


PARTNERS = [sample_partner(i) for i in range(5)] + [sample_partner(i, logo=False) for i in (5, 6)]


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.mode, image.size, image.tobytes()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("image-master")


@pytest.fixture(scope="module")
def kit(root: Path):  # type: ignore[no-untyped-def]
    return load_brand_kit(make_kit(root / "kit"))


@pytest.fixture(scope="module")
def images(root: Path):  # type: ignore[no-untyped-def]
    square, banner = SOCIAL_TOML.split("\n[[sizes]]\nwidth = 300", 1)
    social = square + SCAN + "\n[[sizes]]\nwidth = 300" + banner
    return load_template(make_template(root / "images", **{"template.toml": TEMPLATE, "social.toml": social,
                                                           "header.toml": EMAIL_HEADER_TOML}))  # fmt: skip


@pytest.mark.parametrize("output_id", ["social-600x400", "social-300x100", "email-header-600x200"])
def test_cached_path_is_byte_identical_to_cold_and_pixel_identical_to_plain(
    kit, images, output_id: str
) -> None:  # type: ignore[no-untyped-def]
    template = images
    warm = Renderer()
    plain = Renderer()  # every layer drawn in order on a fresh canvas, Pillow's encoder
    plain.image = ImageRenderer(master_cache_size=0, fast_png=False)
    for partner in PARTNERS:
        cached = warm.render_one(kit, template, partner, CAMPAIGN, output_id)
        cold = Renderer().render_one(kit, template, partner, CAMPAIGN, output_id)
        assert cached.data == cold.data, f"{output_id} for {partner.slug}: warm and cold caches differ"
        assert cached.warnings == cold.warnings
        reference = plain.render_one(kit, template, partner, CAMPAIGN, output_id)
        assert cached.warnings == reference.warnings
        if cached.content_type == "image/png":
            assert pixels(cached.data) == pixels(reference.data), (
                f"{output_id} for {partner.slug}: pixels differ"
            )
        else:  # JPEG: the same canvas through the same encoder
            assert cached.data == reference.data
    assert len(warm.image._masters) == 1


def test_partner_layers_reaching_above_the_split_fall_back_to_the_same_bytes(kit, images) -> None:  # type: ignore[no-untyped-def]
    template = images
    renderer = Renderer()
    ok = renderer.render_one(kit, template, PARTNERS[0], CAMPAIGN, "social-600x400")
    # A partner layer drawing above the split: the master's cached rows must not be used.
    size = template.outputs[0].sizes[0]
    master = next(iter(renderer.image._masters.values()))
    assert master.png, "the first render caches the master's PNG rows"
    canvas = master.canvas.copy()
    canvas.paste((255, 0, 0, 255), (10, 10, 20, 20))
    data = renderer.image._encode(canvas, template.outputs[0], size, master)
    reference = io.BytesIO()
    canvas.convert("RGB").save(reference, format="PNG")
    assert pixels(data) == pixels(reference.getvalue())
    assert ok.data == Renderer().render_one(kit, template, PARTNERS[0], CAMPAIGN, "social-600x400").data


def test_master_cache_is_bounded(kit, images) -> None:  # type: ignore[no-untyped-def]
    template = images
    renderer = Renderer()
    renderer.image.master_cache_size = 3
    for number in range(6):  # campaign copy differs: a master each
        campaign = dataclasses.replace(CAMPAIGN, slug=f"c{number}", title=f"Campaign {number}")
        renderer.render_one(kit, template, PARTNERS[0], campaign, "social-600x400")
        assert len(renderer.image._masters) <= 3
    assert len(renderer.image._masters) == 3


def test_partner_dependence_is_conservative() -> None:
    assert layer_is_static(Layer("text", {"text": "{{ copy.headline | upper }}"}))
    assert layer_is_static(Layer("rect", {"box": [0, 0, 1, 1], "when": "campaign.title"}))
    assert not layer_is_static(Layer("text", {"text": "{{ partner.name }}"}))
    assert not layer_is_static(Layer("text", {"text": "{{ tracked_url_display }}"}))
    assert not layer_is_static(Layer("text", {"text": "{{ fields.offer }}"}))
    assert not layer_is_static(Layer("text", {"text": "{{ disclaimer }}"}))
    assert not layer_is_static(Layer("text", {"text": "{{ unknown_name }}"}))
    assert not layer_is_static(Layer("text", {"text": "{{ broken"}))
    assert not layer_is_static(Layer("rect", {"box": [0, 0, 1, 1], "when": "partner.logo"}))
    assert not layer_is_static(Layer("cta", {"text": "Call {{ partner.phone }}"}))
    assert not layer_is_static(Layer("partner_logo", {"box": [0, 0, 1, 1]}))
    assert not layer_is_static(Layer("qr", {"box": [0, 0, 1, 1]}))


def test_static_layers_after_a_partner_layer_stay_per_partner(images) -> None:  # type: ignore[no-untyped-def]
    template = images
    square = template.outputs[0].sizes[0]
    prefix = static_prefix(square)
    assert square.layers[prefix].type == "partner_logo"
    # The "scan" caption after the QR code is static but drawn per partner, after it.
    assert any(layer_is_static(layer) for layer in square.layers[prefix:])
    assert split_row(square, prefix) <= min(layer.spec["box"][1] for layer in square.layers[prefix:])


CANVAS = """[[sizes]]
width = 600
height = 400

[[sizes.layers]]
type = "background"
color = "primary"
"""
"""A 600 × 400 size on the kit's primary colour: the start of each layout below."""


def _social_only(folder: Path, layers: str):  # type: ignore[no-untyped-def]
    """The test template with its social output only, laid out as CANVAS then layers."""
    toml = TEMPLATE.split('\n[[outputs]]\nname = "email-header"')[0]
    return load_template(make_template(folder, **{"template.toml": toml, "social.toml": CANVAS + layers}))


OVERSHOOT = """
[[sizes.layers]]
type = "rect"
box = [0, 260, 600, 140]
color = "#FFFFFF"

[[sizes.layers]]
type = "text"
box = [30, 300, 540, 40]
text = "{{ partner.name }}"
font = "Test Sans"
weight = 700
size = 100
min_size = 100
line_height = 0.3
color = "text"
max_lines = 1
"""
"""A partner name whose glyphs rise far above its box (a line box much shorter than the font)."""


def test_partner_text_reaching_above_the_split_is_drawn_on_the_whole_canvas(root: Path, kit) -> None:  # type: ignore[no-untyped-def]
    template = _social_only(root / "overshoot", OVERSHOOT)
    partner = dataclasses.replace(PARTNERS[0], name="ÅÉÎ")
    renderer = Renderer()
    renderer.render_one(kit, template, PARTNERS[3], CAMPAIGN, "social-600x400")  # the master, warm
    cached = renderer.render_one(kit, template, partner, CAMPAIGN, "social-600x400")
    plain = Renderer()
    plain.image = ImageRenderer(master_cache_size=0, fast_png=False)
    reference = plain.render_one(kit, template, partner, CAMPAIGN, "social-600x400")
    assert pixels(cached.data) == pixels(reference.data)
    # The ink does reach above the split: drawn on the rows from the split only, it would be cut.
    master = next(iter(renderer.image._masters.values()))
    with Image.open(io.BytesIO(reference.data)) as image:
        above = image.convert("RGBA").crop((0, 0, 600, master.split)).tobytes()
    assert above != master.canvas.crop((0, 0, 600, master.split)).tobytes()


COLUMN = """
[[sizes.layers]]
type = "text"
box = [30, 110, 300, 120]
text = "{{ copy.headline }}"
font = "Test Sans"
weight = 700
size = 40
min_size = 20
color = "#FFFFFF"
max_lines = 3

[[sizes.layers]]
type = "rect"
box = [400, 40, 180, 320]
color = "#FFFFFF"
radius = 12

[[sizes.layers]]
type = "partner_logo"
box = [420, 60, 140, 80]

[[sizes.layers]]
type = "text"
box = [420, 160, 140, 120]
text = "{{ partner.name }}"
font = "Test Sans"
weight = 700
size = 24
min_size = 12
color = "text"
align = "center"
max_lines = 4

[[sizes.layers]]
type = "qr"
box = [450, 290, 60, 60]
"""
"""Partner layers in a narrow column of the canvas: only that window is drawn and deflated per partner."""


@pytest.fixture(scope="module")
def column(root: Path):  # type: ignore[no-untyped-def]
    return _social_only(root / "column", COLUMN)


def test_a_narrow_window_gives_the_pixels_of_drawing_every_layer(kit, column) -> None:  # type: ignore[no-untyped-def]
    warm = Renderer()
    plain = Renderer()
    plain.image = ImageRenderer(master_cache_size=0, fast_png=False)
    for partner in [*PARTNERS, dataclasses.replace(PARTNERS[1], locale="ar")]:
        cached = warm.render_one(kit, column, partner, CAMPAIGN, "social-600x400")
        assert cached.data == Renderer().render_one(kit, column, partner, CAMPAIGN, "social-600x400").data
        reference = plain.render_one(kit, column, partner, CAMPAIGN, "social-600x400")
        assert pixels(cached.data) == pixels(reference.data), f"{partner.slug}: pixels differ"
        assert cached.warnings == reference.warnings
    master = next(iter(warm.image._masters.values()))
    assert master.window == (404, 44, 576, 366), "the partner layers' column, with a margin"
    assert master.png_window and not master.png, "encoded by window, not by whole rows"


def test_partner_text_reaching_out_of_a_narrow_window_is_drawn_on_the_whole_canvas(kit, column) -> None:  # type: ignore[no-untyped-def]
    # The same name at a size whose line box is far shorter than the glyphs: its ink leaves the window.
    size = column.outputs[0].sizes[0]
    name = next(layer for layer in size.layers if layer.spec.get("text") == "{{ partner.name }}")
    tall = dataclasses.replace(name, spec={**name.spec, "size": 90, "min_size": 90, "line_height": 0.2,
                                           "box": [420, 50, 140, 20], "max_lines": 1})  # fmt: skip
    layers = tuple(tall if layer is name else layer for layer in size.layers)
    template = dataclasses.replace(column, outputs=(dataclasses.replace(column.outputs[0], sizes=(
        dataclasses.replace(size, layers=layers),)),))  # fmt: skip
    partner = dataclasses.replace(PARTNERS[0], name="ÅÉ")
    renderer = Renderer()
    cached = renderer.render_one(kit, template, partner, CAMPAIGN, "social-600x400")
    plain = Renderer()
    plain.image = ImageRenderer(master_cache_size=0, fast_png=False)
    reference = plain.render_one(kit, template, partner, CAMPAIGN, "social-600x400")
    assert pixels(cached.data) == pixels(reference.data)
    master = next(iter(renderer.image._masters.values()))
    x0, y0, x1, y1 = master.window
    with Image.open(io.BytesIO(reference.data)) as image:
        outside = image.convert("RGBA").crop((x0, 0, x1, y0)).tobytes()
    assert outside != master.canvas.crop((x0, 0, x1, y0)).tobytes(), "the ink does leave the window"


def test_only_layers_known_to_keep_to_their_box_are_drawn_in_a_window(column) -> None:  # type: ignore[no-untyped-def]
    size = column.outputs[0].sizes[0]
    prefix = static_prefix(size)
    assert partner_window(size, prefix, split_row(size, prefix), False) == (404, 44, 576, 366)
    unknown = dataclasses.replace(size, layers=(*size.layers, Layer("sticker", {"box": [420, 300, 20, 20]})))
    assert partner_window(unknown, prefix, split_row(unknown, prefix), False) is None


def test_a_warmed_renderer_draws_no_master_again_and_gives_a_cold_renders_bytes(kit, images) -> None:  # type: ignore[no-untyped-def]
    """Renderer.warm (what a forking worker's parent runs before forking a batch) draws each size's
    fixed layers and PNG rows once, for a placeholder partner; no partner's render draws them again."""
    warm = Renderer()
    assert warm.warm(kit, images, CAMPAIGN) == 0  # no PDF master to read
    drawn = warm.stats()["image_masters_drawn"]
    assert drawn == 3  # social 600x400 and 300x100, email-header 600x200

    def parts(renderer: Renderer) -> dict[object, object]:  # what a master builds on first use
        return {
            key: (sorted(m.png), sorted(m.png_window), m.opaque) for key, m in renderer.image._masters.items()
        }

    made = parts(warm)
    assert any(png or window for png, window, _ in made.values())  # the PNG masters' parts are made
    cold = Renderer()
    for partner in PARTNERS[:4]:
        for output_id in images.output_ids():
            ours = warm.render_one(kit, images, partner, CAMPAIGN, output_id)
            assert ours.data == cold.render_one(kit, images, partner, CAMPAIGN, output_id).data
    assert made == parts(cold)
    assert warm.warm(kit, images, CAMPAIGN) == 0
    assert warm.stats()["image_masters_drawn"] == drawn
    other = dataclasses.replace(CAMPAIGN, slug="autumn-launch", title="Autumn launch")
    warm.warm(kit, images, other)
    assert warm.stats()["image_masters_drawn"] == 2 * drawn  # another campaign's copy: its own masters
