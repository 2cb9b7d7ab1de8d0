"""Benchmark: campaign messages sent per second into an SMTP server on loopback.

A fresh, migrated marketing database on PostgreSQL holds N consenting contacts in a static
list; a campaign to them is launched, then the service's own delivery round
(``service_layer.delivery.deliver``: claim a batch with SKIP LOCKED, check the read model,
render with tracked links, send over one SMTP connection, mark sent with its
``campaign.message_sent`` and ``customer_summary.updated`` events) runs until the campaign
completes, with no rate limit. The SMTP server is aiosmtpd in its own process
(``services/marketing/tests/smtp_sink.py``), writing each message to a file.

The contacts service's consent answer is a function that says yes here: over RPC it adds
one round trip per message (see docs/marketing.md for that figure).

Run: ``python -m bench.marketing_sends [--contacts 5000] [--batch 200]``.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

# As ``nameko run`` does: the batch's SMTP connections then overlap as they do in the service.
eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from bench.marketing_segments import fresh_database  # noqa: E402
from crm_marketing.adapters.email_channel import SmtpChannel  # noqa: E402
from crm_marketing.adapters.tables import audience, plumbing, segment_members, segments  # noqa: E402
from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork  # noqa: E402
from crm_marketing.domain.pacing import RateLimiter  # noqa: E402
from crm_marketing.service_layer import campaigns, delivery  # noqa: E402
from crm_marketing.settings import settings_from  # noqa: E402
from crm_shared.db import make_engine  # noqa: E402

SINK = Path(__file__).parents[1] / "services" / "marketing" / "tests" / "smtp_sink.py"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def in_green_threads(lanes: list[Any]) -> list[int]:
    pool = eventlet.GreenPool(len(lanes) or 1)
    return list(pool.imap(lambda lane: lane(), lanes))


def seed(engine: sa.Engine, contacts: int) -> uuid.UUID:
    now = datetime.now(UTC)
    segment_id = uuid.uuid4()
    ids = [uuid.uuid4() for _ in range(contacts)]
    with engine.begin() as conn:
        conn.execute(segments.insert().values(id=segment_id, name="All", kind="static", rules=None, created_at=now,
                                              updated_at=now, version=1))  # fmt: skip
        conn.execute(audience.insert(), [
            {"contact_id": c, "first_name": "Ada", "last_name": "Lovelace", "email": f"{c.hex[:12]}@example.com",
             "lifecycle_stage": "customer", "email_consent": True, "unsubscribed": False, "hard_bounced": False,
             "open_tickets": 0, "contacts_sequence": 1, "sales_sequence": 0, "support_sequence": 0,
             "consent_sequence": 1, "updated_at": now} for c in ids])  # fmt: skip
        conn.execute(
            segment_members.insert(), [{"segment_id": segment_id, "contact_id": c, "joined_at": now} for c in ids]
        )
    return segment_id


def run(contacts: int = 5000, batch: int = 200, connections: int = 4) -> dict[str, Any]:
    with fresh_database("postgresql://postgres@127.0.0.1:5432/postgres") as url, tempfile.TemporaryDirectory() as mail:
        port = free_port()
        sink = subprocess.Popen([sys.executable, str(SINK), str(port), mail])
        try:
            while not (Path(mail) / "ready").exists():
                time.sleep(0.05)
            return measure(url, port, Path(mail), contacts, batch, connections)
        finally:
            sink.terminate()
            sink.wait(10)


def measure(url: str, port: int, mail: Path, contacts: int, batch: int, connections: int) -> dict[str, Any]:
    engine = make_engine(url)
    new_uow = lambda: MarketingUnitOfWork(engine, plumbing)  # noqa: E731
    segment_id = seed(engine, contacts)
    body = {"name": "Bench", "channel": "email", "segment_ids": [segment_id], "exclude_segment_ids": [],
            "variants": [{"name": "A", "subject": "Hello {{first_name}}",
                          "body": "Dear {{first_name}},\nour news: https://example.com/news\nBest wishes"}]}  # fmt: skip
    with new_uow() as uow:
        campaign, _ = campaigns.create_campaign(uow, body, datetime.now(UTC), 30)
        started = time.perf_counter()
        campaigns.launch_campaign(uow, uuid.UUID(campaign["id"]), None, datetime.now(UTC))
        uow.commit()
    launch_seconds = time.perf_counter() - started
    config = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "MARKETING_SEND_BATCH": batch,
        "SMTP_CONNECTIONS": connections,
    }
    settings = settings_from(config)
    sender = delivery.Delivery(new_uow, lambda: SmtpChannel(settings.smtp, settings.from_address),
                               lambda contact_id: True, settings, RateLimiter(10**9, time.monotonic, time.sleep),
                               lambda: datetime.now(UTC), in_green_threads)  # fmt: skip
    started = time.perf_counter()
    sent = 0
    while (round_sent := delivery.deliver(sender)) or sent < contacts:
        sent += round_sent
        if round_sent == 0:
            break
    seconds = time.perf_counter() - started
    received = len(list(mail.glob("*.eml")))
    engine.dispose()
    return {"benchmark": "marketing_sends", "contacts": contacts, "batch": batch, "connections": connections,
            "sent": sent,
            "received_by_smtp": received, "seconds": round(seconds, 2),
            "sends_per_second": round(sent / seconds, 1), "launch_seconds": round(launch_seconds, 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(run(args.contacts, args.batch, args.connections), indent=2))


if __name__ == "__main__":
    main()
