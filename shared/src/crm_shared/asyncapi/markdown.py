"""The catalogue as Markdown a person reads: per event type, where it is published and every field."""

from __future__ import annotations

import json
from typing import Any

from crm_shared.asyncapi.compatibility import event_fields


def render_markdown(document: dict[str, Any]) -> str:
    fields = event_fields(document)
    lines = [f"# {document['info']['title']}", "", document["info"]["description"], ""]
    for key, message in document["components"]["messages"].items():
        lines += _event(message, fields[key])
    return "\n".join(lines)


def _event(message: dict[str, Any], shapes: dict[str, Any]) -> list[str]:
    event = message["x-crm-event"]
    example = json.dumps(message["examples"][0]["payload"]["data"], indent=2)
    lines = [
        f"## `{event['type']}` v{event['schema_version']} from {event['producer']}",
        "",
        message["summary"],
        "",
        f"Exchange `{event['exchange']}` (topic), routing key `{event['type']}`.",
        "",
        "| field of `data` | type | always present |",
        "| --- | --- | --- |",
    ]
    for path, shape in shapes.items():
        if path.startswith("data."):
            kind = shape.kind.replace("|", " or ")
            lines.append(f"| `{path.removeprefix('data.')}` | {kind} | {'yes' if shape.required else ''} |")
    return [*lines, "", "Example `data`:", "", "```json", example, "```", ""]
