"""Lead rules without I/O: scoring, assignment by rule, status changes and conversion."""

from __future__ import annotations

import uuid

import pytest

from crm_sales.domain import leads
from crm_shared.db import utcnow
from crm_shared.errors import Invalid

RULES = leads.ScoringRules(
    channels={"referral": 20},
    attributes=(
        {"field": "job_title", "contains": "director", "points": 10},
        {"field": "industry", "equals": "Software", "points": 5},
        {"field": "phone", "present": True, "points": 3},
    ),
    activity={"email_opened": 1, "meeting_booked": 25},
)


def lead(**fields):
    return leads.capture_lead({"channel": "referral", **fields}, utcnow())


def test_score_adds_channel_attribute_and_activity_points():
    scored = lead(job_title="Sales Director", attributes={"industry": "software"}, phone="+1 555 0100")
    assert leads.score(scored, RULES) == 20 + 10 + 5 + 3
    active = leads.record_activity(leads.record_activity(scored, "email_opened", utcnow()), "meeting_booked", utcnow())
    assert leads.score(active, RULES) == 38 + 1 + 25
    assert active.activity == {"email_opened": 1, "meeting_booked": 1}


def test_an_unmatched_lead_scores_nothing():
    assert leads.score(lead(channel="email"), RULES) == 0


def test_the_first_matching_assignment_rule_names_the_owner():
    rules = leads.AssignmentRules(
        rules=({"field": "country", "equals": "DE", "owner": "dach-team"}, {"field": "channel", "equals": "referral",
                                                                              "owner": "partners"}),
    )  # fmt: skip
    assert leads.owner_by_rule(lead(attributes={"country": "de"}), rules) == "dach-team"
    assert leads.owner_by_rule(lead(), rules) == "partners"
    assert leads.owner_by_rule(lead(channel="email"), rules) is None


def test_only_a_qualified_lead_converts_and_conversion_is_final():
    new = lead()
    with pytest.raises(Invalid):
        leads.ensure_convertible(new)
    qualified = leads.change_status(new, leads.QUALIFIED, None, utcnow())
    converted = leads.mark_converted(qualified, uuid.uuid4(), None, uuid.uuid4(), utcnow())
    assert converted.status == leads.CONVERTED and converted.version == 3
    with pytest.raises(Invalid) as refused:
        leads.change_status(converted, leads.WORKING, None, utcnow())
    assert "status" in refused.value.fields


def test_disqualifying_keeps_the_reason_and_requalifying_clears_it():
    out = leads.change_status(lead(), leads.DISQUALIFIED, "No budget", utcnow())
    assert out.disqualify_reason == "No budget"
    assert leads.change_status(out, leads.WORKING, None, utcnow()).disqualify_reason is None
