"""Where an imported row's time goes, in process (no nameko), on a fresh PostgreSQL database.

The contacts service's import handler (``crm_contacts.service_layer.importing``) is taken
apart into its stages and each is timed over batches of 2,000 realistic rows, as the CLI
sends them (the five tables an import writes take its rows by ``COPY``, through
``crm_shared.db.insert_rows``). Then the whole handler once under cProfile, and the outbox
relay's publishing rate on
a private vhost. Single process, single core: the figures are CPU costs per row.
Run alone: ``python -m bench.import_profile [--batches 5]``.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import pstats
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from bench import datagen
from bench.harness import log, migrated_contacts_database, private_vhost

BATCH = 2_000
STAGE_ORDER = (
    "cli: csv parse + row_to_contact",
    "rpc: json encode + decode of the batch",
    "validate: ContactCreateSchema.load",
    "normalise: new_contact (emails, phonenumbers, tags)",
    "db: account check (existing_ids)",
    "db: duplicate check (existing_identities)",
    "db: insert contacts + identities + tags (COPY)",
    "db: insert aggregate_sequences (COPY)",
    "present.contact (compiled ContactSchema dump)",
    "new_envelope (dumped_by_schema=True)",
    "outbox rows (envelope.to_wire)",
    "db: insert outbox (COPY)",
    "db: commit",
)


class Stopwatch:
    """Adds the time spent in ``with clock(name):`` blocks to ``totals[name]``."""

    def __init__(self, totals: dict[str, float]) -> None:
        self.totals = totals

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.totals[name] += time.perf_counter() - started


def _csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=datagen.CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def run(batches: int = 5) -> dict[str, Any]:
    from crm_cli.contacts_csv import read_batches
    from crm_contacts.adapters.tables import plumbing
    from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork
    from crm_contacts.domain.model import new_contact
    from crm_contacts.service_layer import importing, present
    from crm_shared.commands import run_command
    from crm_shared.db import insert_rows, make_engine, utcnow
    from crm_shared.events import new_envelope
    from crm_shared.unit_of_work import _outbox_row

    result: dict[str, Any] = {"benchmark": "import_profile", "batch_rows": BATCH, "batches": batches}
    with migrated_contacts_database("profile") as url:
        engine = make_engine(url)
        stages: dict[str, float] = defaultdict(float)
        rows_done = 0
        for number in range(batches):
            flat = list(datagen.flat_rows(BATCH, start=number * BATCH, tag="p"))
            text = _csv_text(flat)
            clock = Stopwatch(stages)
            with clock(STAGE_ORDER[0]):
                [(_, rows)] = list(read_batches(io.StringIO(text)))
            with clock(STAGE_ORDER[1]):
                rows = json.loads(json.dumps(rows))
            now = utcnow()
            with ContactsUnitOfWork(engine, plumbing, "bench-profile") as uow:
                with clock(STAGE_ORDER[2]):
                    loaded = [importing._ROW_SCHEMA.load({"provenance": "imported", **r}) for r in rows]
                with clock(STAGE_ORDER[3]):
                    made = [new_contact(fields, now, "US") for fields in loaded]
                with clock(STAGE_ORDER[4]):
                    uow.accounts.existing_ids({c.account_id for c in made if c.account_id is not None})
                values = [v for c in made for v in importing._identities(c)]
                with clock(STAGE_ORDER[5]):
                    uow.contacts.existing_identities(values)
                with clock(STAGE_ORDER[6]):
                    uow.contacts.add_many(made)
                with clock(STAGE_ORDER[7]):
                    uow.start_sequences([str(c.id) for c in made])
                with clock(STAGE_ORDER[8]):
                    bodies = [present.contact(c) for c in made]
                with clock(STAGE_ORDER[9]):
                    envelopes = [
                        new_envelope(
                            "contact.created",
                            b,
                            aggregate_id=str(c.id),
                            sequence=1,
                            correlation_id="p",
                            dumped_by_schema=True,
                        )
                        for c, b in zip(made, bodies, strict=True)
                    ]
                with clock(STAGE_ORDER[10]):
                    outbox_rows = [_outbox_row(e) for e in envelopes]
                with clock(STAGE_ORDER[11]):
                    insert_rows(uow.conn, plumbing.outbox, outbox_rows)
                with clock(STAGE_ORDER[12]):
                    uow.commit()
            rows_done += len(rows)

        per_row_us = {name: round(stages[name] * 1e6 / rows_done, 1) for name in STAGE_ORDER}
        service_stages = [n for n in STAGE_ORDER if not n.startswith(("cli:", "rpc:"))]
        service_us = sum(per_row_us[n] for n in service_stages)
        result["current_per_row_us"] = per_row_us
        result["current_service_us_per_row"] = round(service_us, 1)
        result["current_service_rows_per_s_one_core"] = round(1e6 / service_us)

        # The handler as the service runs it (one batch), and where cProfile sees its time.
        flat = list(datagen.flat_rows(BATCH, start=(batches + 1) * BATCH, tag="q"))
        [(_, rows)] = list(read_batches(io.StringIO(_csv_text(flat))))

        def whole() -> Any:
            def new_uow() -> ContactsUnitOfWork:
                return ContactsUnitOfWork(engine, plumbing, "bench-profile")

            work = partial(importing.import_contacts, rows=rows, first_row=1, now=utcnow(), region="US")
            return run_command(new_uow, work, operation="import_contacts", idempotency_key=f"p:{uuid.uuid4()}")

        started = time.perf_counter()
        answer = whole()
        seconds = time.perf_counter() - started
        result["whole_handler"] = {
            "rows": len(rows),
            "created": answer["created"],
            "seconds": round(seconds, 3),
            "rows_per_s_one_core": round(len(rows) / seconds),
        }
        flat = list(datagen.flat_rows(BATCH, start=(batches + 2) * BATCH, tag="r"))
        [(_, rows)] = list(read_batches(io.StringIO(_csv_text(flat))))
        profiler = cProfile.Profile()
        profiler.enable()
        whole()
        profiler.disable()
        result["cprofile_top_cumulative"] = _profile_lines(profiler, "cumulative", 30)
        result["cprofile_top_tottime"] = _profile_lines(profiler, "tottime", 20)
        result["relay"] = _relay_rate(engine)
        engine.dispose()
    _log_summary(result)
    return result


def _profile_lines(profiler: cProfile.Profile, sort: str, limit: int) -> list[str]:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort).print_stats(limit)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line.replace("/work/main/.venv/lib/python3.11/site-packages/", "") for line in lines[start:] if line]


def _relay_rate(engine: Any) -> dict[str, Any]:
    """The outbox relay publishing the rows written above (confirmed, batches of 500) to a private vhost."""
    import sqlalchemy as sa

    from crm_contacts.adapters.tables import plumbing
    from crm_shared.publisher import ConfirmedPublisher
    from crm_shared.relay import OutboxRelay

    with engine.connect() as conn:
        pending = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()
    with private_vhost("relay") as amqp_uri:
        publisher = ConfirmedPublisher(amqp_uri)
        relay = OutboxRelay(engine, plumbing.outbox, publisher)
        started = time.perf_counter()
        published = 0
        while (count := relay.publish_pending()) > 0:
            published += count
        seconds = time.perf_counter() - started
        publisher.close()
    return {
        "pending": int(pending),
        "published": published,
        "seconds": round(seconds, 2),
        "events_per_s_one_core": round(published / seconds) if seconds else None,
    }


def _log_summary(result: dict[str, Any]) -> None:
    log("import, current code, microseconds per row:")
    for name, us in result["current_per_row_us"].items():
        log(f"  {us:8.1f}  {name}")
    log(
        f"  service stages total {result['current_service_us_per_row']} us/row = "
        f"{result['current_service_rows_per_s_one_core']} rows/s on one core"
    )
    log(f"whole handler: {result['whole_handler']}")
    log(f"relay: {result['relay']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    from bench.harness import write_result

    result = run(args.batches)
    print("\n".join(result["cprofile_top_cumulative"]))
    log(f"written to {write_result('import_profile', result)}")


if __name__ == "__main__":
    main()
