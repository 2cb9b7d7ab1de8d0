"""Domain rules with no I/O: content, link tokens, consent, campaign states, statistics, pacing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from crm_marketing.domain.audience import contact_facts, email_consent
from crm_marketing.domain.campaigns import check_editable, check_transition
from crm_marketing.domain.content import personalise, unknown_placeholders, with_tracked_links
from crm_marketing.domain.links import LinkToken, sign, verify
from crm_marketing.domain.pacing import RateLimiter
from crm_marketing.domain.statistics import two_proportion_z_test
from crm_shared.errors import Conflict

SECRET = "a-secret-of-sixteen+"


def test_placeholders_are_substituted_as_plain_text_and_never_evaluated():
    template = "Hi {{first_name}} {{ last_name }}, {{first_name.__class__}} {{email}}"
    rendered = personalise(template, {"first_name": "{{email}}", "last_name": None, "email": "a@b.c"})
    assert rendered == "Hi {{email}} , {{first_name.__class__}} a@b.c"
    assert unknown_placeholders("{{first_name}} {{password}} {{ __import__ }}") == ["__import__", "password"]


def test_links_are_replaced_in_order_of_appearance():
    body = "One https://a.example/x?y=1, two http://b.example."
    assert with_tracked_links(body, lambda i: f"<{i}>") == "One <0>, two <1>."


def test_a_token_survives_the_trip_and_any_change_to_it_is_refused():
    token = sign(LinkToken("c", 42, 3), SECRET)
    assert verify(token, SECRET, "c") == LinkToken("c", 42, 3)
    assert verify(token, SECRET, "o") is None
    assert verify(token, "another-secret-entirely", "c") is None
    payload, signature = token.split(".")
    assert verify(f"{sign(LinkToken('c', 43, 3), SECRET).split('.')[0]}.{signature}", SECRET, "c") is None
    assert verify("not a token", SECRET, "c") is None and verify("a.b.c", SECRET, "c") is None


def at(hour: int) -> str:
    return datetime(2026, 1, 1, hour, tzinfo=UTC).isoformat()


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        ([], False),
        ([{"purpose": "email_marketing", "channel": "email", "granted": True, "since": at(1)}], True),
        ([{"purpose": "email_marketing", "channel": "sms", "granted": True, "since": at(1)}], False),
        ([{"purpose": "profiling", "channel": "email", "granted": True, "since": at(1)}], False),
        ([{"purpose": "email_marketing", "channel": "email", "granted": True, "since": at(1)},
          {"purpose": "email_marketing", "channel": "any", "granted": False, "since": at(2)}], False),
        ([{"purpose": "email_marketing", "channel": "any", "granted": False, "since": at(1)},
          {"purpose": "email_marketing", "channel": "email", "granted": True, "since": at(2)}], True),
        ([{"purpose": "email_marketing", "channel": "any", "granted": False, "since": at(1)},
          {"purpose": "email_marketing", "channel": "email", "granted": True, "since": at(1)}], False),
    ],
)  # fmt: skip
def test_email_consent_is_the_newest_state_for_email_or_any_channel(state, allowed):
    assert email_consent(state) is allowed


def test_facts_of_a_contact_take_the_primary_email_and_every_multi_valued_fact():
    contact = {
        "id": uuid.uuid4(), "first_name": "Ada", "last_name": None, "lifecycle_stage": "lead", "owner": None,
        "emails": [{"address": "a@x.example", "primary": False}, {"address": "b@x.example", "primary": True}],
        "tags": ["vip"], "marketing": {"interests": ["chess"], "demographics": {"age": 36, "member": True},
                                       "preferences": {"tone": "formal"}},
    }  # fmt: skip
    facts = contact_facts(contact)
    assert facts.email == "b@x.example"
    assert facts.multi_valued == {("tags", "vip"), ("interests", "chess"), ("demographics.age", "36"),
                                  ("demographics.member", "true"), ("preferences.tone", "formal")}  # fmt: skip


def test_campaign_states_move_only_forward():
    check_transition("draft", "scheduled")
    check_transition("scheduled", "running")
    check_transition("running", "completed")
    for current, wanted in (("completed", "running"), ("cancelled", "scheduled"), ("running", "scheduled")):
        with pytest.raises(Conflict):
            check_transition(current, wanted)
    check_editable("running", {"cost"})
    with pytest.raises(Conflict):
        check_editable("running", {"variants"})


def test_the_z_test_matches_the_textbook_and_declines_without_data():
    result = two_proportion_z_test(120, 1000, 90, 1000)
    # statsmodels.stats.proportion.proportions_ztest([120, 90], [1000, 1000]) gives the same figures.
    assert result.z == pytest.approx(2.18827, abs=1e-4) and result.p_value == pytest.approx(0.02865, abs=1e-4)
    assert result.significant
    assert two_proportion_z_test(0, 0, 1, 10).p_value is None
    assert two_proportion_z_test(0, 10, 0, 10).p_value is None


def test_the_rate_limiter_spaces_messages_without_bursting_after_a_pause():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10, lambda: now[0], sleep)
    for _ in range(3):
        limiter.wait()
    now[0] += 5
    limiter.wait()
    limiter.wait()
    assert slept == pytest.approx([0.1, 0.1, 0.1])
