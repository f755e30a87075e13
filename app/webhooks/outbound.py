"""Old home of outbound webhooks, kept while callers move: subscriptions, delivery, safe_http."""

from app.safe_http import DestinationRefused, post, resolve_public  # noqa: F401
from app.webhooks.delivery import (  # noqa: F401
    DELIVER_JOB,
    FAN_OUT_JOB,
    SWEEP_JOB,
    deliver,
    fan_out_event,
    fan_out_events,
    queue_events,
    requeue_pending,
    retry_delay,
    schedule_attempt,
)
from app.webhooks.subscriptions import allow_private_targets, check_url, create_subscription, wants  # noqa: F401
