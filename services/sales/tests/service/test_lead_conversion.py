"""Lead conversion over real RabbitMQ with the real contacts service: retried after a crash, made once.

Both services run as nameko containers on the session's vhost, each on its own migrated
PostgreSQL database. The crash is a conversion that stops after its remote calls and
before its local commit; the retry then goes through the sales service's RPC.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest

from crm_contacts.adapters.tables import metadata as contacts_metadata
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.plugin import SERVICE as CONTACTS_PLUGIN
from crm_sales.adapters.tables import metadata as sales_metadata
from crm_sales.adapters.tables import plumbing
from crm_sales.adapters.unit_of_work import SalesUnitOfWork
from crm_sales.entrypoints.service import SalesService
from crm_sales.plugin import SERVICE as SALES_PLUGIN
from crm_sales.service_layer import conversion
from crm_shared.db import make_engine
from crm_shared.testing import wait_until

QUALIFIED = {"status": "qualified"}


class Crashed(Exception):
    pass


class CrashAfterRemoteCalls:
    """The contacts service, reached for real; the process 'dies' once both calls are answered."""

    def __init__(self, proxy: Any) -> None:
        self.proxy = proxy

    def create_account(self, fields: dict[str, Any], idempotency_key: str) -> Any:
        return self.proxy.create_account(fields, idempotency_key)

    def create_contact(self, fields: dict[str, Any], idempotency_key: str) -> Any:
        self.proxy.create_contact(fields, idempotency_key)
        raise Crashed


@pytest.fixture
def stack(run_service, migrated_databases) -> dict[str, str]:
    contacts_db = migrated_databases.url("postgresql", CONTACTS_PLUGIN.migrations, contacts_metadata)
    sales_db = migrated_databases.url("postgresql", SALES_PLUGIN.migrations, sales_metadata)
    run_service(ContactsService, DATABASE_URL=contacts_db)
    run_service(SalesService, DATABASE_URL=sales_db)
    return {"contacts": contacts_db, "sales": sales_db}


@pytest.fixture
def rpc(amqp_uri: str) -> Iterator[Any]:
    from nameko.standalone.rpc import ClusterRpcProxy

    import crm_shared.runtime  # noqa: F401

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy


@pytest.fixture
def sales_events(amqp_uri: str) -> Iterator[Any]:
    """A plain pika consumer bound to ``sales.events``, as an integrator would bind one."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare("sales.events", "topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, "sales.events", routing_key="#")

    def take(count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        import time

        received: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(received) < count and time.monotonic() < deadline:
            method, _, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                connection.sleep(0.05)
                continue
            received.append(json.loads(body))
        return received

    yield take
    connection.close()


def qualified_lead(rpc: Any, marker: str) -> dict[str, Any]:
    lead = rpc.sales.capture_lead({"channel": "web_form", "first_name": "Grace", "last_name": marker,
                                   "email": f"{marker}@example.com", "company": f"{marker} Ltd"})  # fmt: skip
    return dict(rpc.sales.change_lead_status(lead["id"], QUALIFIED))


def test_a_conversion_retried_after_a_crash_creates_one_contact_one_account_one_opportunity(
    stack, rpc, amqp_uri, sales_events
):
    marker = f"conv{uuid.uuid4().hex[:10]}"
    pipeline = rpc.sales.create_pipeline({"name": "P", "stages": [{"name": "New", "probability": 20}]})
    lead = qualified_lead(rpc, marker)
    fields = {"pipeline_id": pipeline["id"], "amount": {"amount": "1200.00", "currency": "EUR"}}
    engine = make_engine(stack["sales"])
    new_uow = lambda: SalesUnitOfWork(engine, plumbing)  # noqa: E731
    from crm_shared.contracts import sales as s

    with pytest.raises(Crashed):
        conversion.convert_lead(new_uow, CrashAfterRemoteCalls(rpc.contacts), uuid.UUID(lead["id"]),
                                s.LeadConvertSchema().load(fields))  # fmt: skip
    engine.dispose()

    converted = rpc.sales.convert_lead(lead["id"], fields)
    again = rpc.sales.convert_lead(lead["id"], fields)

    assert again == converted
    contacts = rpc.contacts.search_contacts({"q": f"{marker}@example.com"})["items"]
    accounts = rpc.contacts.search_accounts({"q": marker})["items"]
    assert [c["id"] for c in contacts] == [converted["contact_id"]]
    assert [a["id"] for a in accounts] == [converted["account_id"]]
    assert contacts[0]["account_id"] == converted["account_id"]
    opportunities = rpc.sales.search_opportunities({"contact_id": converted["contact_id"]})["items"]
    assert [o["id"] for o in opportunities] == [converted["opportunity"]["id"]]
    assert converted["lead"]["status"] == "converted" and opportunities[0]["lead_id"] == lead["id"]
    types = [e["type"] for e in sales_events(20, timeout=3.0)]  # every event, in whatever order the relay sent them
    assert types.count("lead.converted") == 1 and types.count("opportunity.created") == 1
    assert {"lead.created", "lead.qualified", "customer_summary.updated"} <= set(types)


def test_only_a_qualified_lead_converts(stack, rpc):
    from crm_shared.errors import Invalid

    lead = rpc.sales.capture_lead({"channel": "phone", "last_name": "Early"})
    pipeline = rpc.sales.create_pipeline({"name": "P", "stages": [{"name": "New", "probability": 20}]})
    with pytest.raises(Invalid) as refused:
        rpc.sales.convert_lead(lead["id"], {"pipeline_id": pipeline["id"],
                                            "amount": {"amount": "1.00", "currency": "EUR"}})  # fmt: skip
    assert "status" in refused.value.fields


def test_a_merged_contacts_deals_follow_the_survivor_and_an_erasure_leaves_nothing(stack, rpc):
    marker = f"canary{uuid.uuid4().hex[:10]}"
    survivor = rpc.contacts.create_contact({"first_name": "Ada", "last_name": marker})
    duplicate = rpc.contacts.create_contact({"first_name": "Ada", "last_name": marker})
    pipeline = rpc.sales.create_pipeline({"name": "P", "stages": [{"name": "New", "probability": 20}]})
    deal = rpc.sales.create_opportunity({"name": marker, "pipeline_id": pipeline["id"], "next_step": marker,
                                         "contact_id": duplicate["id"],
                                         "amount": {"amount": "10.00", "currency": "EUR"}})  # fmt: skip

    rpc.contacts.merge_contacts(survivor["id"], duplicate["id"])

    moved = wait_until(lambda: rpc.sales.search_opportunities({"contact_id": survivor["id"]})["items"])
    assert [o["id"] for o in moved] == [deal["id"]]
    assert rpc.sales.customer_summary(survivor["id"])["open_opportunities"][0]["id"] == deal["id"]

    rpc.contacts.erase_contact(survivor["id"])

    wait_until(lambda: set(rpc.sales.pii_inventory(survivor["id"])["places"].values()) == {0})
    assert rpc.sales.get_opportunity(deal["id"])["name"] == "(erased)"
    assert rpc.sales.export_contact(survivor["id"])["opportunities"] == []
