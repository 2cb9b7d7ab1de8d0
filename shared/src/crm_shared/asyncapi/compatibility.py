"""Breaking changes between two catalogue documents, within each event type's version.

Within a version, consumers must be able to read every event of it, old and new: an event
type may not disappear, a field may not disappear or change its type (nullability and
format included), and no field may become required where older events lack it. New
optional fields and new event types (or versions) are additions, always allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 12


@dataclass(frozen=True)
class FieldShape:
    kind: str
    required: bool


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """One line per breaking change from ``old`` to ``new``; empty when ``new`` only adds."""
    old_fields, new_fields = event_fields(old), event_fields(new)
    problems = [f"{key}: event type removed" for key in sorted(old_fields.keys() - new_fields.keys())]
    for key in sorted(old_fields.keys() & new_fields.keys()):
        problems += [f"{key}: {p}" for p in _field_changes(old_fields[key], new_fields[key])]
    return problems


def event_fields(document: dict[str, Any]) -> dict[str, dict[str, FieldShape]]:
    """Per message key, every field path of its envelope and data (``data.emails[].address``)."""
    schemas = document.get("components", {}).get("schemas", {})
    result = {}
    for key, message in document.get("components", {}).get("messages", {}).items():
        envelope_ref, overrides = message["payload"]["allOf"]
        shapes: dict[str, FieldShape] = {}
        _walk(_resolve(envelope_ref, schemas), "", schemas, shapes, 0, skip={"data"})
        _walk(_resolve(overrides["properties"]["data"], schemas), "data.", schemas, shapes, 0)
        result[key] = shapes
    return result


def _field_changes(old: dict[str, FieldShape], new: dict[str, FieldShape]) -> list[str]:
    problems = []
    for path in sorted(old):
        if path not in new:
            problems.append(f"field {path} removed")
        elif new[path].kind != old[path].kind:
            problems.append(f"field {path} changed type from {old[path].kind} to {new[path].kind}")
        elif new[path].required and not old[path].required:
            problems.append(f"field {path} became required")
    for path in sorted(new.keys() - old.keys()):
        parent = _parent(path)
        if new[path].required and (parent in ("", "data") or parent in old):
            problems.append(f"new field {path} is required (older events lack it; add it as optional)")
    return problems


def _parent(path: str) -> str:
    if path.endswith("[]"):
        return path[:-2]
    return path.rsplit(".", 1)[0] if "." in path else ""


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _walk(
    schema: dict[str, Any],
    prefix: str,
    schemas: dict[str, Any],
    shapes: dict[str, FieldShape],
    depth: int,
    skip: frozenset[str] | set[str] = frozenset(),
) -> None:
    if depth > MAX_DEPTH:
        return
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        if name in skip:
            continue
        path = f"{prefix}{name}"
        shapes[path] = FieldShape(_kind(prop, schemas), name in required)
        _walk_inside(prop, path, schemas, shapes, depth + 1)


def _walk_inside(
    prop: dict[str, Any], path: str, schemas: dict[str, Any], shapes: dict[str, FieldShape], depth: int
) -> None:
    target = _resolve(_without_null(prop), schemas)
    if target.get("properties"):
        _walk(target, f"{path}.", schemas, shapes, depth)
    items = target.get("items")
    if isinstance(items, dict):
        item = _resolve(_without_null(items), schemas)
        shapes[f"{path}[]"] = FieldShape(_kind(items, schemas), True)
        if item.get("properties"):
            _walk(item, f"{path}[].", schemas, shapes, depth)


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    branches = [b for b in prop.get("anyOf", ()) if b.get("type") != "null"]
    return branches[0] if len(branches) == 1 else prop


def _kind(prop: dict[str, Any], schemas: dict[str, Any]) -> str:
    """A field's type as consumers see it: JSON types, nullability and format; a ref is an object."""
    nullable = any(b.get("type") == "null" for b in prop.get("anyOf", ()))
    target = _resolve(_without_null(prop), schemas)
    types = target.get("type", "any")
    types = sorted(types) if isinstance(types, list) else [types]
    if nullable and "null" not in types:
        types.append("null")
    fmt = target.get("format")
    return "|".join(types) + (f" ({fmt})" if fmt else "")
