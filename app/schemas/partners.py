"""Partner inputs: create and update (API, console, portal), an import row, a webhook's partner data."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from app.schemas.base import SLUG_PATTERN, FieldProblem, Input, Slug, program_of, program_value

TEXT_LIMITS = {
    "name": 200,
    "country": 2,
    "locale": 16,
    "website": 500,
    "email": 254,
    "phone": 64,
    "address": 500,
}
"""The longest each text field of a partner may be (the database columns' sizes)."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(SLUG_PATTERN)
_WEBSITE = re.compile(r"^(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?$", re.I)


def _required(value: str) -> str:
    if not value:
        raise ValueError("required")
    return value


def _email(value: str) -> str:
    if value and not EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _website(value: str) -> str:
    if value and not _WEBSITE.match(value):
        raise ValueError(f"{value!r} is not a web address")
    return value


def _country(value: str) -> str:
    value = value.upper()
    if value and not re.match(r"^[A-Z]{2}$", value):
        raise ValueError(f"{value!r} is not a two-letter ISO code")
    return value


def _as_text(value: Any) -> Any:
    # Other systems send numbers for free-text fields ("zip": 10115); keep them as text.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _attributes(value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    program = program_of(info)
    clean: dict[str, Any] = {}
    refused: list[tuple[str, str]] = []
    for name, raw in value.items():
        if not (isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(x, str) for x in raw))):
            refused.append((name, "must be a string or a list of strings"))
            continue
        try:
            cleaned = program.clean_attribute(name, raw)
        except ValueError as exc:
            refused.append((name, str(exc)))
            continue
        if cleaned:
            clean[name] = cleaned
    if refused:
        raise FieldProblem(*refused[0], *refused[1:])
    return clean


def _text(limit: int, *checks: Any) -> Any:
    return Annotated[str, Field(max_length=limit), *(AfterValidator(c) for c in checks)]


Name = Annotated[str, Field(max_length=TEXT_LIMITS["name"], json_schema_extra={"minLength": 1}),
                 AfterValidator(_required)]  # fmt: skip
Country = Annotated[str, AfterValidator(_country), Field(json_schema_extra={"maxLength": 2})]
Attributes = Annotated[
    dict[str, Any],
    AfterValidator(_attributes),
    WithJsonSchema({
        "type": "object",
        "description": "Custom attributes of the partner program: a value, or a list where the attribute takes several.",
        "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    }),
]  # fmt: skip
CustomFields = dict[str, Annotated[str, BeforeValidator(_as_text)]]


class PartnerUpdate(Input):
    """Some of a partner's fields (PATCH, the console's and the portal's edit forms)."""

    name: Name = None  # type: ignore[assignment]
    type: program_value("type") = None  # type: ignore[valid-type]
    tier: program_value("tier") = None  # type: ignore[valid-type]
    region: program_value("region") = None  # type: ignore[valid-type]
    country: Country = None  # type: ignore[assignment]
    locale: _text(TEXT_LIMITS["locale"]) = None  # type: ignore[valid-type]
    website: _text(TEXT_LIMITS["website"], _website) = None  # type: ignore[valid-type]
    email: _text(TEXT_LIMITS["email"], _email) = None  # type: ignore[valid-type]
    phone: Annotated[str, BeforeValidator(_as_text), Field(max_length=TEXT_LIMITS["phone"])] = None  # type: ignore[assignment]
    address: _text(TEXT_LIMITS["address"]) = None  # type: ignore[valid-type]
    active: bool = None  # type: ignore[assignment]
    custom_fields: CustomFields = None  # type: ignore[assignment]
    attributes: Attributes = None  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _region_from_country(cls, data: Any, info: ValidationInfo) -> Any:
        """A missing region is implied by the country, where the program's regions list it."""
        if isinstance(data, dict) and not str(data.get("region") or "").strip() and data.get("country"):
            implied = program_of(info).region_for_country(str(data["country"]))
            if implied:
                data = {**data, "region": implied}
        return data

    def values(self) -> dict[str, Any]:
        """The given fields as partner column values."""
        return self.model_dump(exclude_unset=True)


class PartnerCreate(PartnerUpdate):
    """A new partner (POST /partners, the console's new-partner form)."""

    slug: Slug
    name: Name
    type: program_value("type")  # type: ignore[valid-type]
    tier: program_value("tier")  # type: ignore[valid-type]
    region: program_value("region")  # type: ignore[valid-type]


def slugify(text: str) -> str:
    """A slug from a name: "Müller & Köhler GmbH" → "muller-kohler-gmbh"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].rstrip("-")


class PartnerImportRow(PartnerCreate):
    """One row of a PRM export, its columns already mapped to partner fields (app/partner_import.py).

    Exports rarely carry a slug: a missing or malformed one is made from the name.
    """

    @staticmethod
    def slug_for(data: dict[str, Any]) -> str:
        """The row's slug: as given if it is one, else made from it or from the name."""
        slug = str(data.get("slug") or "")
        return slug if _SLUG.match(slug) else slugify(slug or str(data.get("name") or ""))

    @model_validator(mode="before")
    @classmethod
    def _slug_from_name(cls, data: Any) -> Any:
        return {**data, "slug": cls.slug_for(data)} if isinstance(data, dict) else data


class PartnerWebhookCreate(PartnerCreate):
    """A partner.created event's data: fields the sender adds (its ids, timestamps) and nulls are left out."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _without_nulls(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


class PartnerWebhookUpdate(PartnerUpdate):
    """A partner.updated event's data: the partner's slug and the fields that changed."""

    model_config = ConfigDict(extra="ignore")

    slug: Slug

    @model_validator(mode="before")
    @classmethod
    def _without_nulls(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in super().values().items() if k != "slug"}
