"""A TCP proxy on loopback whose link to a server can be broken on purpose.

Services under test connect to the proxy instead of the broker or the database; a test
then refuses connections, stalls the bytes, adds latency, or cuts a connection in the
middle of a frame (half of the next chunk is forwarded, then both sides are reset), as a
failing network would. The proxy runs on real OS threads and sockets, not the green ones
of the tests' eventlet monkey-patching: its sockets come and go under the hub's feet, and
a closed green socket that another green thread still waits on confuses the hub.
"""

from __future__ import annotations

import struct
from typing import Any, Literal
from urllib.parse import urlparse, urlunparse

from eventlet.patcher import original

socket = original("socket")
threading = original("threading")
time = original("time")

Direction = Literal["upstream", "downstream"]
CHUNK = 65536


def _reset(sock: Any) -> None:
    """End the connection now, with an RST where the kernel can send one.

    ``shutdown`` first: a plain ``close`` is deferred while another thread is blocked
    in ``recv`` on the socket, and the peer would never learn.
    """
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class _Link:
    """One client connection and its connection to the server."""

    def __init__(self, proxy: FaultProxy, client: Any, server: Any) -> None:
        self.proxy, self.client, self.server = proxy, client, server
        self.closed = False

    def start(self) -> None:
        threading.Thread(target=self._pump, args=(self.client, self.server, "upstream"), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.server, self.client, "downstream"), daemon=True).start()

    def reset(self) -> None:
        if not self.closed:
            self.closed = True
            _reset(self.client)
            _reset(self.server)
        self.proxy._forget(self)

    def _pump(self, source: Any, target: Any, direction: Direction) -> None:
        try:
            while not self.closed:
                data = source.recv(CHUNK)
                if not data:
                    break
                self.proxy._flowing.wait()
                if self.proxy.latency:
                    time.sleep(self.proxy.latency)
                if self.proxy._take_cut(direction):
                    target.sendall(data[: max(1, len(data) // 2)])
                    self.proxy.cuts_made += 1
                    break
                target.sendall(data)
        except (OSError, EOFError):  # eventlet raises EOFError on a socket closed under it
            pass
        self.reset()


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.latency = 0.0
        self.cuts_made = 0
        self._links: set[_Link] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._cuts: list[Direction] = []
        self._listener: Any = None
        self.port = 0
        self._listen()

    @classmethod
    def in_front_of(cls, url: str) -> FaultProxy:
        parts = urlparse(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or {"amqp": 5672}.get(parts.scheme, 5432))

    def url(self, url: str) -> str:
        """``url`` pointing at the proxy instead of the server."""
        parts = urlparse(url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunparse(parts._replace(netloc=netloc))

    # The faults.

    def refuse(self) -> None:
        """New connections are refused and open ones reset, as when the server goes away."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            listener.close()
        self.reset_all()

    def accept(self) -> None:
        """Take connections again on the same port."""
        if self._listener is None:
            self._listen()

    def stall(self) -> None:
        """Connections stay open but no byte passes either way: a hung peer."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def cut_next(self, direction: Direction) -> None:
        """The next chunk going that way is cut in half and the connection reset."""
        with self._lock:
            self._cuts.append(direction)

    def reset_all(self) -> None:
        with self._lock:
            links = list(self._links)
        for link in links:
            link.reset()

    def heal(self) -> None:
        self.latency = 0.0
        with self._lock:
            self._cuts.clear()
        self.resume()
        self.accept()

    def close(self) -> None:
        self.heal()
        self.refuse()

    # Plumbing.

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()

    def _accept_loop(self, listener: Any) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except (OSError, EOFError):
                return
            if self._listener is not listener:
                _reset(client)
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                _reset(client)
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client, server)
            with self._lock:
                self._links.add(link)
            link.start()

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def _take_cut(self, direction: Direction) -> bool:
        with self._lock:
            if direction in self._cuts:
                self._cuts.remove(direction)
                return True
            return False
