"""A RabbitMQ cluster of three private nodes on this machine, each on its own ports and data.

Built from ``PrivateRabbit`` nodes: all three start together, then the second and
third join the first (``rabbitmqctl join_cluster``), one after the other: two nodes
joining at once race on mnesia's schema, and the loser's ``start_app`` fails. A node can then be stopped to
see what the rest of the cluster and its clients make of the loss.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from tests.support.private_rabbit import PrivateRabbit

CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"


class RabbitCluster:
    def __init__(self, base: Path, size: int = 3) -> None:
        self.nodes = [PrivateRabbit(base / f"node{n}") for n in range(size)]

    @staticmethod
    def name(node: PrivateRabbit) -> str:
        return str(node.env["RABBITMQ_NODENAME"])

    def start(self) -> None:
        self._each(lambda node: node.start())
        first = self.name(self.nodes[0])
        for node in self.nodes[1:]:
            self._join(node, first)
        members = self.ctl(self.nodes[0], "eval", "length(rabbit_nodes:all_running()).")
        if members.strip() != str(len(self.nodes)):
            raise RuntimeError(f"the cluster formed with {members.strip()} running nodes")

    def stop(self) -> None:
        self._each(lambda node: node.stop())

    def ctl(self, node: PrivateRabbit, *args: str) -> str:
        done = subprocess.run(
            [CTL, "-q", "-n", self.name(node), *args], env=node.env, capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args[0]} failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    def quorum_leader(self, queue: str, asked: PrivateRabbit) -> str:
        """The node leading a quorum queue, as a running node sees it."""
        for line in self.ctl(asked, "list_queues", "name", "leader", "--no-table-headers").splitlines():
            name, _, leader = line.partition("\t")
            if name == queue:
                return leader.strip()
        raise LookupError(f"no queue {queue}")

    def _join(self, node: PrivateRabbit, first: str, attempts: int = 3) -> None:
        """Joins ``node`` to ``first``; a failed join is reset and tried again (mnesia can time out on a busy machine)."""
        for attempt in range(1, attempts + 1):
            try:
                self.ctl(node, "stop_app")
                if attempt > 1:
                    self.ctl(node, "reset")
                self.ctl(node, "join_cluster", first)
                self.ctl(node, "start_app")
                return
            except RuntimeError:
                if attempt == attempts:
                    raise

    def _each(self, action, nodes: list[PrivateRabbit] | None = None) -> None:  # type: ignore[no-untyped-def]
        """Runs ``action`` on the nodes in parallel: each waits mostly on a subprocess."""
        errors: list[BaseException] = []

        def run(node: PrivateRabbit) -> None:
            try:
                action(node)
            except BaseException as error:  # noqa: BLE001 - reported below, after every node is done
                errors.append(error)

        threads = [threading.Thread(target=run, args=(node,)) for node in (nodes or self.nodes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
