"""Settings read from the environment, each with a default that works for ``make up``."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


QUEUE_TYPES = ("classic", "quorum")


def event_queue_type(configured: str | None = None) -> str:
    """How event and dead-letter queues are declared: ``configured`` (a container's config),
    else ``EVENT_QUEUE_TYPE``, else ``classic``; anything else is refused at start."""
    chosen = configured or os.environ.get("EVENT_QUEUE_TYPE") or "classic"
    if chosen not in QUEUE_TYPES:
        raise ValueError(f"EVENT_QUEUE_TYPE must be one of {', '.join(QUEUE_TYPES)}, not {chosen!r}")
    return chosen


def data_dir() -> Path:
    return Path(os.environ.get("CRM_DATA_DIR", "var")).resolve()


def database_url(service: str) -> str:
    """``<SERVICE>_DATABASE_URL`` or a SQLite file of the service's own under the data dir."""
    configured = os.environ.get(f"{service.upper()}_DATABASE_URL")
    if configured:
        return configured
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / service}.db"
