"""Opportunity, order and RFM rules without I/O."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from crm_sales.domain import opportunities as model
from crm_sales.domain.lines import Line
from crm_sales.domain.orders import order_for_won
from crm_sales.domain.pipelines import new_pipeline
from crm_sales.domain.rfm import tier_for
from crm_shared.db import utcnow
from crm_shared.errors import Invalid

PIPELINE = new_pipeline("P", [{"name": "A", "probability": 10}, {"name": "B", "probability": 70}], utcnow())


def opened(**fields):
    base = {"name": "Deal", "contact_id": uuid.uuid4(), "amount": {"amount": Decimal("10.00"), "currency": "EUR"}}
    return model.open_opportunity({**base, **fields}, PIPELINE, fields.pop("lines", ()), utcnow())


def test_a_given_probability_overrides_the_stage_default():
    opportunity, change = opened(probability=33)
    assert opportunity.probability == 33 and change.to_stage == "A" and change.from_stage is None


def test_a_move_takes_the_new_stage_probability_and_records_from_and_to():
    opportunity, _ = opened()
    moved, change = model.move_to_stage(opportunity, PIPELINE, PIPELINE.stages[1].id, "ann", utcnow())
    assert (moved.stage, moved.probability, moved.version) == ("B", 70, 2)
    assert (change.from_stage, change.to_stage, change.changed_by) == ("A", "B", "ann")


def test_a_closed_opportunity_refuses_changes():
    opportunity, _ = opened()
    lost = model.close(opportunity, model.LOST, "price", utcnow())
    assert lost.probability == 0
    with pytest.raises(Invalid):
        model.change_opportunity(lost, {"next_step": "call"}, None, utcnow())


def test_a_won_deal_without_products_places_no_order_and_with_products_one_in_its_currency():
    line = Line(uuid.uuid4(), "Licence", 3, Decimal("33.33"), "EUR")
    bare, _ = opened()
    with_products = model.open_opportunity(
        {"name": "D", "contact_id": uuid.uuid4(), "amount": {"amount": Decimal("99.99"), "currency": "EUR"}},
        PIPELINE, (line,), utcnow(),
    )[0]  # fmt: skip
    assert order_for_won(model.close(bare, model.WON, None, utcnow())) is None
    order = order_for_won(model.close(with_products, model.WON, None, utcnow()))
    assert order is not None and order.total == Decimal("99.99") and order.currency == "EUR"


@pytest.mark.parametrize(("scores", "tier"), [((5, 5, 5), "platinum"), ((4, 3, 3), "gold"),
                                              ((3, 2, 2), "silver"), ((1, 2, 3), "bronze")])  # fmt: skip
def test_value_tiers_follow_the_total_rfm_score(scores, tier):
    assert tier_for(*scores) == tier
