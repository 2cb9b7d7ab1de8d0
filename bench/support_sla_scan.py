"""Benchmark: the support service's SLA breach scan over 100,000 open tickets on PostgreSQL.

Creates a fresh, migrated support database, loads N open tickets whose SLA milestones
fall over the coming 30 days (so a few are due at any moment, as in production), and
measures with the service's own handler and unit of work:

* ``idle_scan``: one scan when nothing is due (the claim query alone, every tick);
* ``due_batch``: one scan that claims a batch of due tickets and fires their breaches,
  with the events and summaries written to the outbox in the same transaction;
* the query plan of the claim query, to show it is served by the partial index.

Run: ``python -m bench.support_sla_scan [--tickets 100000] [--due 500] [--repeat 5]``.
Nothing asserts on time; the aim (under 1 s) is reported.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa

from bench.harness import create_database, drop_database, log, machine, median, write_result
from crm_shared.commands import run_command
from crm_shared.db import make_engine
from crm_shared.migrations import upgrade
from crm_support.adapters.tables import plumbing, tickets
from crm_support.adapters.tickets_repository import to_row
from crm_support.adapters.unit_of_work import SupportUnitOfWork
from crm_support.domain import sla
from crm_support.domain.tickets import Ticket
from crm_support.plugin import SERVICE
from crm_support.service_layer.sla_scan import fire_due_milestones

CHUNK = 5_000


def open_ticket(now: datetime, due_in: timedelta) -> tuple[Ticket, datetime]:
    created = now - timedelta(hours=1)
    due = now + due_in
    clock = sla.SlaClock(first_response_due_at=due, first_response_warn_at=due - timedelta(minutes=10),
                         resolution_due_at=due + timedelta(hours=8), resolution_warn_at=due + timedelta(hours=6),
                         fired=frozenset({"first_response.warning"}))  # fmt: skip
    ticket = Ticket(
        id=uuid.uuid4(), contact_id=uuid.uuid4(), account_id=None, subject="Cannot log in", description="...",
        channel=random.choice(("email", "web", "phone")), priority=random.choice(("low", "normal", "high")),
        created_at=created, updated_at=created, status=random.choice(("new", "open", "on_hold")),
        sla_level="default", sla=clock,
    )  # fmt: skip
    return ticket, due


def load(engine: sa.Engine, count: int, due_now: int, now: datetime) -> None:
    """``due_now`` tickets overdue by up to an hour, the rest due over the next 30 days."""
    rows = []
    for number in range(count):
        overdue = number < due_now
        due_in = -timedelta(seconds=random.uniform(1, 3600)) if overdue else timedelta(days=random.uniform(0.01, 30))
        ticket, due = open_ticket(now, due_in)
        rows.append(to_row(ticket, due))
        if len(rows) == CHUNK:
            _insert(engine, rows)
            rows = []
    _insert(engine, rows)
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE tickets"))


def _insert(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    if rows:
        with engine.begin() as conn:
            conn.execute(tickets.insert(), rows)


def timed_scan(engine: sa.Engine, now: datetime, batch: int) -> tuple[float, int]:
    new_uow = partial(SupportUnitOfWork, engine, plumbing)
    started = time.perf_counter()
    answer = run_command(new_uow, partial(fire_due_milestones, now=now, batch=batch), operation="bench")
    return time.perf_counter() - started, int(answer["fired"])


def claim_plan(engine: sa.Engine, now: datetime, batch: int) -> list[str]:
    query = (
        sa.select(tickets.c.id)
        .where(tickets.c.sla_next_check_at.is_not(None), tickets.c.sla_next_check_at <= now)
        .order_by(tickets.c.sla_next_check_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.begin() as conn:
        return [row[0] for row in conn.execute(sa.text(f"EXPLAIN ANALYZE {compiled}"))]


def run(tickets_count: int = 100_000, due: int = 500, repeat: int = 5) -> dict[str, Any]:
    name = f"crm_bench_sla_{uuid.uuid4().hex[:8]}"
    url = create_database(name)
    try:
        upgrade(SERVICE.migrations, url)
        engine = make_engine(url)
        now = datetime.now(UTC)
        started = time.perf_counter()
        load(engine, tickets_count, due * repeat, now)
        log(f"loaded {tickets_count} open tickets in {time.perf_counter() - started:.1f}s")
        idle = [timed_scan(engine, now - timedelta(days=1), due)[0] for _ in range(repeat)]
        plan = claim_plan(engine, now, due)
        batches = [timed_scan(engine, now, due) for _ in range(repeat)]
        with engine.begin() as conn:
            breaches = conn.execute(
                sa.select(sa.func.count()).where(plumbing.outbox.c.event_type == "ticket.sla_breached")
            ).scalar_one()
        engine.dispose()
    finally:
        drop_database(name)
    result = {
        "machine": machine(),
        "open_tickets": tickets_count,
        "batch": due,
        "idle_scan_ms_median": round(median(idle) * 1000, 2),
        "due_batch_s_median": round(median([s for s, _ in batches]), 3),
        "due_batch_fired": [n for _, n in batches],
        "milestones_per_s": round(sum(n for _, n in batches) / sum(s for s, _ in batches), 1),
        "breach_events_in_outbox": breaches,
        "claim_plan": plan,
        "aim_under_1s": median([s for s, _ in batches]) < 1.0,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = run(args.tickets, args.due, args.repeat)
    path = write_result("support_sla_scan", result)
    for key, value in result.items():
        if key != "claim_plan":
            log(f"{key}: {value}")
    log("claim plan: " + " | ".join(line.strip() for line in result["claim_plan"]))
    log(f"written to {path}")


if __name__ == "__main__":
    main()
