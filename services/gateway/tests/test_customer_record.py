"""The customer 360: kept from every service's events, served from the gateway's own store.

The contacts service and the gateway run for real; the sales and support services do
not run here, so their parts reach the gateway only as events published on their
exchanges (as those services publish them), and a part never received is ``unavailable``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from crm_gateway.adapters.customer_repository import read_parts_statement
from crm_shared.events import new_envelope
from crm_shared.publisher import ConfirmedPublisher, OutgoingMessage

from .conftest import Api, eventually


@pytest.fixture(scope="module")
def publisher(amqp_uri: str) -> Iterator[ConfirmedPublisher]:
    publisher = ConfirmedPublisher(amqp_uri)
    yield publisher
    publisher.close()


def sales_summary(contact_id: str, won: int = 0) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "open_opportunities": [],
        "won_count": won,
        "lost_count": 0,
        "order_count": 0,
        "recent_orders": [],
        "lifetime_value": [{"amount": "0.00", "currency": "EUR"}],
        "last_order_at": None,
        "rfm": None,
    }


def publish(publisher: ConfirmedPublisher, producer: str, event_type: str, data: dict[str, Any], **kw: Any) -> str:
    envelope = new_envelope(event_type, data, correlation_id="test", producer=producer, **kw)
    publisher.publish([OutgoingMessage(f"{producer}.events", event_type, envelope.to_wire())])
    return str(envelope.event_id)


def publish_sales_summary(publisher: ConfirmedPublisher, contact_id: str, sequence: int, won: int) -> None:
    data = {"contact_id": contact_id, "part": "sales", "summary": sales_summary(contact_id, won)}
    publish(publisher, "sales", "customer_summary.updated", data, aggregate_id=contact_id, sequence=sequence)


def record(api: Api, contact_id: str, role: str = "admin") -> Any:
    return api.get(f"/api/v1/customers/{contact_id}", role=role)


def test_a_new_contact_is_served_with_the_parts_no_service_has_sent_named_unavailable(api: Api) -> None:
    contact = api.new_contact()

    response = record(api, contact["id"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contact"]["id"] == contact["id"]
    assert body["account"] is None
    assert body["consents"] == {"state": []}
    assert {"sales", "marketing", "support"} <= set(body["unavailable"])
    assert body["as_of"]["contact"] is not None


def test_a_change_in_the_contacts_service_shows_in_the_record(api: Api) -> None:
    account = api.post("/api/v1/accounts", json={"name": f"Acme {uuid.uuid4().hex[:6]}"}).json()
    contact = api.new_contact()
    record(api, contact["id"])

    api.patch(f"/api/v1/contacts/{contact['id']}", json={"job_title": "CTO", "account_id": account["id"]})

    def updated() -> Any:
        body = record(api, contact["id"]).json()
        return body if body["contact"]["job_title"] == "CTO" else None

    body = eventually(updated)
    assert body, "the change never reached the record"
    assert body["account"]["name"] == account["name"]


def test_a_summary_event_is_stored_and_an_older_one_is_ignored(api: Api, publisher: ConfirmedPublisher) -> None:
    contact_id = api.new_contact()["id"]

    publish_sales_summary(publisher, contact_id, sequence=2, won=2)
    assert eventually(lambda: record(api, contact_id).json().get("sales", {}).get("won_count") == 2)
    publish_sales_summary(publisher, contact_id, sequence=1, won=1)
    publish_sales_summary(publisher, contact_id, sequence=3, won=3)

    assert eventually(lambda: record(api, contact_id).json().get("sales", {}).get("won_count") == 3)
    body = record(api, contact_id).json()
    assert "sales" not in body["unavailable"]


def test_a_role_sees_only_the_parts_of_its_areas(api: Api, publisher: ConfirmedPublisher) -> None:
    contact_id = api.new_contact()["id"]
    publish_sales_summary(publisher, contact_id, sequence=1, won=1)
    assert eventually(lambda: "sales" in record(api, contact_id).json())

    support_view = record(api, contact_id, role="support").json()

    assert "sales" not in support_view and "marketing" not in support_view
    assert "sales" not in support_view["unavailable"] and "sales" not in support_view["as_of"]
    assert support_view["contact"]["id"] == contact_id
    assert "sales" in record(api, contact_id, role="sales").json()


def test_the_read_query_writes_nothing_but_part_names_into_its_sql() -> None:
    assert "'consents'" in str(read_parts_statement(("contact", "consents")))
    with pytest.raises(ValueError):
        read_parts_statement(("contact", "x' OR '1'='1"))


def test_a_merged_contact_redirects_to_the_survivor_and_an_erased_one_is_gone(api: Api) -> None:
    survivor, duplicate = api.new_contact(), api.new_contact()
    record(api, duplicate["id"])
    api.post(f"/api/v1/contacts/{survivor['id']}/merge", json={"merged_id": duplicate["id"]})

    moved = eventually(lambda: (r := record(api, duplicate["id"])).status_code == 308 and r)
    assert moved, "the merge never reached the record"
    assert moved.headers["Location"] == f"/api/v1/customers/{survivor['id']}"

    api.delete(f"/api/v1/contacts/{survivor['id']}")
    assert eventually(lambda: record(api, survivor["id"]).status_code == 410)
    assert record(api, survivor["id"]).headers["Content-Type"] == "application/problem+json"


def test_an_unknown_contact_is_not_found(api: Api) -> None:
    response = record(api, str(uuid.uuid4()))

    assert response.status_code == 404
    assert record(api, "not-a-uuid").status_code == 422


def test_the_timeline_merges_every_service_newest_first_with_a_cursor(api: Api, publisher: ConfirmedPublisher) -> None:
    contact_id = api.new_contact()["id"]
    for summary, day in (("first call", "01"), ("second call", "02")):
        response = api.post(
            f"/api/v1/contacts/{contact_id}/interactions",
            json={"kind": "call", "summary": summary, "occurred_at": f"2026-01-{day}T10:00:00Z"},
        )
        assert response.status_code == 201, response.text
    publish_sales_summary(publisher, contact_id, sequence=1, won=0)

    def entries(role: str = "admin", **query: Any) -> Any:
        return api.get(f"/api/v1/customers/{contact_id}/timeline", role=role, params=query).json()

    assert eventually(lambda: len(entries()["items"]) == 2)
    first_page = entries(limit=1)
    assert first_page["items"][0]["data"]["summary"] == "second call"
    second_page = entries(limit=1, cursor=first_page["next_cursor"])
    assert second_page["items"][0]["data"]["summary"] == "first call"
    assert second_page["next_cursor"] is None
    assert entries(role="support", service="sales")["items"] == []


def test_an_erased_canary_leaves_nothing_in_the_gateway(api: Api, rpc_proxy: Any) -> None:
    marker = f"canary{uuid.uuid4().hex[:12]}"
    contact = api.new_contact(first_name=marker, last_name=marker, job_title=marker)
    api.post(f"/api/v1/contacts/{contact['id']}/interactions", json={"kind": "note", "summary": marker})
    assert eventually(lambda: len(timeline_of(api, contact["id"])) == 1)
    assert rpc_proxy.gateway.pii_inventory(contact["id"])["places"]["customer_parts"] >= 1

    api.delete(f"/api/v1/contacts/{contact['id']}")

    assert eventually(lambda: set(rpc_proxy.gateway.pii_inventory(contact["id"])["places"].values()) == {0})
    assert marker not in gateway_rows(api.gateway_db)


def timeline_of(api: Api, contact_id: str) -> list[Any]:
    return list(api.get(f"/api/v1/customers/{contact_id}/timeline").json()["items"])


def gateway_rows(url: str) -> str:
    """Every row of every gateway table, as text."""
    import json

    import sqlalchemy as sa

    from crm_gateway.adapters.tables import metadata
    from crm_shared.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        text = json.dumps([[str(v) for v in row] for t in metadata.sorted_tables for row in conn.execute(sa.select(t))])
    engine.dispose()
    return text


@pytest.fixture(scope="module")
def rpc_proxy(amqp_uri: str) -> Iterator[Any]:
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy
