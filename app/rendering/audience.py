"""Audiences: which partners a template or campaign is for, as rules over the partner program.

An audience lists types, tiers (or a `min_tier` by rank), regions, countries and custom attribute
values; an empty rule means everyone, and every rule given must hold. The database filter that
applies an audience lives in app/audience.py; this module only parses and checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.rendering.program import DIMENSIONS, PartnerProgram

RULES = ("types", "tiers", "min_tier", "regions", "countries", "attributes")


@dataclass(frozen=True)
class Audience:
    types: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    min_tier: str = ""
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored on a campaign (the list rules always present, the others when set)."""
        data: dict[str, Any] = {
            "types": list(self.types),
            "tiers": list(self.tiers),
            "regions": list(self.regions),
        }
        if self.min_tier:
            data["min_tier"] = self.min_tier
        if self.countries:
            data["countries"] = list(self.countries)
        if self.attributes:
            data["attributes"] = {k: list(v) for k, v in self.attributes.items()}
        return data

    def is_everyone(self) -> bool:
        return not (
            self.types or self.tiers or self.min_tier or self.regions or self.countries or self.attributes
        )


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValueError(f"{value!r} is not a list")


def parse_audience(data: Any, program: PartnerProgram | None = None) -> tuple[Audience, list[str]]:
    """An audience from its JSON/TOML form, and its problems as `audience.<rule>: …` lines.

    With a program, values are resolved to slugs (by slug, label or alias) and unknown ones are
    problems; without one, values are kept as written (lint checks them against the program).
    """
    data = data or {}
    problems: list[str] = []
    if not isinstance(data, dict):
        return Audience(), ["audience: must be a table/object of rules"]
    for key in data:
        if key not in RULES:
            problems.append(f"audience.{key}: unknown rule; rules are {', '.join(RULES)}")
    values: dict[str, tuple[str, ...]] = {}
    for dimension, rule in DIMENSIONS.items():
        try:
            raw = _list(data.get(rule))
        except ValueError as exc:
            problems.append(f"audience.{rule}: {exc}")
            raw = []
        values[rule] = tuple(_resolve(program, dimension, rule, raw, problems))
    min_tier = str(data.get("min_tier") or "").strip()
    if min_tier and program is not None:
        resolved = program.resolve("tier", min_tier)
        if resolved is None:
            problems.append(
                f"audience.min_tier: {min_tier!r} is not one of {', '.join(program.slugs('tier'))}"
            )
        min_tier = resolved or min_tier
    try:
        countries = tuple(c.upper() for c in _list(data.get("countries")))
    except ValueError as exc:
        problems.append(f"audience.countries: {exc}")
        countries = ()
    for country in countries:
        if len(country) != 2 or not country.isalpha():
            problems.append(f"audience.countries: {country!r} is not a two-letter ISO code")
    attributes: dict[str, tuple[str, ...]] = {}
    raw_attributes = data.get("attributes") or {}
    if not isinstance(raw_attributes, dict):
        problems.append("audience.attributes: must be a table/object of attribute → values")
        raw_attributes = {}
    for name, raw in raw_attributes.items():
        try:
            items = _list(raw)
        except ValueError as exc:
            problems.append(f"audience.attributes.{name}: {exc}")
            continue
        if program is not None:
            if name not in program.attributes:
                known = ", ".join(program.attributes) or "none"
                problems.append(
                    f"audience.attributes.{name}: not an attribute of the program (known: {known})"
                )
                continue
            cleaned: list[str] = []
            for item in items:
                try:
                    value = program.clean_attribute(name, [item])
                except ValueError as exc:
                    problems.append(f"audience.attributes.{name}: {exc}")
                    continue
                cleaned.extend(value if isinstance(value, list) else [value])
            items = cleaned
        if items:
            attributes[str(name)] = tuple(items)
    audience = Audience(
        types=values["types"],
        tiers=values["tiers"],
        min_tier=min_tier,
        regions=values["regions"],
        countries=countries,
        attributes=attributes,
    )
    return audience, problems


def _resolve(
    program: PartnerProgram | None, dimension: str, rule: str, raw: list[str], problems: list[str]
) -> list[str]:
    if program is None:
        return raw
    resolved: list[str] = []
    for item in raw:
        slug = program.resolve(dimension, item)
        if slug is None:
            problems.append(f"audience.{rule}: {item!r} is not one of {', '.join(program.slugs(dimension))}")
        else:
            resolved.append(slug)
    return list(dict.fromkeys(resolved))
