"""A real SMTP server on loopback for the tests: aiosmtpd in its own process (no eventlet there).

Each accepted message is written to ``<directory>/<n>.eml``; a recipient whose address
starts with ``bounce`` is refused with 550, as a server refuses an unknown mailbox.
Run: ``python smtp_sink.py PORT DIRECTORY``.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        name = self.directory / f"{time.time_ns()}-{uuid.uuid4().hex[:6]}"
        name.with_suffix(".tmp").write_bytes(envelope.original_content)
        name.with_suffix(".tmp").rename(name.with_suffix(".eml"))
        return "250 Message accepted"


if __name__ == "__main__":
    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    (directory / "ready").write_text("ready")
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
