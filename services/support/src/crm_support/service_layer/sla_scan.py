"""The SLA scan: fire each due warning and breach once, whichever replica finds it first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_support.adapters.unit_of_work import SupportUnitOfWork as Uow
from crm_support.domain import sla
from crm_support.service_layer.sla import EVENT_OF_KIND, milestone_data, next_check_at
from crm_support.service_layer.summary import publish_summaries, summary_changed


def fire_due_milestones(uow: Uow, now: datetime, batch: int) -> tuple[Any, Any]:
    """Claim due tickets (locked, skipping those another replica holds) and record what fired with its events.

    The SLA's own progress is not an edit: the ticket's version, which an agent may hold, stays.
    """
    progressed, history, changed_contacts, fired = [], [], [], 0
    claimed = uow.tickets.claim_sla_due(now, batch)
    for ticket in claimed:
        due = sla.due_milestones(ticket.sla, now, ticket.first_responded, ticket.solved)
        after = replace(ticket, sla=sla.fire(ticket.sla, due))
        progressed.append((after, next_check_at(after)))
        history.append((after.id, {"sla_fired": [m.key for m in due]}))
        for milestone in due:
            uow.publish(EVENT_OF_KIND[milestone.kind], milestone_data(after, milestone), aggregate_id=after.id)
        if after.contact_id is not None and summary_changed(ticket, after, now):
            changed_contacts.append(after.contact_id)
        fired += len(due)
    uow.tickets.save_sla_progress(progressed)
    uow.conversation.record_many([h for h in history if h[1]["sla_fired"]], "sla", None, now)
    publish_summaries(uow, changed_contacts, now)
    return {"claimed": len(claimed), "fired": fired}, None
