"""The sales API through the gateway: pipelines, opportunities and their moves, products, orders, summary.

The stack is real, as in conftest: the contacts, sales and gateway services on the session's
RabbitMQ vhost, each on its own migrated PostgreSQL database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from crm_sales.adapters import tables as sales_tables
from crm_sales.entrypoints.service import SalesService
from crm_sales.plugin import SERVICE as SALES_PLUGIN
from crm_shared.testing import MigratedDatabases

from .conftest import Containers, eventually, start_stack

V1 = "/api/v1"


@pytest.fixture(scope="module")
def api(amqp_uri: str, migrated_databases: MigratedDatabases) -> Iterator[object]:
    """Contacts, sales and the gateway on PostgreSQL, shared by this module's tests."""
    containers = Containers(amqp_uri)
    try:
        sales_db = migrated_databases.url("postgresql", SALES_PLUGIN.migrations, sales_tables.metadata)
        containers.start(SalesService, DATABASE_URL=sales_db)
        client = start_stack(containers.start, migrated_databases, "postgresql")
        yield client
        client.session.close()
    finally:
        containers.stop_all()


def new_pipeline(api) -> dict:
    stages = [{"name": "Qualify", "probability": 10}, {"name": "Propose", "probability": 60},
              {"name": "Close", "probability": 90}]  # fmt: skip
    response = api.post(f"{V1}/pipelines", json={"name": "Direct", "stages": stages})
    assert response.status_code == 201, response.text
    return response.json()


def new_opportunity(api, pipeline, contact_id, **fields) -> dict:
    body = {"name": "Big deal", "pipeline_id": pipeline["id"], "contact_id": contact_id,
            "amount": {"amount": "2500.00", "currency": "EUR"}, **fields}  # fmt: skip
    response = api.post(f"{V1}/opportunities", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_opportunity_is_created_moved_with_if_match_and_its_history_kept(api):
    pipeline = new_pipeline(api)
    created = new_opportunity(api, pipeline, str(uuid.uuid4()))
    url = f"{V1}/opportunities/{created['id']}"
    assert created["stage"] == "Qualify" and created["probability"] == 10

    moved = api.post(f"{url}/stage", json={"stage_id": pipeline["stages"][1]["id"]}, headers={"If-Match": '"1"'})
    stale = api.post(f"{url}/stage", json={"stage_id": pipeline["stages"][2]["id"]}, headers={"If-Match": '"1"'})

    assert moved.status_code == 200 and moved.headers["ETag"] == '"2"'
    assert moved.json()["stage"] == "Propose" and moved.json()["probability"] == 60
    assert stale.status_code == 412
    history = api.get(f"{url}/stage-history").json()
    assert [h["to_stage"] for h in history] == ["Qualify", "Propose"]


def test_bad_input_names_each_field(api):
    pipeline = new_pipeline(api)
    body = {"name": "Deal", "pipeline_id": pipeline["id"], "contact_id": str(uuid.uuid4()),
            "amount": {"amount": "-5", "currency": "EUX"}, "expected_close_date": "31/12/2026"}  # fmt: skip
    response = api.post(f"{V1}/opportunities", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"amount", "expected_close_date"}
    assert set(errors["amount"]) == {"amount", "currency"}


def test_a_stage_of_another_pipeline_is_refused(api):
    first, other = new_pipeline(api), new_pipeline(api)
    created = new_opportunity(api, first, str(uuid.uuid4()))
    response = api.post(f"{V1}/opportunities/{created['id']}/stage", json={"stage_id": other["stages"][1]["id"]})
    assert response.status_code == 422 and "stage_id" in response.json()["errors"]


def test_winning_with_products_places_an_order_seen_in_the_customer_summary(api):
    pipeline = new_pipeline(api)
    product = api.post(f"{V1}/products", json={"sku": f"SKU-{uuid.uuid4().hex[:8]}", "name": "Licence",
                                               "unit_price": {"amount": "99.50", "currency": "EUR"}})  # fmt: skip
    assert product.status_code == 201, product.text
    contact_id = api.new_contact()["id"]
    created = new_opportunity(api, pipeline, contact_id, products=[{"product_id": product.json()["id"], "quantity": 4}])

    won = api.post(f"{V1}/opportunities/{created['id']}/win", json={"reason": "Price"})
    lost = api.post(f"{V1}/opportunities/{created['id']}/lose", json={"reason": "Too late"})

    assert won.status_code == 200 and won.json()["status"] == "won"
    assert lost.status_code == 422 and "status" in lost.json()["errors"]
    orders = api.get(f"{V1}/orders", params={"contact_id": contact_id}).json()["items"]
    assert [o["total"] for o in orders] == [{"amount": "398.00", "currency": "EUR"}]

    def sales_part() -> Any:  # the customer 360 keeps it from sales' events
        part = api.get(f"{V1}/customers/{contact_id}").json().get("sales") or {}
        return part if part.get("won_count") == 1 else None

    summary = eventually(sales_part)
    assert summary and summary["order_count"] == 1
    assert summary["lifetime_value"] == [{"amount": "398.00", "currency": "EUR"}]


def test_losing_needs_a_reason(api):
    created = new_opportunity(api, new_pipeline(api), str(uuid.uuid4()))
    response = api.post(f"{V1}/opportunities/{created['id']}/lose", json={})
    assert response.status_code == 422 and "reason" in response.json()["errors"]


def test_the_readonly_role_reads_but_may_not_write_sales(api):
    pipeline = new_pipeline(api)
    assert api.get(f"{V1}/pipelines/{pipeline['id']}", role="readonly").status_code == 200
    assert api.post(f"{V1}/pipelines", role="readonly", json={"name": "x", "stages": []}).status_code == 403
    assert api.get(f"{V1}/pipelines", role="support").status_code == 403


def test_opportunities_are_searched_with_filters_and_a_cursor(api):
    pipeline = new_pipeline(api)
    contact_id = str(uuid.uuid4())
    ids = {new_opportunity(api, pipeline, contact_id)["id"] for _ in range(3)}
    first = api.get(f"{V1}/opportunities", params={"contact_id": contact_id, "limit": 2}).json()
    second = api.get(
        f"{V1}/opportunities", params={"contact_id": contact_id, "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert {o["id"] for o in first["items"] + second["items"]} == ids and second["next_cursor"] is None


def test_a_lead_is_captured_qualified_and_converted_once_even_when_retried(api):
    marker = uuid.uuid4().hex[:10]
    lead = api.post(f"{V1}/leads", json={"channel": "web_form", "first_name": "Lin", "last_name": marker,
                                         "email": f"{marker}@example.com"})  # fmt: skip
    assert lead.status_code == 201, lead.text
    lead_url = f"{V1}/leads/{lead.json()['id']}"
    assert api.post(f"{lead_url}/status", json={"status": "qualified"}).status_code == 200
    pipeline = new_pipeline(api)
    body = {"pipeline_id": pipeline["id"], "amount": {"amount": "300.00", "currency": "GBP"}}

    first = api.post(f"{lead_url}/convert", json=body)
    retry = api.post(f"{lead_url}/convert", json=body)

    assert first.status_code == 200, first.text
    assert retry.json() == first.json()
    contact = api.get(f"{V1}/contacts/{first.json()['contact_id']}").json()
    assert contact["emails"][0]["address"] == f"{marker}@example.com"
    assert api.get(f"{V1}/contacts", params={"q": marker}).json()["items"] == [contact]
    places = api.get(f"{V1}/contacts/{contact['id']}/pii-inventory").json()["services"]["sales"]
    assert places["leads"] == 1 and places["opportunities"] == 1


def test_analytics_and_forecasts_answer_with_their_figures(api):
    pipeline = new_pipeline(api)
    owner = f"owner-{uuid.uuid4().hex[:8]}"
    new_opportunity(api, pipeline, str(uuid.uuid4()), owner=owner, expected_close_date="2031-03-15")

    weighted = api.get(f"{V1}/sales/forecasts/weighted", params={"owner": owner, "period": "quarter"})
    value = api.get(f"{V1}/pipelines/{pipeline['id']}/value")
    revenue = api.get(f"{V1}/sales/analytics/revenue", params={"by": "period", "period": "year"})
    performance = api.get(f"{V1}/sales/analytics/performance", params={"owner": owner})

    assert weighted.status_code == 200 and weighted.json()["rows"] == [
        {"period": "2031-Q1", "currency": "EUR", "opportunities": 1, "pipeline": "2500.00", "weighted": "250.00",
         "best_case": "0.00", "commit": "0.00"}]  # fmt: skip
    assert [r["weighted_value"] for r in value.json()["rows"]] == ["250.00"]
    assert revenue.status_code == 200 and performance.json() == {"rows": []}
    assert api.get(f"{V1}/sales/analytics/revenue", params={"by": "colour"}).status_code == 422
    forecast = api.get(f"{V1}/sales/forecasts/revenue", params={"currency": "JPY"})
    assert forecast.status_code == 422 and "currency" in forecast.json()["errors"]
    assert api.post(f"{V1}/sales/analytics/rfm/refresh").status_code == 200
    assert api.get(f"{V1}/sales/analytics/rfm", params={"tier": "gold"}).status_code == 200
