"""Bulk import of contacts: every row validated, duplicates reported, nothing silently dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import ValidationError

from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork as Uow
from crm_contacts.domain.model import Contact, new_contact
from crm_contacts.service_layer import present
from crm_shared.contracts.contacts import ContactCreateSchema
from crm_shared.errors import Invalid
from crm_shared.events import new_envelope

MAX_BATCH = 5_000
_ROW_SCHEMA = ContactCreateSchema()


def import_contacts(uow: Uow, rows: list[Any], first_row: int, now: datetime, region: str) -> tuple[Any, Any]:
    """Create a contact per valid row; each invalid or duplicate row is reported by number."""
    if not isinstance(rows, list) or len(rows) > MAX_BATCH:
        raise Invalid("Input is not valid.", fields={"rows": [f"A list of at most {MAX_BATCH} rows."]})
    rejected: list[dict[str, Any]] = []
    accepted: list[tuple[int, Contact]] = []
    for offset, row in enumerate(rows):
        number = first_row + offset
        try:
            accepted.append((number, _contact_from_row(row, now, region)))
        except (ValidationError, Invalid) as error:
            messages = error.messages if isinstance(error, ValidationError) else error.fields
            rejected.append({"row": number, "fields": messages})
    accepted = _with_known_accounts(uow, accepted, rejected)
    created = _without_duplicates(uow, accepted, rejected)
    uow.contacts.add_many(created)
    uow.start_sequences([str(c.id) for c in created])
    uow.write_envelopes(
        [
            new_envelope(
                "contact.created",
                present.contact(c),
                aggregate_id=str(c.id),
                sequence=1,
                correlation_id=uow.correlation_id,
                dumped_by_schema=True,  # present.contact dumps with ContactSchema, the event's schema
            )
            for c in created
        ]
    )
    rejected.sort(key=lambda r: r["row"])
    return {"created": len(created), "rejected": rejected}, None


def _contact_from_row(row: Any, now: datetime, region: str) -> Contact:
    if not isinstance(row, dict):
        raise Invalid("Row is not an object.", fields={"_schema": ["Row is not an object."]})
    fields = _ROW_SCHEMA.load({"provenance": "imported", **row})
    return new_contact(fields, now, region)


def _without_duplicates(uow: Uow, accepted: list[tuple[int, Contact]], rejected: list[dict[str, Any]]) -> list[Contact]:
    """A row whose email or phone is already held (or held by an earlier row) is reported."""
    values = [v for _, c in accepted for v in _identities(c)]
    taken = uow.contacts.existing_identities(values)
    created = []
    for number, contact in accepted:
        clash = sorted(set(_identities(contact)) & taken)
        if clash:
            field = "emails" if "@" in clash[0] else "phones"
            rejected.append({"row": number, "fields": {field: ["Already belongs to a contact."]}})
            continue
        taken.update(_identities(contact))
        created.append(contact)
    return created


def _with_known_accounts(
    uow: Uow, accepted: list[tuple[int, Contact]], rejected: list[dict[str, Any]]
) -> list[tuple[int, Contact]]:
    """A row naming an account that does not exist is reported, as ``create_contact`` would."""
    wanted = {c.account_id for _, c in accepted if c.account_id is not None}
    known = uow.accounts.existing_ids(wanted)
    kept = []
    for number, contact in accepted:
        if contact.account_id is not None and contact.account_id not in known:
            rejected.append({"row": number, "fields": {"account_id": ["No such account."]}})
        else:
            kept.append((number, contact))
    return kept


def _identities(contact: Contact) -> list[str]:
    return [e["address"] for e in contact.emails] + [p["number"] for p in contact.phones]
