"""Merges and erasures from contacts applied to sales data, idempotently, on both databases."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from crm_sales.adapters.tables import metadata, plumbing
from crm_sales.service_layer import leads, orders, privacy
from crm_sales.service_layer.conversion import conversion_keys
from crm_sales.settings import SalesSettings
from crm_shared.commands import read
from crm_shared.db import utcnow
from crm_shared.envelope import Envelope


def envelope(kind: str) -> Envelope:
    return Envelope(event_id=uuid.uuid4(), type=kind, schema_version=1, occurred_at=utcnow(), producer="contacts",
                    correlation_id=None, aggregate_id="x", sequence=1, data={})  # fmt: skip


def order(sales, contact_id, amount="50.00"):
    product = sales.product(f"P-{uuid.uuid4().hex[:6]}", amount)
    fields = {"contact_id": contact_id, "currency": "EUR", "lines": [{"product_id": uuid.UUID(product["id"]),
                                                                       "quantity": 1}]}  # fmt: skip
    return sales.run(orders.place_order, fields=fields, now=utcnow())


def test_a_merged_contacts_records_follow_the_survivor_once(sales, new_uow):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    pipeline = sales.pipeline()
    deal = sales.opportunity(pipeline, merged)
    order(sales, merged)
    event = envelope("contact.merged")

    with new_uow() as uow:
        assert privacy.contact_merged(uow, event, merged, survivor)
    with new_uow() as uow:
        assert not privacy.contact_merged(uow, event, merged, survivor)

    summary = read(new_uow, lambda uow: privacy.export_contact(uow, survivor))
    assert [o["id"] for o in summary["opportunities"]] == [deal["id"]] and len(summary["orders"]) == 1
    assert read(new_uow, lambda uow: privacy.export_contact(uow, merged))["opportunities"] == []
    from crm_sales.service_layer.customers import get_summary

    kept = read(new_uow, lambda uow: get_summary(uow, survivor))
    assert kept["order_count"] == 1 and kept["lifetime_value"] == [{"amount": "50.00", "currency": "EUR"}]
    assert read(new_uow, lambda uow: get_summary(uow, merged))["order_count"] == 0
    later = sales.opportunity(pipeline, merged)
    assert later["contact_id"] == str(survivor)


def test_an_erased_contact_leaves_no_data_in_sales_and_the_totals_stay(sales, new_uow):
    marker = f"canary{uuid.uuid4().hex[:10]}"
    contact = uuid.uuid4()
    lead = sales.run(leads.capture_lead, fields={"channel": "event", "first_name": marker, "last_name": marker,
                                                 "email": f"{marker}@example.com", "company": marker,
                                                 "attributes": {"note": marker}},
                     settings=SalesSettings(), now=utcnow())  # fmt: skip
    with new_uow() as uow:  # as a conversion leaves it
        uow.conn.execute(metadata.tables["leads"].update().values(contact_id=contact))
        uow.remember_result(conversion_keys(lead["id"])["local"], "convert_lead", {"answer": {"c": str(contact)}})
        uow.commit()
    sales.opportunity(sales.pipeline(), contact, name=marker, next_step=marker, key=f"k-{marker}")
    order(sales, contact, "70.00")
    before = read(new_uow, lambda uow: privacy.pii_inventory(uow, contact))["places"]
    assert before["leads"] == 1 and before["opportunities"] == 1 and before["outbox"] > 0

    with new_uow() as uow:
        privacy.contact_erased(uow, envelope("contact.erased"), contact, utcnow())

    assert set(read(new_uow, lambda uow: privacy.pii_inventory(uow, contact))["places"].values()) == {0}
    assert rows_mentioning(new_uow, marker) == {}
    # Only the id is left, as contacts keeps it: tombstone, sequence counter, the erasure's empty summary.
    assert rows_mentioning(new_uow, str(contact)) == {"erased_contacts": 1, "aggregate_sequences": 1, "outbox": 1}
    with new_uow() as uow:
        total = uow.conn.execute(sa.select(sa.func.sum(metadata.tables["orders"].c.total))).scalar_one()
        erasure = uow.conn.execute(sa.select(plumbing.outbox.c.envelope).order_by(plumbing.outbox.c.id.desc())).first()
    assert str(total) == "70.00"
    assert erasure.envelope["data"]["summary"]["order_count"] == 0


def rows_mentioning(new_uow, needle: str) -> dict[str, int]:
    found = {}
    with new_uow() as uow:
        for table in metadata.sorted_tables:
            hits = sum(needle in json.dumps([str(v) for v in row]) for row in uow.conn.execute(sa.select(table)))
            if hits:
                found[table.name] = hits
    return found
