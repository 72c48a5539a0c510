"""Webhook signatures: `X-Doan3cd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The MAC covers f"{t}.{body}" with the subscription secret, so a receiver checks both that the body
is ours and that it is fresh (replays older than the tolerance are refused).
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Doan3cd-Signature"
SEQ_HEADER = "X-Doan3cd-Seq"
DELIVERY_HEADER = "X-Doan3cd-Delivery"


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (Unix seconds)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, tolerance_s: int = 300, now: float | None = None
) -> bool:
    """True when `header` signs `body` with `secret` within `tolerance_s` of `now`."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
