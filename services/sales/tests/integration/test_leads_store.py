"""Leads through the real unit of work: capture with scoring and round-robin, status events."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from crm_sales.adapters.tables import plumbing
from crm_sales.domain.leads import AssignmentRules, ScoringRules
from crm_sales.service_layer import leads
from crm_sales.settings import SalesSettings
from crm_shared.db import utcnow
from crm_shared.errors import Invalid

SETTINGS = SalesSettings(
    scoring=ScoringRules(channels={"event": 15}, attributes=({"field": "email", "present": True, "points": 5},)),
    assignment=AssignmentRules(rules=({"field": "company", "equals": "Big Co", "owner": "kim"},),
                               round_robin=("ann", "bob")),
)  # fmt: skip


def capture(sales, **fields):
    return sales.run(leads.capture_lead, fields={"channel": "event", **fields}, settings=SETTINGS, now=utcnow())


def events(new_uow):
    with new_uow() as uow:
        return [r.event_type for r in uow.conn.execute(sa.select(plumbing.outbox.c.event_type).order_by("id"))]


def test_captured_leads_are_scored_and_assigned_by_rule_then_in_turn(sales, new_uow):
    owners = [capture(sales, last_name=f"L{n}", email=f"l{n}@example.com")["owner"] for n in range(3)]
    ruled = capture(sales, company="Big Co")
    assert owners == ["ann", "bob", "ann"] and ruled["owner"] == "kim"
    assert capture(sales, email="x@example.com", owner="zoe")["owner"] == "zoe"
    assert ruled["score"] == 15 and capture(sales, email="y@example.com")["score"] == 20
    assert events(new_uow) == ["lead.created"] * 6


def test_qualifying_publishes_lead_qualified_and_disqualifying_needs_no_event(sales, new_uow):
    lead = capture(sales, company="Acme")
    lead_id = uuid.UUID(lead["id"])
    qualified = sales.run(leads.change_status, lead_id=lead_id, change={"status": "qualified"},
                          expected_version=1, now=utcnow())  # fmt: skip
    assert qualified["status"] == "qualified"
    assert events(new_uow) == ["lead.created", "lead.qualified"]
    with pytest.raises(Invalid):
        sales.run(leads.change_status, lead_id=lead_id, change={"status": "qualified"}, expected_version=None,
                  now=utcnow())  # fmt: skip


def test_activity_raises_the_score(sales):
    settings = SalesSettings(scoring=ScoringRules(activity={"meeting_booked": 25}))
    lead = sales.run(leads.capture_lead, fields={"channel": "phone", "last_name": "X"}, settings=settings,
                     now=utcnow())  # fmt: skip
    after = sales.run(leads.record_activity, lead_id=uuid.UUID(lead["id"]), kind="meeting_booked",
                      settings=settings, now=utcnow())  # fmt: skip
    assert (lead["score"], after["score"], after["activity"]) == (0, 25, {"meeting_booked": 1})
