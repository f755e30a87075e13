"""Webhooks: inbound events from other systems (inbound.py, processing.py) and outbound deliveries
to subscribers (subscriptions.py, delivery.py), both signed with one scheme (signing.py)."""
