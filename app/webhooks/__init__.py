"""Webhooks: inbound events from other systems (processing.py; their endpoint is app/api/inbound_webhooks.py) and outbound deliveries
to subscribers (subscriptions.py, delivery.py), both signed with one scheme (signing.py)."""
