"""Signed requests between Plugboard and a company's services, the same either way.

    Plugboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
    Plugboard-Event: <event type>
    Plugboard-Delivery: <unique id, the same on every retry of one delivery>

The key is the service's secret. A receiver checks the signature over the raw bytes it
received, refuses a timestamp more than MAX_AGE away from its clock, and remembers the
delivery ids it took so that a replay is refused too.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

SIGNATURE = "Plugboard-Signature"
EVENT = "Plugboard-Event"
DELIVERY = "Plugboard-Delivery"
MAX_AGE = timedelta(minutes=5)


class BadSignature(ValueError):
    """The request is not signed with the service's secret, or not recently."""


def digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Plugboard-Signature header's value for a body sent at `timestamp`."""
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def headers(secret: str, timestamp: int, body: bytes, event_type: str,
            delivery_id: str) -> dict[str, str]:
    """Every header a signed request carries."""
    return {"Content-Type": "application/json", SIGNATURE: signature(secret, timestamp, body),
            EVENT: event_type, DELIVERY: delivery_id}


def verify(header: str | None, secret: str, body: bytes, now: int) -> int:
    """The request's timestamp if `header` signs `body` under `secret` within MAX_AGE of
    `now` (unix seconds); BadSignature, saying why, otherwise."""
    if not header:
        raise BadSignature(f"The {SIGNATURE} header is missing.")
    parts: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise BadSignature(f"The {SIGNATURE} header has no timestamp (t=).") from None
    if abs(now - timestamp) > MAX_AGE.total_seconds():
        raise BadSignature("The request's timestamp is more than 5 minutes away from ours.")
    expected = digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise BadSignature("The signature does not match the body and the service's secret.")
    return timestamp
