"""Outbound webhook subscriptions and their delivery log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.api import bp
from app.api.bearer import services
from app.api.lookups import PAGE_PARAMS, get_subscription_or_404, paginate
from app.api.registry import ADMIN, registry
from app.api.schemas import DELIVERY, SUBSCRIPTION, page_of
from app.api.serializers import delivery_json, subscription_json
from app.models import Delivery, DeliveryAttempt, Subscription
from app.schemas.webhooks import SubscriptionCreate
from app.webhooks.subscriptions import allow_private_targets, create_subscription


@registry.route(bp, "GET", "/subscriptions", summary="List webhook subscriptions", access=ADMIN,
                query=PAGE_PARAMS, response=page_of(SUBSCRIPTION))  # fmt: skip
def list_subscriptions(query: dict[str, Any]) -> dict[str, Any]:
    with services().db.session() as session:
        stmt = select(Subscription).order_by(Subscription.id)
        return paginate(session, stmt, query, lambda row: subscription_json(row[0]))


@registry.route(bp, "POST", "/subscriptions",
                summary="Subscribe a URL to events; the answer shows the signing secret, once",
                access=ADMIN, body=SubscriptionCreate, response=SUBSCRIPTION, status=201)  # fmt: skip
def subscribe(body: SubscriptionCreate) -> tuple[dict[str, Any], int]:
    with services().db.session() as session:
        subscription, secret = create_subscription(
            session, body.url, body.events, allow_private=allow_private_targets(services().config)
        )
        return subscription_json(subscription, secret=secret), 201


@registry.route(bp, "GET", "/subscriptions/<int:subscription_id>", summary="Get a subscription",
                access=ADMIN, response=SUBSCRIPTION)  # fmt: skip
def get_subscription(subscription_id: int) -> dict[str, Any]:
    with services().db.session() as session:
        return subscription_json(get_subscription_or_404(session, subscription_id))


@registry.route(bp, "DELETE", "/subscriptions/<int:subscription_id>",
                summary="Unsubscribe (pending deliveries are given up; the log is kept)", access=ADMIN, status=204)  # fmt: skip
def unsubscribe(subscription_id: int) -> tuple[str, int]:
    with services().db.session() as session:
        get_subscription_or_404(session, subscription_id).active = False
    return "", 204


@registry.route(bp, "GET", "/subscriptions/<int:subscription_id>/deliveries",
                summary="The delivery log: every event sent to the subscription, with every attempt",
                access=ADMIN, query=PAGE_PARAMS, response=page_of(DELIVERY))  # fmt: skip
def subscription_deliveries(subscription_id: int, query: dict[str, Any]) -> dict[str, Any]:
    with services().db.session() as session:
        get_subscription_or_404(session, subscription_id)
        stmt = (
            select(Delivery).where(Delivery.subscription_id == subscription_id).order_by(Delivery.id.desc())
        )

        def serialize(row: Any) -> dict[str, Any]:
            attempts = session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == row[0].id)
                .order_by(DeliveryAttempt.id)
            ).all()
            return delivery_json(row[0], list(attempts))

        return paginate(session, stmt, query, serialize)
