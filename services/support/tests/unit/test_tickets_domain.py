"""The status machine, reopening within the window, CSAT once, and who may merge."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crm_shared.errors import Conflict, Invalid
from crm_support.domain.agreements import SupportContract, entitled_level
from crm_support.domain.tickets import ALLOWED_MOVES, STATUSES, Ticket, check_csat, check_mergeable, check_move, moved

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
WEEK = timedelta(days=7)


def ticket(**fields) -> Ticket:
    base = {
        "id": uuid.uuid4(),
        "contact_id": uuid.uuid4(),
        "account_id": None,
        "subject": "Help",
        "description": None,
        "channel": "email",
        "priority": "normal",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Ticket(**{**base, **fields})


@pytest.mark.parametrize("start", STATUSES)
@pytest.mark.parametrize("to", STATUSES)
def test_only_allowed_moves_pass(start, to):
    t = ticket(status=start, solved_at=NOW if start == "solved" else None)
    if to in ALLOWED_MOVES[start]:
        check_move(t, to, NOW, WEEK)
    else:
        with pytest.raises(Invalid) as raised:
            check_move(t, to, NOW, WEEK)
        assert "status" in raised.value.fields


def test_closed_is_final():
    assert ALLOWED_MOVES["closed"] == frozenset()


def test_a_solved_ticket_reopens_only_within_the_window():
    solved = moved(ticket(status="open"), "solved", NOW)
    check_move(solved, "open", NOW + WEEK, WEEK)
    with pytest.raises(Invalid) as raised:
        check_move(solved, "open", NOW + WEEK + timedelta(seconds=1), WEEK)
    assert "status" in raised.value.fields


def test_solving_and_reopening_set_and_clear_the_solved_time():
    solved = moved(ticket(status="open"), "solved", NOW)
    assert solved.solved_at == NOW
    assert moved(solved, "open", NOW).solved_at is None
    assert moved(solved, "closed", NOW).closed_at == NOW


def test_csat_needs_a_solved_ticket_and_is_given_once():
    with pytest.raises(Invalid):
        check_csat(ticket(status="open"))
    check_csat(ticket(status="solved"))
    with pytest.raises(Conflict):
        check_csat(ticket(status="solved", csat_score=4))


def test_only_open_tickets_of_one_customer_merge():
    a, b = ticket(), ticket()
    with pytest.raises(Conflict):
        check_mergeable(a, b)
    same = replace(b, contact_id=a.contact_id)
    check_mergeable(a, same)
    with pytest.raises(Invalid):
        check_mergeable(a, a)
    with pytest.raises(Conflict):
        check_mergeable(a, replace(same, status="closed"))


def test_the_covering_contract_decides_the_level():
    account = uuid.uuid4()
    day = NOW.date()
    gold = SupportContract(uuid.uuid4(), account, "gold", day - timedelta(days=30), day + timedelta(days=30), ())
    phone_only = SupportContract(uuid.uuid4(), account, "premium", day, None, ("phone",))
    expired = SupportContract(uuid.uuid4(), account, "premium", day - timedelta(days=90), day - timedelta(days=1), ())
    assert entitled_level([gold, phone_only, expired], "email", day) == "gold"
    assert entitled_level([gold, phone_only], "phone", day) == "premium"
    assert entitled_level([expired], "email", day) == "default"
    assert entitled_level([], "email", day) == "default"
