"""Webhook rules: which events an endpoint wants, how a delivery is signed, when to retry, where it may go."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "X-CRM-Signature"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over ``"<timestamp>.<body>"``: the timestamp is signed, so a replayed old delivery shows its age."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: Iterable[str], timestamp: int, body: bytes) -> str:
    """``t=<unix seconds>,v1=<hex>[,v1=<hex>]``: one ``v1`` per valid secret, so a rotation breaks no receiver."""
    return ",".join([f"t={timestamp}", *(f"v1={sign(secret, timestamp, body)}" for secret in secrets_in_use)])


def wants(patterns: Iterable[str], event_type: str) -> bool:
    """``*`` is everything; ``ticket.*`` every ``ticket.`` type; otherwise the exact type."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def next_attempt(now: datetime, attempts: int, first_delay: float, retry_until: datetime) -> datetime | None:
    """Exponential backoff (first_delay, x2 each time, at most an hour); None once the window is over."""
    delay = min(first_delay * 2 ** (attempts - 1), 3600.0)
    when = now + timedelta(seconds=delay)
    return None if when > retry_until else when


def address_allowed(address: str, allowed_networks: Iterable[str]) -> bool:
    """Public addresses only, unless config explicitly allows a private, loopback or link-local network."""
    ip = ipaddress.ip_address(address)
    if any(ip in ipaddress.ip_network(network, strict=False) for network in allowed_networks):
        return True
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)
