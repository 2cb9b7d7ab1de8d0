"""Reports computed in the database, checked against hand-made figures on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from crm_sales.service_layer import analytics, followups, forecast, orders
from crm_sales.service_layer import opportunities as deals
from crm_sales.settings import SalesSettings
from crm_shared.commands import read
from crm_shared.db import utcnow
from crm_shared.errors import Invalid

SETTINGS = SalesSettings(reporting_currency="EUR", commit_min_probability=80, best_case_min_probability=50)


def place(sales, product, contact, quantity, ordered_at, owner="ann", currency="EUR"):
    fields = {"contact_id": contact, "currency": currency, "owner": owner, "ordered_at": ordered_at,
              "lines": [{"product_id": uuid.UUID(product["id"]), "quantity": quantity}]}  # fmt: skip
    return sales.run(orders.place_order, fields=fields, now=utcnow())


def report(new_uow, handler, **kwargs):
    return read(new_uow, lambda uow: handler(uow, **kwargs))


def filters(**given):
    return {"since": None, "until": None, "currency": None, "owner": None, "pipeline_id": None, "limit": 100,
            "period": "month", **given}  # fmt: skip


def test_revenue_by_customer_product_owner_and_period(sales, new_uow):
    widget, gadget = sales.product("W", "10.00"), sales.product("G", "2.50")
    ann_customer, bob_customer = uuid.uuid4(), uuid.uuid4()
    place(sales, widget, ann_customer, 3, datetime(2026, 1, 15, tzinfo=UTC))
    place(sales, gadget, ann_customer, 2, datetime(2026, 2, 1, tzinfo=UTC))
    place(sales, widget, bob_customer, 1, datetime(2026, 2, 20, tzinfo=UTC), owner="bob")
    place(sales, sales.product("U", "7.00", "USD"), bob_customer, 1, datetime(2026, 3, 1, tzinfo=UTC), currency="USD")

    def rows(by, **given):
        return [(r["key"], r["currency"], r["revenue"], r["orders"])
                for r in report(new_uow, analytics.revenue, filters=filters(by=by, **given))["rows"]]  # fmt: skip

    assert rows("customer", currency="EUR") == [(str(ann_customer), "EUR", "35.00", 2),
                                                (str(bob_customer), "EUR", "10.00", 1)]  # fmt: skip
    assert rows("customer", since=date(2026, 2, 1)) == [(str(bob_customer), "EUR", "10.00", 1),
                                                        (str(bob_customer), "USD", "7.00", 1),
                                                        (str(ann_customer), "EUR", "5.00", 1)]  # fmt: skip
    assert rows("product", currency="EUR") == [(widget["id"], "EUR", "40.00", 2), (gadget["id"], "EUR", "5.00", 1)]
    assert rows("owner", currency="EUR") == [("ann", "EUR", "35.00", 2), ("bob", "EUR", "10.00", 1)]
    assert rows("period") == [("2026-01", "EUR", "30.00", 1), ("2026-02", "EUR", "15.00", 2),
                              ("2026-03", "USD", "7.00", 1)]  # fmt: skip
    assert rows("period", period="quarter", since=date(2026, 2, 1), until=date(2026, 2, 28)) == [
        ("2026-Q1", "EUR", "15.00", 2)
    ]
    assert rows("period", period="week", currency="EUR")[0][0] == "2026-01-12"  # the Monday of the 15th's week
    ltv = report(new_uow, analytics.lifetime_values, filters=filters(currency="EUR"))["rows"]
    assert [(r["contact_id"], r["lifetime_value"], r["orders"]) for r in ltv] == [
        (str(ann_customer), "35.00", 2), (str(bob_customer), "10.00", 1)]  # fmt: skip


def close(sales, deal, status):
    return sales.run(deals.close_opportunity, opportunity_id=uuid.UUID(deal["id"]), status=status,
                     close={"reason": "r"}, expected_version=None, now=utcnow())  # fmt: skip


def test_win_rate_deal_size_cycle_pipeline_value_and_weighted_forecast(sales, new_uow):
    pipeline = sales.pipeline()
    created_at = utcnow() - timedelta(days=10)
    won = [sales.opportunity(pipeline, uuid.uuid4(), now=created_at, amount=sales.money(a)) for a in ("100", "300")]
    lost = sales.opportunity(pipeline, uuid.uuid4(), now=created_at)
    for deal in won:
        close(sales, deal, "won")
    close(sales, lost, "lost")
    close_date = date(2030, 5, 20)
    for amount, stage in (("1000.00", 0), ("500.00", 1), ("200.00", 2)):
        sales.opportunity(pipeline, uuid.uuid4(), amount=sales.money(amount), expected_close_date=close_date,
                          stage_id=pipeline["stages"][stage]["id"])  # fmt: skip

    performance = report(new_uow, analytics.performance, filters=filters())["rows"]
    assert len(performance) == 1
    row = performance[0]
    assert (row["won"], row["lost"], row["win_rate"], row["average_deal_size"]) == (2, 1, 0.6667, "200.00")
    assert row["average_cycle_days"] == pytest.approx(10, abs=0.1)
    value = report(new_uow, analytics.pipeline_value, pipeline_id=uuid.UUID(pipeline["id"]), filters=filters())
    assert [(r["stage"], r["opportunities"], r["value"], r["weighted_value"]) for r in value["rows"]] == [
        ("Prospecting", 1, "1000.00", "100.00"), ("Proposal", 1, "500.00", "250.00"),
        ("Negotiation", 1, "200.00", "160.00"),
    ]  # fmt: skip
    weighted = report(new_uow, analytics.weighted_forecast, filters=filters(), settings=SETTINGS)["rows"]
    assert weighted == [{"period": "2030-05", "currency": "EUR", "opportunities": 3, "pipeline": "1700.00",
                         "weighted": "510.00", "best_case": "700.00", "commit": "200.00"}]  # fmt: skip


def test_rfm_ranks_customers_in_quintiles_and_publishes_changed_tiers(sales, new_uow):
    product = sales.product("R", "10.00")
    base = utcnow() - timedelta(days=400)
    customers = [uuid.uuid4() for _ in range(5)]
    for rank, customer in enumerate(customers, start=1):  # the later in the list, the better on every axis
        for n in range(rank):
            place(sales, product, customer, rank, base + timedelta(days=rank * 50 + n))
    refreshed = sales.run(analytics.refresh_rfm, settings=SETTINGS, now=utcnow())
    assert refreshed == {"scored": 5, "tier_changes": 5, "currency": "EUR"}
    page = report(new_uow, analytics.rfm_page, query={"tier": None, "cursor": None, "limit": 10})["items"]
    tiers = {row["contact_id"]: (row["recency"], row["frequency"], row["monetary"], row["tier"]) for row in page}
    assert tiers[str(customers[-1])] == (5, 5, 5, "platinum") and tiers[str(customers[0])] == (1, 1, 1, "bronze")
    assert sales.run(analytics.refresh_rfm, settings=SETTINGS, now=utcnow())["tier_changes"] == 0
    from crm_sales.service_layer.customers import get_summary

    assert report(new_uow, get_summary, contact_id=customers[-1])["rfm"]["tier"] == "platinum"


def test_the_revenue_forecast_uses_holt_winters_and_reports_its_backtest_error(sales, new_uow):
    product = sales.product("F", "1.00")
    start = datetime(2023, 1, 10, tzinfo=UTC)
    for month in range(30):
        seasonal = 20 if month % 12 in (10, 11) else 0
        when = datetime(start.year + month // 12, month % 12 + 1, 10, tzinfo=UTC)
        place(sales, product, uuid.uuid4(), 100 + 2 * month + seasonal, when)

    result = report(new_uow, forecast.revenue_forecast, query={"currency": "EUR", "horizon": 3, "holdout": 3})

    assert result["method"].startswith("Holt-Winters")
    assert [p["period"] for p in result["forecast"]] == ["2025-07", "2025-08", "2025-09"]
    assert len(result["history"]) == 30 and result["history"][0] == {"period": "2023-01", "revenue": "100.00"}
    assert result["backtest_periods"] == 3 and result["backtest_mape"] < 10
    assert all(Decimal(p["revenue"]) > 150 for p in result["forecast"])


def test_a_forecast_without_enough_history_names_the_currency(new_uow):
    with pytest.raises(Invalid) as refused:
        report(new_uow, forecast.revenue_forecast, query={"currency": "EUR", "horizon": 3, "holdout": 3})
    assert "currency" in refused.value.fields


def test_an_idle_open_opportunity_is_announced_stale_once(sales, new_uow):
    pipeline = sales.pipeline()
    idle = sales.opportunity(pipeline, uuid.uuid4(), now=utcnow() - timedelta(days=20))
    sales.opportunity(pipeline, uuid.uuid4(), now=utcnow() - timedelta(days=2))

    assert sales.run(followups.report_stale, stale_after_days=14, now=utcnow()) == 1
    assert sales.run(followups.report_stale, stale_after_days=14, now=utcnow()) == 0
    with new_uow() as uow:
        import sqlalchemy as sa

        from crm_sales.adapters.tables import plumbing

        stale = uow.conn.execute(
            sa.select(plumbing.outbox.c.envelope).where(plumbing.outbox.c.event_type == "opportunity.stale")
        ).scalars().all()  # fmt: skip
    assert [e["data"]["opportunity"]["id"] for e in stale] == [idle["id"]]
    assert stale[0]["data"]["stale_after_days"] == 14


def test_a_logged_interaction_keeps_the_contacts_deals_from_going_stale(sales, new_uow):
    from crm_sales.service_layer import privacy
    from crm_shared.envelope import Envelope

    contact = uuid.uuid4()
    sales.opportunity(sales.pipeline(), contact, now=utcnow() - timedelta(days=20))
    event = Envelope(event_id=uuid.uuid4(), type="interaction.logged", schema_version=1, occurred_at=utcnow(),
                     producer="contacts", correlation_id=None, aggregate_id=str(contact), sequence=1, data={})  # fmt: skip
    with new_uow() as uow:
        assert privacy.interaction_logged(uow, event, contact, utcnow() - timedelta(days=1))
    with new_uow() as uow:
        assert not privacy.interaction_logged(uow, event, contact, utcnow())

    assert sales.run(followups.report_stale, stale_after_days=14, now=utcnow()) == 0
