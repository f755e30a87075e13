"""The partner program: the vendor's partner types, tiers, regions and custom attributes, as data.

A vendor declares its program in `partner_program.toml` (see docs/formats.md). Code never lists
those values: it asks the program. Values match case-insensitively by slug, label or alias, and
are stored by slug.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import ProgramInvalid
from app.rendering.problems import SLUG, Problems

DIMENSIONS = {"type": "types", "tier": "tiers", "region": "regions"}
"""A partner's field → its section of the program file."""
COUNTRY = re.compile(r"^[A-Z]{2}$")
PARTNER_COLUMNS = (
    "slug", "name", "type", "tier", "region", "country", "locale", "website",
    "email", "phone", "address", "logo", "active",
)  # fmt: skip
"""Cobrand fields an import column may be mapped to (plus `custom.<name>` and attribute names)."""


@dataclass(frozen=True)
class ProgramValue:
    """One value of a dimension: a partner type, tier or region."""

    slug: str
    label: str
    aliases: tuple[str, ...] = ()
    rank: int = 0
    """Tiers only: higher is better, so an audience can say "gold and above"."""
    countries: tuple[str, ...] = ()
    """Regions only: ISO 3166 codes, so a partner's country implies its region."""
    color: str = ""
    """Optional badge colour in the console (#RRGGBB)."""


@dataclass(frozen=True)
class Attribute:
    """A custom attribute a partner may carry (industry, certifications, …)."""

    slug: str
    label: str
    values: tuple[str, ...] = ()
    """Allowed values; empty means free text."""
    multiple: bool = False


@dataclass(frozen=True)
class PartnerProgram:
    types: tuple[ProgramValue, ...]
    tiers: tuple[ProgramValue, ...]
    """Ordered by rank, lowest first."""
    regions: tuple[ProgramValue, ...]
    attributes: dict[str, Attribute] = field(default_factory=dict)
    import_columns: dict[str, str] = field(default_factory=dict)
    """An export's header (as written) → a Cobrand field."""
    version: str = ""
    path: Path | None = None

    def values(self, dimension: str) -> tuple[ProgramValue, ...]:
        """The values of "type", "tier" or "region"."""
        return getattr(self, DIMENSIONS[dimension])  # type: ignore[no-any-return]

    def slugs(self, dimension: str) -> list[str]:
        return [v.slug for v in self.values(dimension)]

    def resolve(self, dimension: str, raw: object) -> str | None:
        """The slug a value stands for (by slug, label or alias, any case), or None."""
        key = _key(raw)
        for value in self.values(dimension):
            if key == value.slug or key == _key(value.label) or key in map(_key, value.aliases):
                return value.slug
        return None

    def value(self, dimension: str, slug: str) -> ProgramValue | None:
        return next((v for v in self.values(dimension) if v.slug == slug), None)

    def label(self, dimension: str, slug: str) -> str:
        """The label of a value; an unknown slug is shown as it is."""
        value = self.value(dimension, slug)
        return value.label if value else slug

    def tiers_from(self, min_tier: str) -> list[str]:
        """Tiers ranked at or above min_tier (empty if min_tier is not a tier)."""
        floor = self.value("tier", self.resolve("tier", min_tier) or "")
        return [t.slug for t in self.tiers if floor is not None and t.rank >= floor.rank]

    def region_for_country(self, country: str) -> str | None:
        code = country.strip().upper()
        return next((r.slug for r in self.regions if code in r.countries), None)

    def column_for(self, header: str) -> str | None:
        """The Cobrand field an export header maps to: [import.columns], a field name, an attribute."""
        key = _key(header)
        for written, target in self.import_columns.items():
            if _key(written) == key:
                return target
        if key in PARTNER_COLUMNS or key in self.attributes or key.startswith("custom."):
            return key
        return None

    def clean_attribute(self, name: str, raw: object) -> str | list[str]:
        """A custom attribute's value by the program's rules; raises ValueError saying what is valid."""
        attribute = self.attributes.get(name)
        if attribute is None:
            known = ", ".join(self.attributes) or "none"
            raise ValueError(f"not an attribute of the partner program (known: {known})")
        items = raw if isinstance(raw, list) else _split(str(raw or ""), attribute.multiple)
        clean: list[str] = []
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            if attribute.values:
                match = next((v for v in attribute.values if _key(v) == _key(text)), None)
                if match is None:
                    raise ValueError(f"{text!r} is not one of {', '.join(attribute.values)}")
                text = match
            if len(text) > 200:
                raise ValueError(f"{len(text)} characters, over the limit of 200")
            clean.append(text)
        if attribute.multiple:
            return list(dict.fromkeys(clean))
        if len(clean) > 1:
            raise ValueError(f"takes one value, got {len(clean)}")
        return clean[0] if clean else ""


def _key(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def _split(text: str, multiple: bool) -> list[str]:
    # Exports write lists as "a; b" or "a, b"; a single value keeps its commas.
    if not multiple:
        return [text]
    return re.split(r"[;,|]", text)


def check_program(path: Path) -> tuple[PartnerProgram | None, list[str]]:
    """Load a partner program file, returning it (or None) and every problem found."""
    problems = Problems(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        problems.add("-", "missing partner program file (set PARTNER_PROGRAM_FILE or create it)")
        return None, problems.lines
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.add("-", f"cannot read: {exc}")
        return None, problems.lines
    dimensions: dict[str, tuple[ProgramValue, ...]] = {}
    for dimension, section in DIMENSIONS.items():
        dimensions[section] = tuple(_values(data.get(section), section, dimension, problems))
    tiers = tuple(sorted(dimensions["tiers"], key=lambda t: t.rank))
    attributes = _attributes(data.get("attributes") or {}, problems)
    columns = _columns(data.get("import", {}).get("columns") or {}, attributes, problems)
    unknown = sorted(set(data) - {*DIMENSIONS.values(), "attributes", "import"})
    for key in unknown:
        problems.add(key, "unknown section; expected types, tiers, regions, attributes or import")
    if problems:
        return None, problems.lines
    program = PartnerProgram(
        types=dimensions["types"],
        tiers=tiers,
        regions=dimensions["regions"],
        attributes=attributes,
        import_columns=columns,
        version=hashlib.sha256(raw).hexdigest(),
        path=path,
    )
    return program, []


def load_program(path: Path) -> PartnerProgram:
    """Load a partner program or raise ProgramInvalid listing every problem."""
    program, problems = check_program(path)
    if program is None:
        raise ProgramInvalid("\n".join(problems))
    return program


def _values(section: Any, name: str, dimension: str, problems: Problems) -> Iterable[ProgramValue]:
    if not isinstance(section, dict) or not section:
        problems.add(name, f"declare at least one value, e.g. [{name}.example] with a label")
        return
    seen: dict[str, str] = {}
    for slug, spec in section.items():
        where = f"{name}.{slug}"
        if not SLUG.match(slug) or len(slug) > 64:
            problems.add(where, "the slug must be lowercase letters, digits and dashes (max 64)")
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("label"), str) or not spec["label"].strip():
            problems.add(f"{where}.label", "required, a non-empty string")
            continue
        aliases = spec.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.add(f"{where}.aliases", "must be a list of strings")
            aliases = []
        rank = spec.get("rank", 0)
        if dimension == "tier" and (not isinstance(rank, int) or isinstance(rank, bool)):
            problems.add(f"{where}.rank", "required for tiers, a whole number (higher is better)")
            rank = 0
        countries = [str(c).upper() for c in spec.get("countries", [])]
        for country in countries:
            if not COUNTRY.match(country):
                problems.add(f"{where}.countries", f"{country!r} is not a two-letter ISO code")
        color = str(spec.get("color", ""))
        if color and not re.match(r"^#[0-9A-Fa-f]{6}$", color):
            problems.add(f"{where}.color", f"{color!r} is not a #RRGGBB colour")
        # Each spelling may stand for one value only, or matching would depend on file order.
        for spelling in (slug, spec["label"], *aliases):
            owner = seen.setdefault(_key(spelling), slug)
            if owner != slug:
                problems.add(where, f"{spelling!r} already stands for {name}.{owner}")
        yield ProgramValue(
            slug=slug,
            label=spec["label"].strip(),
            aliases=tuple(aliases),
            rank=rank if isinstance(rank, int) else 0,
            countries=tuple(countries),
            color=color,
        )


def _attributes(section: dict[str, Any], problems: Problems) -> dict[str, Attribute]:
    attributes: dict[str, Attribute] = {}
    for slug, spec in section.items():
        where = f"attributes.{slug}"
        if not re.match(r"^[a-z][a-z0-9_]*$", slug) or slug in PARTNER_COLUMNS:
            problems.add(where, "the name must be lowercase letters, digits and _ and not a partner field")
            continue
        if not isinstance(spec, dict):
            problems.add(where, "must be a table with a label")
            continue
        values = spec.get("values", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.add(f"{where}.values", "must be a list of strings (or left out for free text)")
            values = []
        attributes[slug] = Attribute(
            slug=slug,
            label=str(spec.get("label") or slug),
            values=tuple(values),
            multiple=bool(spec.get("multiple", False)),
        )
    return attributes


def _columns(section: dict[str, Any], attributes: dict[str, Attribute], problems: Problems) -> dict[str, str]:
    columns: dict[str, str] = {}
    for header, target in section.items():
        target = str(target)
        if target not in PARTNER_COLUMNS and target not in attributes and not target.startswith("custom."):
            problems.add(
                f"import.columns.{header!r}",
                f"{target!r} is not a partner field ({', '.join(PARTNER_COLUMNS)}), an attribute or custom.<name>",
            )
            continue
        columns[header] = target
    return columns
