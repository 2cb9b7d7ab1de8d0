"""Opportunities through the real unit of work: atomic writes with their events, moves, closing, search."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from crm_sales.adapters.tables import opportunities, order_lines, plumbing, stage_changes
from crm_sales.service_layer import opportunities as handlers
from crm_shared.commands import read
from crm_shared.db import utcnow
from crm_shared.errors import Gone, Invalid, NotFound, StaleVersion


def outbox(new_uow):
    with new_uow() as uow:
        rows = uow.conn.execute(sa.select(plumbing.outbox.c.event_type, plumbing.outbox.c.envelope).order_by("id"))
        return [(r.event_type, r.envelope) for r in rows]


def move(sales, opportunity, stage, version=None, key=None):
    return sales.run(
        handlers.move_stage, key=key, opportunity_id=uuid.UUID(opportunity["id"]),
        move={"stage_id": uuid.UUID(stage["id"]), "changed_by": "ann"}, expected_version=version, now=utcnow(),
    )  # fmt: skip


def close(sales, opportunity, status, reason="budget", version=None):
    return sales.run(
        handlers.close_opportunity, opportunity_id=uuid.UUID(opportunity["id"]), status=status,
        close={"reason": reason}, expected_version=version, now=utcnow(),
    )  # fmt: skip


def test_a_new_opportunity_starts_at_the_first_stage_with_its_probability_and_events(sales, new_uow):
    pipeline = sales.pipeline()
    contact = uuid.uuid4()

    created = sales.opportunity(pipeline, contact, owner="ann", expected_close_date=None)

    assert created["stage"] == "Prospecting" and created["probability"] == 10 and created["status"] == "open"
    assert created["amount"] == {"amount": "1000.00", "currency": "EUR"} and created["version"] == 1
    events = outbox(new_uow)
    assert [t for t, _ in events] == ["opportunity.created", "customer_summary.updated"]
    summary = events[1][1]["data"]["summary"]
    assert events[1][1]["aggregate_id"] == str(contact) and events[1][1]["producer"] == "sales"
    assert [o["id"] for o in summary["open_opportunities"]] == [created["id"]]


def test_a_stage_from_another_pipeline_is_refused_naming_the_field_and_nothing_is_written(sales, new_uow):
    first, other = sales.pipeline(), sales.pipeline()
    with pytest.raises(Invalid) as refused:
        sales.opportunity(first, uuid.uuid4(), stage_id=other["stages"][1]["id"])
    assert "stage_id" in refused.value.fields
    with new_uow() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(opportunities)).scalar_one() == 0
    assert outbox(new_uow) == []


def test_stage_moves_keep_a_full_history_and_take_the_stage_probability(sales, new_uow):
    pipeline = sales.pipeline()
    created = sales.opportunity(pipeline, uuid.uuid4())

    moved = move(sales, created, pipeline["stages"][2], version=1)
    back = move(sales, moved, pipeline["stages"][1], version=2)

    assert (back["stage"], back["probability"], back["version"]) == ("Proposal", 50, 3)
    history = read(new_uow, lambda uow: handlers.stage_history(uow, uuid.UUID(created["id"])))
    assert [(h["from_stage"], h["to_stage"], h["changed_by"]) for h in history] == [
        (None, "Prospecting", None),
        ("Prospecting", "Negotiation", "ann"),
        ("Negotiation", "Proposal", "ann"),
    ]
    changed = [e for t, e in outbox(new_uow) if t == "opportunity.stage_changed"]
    assert [e["data"]["change"]["to_stage"] for e in changed] == ["Negotiation", "Proposal"]
    assert [e["sequence"] for e in changed] == [2, 3]


def test_a_move_with_a_stale_version_is_refused(sales):
    pipeline = sales.pipeline()
    created = sales.opportunity(pipeline, uuid.uuid4())
    move(sales, created, pipeline["stages"][1], version=1)
    with pytest.raises(StaleVersion):
        move(sales, created, pipeline["stages"][2], version=1)


def test_illegal_moves_are_refused_naming_the_stage(sales, new_uow):
    pipeline, other = sales.pipeline(), sales.pipeline()
    created = sales.opportunity(pipeline, uuid.uuid4())
    with pytest.raises(Invalid) as same:
        move(sales, created, pipeline["stages"][0])
    with pytest.raises(Invalid) as foreign:
        move(sales, created, other["stages"][1])
    close(sales, created, "lost")
    with pytest.raises(Invalid) as closed:
        move(sales, created, pipeline["stages"][1])
    assert all("stage_id" in e.value.fields for e in (same, foreign, closed))
    with new_uow() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(stage_changes)).scalar_one() == 1


def test_winning_with_products_places_the_order_in_the_same_transaction(sales, new_uow):
    pipeline = sales.pipeline()
    widget, service = sales.product("W-1", "19.99"), sales.product("S-1", "100.00")
    contact = uuid.uuid4()
    products = [
        {"product_id": widget["id"], "quantity": 3, "unit_price": None},
        {"product_id": service["id"], "quantity": 1, "unit_price": sales.money("80.00")["amount"]},
    ]
    created = sales.opportunity(pipeline, contact, products=products)

    won = close(sales, created, "won", reason="best fit")

    assert (won["status"], won["probability"], won["close_reason"]) == ("won", 100, "best fit")
    types = [t for t, _ in outbox(new_uow)]
    assert types[-3:] == ["opportunity.won", "order.placed", "customer_summary.updated"]
    placed = [e for t, e in outbox(new_uow) if t == "order.placed"][0]["data"]
    assert placed["total"] == {"amount": "139.97", "currency": "EUR"} and placed["opportunity_id"] == created["id"]
    summary = [e for t, e in outbox(new_uow) if t == "customer_summary.updated"][-1]["data"]["summary"]
    assert summary["won_count"] == 1 and summary["order_count"] == 1 and summary["open_opportunities"] == []
    assert summary["lifetime_value"] == [{"amount": "139.97", "currency": "EUR"}]
    with new_uow() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(order_lines)).scalar_one() == 2


def test_a_closed_opportunity_cannot_close_again(sales):
    created = sales.opportunity(sales.pipeline(), uuid.uuid4())
    close(sales, created, "won")
    with pytest.raises(Invalid) as refused:
        close(sales, created, "lost")
    assert "status" in refused.value.fields


def test_products_priced_in_another_currency_are_refused(sales):
    widget = sales.product("W-2", "10.00", "USD")
    with pytest.raises(Invalid) as refused:
        sales.opportunity(sales.pipeline(), uuid.uuid4(), products=[{"product_id": widget["id"], "quantity": 1}])
    assert "products" in refused.value.fields


def test_a_retried_create_with_the_same_key_creates_once(sales, new_uow):
    pipeline = sales.pipeline()
    fields = {"name": "Deal", "pipeline_id": uuid.UUID(pipeline["id"]), "contact_id": uuid.uuid4(),
              "amount": sales.money("5.00")}  # fmt: skip
    first = sales.run(handlers.create_opportunity, key="k-1", fields=fields, now=utcnow())
    again = sales.run(handlers.create_opportunity, key="k-1", fields=fields, now=utcnow())
    assert first == again
    assert [t for t, _ in outbox(new_uow)].count("opportunity.created") == 1


def test_update_changes_given_fields_under_optimistic_concurrency(sales):
    created = sales.opportunity(sales.pipeline(), uuid.uuid4())
    changes = {"next_step": "Send contract", "amount": sales.money("1500.00", "USD"), "probability": 65}
    updated = sales.run(
        handlers.update_opportunity, opportunity_id=uuid.UUID(created["id"]), changes=changes,
        expected_version=1, now=utcnow(),
    )  # fmt: skip
    assert updated["amount"] == {"amount": "1500.00", "currency": "USD"} and updated["probability"] == 65
    with pytest.raises(StaleVersion):
        sales.run(
            handlers.update_opportunity, opportunity_id=uuid.UUID(created["id"]), changes={"next_step": "x"},
            expected_version=1, now=utcnow(),
        )  # fmt: skip


def test_search_filters_and_pages_with_a_cursor(sales, new_uow):
    pipeline = sales.pipeline()
    contact = uuid.uuid4()
    ids = {sales.opportunity(pipeline, contact, name=f"Acme {n}", owner="ann")["id"] for n in range(3)}
    sales.opportunity(pipeline, uuid.uuid4(), name="Other", owner="bob")

    def page(cursor=None):
        filters = {"q": "acme", "owner": "ann", "limit": 2, "cursor": cursor}
        return read(new_uow, lambda uow: handlers.search_opportunities(uow, filters))

    first = page()
    second = page(first["next_cursor"])
    assert len(first["items"]) == 2 and second["next_cursor"] is None
    assert {o["id"] for o in first["items"] + second["items"]} == ids


def test_unknown_opportunity_is_not_found(new_uow):
    with pytest.raises(NotFound):
        read(new_uow, lambda uow: handlers.get_opportunity(uow, uuid.uuid4()))


def test_nothing_new_is_recorded_for_an_erased_contact(sales, new_uow):
    from crm_sales.adapters.tables import erased_contacts

    contact = uuid.uuid4()
    with new_uow() as uow:
        uow.conn.execute(erased_contacts.insert().values(contact_id=contact, erased_at=utcnow()))
        uow.commit()
    with pytest.raises(Gone):
        sales.opportunity(sales.pipeline(), contact)
