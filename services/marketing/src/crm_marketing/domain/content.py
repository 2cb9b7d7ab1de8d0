"""Message content: personalisation placeholders and tracked links, without ever running code.

A placeholder is ``{{name}}`` from a fixed list; rendering is a plain substitution of
text, so nothing a marketer or a contact writes can execute or reach other data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# A link ends before trailing punctuation: "see https://x.example/a." links to /a.
LINK = re.compile(r"https?://[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]")
KNOWN_PLACEHOLDERS = ("first_name", "last_name", "full_name", "email")


def unknown_placeholders(template: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(template) if name not in KNOWN_PLACEHOLDERS})


def links_in(body: str) -> list[str]:
    """The body's links in order; a click token names one by its index."""
    return LINK.findall(body)


def personalise(template: str, values: Mapping[str, str | None]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1)) or "", template)


def with_tracked_links(body: str, tracked_url: Callable[[int], str]) -> str:
    """Each link replaced by its tracking link, numbered in order of appearance."""
    counter = iter(range(10**6))
    return LINK.sub(lambda _match: tracked_url(next(counter)), body)


def recipient_values(first_name: str | None, last_name: str | None, email: str | None) -> dict[str, str | None]:
    full = " ".join(part for part in (first_name, last_name) if part) or None
    return {"first_name": first_name, "last_name": last_name, "full_name": full, "email": email}
