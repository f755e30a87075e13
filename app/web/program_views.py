"""The partner program in pages: labels, choices and the tier badge colours, all from the program."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import gettext

from app.auth.roles import public
from app.rendering.audience import parse_audience
from app.rendering.program import DIMENSIONS, PartnerProgram
from app.web import bp
from app.web.views import services


def program() -> PartnerProgram:
    return services().content.program()


def choices(dimension: str) -> list[tuple[str, str]]:
    """(slug, label) of every value of a dimension, for selects, checkboxes and filters."""
    return [(v.slug, v.label) for v in program().values(dimension)]


@bp.app_template_filter("program_label")
def program_label(slug: str, dimension: str) -> str:
    """{{ partner.tier|program_label('tier') }}: the tier's label; a value of no dimension is shown as it is."""
    return program().label(dimension, slug) if dimension in DIMENSIONS else slug


@bp.app_template_filter("audience_summary")
def audience_summary(data: dict[str, Any] | None) -> str:
    """An audience in words: "Reseller, Distributor · Gold and above · Latin America"."""
    audience, _ = parse_audience(data or {})
    current = program()

    def labels(dimension: str, slugs: tuple[str, ...], everyone: str) -> str:
        return ", ".join(current.label(dimension, s) for s in slugs) or everyone

    parts = [labels("type", audience.types, gettext("all types"))]
    if audience.min_tier:
        parts.append(f"{current.label('tier', audience.min_tier)} and above")
    else:
        parts.append(labels("tier", audience.tiers, gettext("all tiers")))
    parts.append(labels("region", audience.regions, gettext("all regions")))
    if audience.countries:
        parts.append("countries " + ", ".join(audience.countries))
    for name, values in audience.attributes.items():
        attribute = current.attributes.get(name)
        parts.append(f"{attribute.label if attribute else name}: {', '.join(values)}")
    return " · ".join(parts)


@bp.get("/program.css")
@public
def program_css() -> Response:
    """Badge colours of the program's tiers (`.tier-<slug>`); tiers without a colour keep the default."""
    rules = [f".tier-{tier.slug} {{ background: {tier.color}; }}" for tier in program().tiers if tier.color]
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
