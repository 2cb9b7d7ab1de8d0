"""The contacts domain: normal forms, consent, duplicates and merges, tasks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crm_contacts.domain.activities import Task, change_task
from crm_contacts.domain.consent import ConsentEntry, consent_allows, current_state
from crm_contacts.domain.duplicates import duplicate_reasons, merge_into
from crm_contacts.domain.model import change_contact, new_contact
from crm_shared.errors import Gone, Invalid, Moved

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def contact(**fields):
    return new_contact(fields, NOW, "US")


def test_emails_are_lowercased_deduplicated_and_get_one_primary():
    c = contact(emails=[{"address": "A@X.com"}, {"address": "a@x.com"}, {"address": "b@x.com", "primary": True}])
    assert [(e["address"], e["primary"]) for e in c.emails] == [("a@x.com", False), ("b@x.com", True)]


def test_phones_are_stored_in_e164_using_the_default_region():
    c = contact(phones=[{"number": "(415) 555-0100"}])
    assert c.phones[0]["number"] == "+14155550100"


def test_an_impossible_phone_number_is_rejected_naming_the_field():
    with pytest.raises(Invalid) as raised:
        contact(phones=[{"number": "12"}])
    assert raised.value.fields == {"phones": {0: {"number": ["Not a valid phone number."]}}}


def test_names_and_tags_are_cleaned():
    c = contact(first_name="  Ada   Maria ", tags=["VIP", " vip", "Board"])
    assert c.first_name == "Ada Maria"
    assert c.tags == ["vip", "board"]


def test_an_update_that_changes_nothing_keeps_the_version():
    c = contact(first_name="Ada")
    assert change_contact(c, {"first_name": "Ada"}, NOW, "US") is c
    assert change_contact(c, {"first_name": "Grace"}, NOW, "US").version == 2


def test_erased_and_merged_contacts_cannot_change():
    c = contact(first_name="Ada")
    from dataclasses import replace

    with pytest.raises(Gone):
        change_contact(replace(c, erased_at=NOW), {"first_name": "X"}, NOW, "US")
    with pytest.raises(Moved) as moved:
        change_contact(replace(c, merged_into=uuid.uuid4()), {"first_name": "X"}, NOW, "US")
    assert "location_id" in moved.value.payload


def entry(action, channel="email", minutes=0, purpose="email_marketing"):
    return ConsentEntry(
        uuid.uuid4(), uuid.uuid4(), purpose, channel, action, "test", None,
        NOW + timedelta(minutes=minutes), NOW + timedelta(minutes=minutes),
    )  # fmt: skip


def test_consent_state_is_the_latest_entry_per_purpose_and_channel():
    state = current_state([entry("grant", minutes=0), entry("withdraw", minutes=5), entry("grant", "sms", 1)])
    assert [(s.channel, s.granted) for s in state] == [("email", False), ("sms", True)]


def test_no_consent_recorded_means_no_consent():
    assert not consent_allows([], "email_marketing", "email")


def test_a_withdrawal_for_any_channel_overrides_an_earlier_grant():
    entries = [entry("grant", "email", 0), entry("withdraw", "any", 1)]
    assert not consent_allows(entries, "email_marketing", "email")
    assert consent_allows([*entries, entry("grant", "email", 2)], "email_marketing", "email")


def test_duplicates_are_found_by_email_phone_or_close_name_at_one_account():
    account = uuid.uuid4()
    a = contact(first_name="Jon", last_name="Smith", emails=[{"address": "j@x.com"}], account_id=account)
    b = contact(first_name="John", last_name="Smith", phones=[{"number": "+14155550100"}], account_id=account)
    c = contact(first_name="Zed", emails=[{"address": "J@x.com"}])
    assert duplicate_reasons(a, b) == ["close_name_same_account"]
    assert duplicate_reasons(a, c) == ["same_email"]


def test_a_merge_keeps_the_survivors_values_and_gains_the_rest():
    survivor = contact(first_name="Ada", emails=[{"address": "a@x.com"}], tags=["vip"])
    merged = contact(first_name="Ada L", job_title="CTO", emails=[{"address": "b@x.com"}], tags=["board"])
    result = merge_into(survivor, merged, NOW)
    assert result.first_name == "Ada" and result.job_title == "CTO"
    assert [(e["address"], e["primary"]) for e in result.emails] == [("a@x.com", True), ("b@x.com", False)]
    assert result.tags == ["vip", "board"]
    assert result.version == survivor.version + 1


def test_a_contact_cannot_be_merged_into_itself():
    c = contact(first_name="Ada")
    with pytest.raises(Invalid):
        merge_into(c, c, NOW)


def test_completing_a_task_stamps_it_and_moving_it_rearms_the_reminder():
    task = Task(uuid.uuid4(), uuid.uuid4(), "Call back", NOW, None, None, reminded_at=NOW)
    done = change_task(task, {"done": True}, NOW)
    assert done.done_at == NOW and done.version == 2
    moved = change_task(task, {"due_at": NOW + timedelta(days=1)}, NOW)
    assert moved.reminded_at is None
