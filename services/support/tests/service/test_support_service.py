"""The service over RabbitMQ: RPC with typed errors, events consumed once, SLA timers on two replicas."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from crm_shared.commands import run_command
from crm_shared.contracts.summaries import SalesSummarySchema, summary_updated_schema
from crm_shared.db import make_engine, utcnow
from crm_shared.errors import Invalid, NotFound
from crm_shared.events import EventType, catalogue, register
from crm_shared.testing import wait_until
from crm_support.adapters.tables import plumbing
from crm_support.adapters.unit_of_work import SupportUnitOfWork
from crm_support.entrypoints.service import SupportService
from crm_support.service_layer import tickets
from crm_support.service_layer.settings import Settings

from .conftest import new_contact_id, now_iso, publish_event

if not any(e.name == "customer_summary.updated" and e.producer == "sales" for e in catalogue()):
    register(EventType("customer_summary.updated", 1, "sales", summary_updated_schema(SalesSummarySchema, "sales"),
                       "A customer's sales part of the customer 360 changed."))  # fmt: skip


def contact_body(contact_id: str) -> dict:
    return {"id": contact_id, "first_name": "X", "last_name": None, "emails": [], "phones": [], "addresses": [],
            "tags": [], "lifecycle_stage": "other", "provenance": "manual", "marketing": {}, "custom_fields": {},
            "created_at": now_iso(), "updated_at": now_iso(), "version": 1}  # fmt: skip


def test_a_ticket_is_created_read_and_moved_over_rpc(support_service, rpc):
    created = rpc.create_ticket({"contact_id": new_contact_id(), "subject": "Help", "channel": "chat"}, "key-1")
    assert rpc.create_ticket({"contact_id": new_contact_id(), "subject": "x", "channel": "chat"}, "key-1") == created
    assert rpc.get_ticket(created["id"]) == created
    moved = rpc.move_ticket(created["id"], {"status": "open"}, 1)
    assert moved["status"] == "open" and moved["version"] == 2


def test_typed_errors_cross_rpc_naming_the_field(support_service, rpc):
    with pytest.raises(Invalid) as raised:
        rpc.create_ticket({"contact_id": new_contact_id(), "subject": "x", "channel": "fax", "priority": "asap"})
    assert set(raised.value.fields) == {"channel", "priority"}
    with pytest.raises(NotFound):
        rpc.get_ticket(str(uuid.uuid4()))
    ticket = rpc.create_ticket({"contact_id": new_contact_id(), "subject": "x", "channel": "web"})
    with pytest.raises(Invalid) as raised:
        rpc.record_csat(ticket["id"], {"score": 9})
    assert "score" in raised.value.fields


def test_a_merged_contacts_tickets_follow_the_survivor(support_service, rpc, amqp_uri):
    survivor, merged = new_contact_id(), new_contact_id()
    ticket = rpc.create_ticket({"contact_id": merged, "subject": "Help", "channel": "email"})
    data = {"survivor_id": survivor, "merged_id": merged, "contact": contact_body(survivor)}
    publish_event(amqp_uri, "contacts", "contact.merged", data, survivor)
    wait_until(lambda: rpc.get_ticket(ticket["id"])["contact_id"] == survivor)
    assert rpc.customer_summary(survivor)["ticket_count"] == 1
    assert rpc.customer_summary(merged)["ticket_count"] == 0


def test_an_erased_contact_leaves_nothing_in_the_inventory(support_service, rpc, amqp_uri):
    contact = new_contact_id()
    rpc.create_ticket({"contact_id": contact, "subject": "My name is Canary", "channel": "email",
                       "requester": {"name": "Canary", "email": "canary@example.org"}}, "erase-me")  # fmt: skip
    assert rpc.pii_inventory(contact)["places"]["tickets"] == 1
    publish_event(amqp_uri, "contacts", "contact.erased", {"contact_id": contact, "erased_at": now_iso()}, contact)
    inventory = wait_until(lambda: (i := rpc.pii_inventory(contact)) and set(i["places"].values()) == {0} and i)
    assert {"tickets", "outbox", "idempotency_keys", "dead_letters", "inbox"} <= set(inventory["places"])


def test_the_value_tier_from_sales_routes_tickets(support_service, rpc, amqp_uri):
    contact = new_contact_id()
    rpc.create_rule({"name": "Platinum first", "position": 0, "actions": {"priority": "urgent"},
                     "conditions": {"field": "tier", "operator": "equals", "value": "platinum"}})  # fmt: skip
    rfm = {"recency": 5, "frequency": 5, "monetary": 5, "tier": "platinum", "computed_at": now_iso()}
    summary = {"contact_id": contact, "open_opportunities": [], "won_count": 1, "lost_count": 0, "order_count": 3,
               "recent_orders": [], "lifetime_value": [], "last_order_at": None, "rfm": rfm}  # fmt: skip
    publish_event(amqp_uri, "sales", "customer_summary.updated",
                  {"contact_id": contact, "part": "sales", "summary": summary}, contact, sequence=4)  # fmt: skip

    def routed_urgent():
        ticket = rpc.create_ticket({"contact_id": contact, "subject": "Hi", "channel": "web"})
        return ticket["priority"] == "urgent"

    wait_until(routed_urgent)


def test_breaches_fire_exactly_once_with_two_replicas(run_service, support_config, rpc):
    # Small batches, so that the two replicas' scans interleave many times over the same rows.
    config = {**support_config, "SLA_SCAN_BATCH": 10}
    run_service(SupportService, **config)
    run_service(SupportService, **config)
    rpc.create_sla_policy({"name": "fast", "priority": "high", "first_response_minutes": 1,
                           "resolution_minutes": 2})  # fmt: skip
    engine = make_engine(support_config["DATABASE_URL"])
    new_uow = partial(SupportUnitOfWork, engine, plumbing)
    long_ago = utcnow() - timedelta(hours=1)
    count = 200
    for _ in range(count):  # created an hour ago: both targets are overdue at once
        fields = {"contact_id": uuid.uuid4(), "subject": "Down", "channel": "phone", "priority": "high"}
        work = partial(tickets.create_ticket, fields=fields, now=long_ago, settings=Settings())
        run_command(new_uow, work, operation="create_ticket")

    def breaches() -> list:
        with new_uow() as uow:
            outbox = plumbing.outbox
            query = sa.select(outbox.c.aggregate_id, sa.func.count()).where(
                outbox.c.event_type == "ticket.sla_breached").group_by(outbox.c.aggregate_id)  # fmt: skip
            return list(uow.conn.execute(query))

    wait_until(lambda: len(breaches()) == count, timeout=60)
    wait_until(lambda: sum(n for _, n in breaches()) >= 2 * count, timeout=30)
    assert sorted({n for _, n in breaches()}) == [2]  # first response and resolution, once each
    with new_uow() as uow:
        warnings = uow.conn.execute(sa.select(sa.func.count()).where(
            plumbing.outbox.c.event_type == "ticket.sla_warning")).scalar_one()  # fmt: skip
    assert warnings == 0  # found past due: the breach alone, its warning retired
    engine.dispose()
