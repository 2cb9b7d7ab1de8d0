"""CSV import and export of contacts, talking to the contacts service over RPC."""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

SIMPLE_COLUMNS = (
    "first_name", "last_name", "job_title", "owner", "lifecycle_stage", "source", "provenance",
)  # fmt: skip
ADDRESS_COLUMNS = ("street", "city", "region", "postal_code", "country")
LIST_COLUMNS = ("email", "phone", "tags")
COLUMNS = (*SIMPLE_COLUMNS, *LIST_COLUMNS, *ADDRESS_COLUMNS)
CUSTOM_PREFIX = "custom."
BATCH_SIZE = 2_000


class MalformedCsv(Exception):
    """The file cannot be read as a contacts CSV; the message says where and why."""


def check_header(header: list[str] | None) -> list[str]:
    if not header:
        raise MalformedCsv("the file is empty or has no header row")
    unknown = [c for c in header if not _known(c)]
    if unknown:
        named = ", ".join(repr(c) for c in unknown)
        raise MalformedCsv(f"unknown column(s) {named}; known: {', '.join(COLUMNS)}, custom.<name>")
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        # csv.DictReader would keep only the last cell of a repeated column, silently.
        raise MalformedCsv(f"column(s) {', '.join(repr(c) for c in repeated)} appear more than once")
    return header


def _known(column: str) -> bool:
    return column in COLUMNS or (column.startswith(CUSTOM_PREFIX) and len(column) > len(CUSTOM_PREFIX))


def row_to_contact(row: dict[Any, Any]) -> dict[str, Any]:
    """One CSV row as the contact fields the service accepts; empty cells are left out.

    ``csv.DictReader`` puts the cells beyond the header under the key ``None``.
    """
    values = {k: (v or "").strip() for k, v in row.items() if k is not None}
    contact: dict[str, Any] = {k: values[k] for k in SIMPLE_COLUMNS if values.get(k)}
    if values.get("email"):
        contact["emails"] = [{"address": a.strip()} for a in values["email"].split(";") if a.strip()]
    if values.get("phone"):
        contact["phones"] = [{"number": p.strip()} for p in values["phone"].split(";") if p.strip()]
    if values.get("tags"):
        contact["tags"] = [t.strip() for t in values["tags"].split(";") if t.strip()]
    address = {k: values[k] for k in ADDRESS_COLUMNS if values.get(k)}
    if address:
        contact["addresses"] = [address]
    custom = {k[len(CUSTOM_PREFIX) :]: v for k, v in values.items() if k.startswith(CUSTOM_PREFIX) and v}
    if custom:
        contact["custom_fields"] = custom
    if None in row:
        contact["_extra_cells"] = row[None]  # refused by the service, so the row is reported
    return contact


def read_batches(handle: TextIO) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(number of the first data row, rows) per batch; data rows count from 1.

    The header is checked at once, before the first batch is asked for.
    """
    reader = csv.DictReader(handle, strict=True)
    with _malformed_as(reader):
        check_header(list(reader.fieldnames or []))
    return _batches(reader)


def _batches(reader: csv.DictReader[str]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    batch: list[dict[str, Any]] = []
    first = 1
    with _malformed_as(reader):
        for number, row in enumerate(reader, start=1):
            batch.append(row_to_contact(row))
            if len(batch) == BATCH_SIZE:
                yield first, batch
                batch, first = [], number + 1
    if batch:
        yield first, batch


@contextmanager
def _malformed_as(reader: csv.DictReader[str]) -> Iterator[None]:
    """What the csv module says about a broken file, as ``MalformedCsv``."""
    try:
        yield
    except csv.Error as error:
        # DictReader.line_num is only updated after a good row; its reader's counts the line at fault.
        raise MalformedCsv(f"line {reader.reader.line_num}: {error}") from None


def decode(content: bytes) -> str:
    """The whole file as text, checked before any row is sent: UTF-8, with or without a BOM."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise MalformedCsv(f"line {line}: the file is not UTF-8 text; save it as UTF-8") from None


def check_file(path: Path) -> None:
    """Read the whole file once before anything is sent, so a malformed file imports nothing."""
    with io.StringIO(decode(path.read_bytes()), newline="") as handle:
        for _ in read_batches(handle):
            pass


def import_file(rpc: Any, path: Path, report_path: Path) -> tuple[int, int]:
    """Send the file in batches; write every rejected row to the report. Returns (created, rejected)."""
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:32]
    text = decode(content)
    total_rows = max(0, len(text.splitlines()) - 1)  # for the progress bar only
    created = rejected = 0
    with io.StringIO(text, newline="") as handle:
        batches = read_batches(handle)  # a malformed header stops here, before the report exists
        with (
            report_path.open("w", newline="", encoding="utf-8") as report,
            tqdm(total=total_rows, unit="rows", file=sys.stderr) as progress,
        ):
            writer = csv.writer(report)
            writer.writerow(["row", "field", "message"])
            for first, rows in batches:
                answer = rpc.contacts.import_contacts(rows, first, f"import:{digest}:{first}")
                created += answer["created"]
                rejected += len(answer["rejected"])
                for item in answer["rejected"]:
                    for field, message in flatten(item["fields"]):
                        writer.writerow([item["row"], field, message])
                progress.update(len(rows))
    return created, rejected


def flatten(messages: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Marshmallow's nested messages as (dotted field, message) pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list):
        for message in messages:
            yield from flatten(message, prefix)
    else:
        yield prefix or "_row", str(messages)


def contact_to_row(contact: dict[str, Any]) -> dict[str, Any]:
    row = {k: contact.get(k) or "" for k in SIMPLE_COLUMNS}
    row["email"] = ";".join(e["address"] for e in contact["emails"])
    row["phone"] = ";".join(p["number"] for p in contact["phones"])
    row["tags"] = ";".join(contact["tags"])
    address = contact["addresses"][0] if contact["addresses"] else {}
    row.update({k: address.get(k) or "" for k in ADDRESS_COLUMNS})
    row.update({f"{CUSTOM_PREFIX}{k}": v for k, v in contact["custom_fields"].items()})
    return row


def export_all(rpc: Any, out: TextIO) -> int:
    """Every live contact as CSV; custom-field columns come from all contacts' fields."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = rpc.contacts.search_contacts({"limit": 500, "cursor": cursor})
        rows.extend(contact_to_row(c) for c in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    custom = sorted({k for row in rows for k in row if k.startswith(CUSTOM_PREFIX)})
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, *custom], restval="")
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)
