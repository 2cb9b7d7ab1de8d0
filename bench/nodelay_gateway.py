"""Runs a service like ``crm_shared.runtime.runner``, with TCP_NODELAY on every accepted HTTP socket.

For measuring the proposed fix of the gateway's large-response latency without editing the
gateway: eventlet's WSGI server writes the response headers (buffered, 16 KiB ``wbufsize``)
and a body larger than the buffer in two ``send`` calls; with Nagle's algorithm on, the body
waits for the client's (delayed, ~40 ms) ACK of the header segment.

Usage: ``python -m bench.nodelay_gateway MODULE CONFIG`` (the bench starts it; see bench.search).
"""

from __future__ import annotations

import socket
import sys
from typing import Any


def _patch() -> None:
    from nameko.web.server import WebServer

    original = WebServer.process_request

    def process_request(self: Any, sock: Any, address: Any) -> Any:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return original(self, sock, address)

    WebServer.process_request = process_request


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    _patch()
    from crm_shared.runtime.runner import main

    main(sys.argv[1:])
