"""RPC calls with a deadline: a service that does not answer in time is an error, not a hang."""

from __future__ import annotations

from typing import Any

import eventlet

from crm_shared.errors import ServiceUnavailable

DEFAULT_DEADLINE = 5.0


def call_with_deadline(proxy: Any, method: str, *args: Any, deadline: float = DEFAULT_DEADLINE, **kwargs: Any) -> Any:
    """Call ``proxy.method`` and wait at most ``deadline`` seconds for the reply.

    The call runs in a green thread of its own, sending included: a publish to a broker
    that stopped answering waits for a confirm that never comes, and nameko's cleanup of
    that connection waits again, beyond the reach of a timeout in this thread. The caller
    gets its answer at the deadline; the call is killed and, if it is stuck in a socket,
    ends when that connection does.
    """
    call = eventlet.spawn(lambda: getattr(proxy, method).call_async(*args, **kwargs).result())
    try:
        with eventlet.Timeout(deadline):
            return call.wait()
    except eventlet.Timeout:
        call.kill()
        raise ServiceUnavailable(f"the {method} call did not answer within {deadline}s") from None
