"""Is every published event in the catalogue? Checks envelopes as they are written to an outbox.

``undeclared(envelope)`` names an event type or any field (at any depth) that the catalogue
does not declare. ``watch_outboxes()`` checks every row any engine inserts into a table
named ``outbox`` while it is active. ``crm_shared.asyncapi.pytest_plugin`` runs
that watch over a whole test run.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Insert, event
from sqlalchemy.engine import Engine

from crm_shared.asyncapi import asyncapi_document, message_key


@functools.cache
def _document() -> dict[str, Any]:
    return asyncapi_document()


def undeclared(envelope: dict[str, Any], document: dict[str, Any] | None = None) -> list[str]:
    """What in this envelope the catalogue does not declare; empty when all of it is."""
    document = document or _document()
    key = message_key(str(envelope.get("producer")), str(envelope.get("type")), envelope.get("schema_version", 0))
    message = document["components"]["messages"].get(key)
    if message is None:
        return [f"{key}: event type not in the catalogue"]
    schemas = document["components"]["schemas"]
    envelope_ref, overrides = message["payload"]["allOf"]
    problems = _unknown_keys({k: v for k, v in envelope.items() if k != "data"}, envelope_ref, "", schemas)
    problems += _unknown_keys(envelope.get("data"), overrides["properties"]["data"], "data", schemas)
    return [f"{key}: field {path} not in the catalogue" for path in problems]


def _unknown_keys(value: Any, schema: dict[str, Any], path: str, schemas: dict[str, Any]) -> list[str]:
    schema = _resolved(schema, value, schemas)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [p for item in value for p in _unknown_keys(item, schema["items"], f"{path}[]", schemas)]
    if not isinstance(value, dict) or "properties" not in schema:
        return []
    properties = schema["properties"]
    problems = []
    for name, item in value.items():
        where = f"{path}.{name}" if path else name
        if name in properties:
            problems += _unknown_keys(item, properties[name], where, schemas)
        elif schema.get("additionalProperties") in (None, False):
            problems.append(where)
    return problems


def _resolved(schema: dict[str, Any], value: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in schema and value is not None:
            schema = next((b for b in schema["anyOf"] if b.get("type") != "null"), {})
        else:
            return schema


class OutboxWatch:
    """Collects what was undeclared in every envelope written to an outbox while active."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked = 0

    def before_execute(self, conn: Any, clause: Any, multiparams: Any, params: Any, options: Any) -> None:
        if not isinstance(clause, Insert) or clause.table.name != "outbox":
            return
        rows = list(multiparams or ()) + ([params] if params else [])
        if not rows:
            rows = [clause.compile().params]
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("envelope"), dict):
                self.checked += 1
                self.problems += undeclared(row["envelope"])


@contextmanager
def watch_outboxes() -> Iterator[OutboxWatch]:
    watch = OutboxWatch()
    event.listen(Engine, "before_execute", watch.before_execute)
    try:
        yield watch
    finally:
        event.remove(Engine, "before_execute", watch.before_execute)
