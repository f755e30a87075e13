"""Webhook inputs: an outbound subscription, an inbound event (PRM, DAM, git) and its data by type."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field

from app.events import EVENT_TYPES
from app.schemas.base import Input, Slug
from app.schemas.partners import PartnerWebhookCreate, PartnerWebhookUpdate

OutboundEvent = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class SubscriptionCreate(Input):
    """An outbound subscription: where to send which events (all of them when none are named)."""

    url: Annotated[str, Field(max_length=1000)]
    events: Annotated[list[OutboundEvent], Field(min_length=1)] = None  # type: ignore[assignment]


INBOUND_TYPES = (
    "partner.created",
    "partner.updated",
    "partner.deleted",
    "brand_kit.updated",
    "template.updated",
    "campaign.publish",
    "campaign.regenerate",
)
"""Inbound event types; campaign.regenerate is the old name of campaign.publish, kept for one release."""


def _event_id(value: str | int) -> str:
    text = str(value)
    if not 1 <= len(text) <= 200:
        raise ValueError("must be 1 to 200 characters")
    return text


class InboundEvent(Input):
    """The envelope of an inbound event; other keys the sender adds are kept, not checked."""

    model_config = ConfigDict(extra="allow")

    id: Annotated[
        str | int, AfterValidator(_event_id), Field(json_schema_extra={"minLength": 1, "maxLength": 200})
    ]
    """The sender's id of the event, kept as text: the same id twice is one event."""
    type: Literal[INBOUND_TYPES]  # type: ignore[valid-type]
    data: dict[str, Any]


class SlugData(Input):
    """The data of an event about one thing named by its slug (partner.deleted, brand_kit.updated, …)."""

    model_config = ConfigDict(extra="ignore")

    slug: Slug


DATA = {
    "partner.created": PartnerWebhookCreate,
    "partner.updated": PartnerWebhookUpdate,
    "partner.deleted": SlugData,
    "brand_kit.updated": SlugData,
    "template.updated": SlugData,
    "campaign.publish": SlugData,
    "campaign.regenerate": SlugData,
}
"""Each inbound type's data schema."""
