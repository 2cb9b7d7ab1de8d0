"""Where an imported row's time goes, in process (no nameko), on a fresh PostgreSQL database.

The contacts service's import handler (``crm_contacts.service_layer.importing``) is taken
apart into its stages and each is timed over batches of 2,000 realistic rows, as the CLI
sends them. Then the same work done the ways proposed in ``docs/performance.md``:

* ``to_wire`` as a plain dict instead of a marshmallow dump;
* PostgreSQL ``COPY`` instead of executemany for the five tables an import writes.

Finally the whole handler once under cProfile, and the outbox relay's publishing rate on
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
    "db: insert contacts + identities + tags (executemany)",
    "db: insert aggregate_sequences",
    "present.contact (ContactSchema.dump)",
    "new_envelope (dumped_by_schema=True)",
    "envelope.to_wire (EnvelopeSchema.dump)",
    "db: insert outbox (executemany)",
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
    from crm_shared.db import make_engine, utcnow
    from crm_shared.events import new_envelope
    from crm_shared.unit_of_work import _outbox_row

    result: dict[str, Any] = {"benchmark": "import_profile", "batch_rows": BATCH, "batches": batches}
    with migrated_contacts_database("profile") as url:
        engine = make_engine(url)
        stages: dict[str, float] = defaultdict(float)
        proposed: dict[str, float] = defaultdict(float)
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
                    uow.conn.execute(plumbing.outbox.insert(), outbox_rows)
                with clock(STAGE_ORDER[12]):
                    uow.commit()
            _proposals(proposed, made, envelopes, engine)
            rows_done += len(rows)

        per_row_us = {name: round(stages[name] * 1e6 / rows_done, 1) for name in STAGE_ORDER}
        service_stages = [n for n in STAGE_ORDER if not n.startswith(("cli:", "rpc:"))]
        service_us = sum(per_row_us[n] for n in service_stages)
        result["current_per_row_us"] = per_row_us
        result["current_service_us_per_row"] = round(service_us, 1)
        result["current_service_rows_per_s_one_core"] = round(1e6 / service_us)
        result["proposed_per_row_us"] = {name: round(v * 1e6 / rows_done, 1) for name, v in proposed.items()}

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


def _proposals(proposed: dict[str, float], made: list[Any], envelopes: list[Any], engine: Any) -> None:
    """The same stages done the proposed ways, on the same contacts (COPY with fresh ids)."""
    clock = Stopwatch(proposed)
    with clock("to_wire as a plain dict"):
        [_wire(e) for e in envelopes]
    with clock("db: COPY contacts + identities + tags + sequences + outbox"):
        copy_seconds = _copy_all(engine, made, envelopes)
    proposed["  of which COPY statements + commit (the rest builds the data)"] += copy_seconds


def _wire(envelope: Any) -> dict[str, Any]:
    return {
        "event_id": str(envelope.event_id),
        "type": envelope.type,
        "schema_version": envelope.schema_version,
        "occurred_at": envelope.occurred_at.isoformat(),
        "producer": envelope.producer,
        "correlation_id": envelope.correlation_id,
        "aggregate_id": envelope.aggregate_id,
        "sequence": envelope.sequence,
        "data": envelope.data,
    }


def _copy_all(engine: Any, made: list[Any], envelopes: list[Any]) -> float:
    """COPY the rows an import writes, in one transaction, into the real tables (ids are fresh).

    Returns the seconds spent in COPY and commit (the rest is building the data)."""
    from crm_contacts.adapters.contacts_repository import contact_row, identity_rows, tag_rows

    contact_columns = (
        "id", "first_name", "last_name", "first_key", "last_key", "full_key", "job_title", "account_id", "owner",
        "lifecycle_stage", "source", "provenance", "document", "created_at", "updated_at", "version",
        "merged_into", "erased_at",
    )  # fmt: skip
    # Fresh ids (contacts and events) so that the rows do not clash with those the current path just wrote.
    remap = {c.id: uuid.uuid4() for c in made}
    contacts_buf, identities_buf, tags_buf, seq_buf, outbox_buf = (io.StringIO() for _ in range(5))
    cw, iw, tw, sw, ow = (csv.writer(b) for b in (contacts_buf, identities_buf, tags_buf, seq_buf, outbox_buf))
    for contact, envelope in zip(made, envelopes, strict=True):
        new_id = remap[contact.id]
        row = contact_row(contact)
        row["id"] = new_id
        row["document"] = json.dumps(row["document"], separators=(",", ":"))
        cw.writerow([_cell(row[c]) for c in contact_columns])
        for identity in identity_rows(contact):
            iw.writerow([new_id, identity["kind"], identity["value"]])
        for tag in tag_rows(contact):
            tw.writerow([new_id, tag["tag"]])
        sw.writerow([new_id, 1])
        wire = _wire(envelope)
        wire["event_id"], wire["aggregate_id"] = str(uuid.uuid4()), str(new_id)
        ow.writerow(
            [
                wire["event_id"],
                envelope.type,
                new_id,
                1,
                json.dumps(wire, separators=(",", ":")),
                envelope.occurred_at.isoformat(),
            ]
        )
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, columns, buf in (
            ("contacts", ",".join(contact_columns), contacts_buf),
            ("contact_identities", "contact_id,kind,value", identities_buf),
            ("contact_tags", "contact_id,tag", tags_buf),
            ("aggregate_sequences", "aggregate_id,last_sequence", seq_buf),
            ("outbox", "event_id,event_type,aggregate_id,sequence,envelope,created_at", outbox_buf),
        ):
            buf.seek(0)
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buf)
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


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
    log("proposed, microseconds per row:")
    for name, us in result["proposed_per_row_us"].items():
        log(f"  {us:8.1f}  {name}")
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
