"""The gateway's rules in plain Python: circuit breaker, rate limits, webhook signing, retries and targets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from crm_gateway.domain.breaker import Breaker
from crm_gateway.domain.customer_record import EncodedJson, StoredPart, record_json, supersedes, visible_parts
from crm_gateway.domain.rate_limit import RateLimits
from crm_gateway.domain.webhooks import address_allowed, next_attempt, sign, signature_header, wants


def test_an_open_breaker_lets_one_trial_through_when_its_time_is_up():
    breaker = Breaker(open_seconds=5)
    breaker.failed("sales", now=100)

    assert not breaker.allows("sales", now=104)
    assert breaker.allows("sales", now=105)  # the trial
    assert not breaker.allows("sales", now=105.1)  # the others keep skipping while it runs
    breaker.succeeded("sales")
    assert breaker.allows("sales", now=105.2) and breaker.allows("support", now=0)


def test_a_key_gets_its_burst_then_its_rate_and_is_told_how_long_to_wait():
    limits = RateLimits(per_second=2, burst=3)

    assert [limits.wait_before("k", now=0) for _ in range(3)] == [0, 0, 0]
    assert limits.wait_before("k", now=0) == 0.5
    assert limits.wait_before("k", now=0.5) == 0
    assert limits.wait_before("other", now=0.5) == 0


def test_only_a_newer_event_replaces_a_stored_part():
    stored = StoredPart({"won_count": 2}, sequence=5, as_of=None)

    assert supersedes(6, stored) and supersedes(1, None)
    assert not supersedes(5, stored) and not supersedes(4, stored)


def test_each_role_sees_the_parts_of_its_areas():
    assert visible_parts("sales") == ("contact", "account", "consents", "sales")
    assert visible_parts("readonly") == visible_parts("admin")
    assert "sales" not in visible_parts("support")


def test_a_signature_covers_timestamp_and_body_and_names_every_secret_in_use():
    body = b'{"type":"contact.created"}'

    assert sign("s1", 1000, body) != sign("s1", 1001, body) != sign("s2", 1000, body)
    assert (
        signature_header(["s1", "s2"], 1000, body) == f"t=1000,v1={sign('s1', 1000, body)},v1={sign('s2', 1000, body)}"
    )


def test_patterns_match_a_type_its_family_or_everything():
    assert wants(["contact.created"], "contact.created") and not wants(["contact.created"], "contact.updated")
    assert wants(["ticket.*"], "ticket.sla_breached") and not wants(["ticket.*"], "tickets.x")
    assert wants(["*"], "order.placed")


def test_retries_back_off_exponentially_and_stop_at_the_end_of_the_window():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    until = now + timedelta(hours=24)

    assert next_attempt(now, 1, 10, until) == now + timedelta(seconds=10)
    assert next_attempt(now, 3, 10, until) == now + timedelta(seconds=40)
    assert next_attempt(now, 30, 10, until) == now + timedelta(hours=1)
    assert next_attempt(until - timedelta(seconds=5), 1, 10, until) is None


def test_only_public_addresses_unless_a_network_is_allowed():
    assert address_allowed("93.184.216.34", [])
    for private in ("10.1.2.3", "127.0.0.1", "169.254.169.254", "::1", "192.168.0.1", "fc00::1"):
        assert not address_allowed(private, []), private
    assert address_allowed("127.0.0.1", ["127.0.0.0/8"])


def test_a_record_answers_its_stored_parts_as_they_were_stored_and_encodes_the_rest() -> None:
    stored = EncodedJson('{"id": "c1", "tags": ["vip"]}')
    record = {"contact_id": "c1", "contact": stored, "sales": {"open": []}, "unavailable": ["support"]}

    text = record_json(record)

    assert stored in text
    assert json.loads(text) == {**record, "contact": {"id": "c1", "tags": ["vip"]}}
