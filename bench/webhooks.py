"""Webhook deliveries per second to a receiver on loopback.

``python -m bench.webhooks [--contacts 5000]``: the whole suite (``crm up``) with loopback
allowed as a webhook target, one endpoint registered for ``contact.created``, then that
many contacts imported in batches (so that events arrive faster than they are delivered);
the receiver, a plain HTTP server in a process of its own, answers 204 and counts. Reported:
deliveries per second from the first to the last delivery, and from the first import call.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from typing import Any

from bench.harness import HOST, free_port, log, suite, write_result

RECEIVER = r"""
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
arrivals = []
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        arrivals.append(time.time())
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def do_GET(self):
        body = json.dumps({"count": len(arrivals), "first": min(arrivals, default=None),
                           "last": max(arrivals, default=None)}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def run(contacts: int = 5_000, batch: int = 500) -> dict[str, Any]:
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    try:
        with suite("webhooks", {"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}) as crm:
            http = crm.http()
            status, body = http.request(
                "POST", "/api/v1/webhooks", {"url": f"http://{HOST}:{port}/hook", "event_types": ["contact.created"]}
            )
            assert status == 201, body
            started = time.time()
            with crm.rpc() as rpc:
                for first in range(0, contacts, batch):
                    rows = [
                        {"first_name": "Hook", "last_name": f"Receiver{first + i}", "tags": ["bench"]}
                        for i in range(min(batch, contacts - first))
                    ]
                    rpc.contacts.import_contacts(rows, first + 1, f"bench-webhooks-{uuid.uuid4()}")
            imported = time.time()
            stats = _wait_for(port, contacts, timeout=600)
    finally:
        receiver.terminate()
        receiver.wait(10)
    spread = (stats["last"] - stats["first"]) if stats["count"] > 1 else None
    result = {
        "contacts": contacts,
        "delivered": stats["count"],
        "import_s": round(imported - started, 2),
        "deliveries_per_s": round(stats["count"] / spread, 1) if spread else None,
        "end_to_end_per_s": round(stats["count"] / (stats["last"] - started), 1) if stats["last"] else None,
    }
    result["headline"] = dict(result)
    log(f"webhooks: {json.dumps(result)}")
    return result


def _wait_for(port: int, expected: int, timeout: float) -> dict[str, Any]:
    import http.client

    deadline = time.monotonic() + timeout
    stats: dict[str, Any] = {"count": 0, "first": None, "last": None}
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        connection.request("GET", "/stats")
        stats = json.loads(connection.getresponse().read())
        connection.close()
        if stats["count"] >= expected:
            break
        time.sleep(0.5)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=5_000)
    args = parser.parse_args(argv)
    result = run(contacts=args.contacts)
    result["command"] = f"python -m bench.webhooks --contacts {args.contacts}"
    write_result("webhooks", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
