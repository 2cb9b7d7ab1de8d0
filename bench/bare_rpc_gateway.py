"""The yardstick for single-record reads: a bare nameko ``http`` GET that makes one RPC, nothing else.

``GET /contacts/<contact_id>`` calls ``contacts.get_contact`` over RPC and returns its JSON:
no authentication, rate limiting, correlation id, deadline or problem mapping. Its one
addition to nameko's ``http`` is the gateway's TCP_NODELAY: without it eventlet's separate
writes of headers and body wait ~40 ms for the client's delayed ACK, and the comparison
would measure Nagle's algorithm instead of the gateway. The gateway's
``GET /api/v1/contacts/{id}`` does that one call plus all of these; ``bench.customer360`` runs
both in one run against the same contacts service. ``start`` runs this service the way
``crm up`` runs ours (``crm_shared.runtime.runner``, i.e. ``nameko run``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nameko.rpc import RpcProxy
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parents[1]


class NoDelayWebServer(WebServer):  # type: ignore[misc]
    def process_request(self, sock: Any, address: Any) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().process_request(sock, address)


class NoDelayHttp(HttpRequestHandler):  # type: ignore[misc]
    server = NoDelayWebServer()


http = NoDelayHttp.decorator


class BareRpcGateway:
    name = "bench_bare_rpc_gateway"
    contacts = RpcProxy("contacts")

    @http("GET", "/contacts/<contact_id>")
    def get_contact(self, request: Request, contact_id: str) -> Response:
        return Response(json.dumps(self.contacts.get_contact(contact_id)), mimetype="application/json")


@contextmanager
def start(amqp_uri: str, address: str, workdir: Path, max_workers: int = 50) -> Iterator[subprocess.Popen[bytes]]:
    """This service on ``address`` (host:port), with as many workers as the gateway; stopped on exit."""
    config = workdir / "bare_rpc_gateway.yaml"
    config.write_text(
        json.dumps({"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": address, "max_workers": max_workers}) + "\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    log_path = workdir / "bare_rpc_gateway.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "crm_shared.runtime.runner", "bench.bare_rpc_gateway", str(config)],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_serving(port: int, contact_id: str, timeout: float = 60.0) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"/contacts/{contact_id}")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the bare RPC gateway did not serve on port {port} within {timeout}s")
