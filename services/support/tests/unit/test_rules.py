"""Routing and priority rules: parsing that names the bad place, matching, first match wins."""

from __future__ import annotations

import uuid

import pytest

from crm_support.domain.rules import Rule, RuleError, first_match, matches, ticket_facts, validate_condition


def facts(**fields):
    base = {"channel": "email", "subject": "Refund please", "description": "I was charged twice", "tags": ["billing"]}
    return ticket_facts({**base, **fields}, tier=fields.get("tier"), contract_level=fields.get("level"))


def rule(position, conditions, name=None, active=True, **actions):
    return Rule(uuid.uuid4(), name or f"rule {position}", position, active, conditions, actions)


def test_a_word_in_the_subject_or_body_matches_on_word_boundaries():
    assert matches({"field": "text", "operator": "contains", "value": "charged twice"}, facts())
    assert matches({"field": "subject", "operator": "contains", "value": "REFUND"}, facts())
    assert not matches({"field": "subject", "operator": "contains", "value": "fund"}, facts())


def test_groups_combine_conditions():
    vip_email = {
        "all": [
            {"field": "channel", "operator": "equals", "value": "email"},
            {"any": [{"field": "tier", "operator": "in", "value": ["platinum", "gold"]},
                     {"field": "contract_level", "operator": "equals", "value": "premium"}]},
        ]
    }  # fmt: skip
    assert matches(vip_email, facts(tier="gold"))
    assert matches(vip_email, facts(level="premium"))
    assert not matches(vip_email, facts(tier="bronze"))
    assert not matches(vip_email, facts(channel="phone", tier="gold"))


def test_tags_and_empty_values():
    assert matches({"field": "tags", "operator": "contains", "value": "billing"}, facts())
    assert matches({"field": "tier", "operator": "is_empty"}, facts())
    assert matches({"field": "channel", "operator": "not_in", "value": ["chat"]}, facts())


def test_the_first_active_rule_by_position_wins():
    words = {"field": "text", "operator": "contains_any", "value": ["refund", "invoice"]}
    always = {"field": "channel", "operator": "not_equals", "value": "fax"}
    rules = [
        rule(20, always, priority="low"),
        rule(10, words, priority="high", team="billing"),
        rule(5, always, active=False, priority="urgent"),
    ]
    chosen = first_match(rules, facts())
    assert chosen is not None and chosen.actions == {"priority": "high", "team": "billing"}
    assert first_match(rules, facts(subject="Hello", description="")).position == 20


@pytest.mark.parametrize(
    ("conditions", "path"),
    [
        ("channel = email", "conditions"),
        ({"field": "colour", "operator": "equals", "value": "x"}, "conditions.field"),
        ({"field": "channel", "operator": "like", "value": "x"}, "conditions.operator"),
        ({"field": "channel", "operator": "in", "value": "email"}, "conditions.value"),
        ({"all": []}, "conditions.all"),
        (
            {"all": [{"field": "channel", "operator": "equals", "value": "x"}, {"any": [{"field": "tier"}]}]},
            "conditions.all.1.any.0.operator",
        ),
        ({"all": [], "any": []}, "conditions"),
        ({"field": "channel", "operator": "equals", "value": "x", "extra": 1}, "conditions.extra"),
    ],
)
def test_an_unparseable_rule_names_the_offending_place(conditions, path):
    with pytest.raises(RuleError) as raised:
        validate_condition(conditions)
    assert raised.value.path == path


def test_deep_nesting_is_refused():
    node = {"field": "channel", "operator": "equals", "value": "x"}
    for _ in range(7):
        node = {"all": [node]}
    with pytest.raises(RuleError):
        validate_condition(node)
