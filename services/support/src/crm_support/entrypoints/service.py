"""The support service's nameko entrypoints: load, call a handler, dump. Nothing else.

They are grouped by subject in the modules beside this one; this class joins them and
adds the SLA timer.
"""

from __future__ import annotations

from functools import partial

from crm_shared.commands import run_command
from crm_shared.db import utcnow
from crm_support.entrypoints import conversation, customers, setup, tickets
from crm_support.entrypoints.scan_timer import configured_timer
from crm_support.service_layer import sla_scan

MAX_BATCHES_PER_TICK = 50


# The groups are reached through their modules: ``nameko run`` runs every class with
# entrypoints in this module's namespace as a service of its own, and these all say "support".
class SupportService(
    tickets.TicketEntrypoints,
    conversation.ConversationEntrypoints,
    setup.SetupEntrypoints,
    customers.CustomerEntrypoints,
):
    """Tickets, routing and priority rules, SLAs, contracts and satisfaction."""

    @configured_timer("SLA_SCAN_INTERVAL_SECONDS", default=5)
    def fire_sla_milestones(self) -> None:
        """Publish ``ticket.sla_warning`` and ``ticket.sla_breached`` once each when they fall due."""
        batch = self.settings.scan_batch
        # One transaction per batch keeps row locks short; a backlog drains within the tick.
        for _ in range(MAX_BATCHES_PER_TICK):
            work = partial(sla_scan.fire_due_milestones, now=utcnow(), batch=batch)
            if run_command(self.db, work, operation="fire_sla_milestones")["claimed"] < batch:
                break
