"""Revenue forecast from the monthly order history: Holt-Winters exponential smoothing (statsmodels).

With two full years of history the model has an additive trend and a 12-month additive
season; with less, Holt's linear trend alone. The back-test fits the same model on the
history without its last ``holdout`` months and reports the mean absolute percentage
error (MAPE) of its forecast of those months.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_shared.contracts import sales as s
from crm_shared.contracts.loading import schema_instance
from crm_shared.errors import Invalid

SEASON = 12
MIN_HISTORY = 4
CENT = Decimal("0.01")


def revenue_forecast(uow: Uow, query: dict[str, Any]) -> dict[str, Any]:
    history = monthly_series(uow.reports.monthly_revenue(query["currency"]))
    horizon, holdout = query["horizon"], query["holdout"]
    if len(history) < MIN_HISTORY + holdout:
        raise Invalid(
            "Not enough order history to forecast.",
            fields={"currency": [f"Needs orders in at least {MIN_HISTORY + holdout} months."]},
        )
    values = [float(v) for _, v in history]
    method, predicted = fit_and_forecast(values, horizon)
    _, backtest = fit_and_forecast(values[:-holdout], holdout)
    periods = next_months(history[-1][0], horizon)
    body = {
        "currency": query["currency"],
        "method": method,
        "history": [{"period": p, "revenue": v} for p, v in history],
        "forecast": [{"period": p, "revenue": _money(v)} for p, v in zip(periods, predicted, strict=True)],
        "backtest_periods": holdout,
        "backtest_mape": mape(values[-holdout:], backtest),
    }
    return dict(schema_instance(s.RevenueForecastSchema).dump(body))


def fit_and_forecast(values: list[float], horizon: int) -> tuple[str, list[float]]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = len(values) >= 2 * SEASON
    model = ExponentialSmoothing(
        values,
        trend="add",
        seasonal="add" if seasonal else None,
        seasonal_periods=SEASON if seasonal else None,
        initialization_method="estimated",
    )
    fitted = model.fit()
    name = "Holt-Winters additive trend and 12-month season" if seasonal else "Holt linear trend"
    return name, [max(0.0, float(v)) for v in fitted.forecast(horizon)]


def mape(actual: list[float], predicted: list[float]) -> float | None:
    """Mean absolute percentage error over the months that had revenue; None if none had."""
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a != 0]
    if not pairs:
        return None
    return round(100 * sum(abs(a - p) / abs(a) for a, p in pairs) / len(pairs), 2)


def monthly_series(rows: Any) -> list[tuple[str, Decimal]]:
    """Every month from the first order's to the last, months without orders as 0."""
    by_month = {row.period: Decimal(row.revenue) for row in rows}
    if not by_month:
        return []
    first, last = min(by_month), max(by_month)
    months = [first]
    while months[-1] != last:
        months.append(next_months(months[-1], 1)[0])
    return [(m, by_month.get(m, Decimal("0.00"))) for m in months]


def next_months(month: str, count: int) -> list[str]:
    current = date.fromisoformat(f"{month}-01")
    result = []
    for _ in range(count):
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        result.append(current.strftime("%Y-%m"))
    return result


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)
