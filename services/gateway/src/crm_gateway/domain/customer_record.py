"""The customer 360 as rules: which service owns each part, who may see it, how a record is assembled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from crm_gateway.domain.roles import may

# part -> the service that owns it, which is also the API area a role needs to see it.
OWNER_OF_PART: dict[str, str] = {
    "contact": "contacts",
    "account": "contacts",
    "consents": "contacts",
    "sales": "sales",
    "marketing": "marketing",
    "support": "support",
}
SUMMARY_PARTS = ("sales", "marketing", "support")  # each kept from its service's customer_summary.updated
SUMMARY_EVENT = "customer_summary.updated"


class EncodedJson(str):
    """A stored part's JSON text as the database gives it, answered as it is.

    Decoding a part only to encode it again was a tenth of a 360 read's CPU.
    """

    def decoded(self) -> Any:
        return json.loads(self)


@dataclass(frozen=True)
class StoredPart:
    """A part as the gateway holds it; ``data`` None means it must be fetched live."""

    data: Any  # a dict, or EncodedJson on the read path; None when it must be fetched live
    sequence: int
    as_of: datetime | None


@lru_cache(maxsize=64)  # asked on every 360 read; the answer depends on the role alone
def visible_parts(role: str) -> tuple[str, ...]:
    """The parts a role may read, in the record's order; the rest are left out, never leaked."""
    return tuple(part for part, owner in OWNER_OF_PART.items() if may(role, owner, writes=False))


def visible_services(role: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(OWNER_OF_PART[part] for part in visible_parts(role)))


def supersedes(sequence: int, stored: StoredPart | None) -> bool:
    """An event replaces the stored part only if it is newer; a redelivered or late one changes nothing."""
    return stored is None or sequence > stored.sequence


def assemble(
    contact_id: str,
    parts: dict[str, dict[str, Any] | None],
    as_of: dict[str, datetime | None],
    unavailable: list[str],
) -> dict[str, Any]:
    """The record: every part that could be had, ``as_of`` per part, and the names of the missing ones."""
    record: dict[str, Any] = {"contact_id": contact_id}
    record.update(parts)
    record["as_of"] = {part: None if at is None else at.isoformat() for part, at in as_of.items()}
    record["unavailable"] = unavailable
    return record


def record_json(record: dict[str, Any]) -> EncodedJson:
    """The record as JSON text; stored parts are written as they were stored."""
    members = (
        f"{json.dumps(key)}: {value if isinstance(value, EncodedJson) else json.dumps(value)}"
        for key, value in record.items()
    )
    return EncodedJson("{" + ", ".join(members) + "}")
