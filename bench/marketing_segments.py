"""Benchmark: segment evaluation over the marketing read model on PostgreSQL.

Seeds a fresh, migrated marketing database with N contacts' facts (lifecycle stage,
consent, RFM scores and tier, last order, open tickets, tags, interests, a demographic),
runs VACUUM ANALYZE, then times for several rule sets:

* ``preview``: the preview count (``SegmentRepository.preview_count``: one SQL statement);
* ``refresh``: computing a new dynamic segment's members in the database (the INSERT ...
  SELECT and DELETE of ``SegmentRepository.refresh``), rolled back after each run;
* ``create``: the whole ``create_segment`` command for the most selective rule set, then
  the timer's work of announcing each member (a ``segment.membership_changed`` and a
  ``customer_summary.updated`` event per member, written to the outbox).

Run: ``python -m bench.marketing_segments [--contacts 100000] [--runs 5]``
(PostgreSQL from ``BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlparse, urlunparse

import sqlalchemy as sa

from crm_marketing.adapters.tables import plumbing
from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.plugin import SERVICE
from crm_marketing.service_layer import memberships, segments
from crm_shared.commands import run_command
from crm_shared.contracts.loading import load, schema_instance
from crm_shared.contracts.marketing import SegmentCreateSchema
from crm_shared.db import make_engine, normalise_url
from crm_shared.migrations import upgrade

TAGS = [f"tag{n}" for n in range(20)] + ["vip"]
INTERESTS = [f"interest{n}" for n in range(30)]
COUNTRIES = ["GB", "US", "DE", "FR", "ES", "IT", "NL", "SE", "PL", "IE"]
STAGES = ["subscriber", "lead", "opportunity", "customer", "evangelist", "other"]
TIERS = ["platinum", "gold", "silver", "bronze", None]

RULE_SETS: dict[str, dict[str, Any]] = {
    "one column": {"all": [{"field": "lifecycle_stage", "operator": "eq", "value": "customer"}]},
    "one tag": {"all": [{"field": "tags", "operator": "contains", "value": "vip"}]},
    "nested, seven conditions": {"all": [
        {"field": "email_consent", "operator": "eq", "value": True},
        {"any": [{"field": "tags", "operator": "contains", "value": "vip"},
                 {"field": "value_tier", "operator": "in", "value": ["gold", "platinum"]}]},
        {"field": "rfm.recency", "operator": "gte", "value": 3},
        {"field": "last_order_at", "operator": "within_days", "value": 365},
        {"field": "open_tickets", "operator": "eq", "value": 0},
        {"field": "demographics.country", "operator": "in", "value": ["GB", "IE", "US"]},
    ]},
}  # fmt: skip


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    admin = sa.create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    name = f"bench_marketing_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = urlunparse(urlparse(server)._replace(path="/" + name))
        upgrade(SERVICE.migrations, url)  # type: ignore[arg-type]
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(engine: sa.Engine, contacts: int, rng: random.Random) -> None:
    """COPY, as a bulk load would: the rows are what the event handlers write."""
    now = datetime.now(UTC)
    people, facts = io.StringIO(), io.StringIO()
    for _ in range(contacts):
        contact_id = uuid.uuid4()
        tier = rng.choice(TIERS)
        scores = [str(rng.randint(1, 5)) for _ in range(3)] if tier else [r"\N"] * 3
        last_order = (now - timedelta(days=rng.randint(0, 730))).isoformat() if tier else r"\N"
        row = [str(contact_id), "Ada", "Lovelace", f"{contact_id.hex[:12]}@example.com", rng.choice(STAGES),
               "t" if rng.random() < 0.6 else "f", "f", "f", *scores, tier or r"\N", last_order,
               str(rng.choice([0, 0, 0, 1, 2])), now.isoformat(), "1", "0", "0", "0"]  # fmt: skip
        people.write("\t".join(row) + "\n")
        for tag in rng.sample(TAGS, rng.randint(1, 3)):
            facts.write(f"{contact_id}\ttags\t{tag}\n")
        for interest in rng.sample(INTERESTS, rng.randint(1, 2)):
            facts.write(f"{contact_id}\tinterests\t{interest}\n")
        facts.write(f"{contact_id}\tdemographics.country\t{rng.choice(COUNTRIES)}\n")
    columns = ("contact_id, first_name, last_name, email, lifecycle_stage, email_consent, unsubscribed, hard_bounced,"
               " rfm_recency, rfm_frequency, rfm_monetary, value_tier, last_order_at, open_tickets, updated_at,"
               " contacts_sequence, sales_sequence, support_sequence, consent_sequence")  # fmt: skip
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        people.seek(0)
        cursor.copy_expert(f"COPY audience ({columns}) FROM STDIN", people)  # type: ignore[attr-defined]
        facts.seek(0)
        cursor.copy_expert("COPY audience_facts (contact_id, name, value) FROM STDIN", facts)  # type: ignore[attr-defined]
        raw.commit()
        # As autovacuum leaves a table after a bulk load: statistics (and the joint ones on
        # facts) gathered, the visibility map set for index-only scans. Set on the driver's
        # connection: on SQLAlchemy's pool proxy the flag did nothing, the ANALYZE was rolled
        # back, and the figures before 2026-12-04 were taken without statistics.
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cursor.execute("VACUUM ANALYZE")
    finally:
        raw.close()


def timed(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def run(contacts: int = 100_000, runs: int = 5, server: str | None = None) -> dict[str, Any]:
    server = server or os.environ.get("BENCH_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    result: dict[str, Any] = {"benchmark": "marketing_segments", "contacts": contacts, "runs": runs, "rule_sets": {}}
    with fresh_database(server) as url:
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine, contacts, random.Random(7))
        result["seed_seconds"] = round(time.perf_counter() - started, 2)
        new_uow = lambda: MarketingUnitOfWork(engine, plumbing)  # noqa: E731
        for name, rules in RULE_SETS.items():
            loaded = load(schema_instance(SegmentCreateSchema), {"name": name, "rules": rules})["rules"]
            result["rule_sets"][name] = measure(new_uow, loaded, runs)
        result["create_segment"] = create(new_uow, RULE_SETS["nested, seven conditions"])
        engine.dispose()
    return result


def measure(new_uow: Callable[[], MarketingUnitOfWork], rules: dict[str, Any], runs: int) -> dict[str, Any]:
    now = datetime.now(UTC)

    def preview() -> int:
        with new_uow() as uow:
            return uow.segments.preview_count(rules, now)

    def refresh() -> int:
        with new_uow() as uow:
            segment_id = uuid.uuid4()
            uow.segments.add({"id": segment_id, "name": "b", "kind": "dynamic", "rules": rules, "created_at": now,
                              "updated_at": now, "version": 1})  # fmt: skip
            joined, _ = uow.segments.refresh(segment_id, rules, now)
            uow.rollback()
            return len(joined)

    preview_seconds, count = timed(preview, runs)
    refresh_seconds, members = timed(refresh, runs)
    return {"matching": count, "preview_ms": round(preview_seconds * 1000, 1),
            "refresh_ms": round(refresh_seconds * 1000, 1), "members": members}  # fmt: skip


def create(new_uow: Callable[[], MarketingUnitOfWork], rules: dict[str, Any]) -> dict[str, Any]:
    fields = load(schema_instance(SegmentCreateSchema), {"name": "Whole command", "rules": rules})
    started = time.perf_counter()
    segment = run_command(new_uow, partial(segments.create_segment, fields=fields, now=datetime.now(UTC)),
                          operation="create_segment")  # fmt: skip
    seconds = time.perf_counter() - started
    started, announced = time.perf_counter(), 0
    while True:
        with new_uow() as uow:
            batch = memberships.announce_queued_changes(uow)
        announced += batch
        if batch == 0:
            break
    drained = time.perf_counter() - started
    return {"members": segment["member_count"], "command_seconds": round(seconds, 2),
            "announced": announced, "announce_seconds": round(drained, 2),
            "announced_per_second": round(announced / drained) if drained else None}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(run(args.contacts, args.runs), indent=2))


if __name__ == "__main__":
    main()
