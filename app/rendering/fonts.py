"""Scripts and font fallback: which font draws each character, in images and PDF text fitting.

Pillow has no font fallback of its own, so text is split into runs by the first font of the
chain whose cmap (read with fontTools) covers each character: the brand font, then the kit's
fallback chain for the character's script (brand.toml `[font_fallback]`), then the default
Noto chain (Debian fonts-noto-core / fonts-noto-cjk), then a last resort. Fonts named by
family are the kit's own files or fonts installed through fontconfig (`fc-list`).
Text is never pre-shaped: each run goes whole to raqm (HarfBuzz + FriBiDi), which shapes it.
"""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from fontTools.ttLib import TTFont
from PIL import ImageFont

from app.rendering.model import BrandKit, FallbackChains, FontFile

# (first, last, script) — the scripts Cobrand checks; anything else is "common" (spaces,
# digits, punctuation, symbols) and stays in the run around it.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "latin"), (0x0061, 0x007A, "latin"), (0x00C0, 0x024F, "latin"),
    (0x1E00, 0x1EFF, "latin"), (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"), (0x0590, 0x05FF, "hebrew"), (0xFB1D, 0xFB4F, "hebrew"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x08A0, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"), (0x0900, 0x097F, "devanagari"),
    (0xA8E0, 0xA8FF, "devanagari"), (0x0E00, 0x0E7F, "thai"), (0x1100, 0x11FF, "hangul"),
    (0x3130, 0x318F, "hangul"), (0xAC00, 0xD7AF, "hangul"), (0x3040, 0x30FF, "kana"),
    (0x31F0, 0x31FF, "kana"), (0xFF65, 0xFF9F, "kana"), (0x2E80, 0x2FDF, "han"),
    (0x3000, 0x303F, "han"), (0x3400, 0x4DBF, "han"), (0x4E00, 0x9FFF, "han"),
    (0xF900, 0xFAFF, "han"), (0xFF00, 0xFF64, "han"), (0x20000, 0x2FA1F, "han"),
)  # fmt: skip

SCRIPTS = (
    "latin", "greek", "cyrillic", "arabic", "hebrew", "devanagari", "thai",
    "japanese", "korean", "chinese-simplified", "chinese-traditional",
)  # fmt: skip
"""The scripts a kit may name in [font_fallback]; Han is one of the four CJK ones by language."""

SCRIPT_LABELS = {
    **{script: script.title() for script in SCRIPTS[:9]},
    "chinese-simplified": "Simplified Chinese",
    "chinese-traditional": "Traditional Chinese",
}

RTL_SCRIPTS = frozenset({"arabic", "hebrew"})
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb"})

DEFAULT_FALLBACK: dict[str, tuple[str, ...]] = {
    "latin": ("Noto Sans",),
    "greek": ("Noto Sans",),
    "cyrillic": ("Noto Sans",),
    "arabic": ("Noto Sans Arabic",),
    "hebrew": ("Noto Sans Hebrew",),
    "devanagari": ("Noto Sans Devanagari",),
    "thai": ("Noto Sans Thai",),
    "japanese": ("Noto Sans CJK JP",),
    "korean": ("Noto Sans CJK KR",),
    "chinese-simplified": ("Noto Sans CJK SC",),
    "chinese-traditional": ("Noto Sans CJK TC",),
}
"""OFL fallbacks installed by scripts/bootstrap.sh (fonts-noto-core, fonts-noto-cjk)."""
LAST_RESORT = ("Noto Sans", "DejaVu Sans")
"""For common characters (symbols, punctuation) that neither the run's font nor the brand has."""

Direction = Literal["ltr", "rtl"]


def base_script(char: str) -> str | None:
    """The script of one character as the ranges see it (han, kana, hangul …), None if common."""
    code = ord(char)
    for first, last, script in _RANGES:
        if first <= code <= last:
            return script
    return None


def _han_script(locale: str, scripts: set[str]) -> str:
    language = locale.replace("_", "-").lower()
    if "kana" in scripts or language.startswith("ja"):
        return "japanese"
    if "hangul" in scripts or language.startswith("ko"):
        return "korean"
    if language.startswith("zh") and any(tag in language for tag in ("hant", "-tw", "-hk", "-mo")):
        return "chinese-traditional"
    return "chinese-simplified"


def text_scripts(text: str, locale: str = "") -> list[str]:
    """The scripts (SCRIPTS names) text uses, in order of first use; Han resolved by kana, hangul, locale."""
    raw = [s for s in dict.fromkeys(base_script(c) for c in text) if s]
    han = _han_script(locale, set(raw))
    named = [{"kana": "japanese", "hangul": "korean", "han": han}.get(s, s) for s in raw]
    return list(dict.fromkeys(named))


def char_script(char: str, han: str) -> str | None:
    script = base_script(char)
    return {"kana": "japanese", "hangul": "korean", "han": han}.get(script, script) if script else None


def language_direction(locale: str) -> Direction:
    """The direction of a language's writing: rtl for Arabic, Hebrew, Persian, Urdu …"""
    return "rtl" if locale.replace("_", "-").split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def text_direction(text: str, default: Direction = "ltr") -> Direction:
    """The paragraph direction: that of the first strong letter (Unicode bidi rule P2, simplified)."""
    for char in text:
        script = base_script(char)
        if script:
            return "rtl" if script in RTL_SCRIPTS else "ltr"
    return default


# --- Installed fonts and coverage -----------------------------------------------------------------


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (TrueType collections hold several)."""

    family: str
    path: Path
    index: int = 0
    bundled: bool = False
    """True for a file of the brand kit, False for a font installed on the machine."""


@lru_cache(maxsize=1)
def installed_fonts() -> tuple[tuple[str, int, int, int, int, str], ...]:
    """(family, weight, slant, width, index, file) of every installed font, from fontconfig."""
    try:
        out = subprocess.run(
            ["fc-list", "--format", "%{family}\t%{weight}\t%{slant}\t%{width}\t%{index}\t%{file}\n"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()  # no fontconfig: only the kit's own fonts are available
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 6:
            continue
        families, weight, slant, width, index, file = parts
        for position, family in enumerate(families.split(",")):
            # The first name is the face's own family; later ones are aliases (DejaVu Sans
            # Condensed also calls itself DejaVu Sans) and rank after it.
            rows.append((family.strip(), int(float(weight or 80)), int(slant or 0),
                         int(width or 100) + position * 1000, int(index or 0), file))  # fmt: skip
    return tuple(rows)


def _fc_weight(css_weight: int) -> int:
    """A CSS weight (100–900) on fontconfig's scale (regular 80, bold 200)."""
    table = {100: 0, 200: 40, 300: 50, 400: 80, 500: 100, 600: 180, 700: 200, 800: 205, 900: 210}
    return table.get(round(css_weight / 100) * 100, 80)


@lru_cache(maxsize=256)
def installed_face(family: str, weight: int = 400) -> FontFace | None:
    """The installed face of a family closest to a CSS weight, upright and normal width."""
    wanted = family.lower()
    rows = [r for r in installed_fonts() if r[0].lower() == wanted]
    if not rows:
        return None
    target = _fc_weight(weight)
    best = min(rows, key=lambda r: (r[2] != 0, abs(r[3] - 100), abs(r[1] - target), r[5]))
    return FontFace(family, Path(best[5]), best[4])


@lru_cache(maxsize=128)
def coverage(face: FontFace) -> frozenset[int]:
    """The code points a face has glyphs for (its best cmap)."""
    with TTFont(str(face.path), fontNumber=face.index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@lru_cache(maxsize=512)
def load_face(face: FontFace, size: float) -> ImageFont.FreeTypeFont:
    """A face at a size with raqm layout (shaping, bidi); bounded, workers draw thousands of boxes."""
    return ImageFont.truetype(
        str(face.path), size=size, index=face.index, layout_engine=ImageFont.Layout.RAQM
    )


# --- Font stacks and runs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    face: FontFace
    direction: Direction


@dataclass(frozen=True)
class FontStack:
    """The brand face first, then per script the fallback faces (hashable, so fits are cached)."""

    primary: FontFace
    fallbacks: tuple[tuple[str, tuple[FontFace, ...]], ...] = ()
    last_resort: tuple[FontFace, ...] = ()
    locale: str = ""
    """Picks the CJK face for Han characters (ja, ko, zh-Hant, zh-Hans)."""

    @classmethod
    def single(cls, path: Path) -> FontStack:
        return cls(FontFace(path.stem, path, 0, True))

    def faces_for(self, script: str | None) -> list[FontFace]:
        chain = dict(self.fallbacks).get(script, ()) if script else ()
        return [self.primary, *chain, *self.last_resort]

    def runs(self, text: str) -> list[Run]:
        """text in logical order, split where the covering face changes."""
        han = _han_script(self.locale, {s for s in (base_script(c) for c in text) if s})
        paragraph = text_direction(text, "rtl" if language_direction(self.locale) == "rtl" else "ltr")
        runs: list[tuple[list[str], FontFace, str | None]] = []
        for char in text:
            script = char_script(char, han)
            # Marks and joiners stay with their base; spaces and punctuation stay in the run
            # around them when its face has them (so an Arabic name stays one run, shaped whole).
            mark = unicodedata.category(char) in ("Mn", "Me", "Cf")
            if runs and (mark or (script is None and ord(char) in coverage(runs[-1][1]))):
                runs[-1][0].append(char)
                continue
            face = next((f for f in self.faces_for(script) if ord(char) in coverage(f)), self.primary)
            if runs and runs[-1][1] == face:
                runs[-1][0].append(char)
                if runs[-1][2] is None:
                    runs[-1] = (runs[-1][0], face, script)
            else:
                runs.append(([char], face, script))
        out: list[Run] = []
        for chars, face, script in runs:
            run_text = "".join(chars)
            rtl = script in RTL_SCRIPTS or (script is None and paragraph == "rtl")
            direction: Direction = "rtl" if rtl else "ltr"
            # Spaces at the edges of a run against the paragraph's direction belong to the paragraph
            # ("محل VPN وجدران": the space after VPN sits on its left, not its right).
            core = run_text.strip(" ")
            if direction == paragraph or not core:
                out.append(Run(run_text, face, direction))
                continue
            lead = run_text[: len(run_text) - len(run_text.lstrip(" "))]
            trail = run_text[len(run_text.rstrip(" ")) :]
            parts = ((lead, paragraph), (core, direction), (trail, paragraph))
            out.extend(Run(part, face, d) for part, d in parts if part)
        return out

    def visual_runs(self, text: str) -> list[Run]:
        """Runs left to right on the line: an RTL paragraph's runs in reverse order."""
        runs = self.runs(text)
        default: Direction = language_direction(self.locale)
        return runs[::-1] if text_direction(text, default) == "rtl" else runs

    def measure(self, text: str, size: float) -> float:
        """The advance width of text at size, each run shaped by its own face."""
        return sum(
            load_face(run.face, size).getlength(run.text, direction=run.direction) for run in self.runs(text)
        )

    def missing(self, text: str) -> str:
        """Characters of text that no face of the stack covers (they would draw as boxes)."""
        han = _han_script(self.locale, {s for s in (base_script(c) for c in text) if s})
        return "".join(
            dict.fromkeys(
                c
                for c in text
                if not c.isspace()
                and unicodedata.category(c) not in ("Cf", "Cc")
                and not any(ord(c) in coverage(f) for f in self.faces_for(char_script(c, han)))
            )
        )


def _resolve(fonts: tuple[FontFile, ...], family: str, weight: int) -> FontFace | None:
    own = [f for f in fonts if f.family.lower() == family.lower()]
    if own:
        best = min(own, key=lambda f: (f.style != "normal", abs(f.weight - weight)))
        return FontFace(best.family, best.path, 0, True)
    return installed_face(family, weight)


def fallback_families(kit: BrandKit, script: str) -> tuple[tuple[str, ...], bool]:
    """The kit's fallback families for a script and whether the kit declared them (else defaults)."""
    return _fallback_families(kit.font_fallback, script)


def _fallback_families(fallback: FallbackChains, script: str) -> tuple[tuple[str, ...], bool]:
    declared = dict(fallback).get(script)
    return (declared, True) if declared else (DEFAULT_FALLBACK.get(script, ()), False)


def font_stack(kit: BrandKit, family: str, weight: int = 400, locale: str = "") -> FontStack:
    """The brand family's face, then the kit's fallback chain per script, then the defaults."""
    return _font_stack(kit.fonts, kit.font_fallback, family, weight, locale)


@lru_cache(maxsize=256)
def _font_stack(
    fonts: tuple[FontFile, ...], fallback: FallbackChains, family: str, weight: int, locale: str
) -> FontStack:
    primary = _resolve(fonts, family, weight)
    if primary is None:  # an unknown family: the kit's first font, as BrandKit.font_path does
        primary = FontFace(fonts[0].family, fonts[0].path, 0, True)
    chains = []
    for script in SCRIPTS:
        families, _ = _fallback_families(fallback, script)
        faces = (_resolve(fonts, name, weight) for name in families)
        chains.append((script, tuple(f for f in faces if f is not None)))
    last = tuple(f for f in (installed_face(name, weight) for name in LAST_RESORT) if f is not None)
    return FontStack(primary, tuple(chains), last, locale)


@dataclass(frozen=True)
class ScriptUse:
    """How a text's script is drawn with a kit: by which face, and whether that is a fallback."""

    script: str
    face: FontFace | None
    source: Literal["brand", "kit fallback", "default fallback", "missing"]
    missing: str = ""


def script_uses(
    kit: BrandKit, text: str, locale: str = "", family: str = "", weight: int = 400
) -> list[ScriptUse]:
    """For each script text uses: the face that draws it with this kit, or what is missing."""
    stack = font_stack(kit, family or kit.fonts[0].family, weight, locale)
    han = _han_script(locale, {s for s in (base_script(c) for c in text) if s})
    uses = []
    for script in text_scripts(text, locale):
        chars = [c for c in text if char_script(c, han) == script]
        faces = [stack.primary, *dict(stack.fallbacks).get(script, ())]
        missing = "".join(dict.fromkeys(c for c in chars if not any(ord(c) in coverage(f) for f in faces)))
        if missing:
            uses.append(ScriptUse(script, None, "missing", missing))
        elif all(ord(c) in coverage(stack.primary) for c in chars):
            uses.append(ScriptUse(script, stack.primary, "brand"))
        else:
            face = next(f for f in faces[1:] if any(ord(c) in coverage(f) for c in chars))
            declared = fallback_families(kit, script)[1]
            uses.append(
                ScriptUse(script, face, "kit fallback" if declared or face.bundled else "default fallback")
            )
    return uses


def describe_uses(subject: str, kit: BrandKit, uses: Iterable[ScriptUse]) -> tuple[list[str], list[str]]:
    """Lint lines for script uses: (errors: characters no font covers, notes: fallbacks used)."""
    errors, notes = [], []
    for use in uses:
        label = SCRIPT_LABELS[use.script]
        if use.source == "missing":
            families = ", ".join(fallback_families(kit, use.script)[0]) or "none"
            errors.append(
                f"{subject} uses {label}; no font of kit {kit.slug} or its fallbacks ({families}) covers "
                f"{use.missing!r}: install it (scripts/bootstrap.sh) or add a font to [font_fallback].{use.script}"
            )
        elif use.source == "default fallback" and use.face is not None:
            notes.append(
                f"{subject} uses {label}; kit {kit.slug} has no {label} font; falls back to {use.face.family}"
            )
    return errors, notes
