"""Opaque cursors for keyset pagination: the sort key of the last item of a page."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from crm_shared.errors import Invalid


def encode_cursor(*key: Any) -> str:
    raw = json.dumps([str(part) for part in key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != parts or not all(isinstance(p, str) for p in key):
        raise Invalid("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]})
    return key


def like_prefix(text: str) -> str:
    """A LIKE pattern matching ``text`` as a prefix, its wildcards escaped (escape char ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def cursor_key(cursor: str, first: Any, second: Any) -> tuple[Any, Any]:
    """The cursor's (first, second) key as values of the columns ``first`` and ``second``.

    ``first`` is a timestamp or text column, ``second`` the UUID primary key that breaks ties.
    """
    import uuid
    from datetime import datetime

    first_text, second_text = decode_cursor(cursor, 2)
    try:
        is_time = first.type.python_type is datetime
        first_value: Any = datetime.fromisoformat(first_text) if is_time else first_text
        return first_value, uuid.UUID(second_text)
    except ValueError:
        raise Invalid("The cursor is not valid.", fields={"cursor": ["Not a valid cursor."]}) from None


def after_cursor(cursor: str, first: Any, second: Any, *, descending: bool = False) -> Any:
    """Keyset condition: rows after (or, newest first, before) the cursor's (first, second) key."""
    import sqlalchemy as sa

    first_value, second_value = cursor_key(cursor, first, second)
    key = sa.tuple_(first, second)
    bound = sa.tuple_(sa.literal(first_value, type_=first.type), sa.literal(second_value, type_=second.type))
    return key < bound if descending else key > bound


def page_after(items: list[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Cut a ``limit + 1`` fetch to a page and the cursor of what follows it."""
    page = items[:limit]
    if len(items) <= limit:
        return page, None
    first, second = key(page[-1])
    value = first.isoformat() if hasattr(first, "isoformat") else first
    return page, encode_cursor(value, second)
