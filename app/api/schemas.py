"""JSON schemas of the API's answers, for openapi.json. Inputs have their schemas in app/schemas."""

from __future__ import annotations

from typing import Any

from app.models import AssetStatus, CampaignStatus, DeliveryStatus, PublishStatus, PublishTrigger
from app.schemas.partners import TEXT_LIMITS

SLUG = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}
DATETIME = {"type": ["string", "null"], "format": "date-time"}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


def _enum(cls: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [m.value for m in cls]}


def _obj(
    properties: dict[str, Any], required: list[str] | None = None, *, closed: bool = True
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


def page_of(item: dict[str, Any]) -> dict[str, Any]:
    """A page of a listing: items plus where the next page is."""
    return _obj(
        {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "next_page": {"type": ["integer", "null"]},
        },
        ["items", "page", "per_page", "total", "next_page"],
    )


ERROR = _obj({"error": {"type": "string"}, "message": {"type": "string"}}, ["error", "message"])

PARTNER = _obj(
    {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        **{k: {"type": "string"} for k in ("name", "type", "tier", "region", *TEXT_LIMITS)},
        "active": {"type": "boolean"},
        "has_logo": {"type": "boolean"},
        "custom_fields": STRING_MAP,
        "attributes": {"type": "object"},
        "created_at": DATETIME,
        "updated_at": DATETIME,
        "assets_url": {"type": "string"},
    },
    ["id", "slug", "name", "type", "tier", "region", "active", "has_logo"],
)

BRAND_KIT = _obj(
    {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "version": {"type": "string"},
        "colors": STRING_MAP,
        "logos": {"type": "array", "items": {"type": "string"}},
        "fonts": {"type": "array", "items": {"type": "string"}},
    },
    ["slug", "name", "version"],
)
TEMPLATE = _obj(
    {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "version": {"type": "string"},
        "audience": {"type": "object"},
        "outputs": {"type": "array", "items": {"type": "string"}},
        "partner_fields": {"type": "array", "items": {"type": "string"}},
        "editable_fields": {"type": "array", "items": {"type": "string"}},
        "preview_url": {"type": "string"},
        "kind": {"type": "string", "enum": ["design"]},
        "pages": {
            "type": "array",
            "items": _obj({"width_mm": {"type": "number"}, "height_mm": {"type": "number"}}),
        },
        "zones": {"type": "array", "items": {"type": "object"}},
    },
    ["slug", "title", "version", "outputs"],
)
CAMPAIGN = _obj(
    {
        "id": {"type": "integer"},
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "template": {"type": "string"},
        "brand_kit": {"type": "string"},
        "audience": {"type": "object"},
        "landing_url": {"type": "string"},
        "overrides": {"type": "object"},
        "status": _enum(CampaignStatus),
        "starts_at": DATETIME,
        "ends_at": DATETIME,
        "created_at": DATETIME,
        "updated_at": DATETIME,
        "assets_url": {"type": "string"},
    },
    ["id", "slug", "template", "brand_kit", "status"],
)

PUBLISH = _obj(
    {
        "id": {"type": "integer"},
        "campaign": {"type": "string"},
        "status": _enum(PublishStatus),
        "trigger": _enum(PublishTrigger),
        "total": {"type": "integer"},
        "done": {"type": "integer"},
        "rendered": {"type": "integer"},
        "unchanged": {"type": "integer"},
        "failed": {"type": "integer"},
        "created_at": DATETIME,
        "started_at": DATETIME,
        "finished_at": DATETIME,
        "url": {"type": "string"},
    },
    ["id", "campaign", "status", "total", "done", "rendered", "unchanged", "failed"],
)

ASSET = _obj(
    {
        "id": {"type": "integer"},
        "campaign": {"type": "string"},
        "partner": {"type": "string"},
        "output": {"type": "string"},
        "status": _enum(AssetStatus),
        "content_type": {"type": ["string", "null"]},
        "size_bytes": {"type": ["integer", "null"]},
        "filename": {"type": ["string", "null"]},
        "fingerprint": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"]},
        "rendered_at": DATETIME,
        "download_url": {"type": ["string", "null"]},
    },
    ["id", "campaign", "partner", "output", "status", "download_url"],
)

SUBSCRIPTION = _obj(
    {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "active": {"type": "boolean"},
        "created_at": DATETIME,
        "secret": {
            "type": "string",
            "description": "Shown once, in the answer that creates the subscription.",
        },
        "deliveries_url": {"type": "string"},
    },
    ["id", "url", "events", "active"],
)
DELIVERY_ATTEMPT = _obj(
    {
        "attempted_at": DATETIME,
        "status_code": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
    }
)
DELIVERY = _obj(
    {
        "id": {"type": "integer"},
        "event_id": {"type": "string"},
        "event_type": {"type": "string"},
        "status": _enum(DeliveryStatus),
        "attempts": {"type": "integer"},
        "next_attempt_at": DATETIME,
        "created_at": DATETIME,
        "delivered_at": DATETIME,
        "payload": {"type": "object"},
        "log": {"type": "array", "items": DELIVERY_ATTEMPT},
    },
    ["id", "event_id", "event_type", "status", "attempts", "log"],
)

WEBHOOK_ACCEPTED = _obj(
    {"id": {"type": "integer"}, "event_id": {"type": "string"}, "status": {"type": "string"}},
    ["event_id", "status"],
)
