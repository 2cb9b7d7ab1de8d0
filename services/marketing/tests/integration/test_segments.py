"""Segments over the audience read model, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from crm_marketing.service_layer import audience, customers, memberships, segments
from crm_shared.contracts.loading import load, schema_instance
from crm_shared.contracts.marketing import SegmentCreateSchema
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Invalid

VIP_LEADS = {"all": [{"field": "tags", "operator": "contains", "value": "vip"},
                     {"field": "lifecycle_stage", "operator": "in", "value": ["lead", "customer"]}]}  # fmt: skip


def new_segment(marketing, name="VIP leads", rules=None, kind="dynamic"):
    body = {"name": name, "kind": kind, **({"rules": rules or VIP_LEADS} if kind == "dynamic" else {})}
    return marketing.run(segments.create_segment, fields=load(schema_instance(SegmentCreateSchema), body), now=utcnow())


def preview(marketing, rules):
    return marketing.read(segments.preview_segment, rules=load(schema_instance(SegmentCreateSchema),
                                                                {"name": "p", "rules": rules})["rules"], now=utcnow())["count"]  # fmt: skip


def members(marketing, segment):
    page = marketing.read(
        segments.segment_members, segment_id=uuid.UUID(segment["id"]), page={"limit": 500, "cursor": None}
    )
    return {item["contact_id"] for item in page["items"]}


def test_preview_counts_what_the_rules_match_in_the_database(marketing):
    vip = marketing.contact(tags=["vip"], lifecycle_stage="lead")
    marketing.contact(tags=["vip"], lifecycle_stage="other")
    marketing.contact(tags=["newsletter"], lifecycle_stage="lead")
    nested = {"any": [{"field": "tags", "operator": "contains", "value": "newsletter"},
                      {"all": [{"field": "tags", "operator": "contains", "value": "vip"},
                               {"field": "lifecycle_stage", "operator": "neq", "value": "lead"}]}]}  # fmt: skip

    assert preview(marketing, VIP_LEADS) == 1
    assert preview(marketing, nested) == 2
    assert preview(marketing, {"all": [{"field": "owner", "operator": "is_null"}]}) == 3
    assert vip


FACT_RULES = [
    {"field": "tags", "operator": "contains", "value": "vip"},
    {"field": "tags", "operator": "not_contains", "value": "vip"},
    {"field": "tags", "operator": "contains_any", "value": ["vip", "newsletter"]},
    {"field": "tags", "operator": "contains_none", "value": ["vip", "newsletter"]},
    {"field": "demographics.country", "operator": "eq", "value": "GB"},
    {"field": "demographics.country", "operator": "neq", "value": "GB"},
    {"field": "demographics.country", "operator": "in", "value": ["GB", "IE"]},
    {"field": "demographics.country", "operator": "not_in", "value": ["GB", "IE"]},
    {"field": "demographics.country", "operator": "is_null"},
    {"field": "demographics.country", "operator": "is_not_null"},
]


@pytest.mark.parametrize("condition", FACT_RULES, ids=lambda c: f"{c['field']} {c['operator']}")
def test_a_fact_rule_means_the_same_over_the_audience_and_for_one_contact(marketing, condition):
    """Evaluated over everyone (a preview, a refresh) and for one changed contact, the SQL differs."""
    people = {
        marketing.contact(tags=["vip"], marketing={"demographics": {"country": "GB"}, "interests": [], "preferences": {}}),
        marketing.contact(tags=["newsletter"], marketing={"demographics": {"country": "IE"}, "interests": [],
                                                          "preferences": {}}),
        marketing.contact(tags=[], marketing={"demographics": {"country": "US"}, "interests": [], "preferences": {}}),
        marketing.contact(tags=["other"]),
    }  # fmt: skip
    rules = load(schema_instance(SegmentCreateSchema), {"name": "p", "rules": {"any": [condition]}})["rules"]
    with marketing.new_uow() as uow:
        now = utcnow()
        one_by_one = {c for c in people if uow.segments.matches(rules, c, now)}
    assert preview(marketing, {"any": [condition]}) == len(one_by_one)
    assert members(marketing, new_segment(marketing, rules={"any": [condition]})) == {str(c) for c in one_by_one}


def test_a_new_segment_holds_its_members_and_announces_each(marketing):
    ada = marketing.contact(tags=["vip"])
    marketing.contact(tags=["other"])

    segment = new_segment(marketing)

    assert segment["member_count"] == 1 and members(marketing, segment) == {str(ada)}
    changes = marketing.outbox("segment.membership_changed")
    assert [(c["data"]["contact_id"], c["data"]["change"]) for c in changes] == [(str(ada), "joined")]
    summary = marketing.outbox("customer_summary.updated")[-1]
    assert summary["aggregate_id"] == str(ada) and summary["data"]["part"] == "marketing"
    assert summary["data"]["summary"]["segments"] == [{"id": segment["id"], "name": "VIP leads"}]


def test_membership_follows_the_contacts_facts_as_events_arrive(marketing):
    segment = new_segment(marketing)
    ada = marketing.contact(tags=["newsletter"])
    assert members(marketing, segment) == set()

    marketing.contact(ada, event="contact.updated", tags=["vip"])
    assert members(marketing, segment) == {str(ada)}

    marketing.contact(ada, event="contact.updated", tags=[])
    assert members(marketing, segment) == set()
    changes = [c["data"]["change"] for c in marketing.outbox("segment.membership_changed")]
    assert changes == ["joined", "left"]


def test_an_older_or_redelivered_event_changes_nothing(marketing):
    segment = new_segment(marketing)
    ada = uuid.uuid4()
    marketing.deliver(
        audience.contact_changed, "contact.updated", marketing.payload(ada, tags=["vip"]), "contacts", ada, sequence=5
    )
    envelope, data = marketing.deliver(audience.contact_changed, "contact.updated", marketing.payload(ada, tags=[]), "contacts", ada,
                                       sequence=4)  # fmt: skip
    with marketing.new_uow() as uow:
        audience.contact_changed(uow, envelope, data, utcnow())

    assert members(marketing, segment) == {str(ada)}


def test_rfm_tier_and_open_tickets_from_sales_and_support_summaries(marketing):
    rules = {"all": [{"field": "value_tier", "operator": "eq", "value": "gold"},
                     {"field": "rfm.recency", "operator": "gte", "value": 4},
                     {"field": "open_tickets", "operator": "eq", "value": 0},
                     {"field": "last_order_at", "operator": "within_days", "value": 30}]}  # fmt: skip
    segment = new_segment(marketing, "Gold, recent, happy", rules)
    ada = marketing.contact()
    marketing.deliver(audience.sales_summary, "customer_summary.updated", _sales(ada, "gold", 5), "sales", ada)
    assert members(marketing, segment) == {str(ada)}

    marketing.deliver(audience.support_summary, "customer_summary.updated", _support(ada, 1), "support", ada)
    assert members(marketing, segment) == set()


def test_consent_and_marketing_data_are_facts_too(marketing):
    rules = {"all": [{"field": "email_consent", "operator": "eq", "value": True},
                     {"field": "interests", "operator": "contains_any", "value": ["chess", "maths"]},
                     {"field": "demographics.country", "operator": "eq", "value": "GB"}]}  # fmt: skip
    segment = new_segment(marketing, "Consenting GB chess players", rules)
    ada = marketing.contact(marketing={"demographics": {"country": "GB"}, "interests": ["maths"], "preferences": {}})
    assert members(marketing, segment) == set()

    marketing.consent(ada, granted=True)
    assert members(marketing, segment) == {str(ada)}
    marketing.consent(ada, granted=False)
    assert members(marketing, segment) == set()


def test_static_lists_are_edited_by_hand_and_dynamic_ones_are_not(marketing):
    static = new_segment(marketing, "Hand-picked", kind="static")
    dynamic = new_segment(marketing)
    ada = uuid.uuid4()

    marketing.run(segments.add_static_members, segment_id=uuid.UUID(static["id"]), contact_ids=[ada, ada], now=utcnow())

    assert members(marketing, static) == {str(ada)}
    with pytest.raises(Conflict):
        marketing.run(segments.add_static_members, segment_id=uuid.UUID(dynamic["id"]), contact_ids=[ada],
                      now=utcnow())  # fmt: skip


def test_a_rule_on_an_unknown_field_is_refused_naming_it():
    bad = {"name": "x", "rules": {"all": [{"field": "tags", "operator": "contains", "value": "a"},
                                          {"field": "shoe_size", "operator": "eq", "value": 9}]}}  # fmt: skip
    with pytest.raises(Invalid) as error:
        load(schema_instance(SegmentCreateSchema), bad)
    assert error.value.fields == {"rules": {"all": {"1": {"field": ["Unknown field."]}}}}


def test_the_summary_rpc_answers_what_the_event_carries(marketing):
    ada = marketing.contact(tags=["vip"])
    new_segment(marketing)
    answer = marketing.read(customers.get_summary, contact_id=ada)
    assert answer == marketing.outbox("customer_summary.updated")[-1]["data"]["summary"]


def _sales(contact_id, tier, recency):
    now = utcnow().isoformat()
    summary = {"contact_id": str(contact_id), "open_opportunities": [], "won_count": 1, "lost_count": 0,
               "order_count": 1, "recent_orders": [], "lifetime_value": [], "last_order_at": now,
               "rfm": {"recency": recency, "frequency": 3, "monetary": 3, "tier": tier, "computed_at": now}}  # fmt: skip
    return {"contact_id": str(contact_id), "part": "sales", "summary": summary}


def _support(contact_id, open_tickets):
    now = utcnow().isoformat()
    ticket = {"id": str(uuid.uuid4()), "subject": "Help", "status": "open", "priority": "normal", "created_at": now,
              "solved_at": None, "sla": {"state": "on_track"}}  # fmt: skip
    summary = {"contact_id": str(contact_id), "open_tickets": [ticket] * open_tickets, "recent_solved": [],
               "ticket_count": open_tickets, "average_csat": None, "csat_count": 0}  # fmt: skip
    return {"contact_id": str(contact_id), "part": "support", "summary": summary}


def test_a_large_evaluation_is_announced_in_batches_and_a_contact_s_own_events_stay_in_order(marketing, monkeypatch):
    monkeypatch.setattr(memberships, "ANNOUNCE_AT_ONCE", 1)
    ada, bob, eve = (marketing.contact(tags=["vip"]) for _ in range(3))

    segment = new_segment(marketing)

    assert segment["member_count"] == 3 and marketing.outbox("segment.membership_changed") == []
    marketing.contact(ada, event="contact.updated", tags=[])  # flushes Ada's queued join before her leave
    assert [(e["data"]["contact_id"], e["data"]["change"]) for e in marketing.outbox("segment.membership_changed")] == [
        (str(ada), "joined"), (str(ada), "left")]  # fmt: skip
    with marketing.new_uow() as uow:
        assert memberships.announce_queued_changes(uow) == 2
    announced = {e["data"]["contact_id"] for e in marketing.outbox("segment.membership_changed")}
    assert announced == {str(ada), str(bob), str(eve)}
    summaries = {e["aggregate_id"] for e in marketing.outbox("customer_summary.updated")}
    assert {str(bob), str(eve)} <= summaries


def test_a_rule_relative_to_now_is_re_evaluated_as_time_passes(marketing):
    from datetime import timedelta

    recent = {"all": [{"field": "last_order_at", "operator": "within_days", "value": 30}]}
    segment = new_segment(marketing, "Ordered this month", recent)
    ada = marketing.contact()
    marketing.deliver(audience.sales_summary, "customer_summary.updated", _sales(ada, "gold", 5), "sales", ada)
    assert members(marketing, segment) == {str(ada)}

    with marketing.new_uow() as uow:
        assert memberships.refresh_time_relative_segments(uow, utcnow() + timedelta(days=31)) == 1

    assert members(marketing, segment) == set()
    assert marketing.outbox("segment.membership_changed")[-1]["data"]["change"] == "left"
