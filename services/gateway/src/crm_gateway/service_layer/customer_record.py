"""Keeping the customer 360 from events, and serving it: stored parts first, live calls for the rest.

Every event is applied once (inbox) and only if newer than what is stored (per-aggregate
``sequence``), so redelivered, replayed or reordered events change nothing. A merged or
erased contact's id takes no more parts: a late event cannot bring it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
from crm_gateway.domain.customer_record import (
    SUMMARY_EVENT,
    SUMMARY_PARTS,
    EncodedJson,
    StoredPart,
    assemble,
    supersedes,
    visible_parts,
    visible_services,
)
from crm_shared.contracts.customers import TimelinePageSchema
from crm_shared.contracts.loading import schema_instance
from crm_shared.db import utcnow
from crm_shared.envelope import Envelope
from crm_shared.errors import CrmError, Gone, Moved, NotFound, ServiceUnavailable
from crm_shared.events import EventType
from crm_shared.unit_of_work import UnitsOfWork

NewUow = Callable[[], GatewayUnitOfWork]
Units = UnitsOfWork[GatewayUnitOfWork]
Apply = Callable[[GatewayUnitOfWork, Envelope], None]


def handle_event(new_uow: NewUow, envelope: Envelope, apply: Apply) -> None:
    with new_uow() as uow:
        if uow.claim_event(envelope):
            apply(uow, envelope)
        uow.commit()


def _contact_id(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _stands(uow: GatewayUnitOfWork, contact_id: uuid.UUID) -> bool:
    return uow.customers.fate(contact_id) is None


def _put_if_newer(
    uow: GatewayUnitOfWork, envelope: Envelope, contact_id: uuid.UUID, part: str, data: dict[str, Any]
) -> None:
    if not _stands(uow, contact_id):
        return
    stored = uow.customers.parts(contact_id, [part]).get(part)
    if supersedes(envelope.sequence, stored):
        account_id = data.get("account_id") if part == "contact" else None
        uow.customers.put_part(
            contact_id,
            part,
            StoredPart(data, envelope.sequence, envelope.occurred_at),
            None if account_id is None else _contact_id(account_id),
        )


def apply_contact(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
    _put_if_newer(uow, envelope, _contact_id(envelope.data["id"]), "contact", envelope.data)


def apply_consents(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
    contact_id = _contact_id(envelope.data["contact_id"])
    _put_if_newer(uow, envelope, contact_id, "consents", {"state": envelope.data["state"]})
    add_to_timeline(uow, envelope)


def apply_account(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
    account_id = _contact_id(envelope.data["id"])
    if supersedes(envelope.sequence, uow.customers.account(account_id)):
        uow.customers.put_account(account_id, StoredPart(envelope.data, envelope.sequence, envelope.occurred_at))


def apply_summary(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
    """``customer_summary.updated`` of sales, marketing or support: the whole new part."""
    part = envelope.data["part"]
    if part in SUMMARY_PARTS and part == envelope.producer:
        _put_if_newer(uow, envelope, _contact_id(envelope.data["contact_id"]), part, envelope.data["summary"])


def apply_merge(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
    """The survivor keeps everything: the merged id redirects, its timeline moves over.

    The survivor's other parts change with the merge (the consent ledgers are combined;
    each service re-points its records and publishes a new summary), so they are fetched
    live on the next read until those events arrive.
    """
    survivor_id = _contact_id(envelope.data["survivor_id"])
    merged_id = _contact_id(envelope.data["merged_id"])
    uow.customers.record_fate(merged_id, "merged", survivor_id, utcnow())
    uow.customers.forget(merged_id)
    uow.customers.move_timeline(merged_id, survivor_id)
    uow.customers.mark_stale(survivor_id, keep=("contact",))
    _put_if_newer(uow, envelope, survivor_id, "contact", envelope.data["contact"])


def apply_erasure(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
    contact_id = _contact_id(envelope.data["contact_id"])
    uow.customers.record_fate(contact_id, "erased", None, utcnow())
    uow.customers.forget(contact_id)
    uow.customers.erase_timeline(contact_id)


def add_to_timeline(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
    """Any event about one contact (its data names ``contact_id``) is an entry of that contact's timeline."""
    contact_id = envelope.data.get("contact_id")
    if contact_id is None:
        return
    contact_id = _contact_id(contact_id)
    if _stands(uow, contact_id):
        uow.customers.add_timeline_entry(
            {
                "event_id": envelope.event_id,
                "contact_id": contact_id,
                "occurred_at": envelope.occurred_at,
                "service": envelope.producer,
                "type": envelope.type,
                "aggregate_id": envelope.aggregate_id,
                "data": envelope.data,
            }
        )


CONTACTS_EVENTS: dict[str, Apply] = {
    "contact.created": apply_contact,
    "contact.updated": apply_contact,
    "contact.merged": apply_merge,
    "contact.erased": apply_erasure,
    "account.created": apply_account,
    "account.updated": apply_account,
    "consent.changed": apply_consents,
    "interaction.logged": add_to_timeline,
}


def appliers(published: Iterable[EventType]) -> dict[tuple[str, str], Apply]:
    """(producer, event type) -> how it updates the record: the contacts events the record is built
    from, and every other service's summary events and events about a contact (its timeline)."""
    kept: dict[tuple[str, str], Apply] = {("contacts", name): apply for name, apply in CONTACTS_EVENTS.items()}
    for spec in published:
        if spec.producer in SUMMARY_PARTS:
            kept[(spec.producer, spec.name)] = apply_summary if spec.name == SUMMARY_EVENT else add_to_timeline
    return kept


# Reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveCall:
    """An RPC that gives a part the gateway does not hold: ``service.method(*args)``."""

    service: str
    method: str
    args: tuple[Any, ...]


# Fetches several parts at once under one deadline: part -> its result, or the CrmError it raised.
FetchLive = Callable[[dict[str, LiveCall]], dict[str, Any]]

LIVE_CALLS: dict[str, Callable[[uuid.UUID], LiveCall]] = {
    "contact": lambda contact_id: LiveCall("contacts", "get_contact", (str(contact_id),)),
    "consents": lambda contact_id: LiveCall("contacts", "get_consents", (str(contact_id),)),
    "sales": lambda contact_id: LiveCall("sales", "customer_summary", (str(contact_id),)),
    "marketing": lambda contact_id: LiveCall("marketing", "customer_summary", (str(contact_id),)),
    "support": lambda contact_id: LiveCall("support", "customer_summary", (str(contact_id),)),
}


def customer_record(units: Units, contact_id: uuid.UUID, role: str, fetch_live: FetchLive) -> dict[str, Any]:
    """The record as ``role`` may see it; never waits on a service longer than ``fetch_live`` allows."""
    wanted = visible_parts(role)
    names = [part for part in wanted if part != "account"]
    stored, account = units.read(lambda uow: uow.customers.parts_with_account(contact_id, names))
    if not stored:  # merging and erasing remove every part: only then can the contact be retired
        units.read(lambda uow: _refuse_retired(uow, contact_id))
    parts: dict[str, Any] = {part: held.data for part, held in stored.items() if held.data is not None}
    as_of: dict[str, datetime | None] = {part: stored[part].as_of for part in parts}
    missing = {part: LIVE_CALLS[part](contact_id) for part in wanted if part in LIVE_CALLS and part not in parts}
    fetched = fetch_live(missing) if missing else {}
    unavailable = _take_fetched(fetched, parts, as_of, contact_id, nothing_stored=not stored)
    if "account" in wanted:
        _add_account(units, parts, as_of, unavailable, fetch_live, account)
    _store_fetched(units, contact_id, {part: parts[part] for part in fetched if part in parts}, as_of)
    ordered = {part: parts[part] for part in wanted if part in parts}
    return assemble(str(contact_id), ordered, {p: as_of.get(p) for p in ordered}, unavailable)


def _refuse_retired(uow: GatewayUnitOfWork, contact_id: uuid.UUID) -> None:
    fate = uow.customers.fate(contact_id)
    if fate is None:
        return
    kind, survivor_id = fate
    if kind == "merged":
        raise Moved("The contact was merged into another.", location_id=str(survivor_id))
    raise Gone("The contact was erased.")


def _take_fetched(
    fetched: dict[str, Any],
    parts: dict[str, Any],
    as_of: dict[str, datetime | None],
    contact_id: uuid.UUID,
    nothing_stored: bool,
) -> list[str]:
    """Fetched parts join the record; failed ones are named. The contacts service's verdict on the contact wins."""
    unavailable = []
    now = utcnow()
    for part, result in fetched.items():
        if isinstance(result, NotFound | Moved | Gone) and part == "contact":
            raise result
        if isinstance(result, CrmError):
            unavailable.append(part)
            continue
        if part == "consents":
            result = {"state": result["state"]}
        parts[part] = result
        as_of[part] = _fact_time(result) or now
    if "contact" in unavailable and nothing_stored and len(unavailable) == len(fetched):
        raise ServiceUnavailable(f"Nothing is known yet about contact {contact_id} and no service answers.")
    return unavailable


def _fact_time(data: dict[str, Any]) -> datetime | None:
    updated_at = data.get("updated_at")
    return datetime.fromisoformat(updated_at) if isinstance(updated_at, str) else None


def _as_dict(data: Any) -> dict[str, Any]:
    return data.decoded() if isinstance(data, EncodedJson) else data  # type: ignore[no-any-return]


def _add_account(
    new_uow: NewUow,
    parts: dict[str, Any],
    as_of: dict[str, datetime | None],
    unavailable: list[str],
    fetch_live: FetchLive,
    held: StoredPart | None,
) -> None:
    contact = parts.get("contact")
    if contact is None:
        unavailable.append("account")
        return
    if isinstance(contact, EncodedJson) and held is not None:  # read with the stored contact, by its account id
        parts["account"], as_of["account"] = held.data, held.as_of
        return
    account_id = _as_dict(contact).get("account_id")
    if account_id is None:
        parts["account"], as_of["account"] = None, None
        return
    if held is None or held.data is None or _as_dict(held.data).get("id") != account_id:
        with new_uow() as uow:  # the contact came live: its account was not read with it
            held = uow.customers.account(_contact_id(account_id))
    if held is not None:
        parts["account"], as_of["account"] = held.data, held.as_of
        return
    result = fetch_live({"account": LiveCall("contacts", "get_account", (str(account_id),))})["account"]
    if isinstance(result, CrmError):
        unavailable.append("account")
        return
    parts["account"], as_of["account"] = result, _fact_time(result) or utcnow()
    with new_uow() as uow:
        if uow.customers.account(_contact_id(account_id)) is None:
            uow.customers.put_account(_contact_id(account_id), StoredPart(result, 0, as_of["account"]))
        uow.commit()


def _store_fetched(
    new_uow: NewUow, contact_id: uuid.UUID, fetched: dict[str, Any], as_of: dict[str, datetime | None]
) -> None:
    """Keep what was fetched live, so the next read is served from the store; events supersede it."""
    if not fetched:
        return
    with new_uow() as uow:
        if uow.customers.fate(contact_id) is None:
            for part, data in fetched.items():
                account_id = data.get("account_id") if part == "contact" else None
                uow.customers.fill_part(
                    contact_id,
                    part,
                    StoredPart(data, 0, as_of.get(part)),
                    None if account_id is None else _contact_id(account_id),
                )
        uow.commit()


def timeline(new_uow: NewUow, contact_id: uuid.UUID, role: str, query: dict[str, Any]) -> dict[str, Any]:
    services = visible_services(role)
    if query.get("service"):
        services = tuple(s for s in services if s == query["service"])
    with new_uow() as uow:
        _refuse_retired(uow, contact_id)
        items, next_cursor = uow.customers.timeline(contact_id, services, query["limit"], query.get("cursor"))
    for item in items:
        item["id"] = item.pop("event_id")
    return schema_instance(TimelinePageSchema).dump({"items": items, "next_cursor": next_cursor})


def privacy_inventory(contact_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Each service's places and counts, the services that did not answer, and the grand total."""
    services = {name: answer["places"] for name, answer in answers.items() if not isinstance(answer, CrmError)}
    unavailable = sorted(name for name, answer in answers.items() if isinstance(answer, CrmError))
    total = sum(count for places in services.values() for count in places.values())
    return {"contact_id": contact_id, "services": services, "total": total, "unavailable": unavailable}
