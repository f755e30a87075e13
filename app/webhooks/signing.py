"""The signature scheme of every webhook, in and out.

Header `Cobrand-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>`.
The timestamp is signed with the body, so an old request cannot be replayed with a new time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Cobrand-Signature"
"""The HTTP header carrying the signature."""

TOLERANCE_SECONDS = 300
"""A signature whose timestamp is further than this from now (either way) is refused."""


class SignatureInvalid(Exception):
    """The signature header is missing, malformed, wrong, or too old."""


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The Cobrand-Signature header value for body, signed now (or at timestamp)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={compute_signature(secret, t, body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a Cobrand-Signature header against body; returns its timestamp or raises SignatureInvalid."""
    if not header:
        raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureInvalid(f"{SIGNATURE_HEADER}: expected t=<unix seconds>,v1=<hex>") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureInvalid(f"{SIGNATURE_HEADER}: timestamp is more than {tolerance} s from now")
    expected = compute_signature(secret, timestamp, body)
    # Several v1 values are allowed so a sender can sign with an old and a new secret while rotating.
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise SignatureInvalid(f"{SIGNATURE_HEADER}: signature does not match")
    return timestamp


def parse_secrets(value: str | None) -> dict[str, str]:
    """WEBHOOK_SECRETS "prm=<secret>,git=<secret>" as {source: secret}."""
    result: dict[str, str] = {}
    for item in (value or "").split(","):
        source, sep, secret = item.strip().partition("=")
        if sep and source.strip() and secret.strip():
            result[source.strip()] = secret.strip()
    return result
