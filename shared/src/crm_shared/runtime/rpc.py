"""RPC calls with a deadline: a service that does not answer in time is an error, not a hang."""

from __future__ import annotations

from typing import Any

import eventlet

from crm_shared.errors import ServiceUnavailable

DEFAULT_DEADLINE = 5.0


def call_with_deadline(proxy: Any, method: str, *args: Any, deadline: float = DEFAULT_DEADLINE, **kwargs: Any) -> Any:
    """Call ``proxy.method`` and wait at most ``deadline`` seconds for the reply."""
    reply = getattr(proxy, method).call_async(*args, **kwargs)
    try:
        with eventlet.Timeout(deadline):
            return reply.result()
    except eventlet.Timeout:
        raise ServiceUnavailable(f"the {method} call did not answer within {deadline}s") from None
