"""Merges and erasures from the contacts service, and the PII inventory."""

from __future__ import annotations

import uuid

from crm_marketing.service_layer import audience, privacy, segments
from crm_shared.db import utcnow


def inventory(marketing, contact_id):
    return marketing.read(privacy.pii_inventory, contact_id=contact_id)["places"]


def test_a_merge_moves_list_places_and_suppressions_to_the_survivor(marketing):
    survivor = marketing.contact(first_name="Ada")
    merged = marketing.contact(first_name="Ada L.")
    listed = marketing.run(segments.create_segment, fields={"name": "L", "kind": "static", "description": None},
                           now=utcnow())  # fmt: skip
    marketing.run(segments.add_static_members, segment_id=uuid.UUID(listed["id"]), contact_ids=[merged], now=utcnow())
    with marketing.new_uow() as uow:
        uow.audience.update(merged, utcnow(), unsubscribed=True)
        uow.commit()
    data = {"survivor_id": str(survivor), "merged_id": str(merged), "contact": marketing.payload(survivor)}

    marketing.deliver(privacy.contact_merged, "contact.merged", data, "contacts", survivor)

    members = marketing.read(segments.segment_members, segment_id=uuid.UUID(listed["id"]),
                             page={"limit": 10, "cursor": None})["items"]  # fmt: skip
    assert [m["contact_id"] for m in members] == [str(survivor)]
    with marketing.new_uow() as uow:
        assert uow.audience.get(survivor).unsubscribed and uow.audience.get(merged).merged_into == survivor
    all_contacts = {"all": [{"field": "owner", "operator": "is_null"}]}
    assert marketing.read(segments.preview_segment, rules=all_contacts, now=utcnow()) == {"count": 1}


def test_an_erasure_leaves_no_trace_and_a_late_event_cannot_bring_the_contact_back(marketing, mail):
    ada = marketing.contact(tags=["vip"])
    marketing.consent(ada, granted=True)
    vip = {"all": [{"field": "tags", "operator": "contains", "value": "vip"}]}
    marketing.run(segments.create_segment, fields={"name": "VIP", "kind": "dynamic", "rules": vip, "description": None},
                  now=utcnow())  # fmt: skip
    assert inventory(marketing, ada)["audience"] == 1 and inventory(marketing, ada)["outbox"] > 0

    marketing.deliver(lambda uow, e, d, now: privacy.contact_erased(uow, e, ada, now), "contact.erased",
                      {"contact_id": str(ada), "erased_at": utcnow().isoformat()}, "contacts", ada)  # fmt: skip
    marketing.deliver(audience.contact_changed, "contact.updated", marketing.payload(ada, tags=["vip"]), "contacts",
                      ada, sequence=99)  # fmt: skip

    assert not any(inventory(marketing, ada).values())
    assert marketing.read(segments.preview_segment, rules=vip, now=utcnow()) == {"count": 0}
