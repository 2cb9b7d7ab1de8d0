"""Calendar periods as SQL labels, the same text on PostgreSQL and SQLite ("2026-11", "2026-Q4", ...).

A week is labelled by its Monday. Times are bucketed in UTC.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

PG_FORMATS = {"day": "YYYY-MM-DD", "week": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
SQLITE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def period_label(column: Any, period: str, dialect: str, is_date: bool = False) -> sa.ColumnElement[str]:
    if dialect == "postgresql":
        utc = column if is_date else sa.func.timezone("UTC", column)
        return sa.func.to_char(sa.func.date_trunc(period, utc), PG_FORMATS[period])
    if period == "week":
        return sa.func.date(column, "weekday 0", "-6 days")
    if period == "quarter":
        month = sa.cast(sa.func.strftime("%m", column), sa.Integer)
        return sa.func.strftime("%Y", column) + "-Q" + sa.cast((month + 2) // 3, sa.String)
    return sa.func.strftime(SQLITE_FORMATS[period], column)


def days_between(start: Any, end: Any, dialect: str) -> sa.ColumnElement[Any]:
    if dialect == "postgresql":
        return sa.func.extract("epoch", end - start) / 86400.0
    return sa.func.julianday(end) - sa.func.julianday(start)
