"""Campaign inputs: create and update (API and console), an approval step's note."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WithJsonSchema, model_validator

from app.rendering.audience import parse_audience
from app.schemas.base import PROGRAM_KEY, FieldProblem, Input, Slug, program_of

_NAMES = {"type": "array", "items": {"type": "string"}}
AUDIENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Which partners the campaign is for; an empty rule means everyone, and every rule given must hold.",
    "properties": {
        "types": {"type": "array", "items": {"type": "string", PROGRAM_KEY: "type"}},
        "tiers": {"type": "array", "items": {"type": "string", PROGRAM_KEY: "tier"}},
        "min_tier": {"type": "string", PROGRAM_KEY: "tier", "description": "This tier and every higher-ranked one."},
        "regions": {"type": "array", "items": {"type": "string", PROGRAM_KEY: "region"}},
        "countries": {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"}},
        "attributes": {"type": "object", "additionalProperties": _NAMES},
    },
}  # fmt: skip


def _audience(value: Any, info: ValidationInfo) -> dict[str, Any]:
    """The rules checked against the partner program (app/rendering/audience.py), stored by slug."""
    parsed, problems = parse_audience(value or {}, program_of(info))
    if problems:
        # parse_audience writes "audience.<rule>: problem" (lint shows the same lines); file each under its rule.
        places = [tuple(p.removeprefix("audience.").split(": ", 1)) for p in problems]
        raise FieldProblem(*places[0], *places[1:])  # type: ignore[misc]
    return parsed.to_dict()


def _landing_url(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError(f"{value!r} must start with https:// or http://")
    return value


def _datetime(value: Any) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


Audience = Annotated[Any, AfterValidator(_audience), WithJsonSchema(AUDIENCE_SCHEMA)]
When = Annotated[
    datetime | None,
    BeforeValidator(_datetime),
    WithJsonSchema({"type": ["string", "null"], "format": "date-time"}),
]
Overrides = Annotated[
    dict[str, dict[str, str]],
    WithJsonSchema({
        "type": "object",
        "additionalProperties": False,
        "properties": {"copy": {"type": "object", "additionalProperties": {"type": "string"}}},
    }),
]  # fmt: skip


class CampaignUpdate(Input):
    """Some of a campaign's fields (PATCH, the console's edit form)."""

    title: Annotated[str, Field(max_length=200)] = None  # type: ignore[assignment]
    template: Slug = None  # type: ignore[assignment]
    brand_kit: Slug = None  # type: ignore[assignment]
    audience: Audience = None
    landing_url: Annotated[str, Field(max_length=1000), AfterValidator(_landing_url)] = None  # type: ignore[assignment]
    overrides: Overrides = None  # type: ignore[assignment]
    locales: Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "string"}})] = None
    """BCP 47 tags (a list, or comma-separated); checked against the template's copy on save."""
    approval_required: bool = None  # type: ignore[assignment]
    starts_at: When = None
    ends_at: When = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> CampaignUpdate:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise FieldProblem("ends_at", "must be after starts_at")
        return self

    @model_validator(mode="before")
    @classmethod
    def _overrides_known(cls, data: Any) -> Any:
        overrides = data.get("overrides") if isinstance(data, dict) else None
        if isinstance(overrides, dict) and set(overrides) - {"copy"}:
            raise FieldProblem("overrides", 'must be an object like {"copy": {"headline": "..."}}')
        return data

    def values(self) -> dict[str, Any]:
        """The given fields, for app/campaigns.save_campaign."""
        return self.model_dump(exclude_unset=True)


class CampaignCreate(CampaignUpdate):
    """A new campaign (POST /campaigns, the console's new-campaign form)."""

    slug: Slug
    template: Slug
    brand_kit: Slug


class ApprovalNote(Input):
    """The note given with a submit, approve or reject step."""

    note: Annotated[str, Field(max_length=2000)] = ""
