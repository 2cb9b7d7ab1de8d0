"""Signed tokens for the open pixel, click and unsubscribe links: tampering makes them unknown."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

KINDS = ("o", "c", "u")  # open, click, unsubscribe
SIGNATURE_BYTES = 16


@dataclass(frozen=True)
class LinkToken:
    kind: str
    send_id: int
    link_index: int = 0


def sign(token: LinkToken, secret: str) -> str:
    payload = f"{token.kind}.{token.send_id}.{token.link_index}".encode()
    signature = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return f"{_b64(payload)}.{_b64(signature)}"


def verify(text: str, secret: str, kind: str) -> LinkToken | None:
    """The token's content if it is ours, unaltered and of this kind; otherwise None."""
    try:
        payload_part, signature_part = text.split(".")
        payload, signature = _unb64(payload_part), _unb64(signature_part)
        expected = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        if not hmac.compare_digest(signature, expected):
            return None
        found_kind, send_id, link_index = payload.decode().split(".")
        token = LinkToken(found_kind, int(send_id), int(link_index))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return token if token.kind == kind else None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
