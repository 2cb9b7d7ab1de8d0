"""RPC with a deadline for callers, and an RPC entrypoint whose queue can survive a broker node.

A service that does not answer in time is an error, not a hang. Services declare their
RPC methods with this module's ``rpc`` instead of nameko's.
"""

from __future__ import annotations

from typing import Any

import eventlet
import nameko.rpc
from nameko.rpc import RpcConsumer

from crm_shared.errors import ServiceUnavailable
from crm_shared.runtime.consumer import SteadfastQueueConsumer, SteadfastReplyListener
from crm_shared.runtime.events import quorum_wanted, with_arguments

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


class ReplicatedRpcConsumer(RpcConsumer):  # type: ignore[misc]
    """nameko's RPC request queue, declared as a quorum queue when ``EVENT_QUEUE_TYPE`` is quorum.

    A classic queue lives on one broker node: when that node is lost, nobody can call
    the service until it returns. A quorum queue is replicated and elects a new leader.
    """

    queue: Any
    queue_consumer = SteadfastQueueConsumer()

    def setup(self) -> None:
        super().setup()
        if quorum_wanted(self.container.config):
            self.queue = with_arguments(self.queue, {"x-queue-type": "quorum"})


class Rpc(nameko.rpc.Rpc):  # type: ignore[misc]
    rpc_consumer = ReplicatedRpcConsumer()


rpc = Rpc.decorator


class RpcProxy(nameko.rpc.RpcProxy):  # type: ignore[misc]
    """nameko's RPC proxy, its replies consumed by the steadfast queue consumer."""

    rpc_reply_listener = SteadfastReplyListener()
