"""A campaign's performance: counts per variant, revenue, ROI, cost per acquisition, A/B significance."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.domain.statistics import rate, two_proportion_z_test
from crm_shared.contracts.loading import schema_instance
from crm_shared.contracts.marketing import CampaignStatsSchema
from crm_shared.errors import NotFound

COUNTS = ("recipients", "sent", "bounced", "skipped", "opened", "clicked", "unsubscribed")
TESTED = (("open_rate", "opened"), ("click_rate", "clicked"), ("conversion_rate", "converted"))


def campaign_stats(uow: MarketingUnitOfWork, campaign_id: uuid.UUID) -> Any:
    campaign = uow.campaigns.get(campaign_id)
    if campaign is None:
        raise NotFound("No such campaign.", field="campaign_id")
    counts = uow.performance.variant_counts(campaign_id)
    converted = uow.performance.conversions(campaign_id)
    revenue = uow.performance.revenue(campaign_id)
    names = [v["name"] for v in campaign.variants]
    variants = [_variant(name, counts.get(name, {}), converted.get(name, 0), revenue.get(name, {})) for name in names]
    total = _variant("all", _sum(counts.values()), sum(converted.values()), _sum_money(revenue.values()))
    cost = _money(campaign.cost_amount, campaign.cost_currency)
    stats = {**total, "campaign_id": campaign.id, "status": campaign.status, "cost": cost,
             "attribution_days": campaign.attribution_days, "variants": variants,
             "significance": _significance(variants), **_returns(cost, total)}  # fmt: skip
    return schema_instance(CampaignStatsSchema).dump(stats)


def _variant(name: str, counts: dict[str, int], converted: int, revenue: dict[str, Decimal]) -> dict[str, Any]:
    values = {key: counts.get(key, 0) for key in COUNTS}
    delivered = values["sent"] - values["bounced"]
    return {
        **values, "variant": name, "delivered": delivered, "converted": converted,
        "revenue": [{"amount": amount, "currency": currency} for currency, amount in sorted(revenue.items())],
        "open_rate": rate(values["opened"], delivered), "click_rate": rate(values["clicked"], delivered),
        "conversion_rate": rate(converted, delivered),
    }  # fmt: skip


def _significance(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tests = []
    for a, b in itertools.combinations(variants, 2):
        for metric, count in TESTED:
            result = two_proportion_z_test(a[count], a["delivered"], b[count], b["delivered"])
            tests.append({"metric": metric, "variant_a": a["variant"], "variant_b": b["variant"], "z": result.z,
                          "p_value": result.p_value, "significant": result.significant})  # fmt: skip
    return tests


def _returns(cost: dict[str, Any] | None, total: dict[str, Any]) -> dict[str, Any]:
    """ROI and cost per acquisition in the cost's currency; revenue in other currencies is not converted."""
    if cost is None or cost["amount"] == 0:
        return {"roi": None, "cost_per_acquisition": None}
    earned = sum((r["amount"] for r in total["revenue"] if r["currency"] == cost["currency"]), Decimal(0))
    roi = float((earned - cost["amount"]) / cost["amount"])
    per = None
    if total["converted"]:
        per = {"amount": (cost["amount"] / total["converted"]).quantize(Decimal("0.01")), "currency": cost["currency"]}
    return {"roi": roi, "cost_per_acquisition": per}


def _money(amount: Any, currency: str | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": Decimal(amount), "currency": currency}


def _sum(many: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in many:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return total


def _sum_money(many: Any) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for by_currency in many:
        for currency, amount in by_currency.items():
            total[currency] = total.get(currency, Decimal(0)) + amount
    return total
