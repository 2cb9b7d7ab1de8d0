"""API keys: long random secrets shown once, kept only as hashes, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_PREFIX = "crm_"
ROLES = ("admin", "sales", "marketing", "support", "readonly")


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: str


def new_secret() -> str:
    """256 random bits, URL-safe; the prefix makes leaked keys easy to spot and scan for."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so one SHA-256 is enough; no stretching is needed.
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
