"""POST /api/v1/webhooks/<source>: verify the signature, store the event once, queue its processing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiError, register_error_handlers
from app.api.registry import SIGNATURE, registry
from app.api.schemas import WEBHOOK_ACCEPTED
from app.jobs import JobOptions
from app.models import WebhookEvent, WebhookEventStatus
from app.schemas import validate
from app.schemas.webhooks import InboundEvent
from app.services import Services
from app.text_safety import loads_json
from app.webhooks.signing import SIGNATURE_HEADER, SignatureInvalid, parse_secrets, verify

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks")
register_error_handlers(bp)

PROCESS_JOB = "workers.webhook_jobs.process_webhook_event"


def services() -> Services:
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


@registry.route(bp, "POST", "/<source>", summary="Receive a signed event from another system (PRM, git, DAM)",
                access=SIGNATURE, response=WEBHOOK_ACCEPTED, status=202, upload=("application/json",),
                responses={200: ("application/json", WEBHOOK_ACCEPTED)}, errors=(413,))  # fmt: skip
def receive(source: str) -> tuple[dict[str, Any], int]:
    secret = parse_secrets(services().config.WEBHOOK_SECRETS).get(source)
    body = request.get_data()
    tolerance = services().config.WEBHOOK_TOLERANCE_SECONDS
    if secret is None:
        # Unknown sources answer like a bad signature, so probing does not reveal configured ones.
        raise ApiError(401, "unauthorized", f"no webhook secret is configured for source {source!r}")
    try:
        verify(secret, request.headers.get(SIGNATURE_HEADER), body, tolerance=tolerance)
    except SignatureInvalid as exc:
        raise ApiError(401, "unauthorized", str(exc)) from None
    try:
        event = loads_json(body)
    except ValueError:
        raise ApiError(400, "bad_request", "the body is not valid JSON") from None
    event_id = str(validate(InboundEvent, event).id)  # SchemaInvalid answers 422
    with services().db.session() as session:
        if session.scalar(
            select(WebhookEvent.id).where(WebhookEvent.source == source, WebhookEvent.event_id == event_id)
        ):
            return {"event_id": event_id, "status": "duplicate"}, 200
    try:
        with services().db.session() as session:
            row = WebhookEvent(
                source=source,
                event_id=event_id,
                type=event["type"],
                payload=event,
                status=WebhookEventStatus.RECEIVED,
            )
            session.add(row)
            session.flush()
            row_id = row.id
    except IntegrityError:
        # The same event arrived twice at once; the unique constraint let one through.
        return {"event_id": event_id, "status": "duplicate"}, 200
    # The event's job renders the partner's new assets itself (app/partner_publish.py): a render's timeout.
    timeout = services().config.JOB_TIMEOUT
    services().jobs.enqueue(
        PROCESS_JOB, row_id, options=JobOptions(job_id=f"webhook-event-{row_id}", timeout=timeout)
    )
    return {"id": row_id, "event_id": event_id, "status": "queued"}, 202
