"""Load and validate a brand kit folder (brand_kits/<slug>/brand.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from app.errors import BrandKitInvalid
from app.rendering.fonts import SCRIPTS, installed_face
from app.rendering.logos import check_logo_bytes
from app.rendering.model import (
    BRAND_COLOR_NAMES,
    BrandKit,
    Disclaimers,
    FallbackChains,
    FontFile,
    normalize_locale,
)
from app.rendering.problems import HEX_COLOR, Problems, inside
from app.rendering.versioning import folder_version

MANIFEST = "brand.toml"
FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true")


def check_brand_kit(root: Path) -> tuple[BrandKit | None, list[str]]:
    """Load a brand kit, returning it (or None) and every problem found."""
    root = root.resolve()
    manifest = root / MANIFEST
    problems = Problems(manifest)
    if not manifest.is_file():
        problems.add("-", f"missing {MANIFEST}")
        return None, problems.lines
    try:
        data: dict[str, Any] = tomllib.loads(manifest.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add("-", f"not valid TOML: {exc}")
        return None, problems.lines

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("name", "required, a non-empty string")

    colors_in = data.get("colors") or {}
    colors: dict[str, str] = {}
    for key in BRAND_COLOR_NAMES:
        value = colors_in.get(key)
        if not isinstance(value, str) or not HEX_COLOR.match(value):
            problems.add(f"colors.{key}", f"{value!r} is not a #RRGGBB colour")
        else:
            colors[key] = value.upper()
    for key in colors_in:
        if key not in BRAND_COLOR_NAMES:
            problems.add(f"colors.{key}", f"unknown colour; expected one of {', '.join(BRAND_COLOR_NAMES)}")

    fonts: list[FontFile] = []
    for index, font in enumerate(data.get("fonts") or []):
        where = f"fonts[{index}]"
        family, weight, style = font.get("family"), font.get("weight", 400), font.get("style", "normal")
        if not isinstance(family, str) or not family:
            problems.add(f"{where}.family", "required")
        if not isinstance(weight, int) or not 100 <= weight <= 900:
            problems.add(f"{where}.weight", f"{weight!r} is not a weight from 100 to 900")
        if style not in ("normal", "italic"):
            problems.add(f"{where}.style", f"{style!r} is not normal or italic")
        font_path = inside(root, str(font.get("file", "")))
        if font_path is None or not font_path.is_file():
            problems.add(f"{where}.file", f"{font.get('file')!r} is not a file inside the kit")
        elif font_path.read_bytes()[:4] not in FONT_MAGIC:
            problems.add(f"{where}.file", f"{font.get('file')!r} is not a TrueType/OpenType font")
        license_path = inside(root, str(font.get("license", "")))
        if license_path is None or not license_path.is_file():
            problems.add(
                f"{where}.license", f"{font.get('license')!r}: every font needs its licence file in the kit"
            )
        if font_path and license_path and font_path.is_file() and license_path.is_file():
            fonts.append(FontFile(str(family), int(weight), str(style), font_path, license_path))
    if not data.get("fonts"):
        problems.add("fonts", "at least one font is required")

    logos: dict[str, Path] = {}
    logos_in = data.get("logos") or {}
    for key in ("primary", "on_dark", "mark"):
        rel = logos_in.get(key)
        path = inside(root, str(rel or ""))
        if path is None or not path.is_file():
            problems.add(f"logos.{key}", f"{rel!r} is not a file inside the kit")
            continue
        try:
            check_logo_bytes(path.read_bytes(), source=str(path))
        except Exception as exc:  # ok: the logo checker's message names the problem
            problems.add(f"logos.{key}", str(exc))
            continue
        logos[key] = path

    disclaimer = data.get("disclaimer") or {}
    default = disclaimer.get("default", "")
    if not isinstance(default, str):
        problems.add("disclaimer.default", "must be a string")
    # Keys are region slugs of the partner program (any case); lint checks them against it.
    regions = disclaimer.get("regions") or {}

    countries = _strings(disclaimer.get("countries"), "disclaimer.countries", problems)
    translations: dict[str, Disclaimers] = {}
    for locale, table in (disclaimer.get("locales") or {}).items():
        where = f"disclaimer.locales.{locale}"
        if not isinstance(table, dict) or normalize_locale(locale) != locale:
            problems.add(
                where, f"must be a table named by a locale like de or pt-BR ({normalize_locale(locale)!r})"
            )
            continue
        translations[locale] = Disclaimers(
            str(table.get("default", default)),
            {k.lower(): v for k, v in _strings(table.get("regions"), f"{where}.regions", problems).items()},
            {
                k.upper(): v
                for k, v in _strings(table.get("countries"), f"{where}.countries", problems).items()
            },
        )
    fallback = _font_fallback(data.get("font_fallback") or {}, fonts, problems)

    if problems:
        return None, problems.lines
    kit = BrandKit(
        slug=root.name,
        root=root,
        name=str(name),
        colors=colors,
        fonts=tuple(fonts),
        logos=logos,
        disclaimer_default=str(default),
        disclaimer_regions={str(k).lower(): str(v) for k, v in regions.items()},
        version=folder_version(root),
        disclaimer_countries={k.upper(): v for k, v in countries.items()},
        disclaimer_locales=translations,
        font_fallback=fallback,
    )
    return kit, []


def _strings(table: Any, where: str, problems: Problems) -> dict[str, str]:
    if table is None:
        return {}
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        problems.add(where, "must be a table of strings")
        return {}
    return {str(k): v for k, v in table.items()}


def _font_fallback(table: dict[str, Any], fonts: list[FontFile], problems: Problems) -> FallbackChains:
    """[font_fallback]: script = ["Family", …], each a kit font or one installed on the machine."""
    chains = []
    own = {f.family.lower() for f in fonts}
    for script, families in table.items():
        where = f"font_fallback.{script}"
        if script not in SCRIPTS:
            problems.add(where, f"unknown script; expected one of {', '.join(SCRIPTS)}")
            continue
        if not isinstance(families, list) or not all(isinstance(f, str) and f for f in families):
            problems.add(where, "must be a list of font family names")
            continue
        for family in families:
            if family.lower() not in own and installed_face(family) is None:
                problems.add(where, f"{family!r} is neither a font of the kit nor installed (fc-list)")
        chains.append((script, tuple(families)))
    return tuple(chains)


def load_brand_kit(root: Path) -> BrandKit:
    """Load a brand kit or raise BrandKitInvalid listing every problem."""
    kit, problems = check_brand_kit(root)
    if kit is None:
        raise BrandKitInvalid("\n".join(problems))
    return kit
