"""POSTing a webhook delivery, to the address that was checked (no DNS rebinding past the check).

The host is resolved once; every address it resolves to must be allowed (public, or in a
network config allows); the connection goes to that address, with the name kept for TLS
(SNI and certificate check) and the Host header. Plain HTTP only to an allowed private
network (a receiver on loopback in tests, say): anything public must be HTTPS.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from crm_gateway.domain.webhooks import address_allowed
from crm_shared.errors import Invalid


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_target(url: str, allowed_networks: Iterable[str]) -> Target:
    """The URL's target if it may receive deliveries, else ``Invalid`` naming ``url``."""
    allowed = list(allowed_networks)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _refused("Must be an https:// URL.")
    if parts.username or parts.password:
        raise _refused("Must not carry credentials.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _refused("The host name does not resolve.") from None
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses or not all(address_allowed(a, allowed) for a in addresses):
        raise _refused("Private, loopback and link-local addresses are not allowed.")
    if parts.scheme == "http" and any(address_allowed(a, []) for a in addresses):  # public: TLS or nothing
        raise _refused("Must be an https:// URL.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class Sender:
    """POSTs deliveries, keeping one connection per target open between them (no new TCP/TLS handshake each)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._connections: dict[Target, http.client.HTTPConnection] = {}

    def post(self, target: Target, body: bytes, headers: dict[str, str]) -> int:
        """The receiver's status code; raises ``OSError`` (or ``http.client.HTTPException``) if it cannot be reached."""
        connection = self._connections.pop(target, None) or _connect(target, self.timeout)
        try:
            connection.request("POST", target.path, body=body, headers={"Content-Type": "application/json", **headers})
            response = connection.getresponse()
            response.read(64 * 1024)  # the body is not ours to keep; read a little so the connection can be reused
        except BaseException:
            connection.close()
            raise
        if response.will_close or not response.isclosed():
            connection.close()
        else:
            self._connections[target] = connection
        return response.status

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


def _connect(target: Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout)
    return _PinnedHTTP(target, timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = _open(self._address, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = _open(self._address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _open(address: str, port: int, timeout: float | None) -> socket.socket:
    sock = socket.create_connection((address, port), timeout)
    # http.client sends headers and body in two writes: on a reused connection, Nagle's algorithm
    # and the receiver's delayed ACK would hold each body back about 40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _refused(message: str) -> Invalid:
    return Invalid("The webhook URL is not allowed.", fields={"url": [message]})
