"""Logos are checked by their bytes, size and pixel count; SVGs are defused and sanitised."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.errors import UploadRejected
from app.rendering.logos import check_logo_bytes, prepare_logo, sanitize_svg
from tests.factories import png_logo


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def test_type_is_decided_by_content_not_name() -> None:
    assert check_logo_bytes(png_logo(10, 10)).kind == "png"
    with pytest.raises(UploadRejected, match="not a PNG, JPEG, WebP or SVG"):
        check_logo_bytes(b"GIF89a" + b"\x00" * 100, source="logo.png")
    with pytest.raises(UploadRejected, match="not a PNG, JPEG, WebP or SVG"):
        check_logo_bytes(b"%PDF-1.7 pretending", source="logo.svg")


def test_oversized_file_is_refused() -> None:
    with pytest.raises(UploadRejected, match="over the 1,000-byte limit"):
        check_logo_bytes(png_logo(200, 200) + b"\x00" * 2000, max_bytes=1000)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_header_only(40_000, 40_000)
    assert len(bomb) < 2000
    with pytest.raises(UploadRejected, match="decompression bomb"):
        check_logo_bytes(bomb, source="bomb.png")


def test_truncated_image_is_refused_with_its_type() -> None:
    with pytest.raises(UploadRejected, match="PNG file cannot be read"):
        check_logo_bytes(png_logo(100, 100)[:60], source="cut.png")


@pytest.mark.parametrize(
    "svg",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
    ],
)
def test_svg_with_dtd_or_entities_is_refused(svg: bytes) -> None:
    with pytest.raises(UploadRejected, match="DTD or entities"):
        check_logo_bytes(svg)


def test_svg_loses_scripts_handlers_and_external_references() -> None:
    svg = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="50" onload="alert(1)">
      <script>alert(1)</script>
      <style>@import url(http://127.0.0.1:9/x.css);</style>
      <image xlink:href="http://127.0.0.1:9/track.png" width="10" height="10"/>
      <image href="file:///etc/passwd" width="10" height="10"/>
      <rect width="100" height="50" fill="url(http://127.0.0.1:9/#g)" onclick="x()"/>
      <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
      <circle cx="25" cy="25" r="20" fill="#0B3D91"/>
    </svg>"""
    clean = sanitize_svg(svg).decode()
    for bad in ("script", "onload", "onclick", "@import", "127.0.0.1", "file:", "foreignObject"):
        assert bad not in clean
    assert "<circle" in clean or ":circle" in clean


def test_white_and_transparent_padding_is_trimmed() -> None:
    transparent = prepare_logo(png_logo(300, 100, padding=50))
    white = prepare_logo(png_logo(300, 100, padding=50, background=(255, 255, 255, 255)))
    assert (transparent.width, transparent.height) == (300, 100)
    assert (white.width, white.height) == (300, 100)


def test_dark_background_logo_is_kept_whole() -> None:
    dark = prepare_logo(png_logo(300, 100, padding=50, color="#FFFFFF", background=(20, 30, 40, 255)))
    assert (dark.width, dark.height) == (400, 200)


def test_svg_viewbox_is_tightened_to_its_drawing() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400"><rect x="100" y="150" width="200" height="100" fill="#000"/></svg>'
    logo = prepare_logo(svg)
    assert logo.kind == "svg"
    assert 195 <= logo.width <= 210 and 95 <= logo.height <= 110


def test_empty_logo_is_refused() -> None:
    blank = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(blank, format="PNG")
    with pytest.raises(UploadRejected, match="empty"):
        prepare_logo(blank.getvalue())


def test_an_opaque_logo_stays_rgb_and_a_transparent_one_keeps_its_alpha() -> None:
    """Opaque logos drop the alpha channel (nothing for a PDF to split into a soft mask)."""
    opaque, clear = io.BytesIO(), io.BytesIO()
    image = Image.new("RGBA", (60, 30), (255, 255, 255, 255))
    image.paste((20, 60, 120, 255), (10, 5, 50, 25))
    image.save(opaque, format="PNG")
    image.paste((0, 0, 0, 0), (25, 10, 35, 20))  # a hole inside the drawing: trimming keeps it
    image.save(clear, format="PNG")
    with Image.open(io.BytesIO(prepare_logo(opaque.getvalue()).data)) as prepared:
        assert prepared.mode == "RGB" and prepared.size == (40, 20)
        assert prepared.getpixel((0, 0)) == (20, 60, 120)
    with Image.open(io.BytesIO(prepare_logo(clear.getvalue()).data)) as prepared:
        assert prepared.mode == "RGBA" and prepared.size == (40, 20)
        assert prepared.getpixel((20, 10))[3] == 0 and prepared.getpixel((0, 0)) == (20, 60, 120, 255)
