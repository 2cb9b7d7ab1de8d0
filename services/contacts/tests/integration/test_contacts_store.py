"""Handlers over the real unit of work: atomic writes with their outbox rows, search, import."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from crm_contacts.adapters.tables import contacts, plumbing
from crm_contacts.service_layer import activities, importing, privacy
from crm_contacts.service_layer import contacts as handlers
from crm_shared.commands import read, run_command
from crm_shared.db import utcnow
from crm_shared.errors import Invalid, Moved, StaleVersion


def create(new_uow, key=None, **fields):
    work = partial(handlers.create_contact, fields=fields, now=utcnow(), region="US")
    return run_command(new_uow, work, operation="create_contact", idempotency_key=key)


def outbox_types(new_uow):
    with new_uow() as uow:
        rows = uow.conn.execute(
            sa.select(plumbing.outbox.c.event_type, plumbing.outbox.c.sequence).order_by(plumbing.outbox.c.id)
        )
        return [tuple(r) for r in rows]


def test_a_created_contact_and_its_event_are_committed_together(new_uow):
    body = create(new_uow, first_name="Ada", emails=[{"address": "ada@example.com"}])
    assert outbox_types(new_uow) == [("contact.created", 1)]
    with new_uow() as uow:
        envelope = uow.conn.execute(sa.select(plumbing.outbox.c.envelope)).scalar_one()
    assert envelope["data"]["id"] == body["id"] and envelope["producer"] == "contacts"


def test_a_failed_command_leaves_neither_row_nor_event(new_uow):
    def failing(uow):
        handlers.create_contact(uow, {"first_name": "Ada"}, utcnow(), "US")
        raise RuntimeError("after the write")

    with pytest.raises(RuntimeError):
        run_command(new_uow, failing, operation="x")
    with new_uow() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(contacts)).scalar_one() == 0
    assert outbox_types(new_uow) == []


def test_a_retried_create_with_the_same_key_creates_once(new_uow):
    first = create(new_uow, key="k-1", first_name="Ada")
    again = create(new_uow, key="k-1", first_name="Someone else")
    assert again == first
    assert outbox_types(new_uow) == [("contact.created", 1)]


def test_sequences_increase_per_contact(new_uow):
    body = create(new_uow, first_name="Ada")
    for name in ("Bea", "Cy"):
        work = partial(handlers.update_contact, contact_id=uuid.UUID(body["id"]), changes={"first_name": name},
                       expected_version=None, now=utcnow(), region="US")  # fmt: skip
        run_command(new_uow, work, operation="update_contact")
    assert outbox_types(new_uow) == [("contact.created", 1), ("contact.updated", 2), ("contact.updated", 3)]


def test_an_update_against_a_stale_version_is_refused(new_uow):
    body = create(new_uow, first_name="Ada")
    work = partial(handlers.update_contact, contact_id=uuid.UUID(body["id"]), changes={"first_name": "B"},
                   expected_version=7, now=utcnow(), region="US")  # fmt: skip
    with pytest.raises(StaleVersion):
        run_command(new_uow, work, operation="update_contact")


def test_search_matches_name_email_phone_and_company_prefixes_case_insensitively(new_uow):
    with new_uow() as uow:
        from crm_contacts.service_layer import accounts

        account, _ = accounts.create_account(uow, {"name": "Acme Rockets"}, utcnow())
        uow.commit()
    ada = create(new_uow, first_name="Ada", last_name="Lovelace", emails=[{"address": "ada@analytical.org"}],
                 phones=[{"number": "+44 20 7946 0000"}], account_id=uuid.UUID(account["id"]))  # fmt: skip
    create(new_uow, first_name="Grace", last_name="Hopper", emails=[{"address": "grace@navy.mil"}])
    for q in ("ADA", "love", "ada lov", "ada@ana", "+44207", "acme"):
        found = read(new_uow, partial(handlers.search_contacts, filters={"q": q, "limit": 10}))
        assert [c["id"] for c in found["items"]] == [ada["id"]], q
    none = read(new_uow, partial(handlers.search_contacts, filters={"q": "a%", "limit": 10}))
    assert none["items"] == []


def test_search_pages_with_a_cursor_until_the_end(new_uow):
    ids = {create(new_uow, first_name=f"P{i}")["id"] for i in range(5)}
    seen, cursor = [], None
    while True:
        page = read(new_uow, partial(handlers.search_contacts, filters={"limit": 2, "cursor": cursor}))
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5


def test_search_takes_an_empty_text_tag_or_cursor_for_no_filter(new_uow):
    ids = [create(new_uow, first_name=f"E{i}")["id"] for i in range(2)]
    found = read(new_uow, partial(handlers.search_contacts, filters={"q": "", "tag": "", "cursor": "", "limit": 10}))
    assert [c["id"] for c in found["items"]] == ids


def test_a_forged_cursor_is_an_invalid_field(new_uow):
    with pytest.raises(Invalid) as raised:
        read(new_uow, partial(handlers.search_contacts, filters={"limit": 2, "cursor": "not-a-cursor"}))
    assert "cursor" in raised.value.fields


def test_filters_by_tag_stage_and_update_time(new_uow):
    vip = create(new_uow, first_name="V", tags=["VIP"], lifecycle_stage="customer")
    create(new_uow, first_name="W", tags=["other"])
    by_tag = read(new_uow, partial(handlers.search_contacts, filters={"tag": "vip", "limit": 10}))
    by_stage = read(new_uow, partial(handlers.search_contacts, filters={"lifecycle_stage": "customer", "limit": 10}))
    later = read(
        new_uow,
        partial(handlers.search_contacts, filters={"updated_since": utcnow() + timedelta(seconds=5), "limit": 10}),
    )
    assert [c["id"] for c in by_tag["items"]] == [vip["id"]] == [c["id"] for c in by_stage["items"]]
    assert later["items"] == []


def test_a_merged_contact_redirects_and_its_history_moves_to_the_survivor(new_uow):
    survivor = create(new_uow, first_name="Ada", emails=[{"address": "a@x.com"}])
    merged = create(new_uow, first_name="Ada", emails=[{"address": "b@x.com"}])
    merged_id = uuid.UUID(merged["id"])
    log = partial(
        activities.log_interaction, contact_id=merged_id, fields={"kind": "call", "summary": "hi"}, now=utcnow()
    )
    run_command(new_uow, log, operation="log")
    work = partial(handlers.merge_contacts, survivor_id=uuid.UUID(survivor["id"]), merged_id=merged_id, now=utcnow())
    result = run_command(new_uow, work, operation="merge")
    assert {e["address"] for e in result["emails"]} == {"a@x.com", "b@x.com"}
    with pytest.raises(Moved):
        read(new_uow, partial(handlers.get_contact, contact_id=merged_id))
    timeline = read(new_uow, partial(activities.timeline, contact_id=uuid.UUID(survivor["id"]), page={"limit": 10}))
    assert [i["summary"] for i in timeline["items"]] == ["hi"]
    assert outbox_types(new_uow)[-1][0] == "contact.merged"


def test_import_creates_valid_rows_and_reports_invalid_and_duplicate_ones(new_uow):
    create(new_uow, first_name="Old", emails=[{"address": "taken@x.com"}])
    rows = [
        {"first_name": "A", "emails": [{"address": "a@x.com"}]},
        {"first_name": "B", "emails": [{"address": "not-an-email"}]},
        {"first_name": "C", "emails": [{"address": "TAKEN@x.com"}]},
        {"first_name": "D", "emails": [{"address": "a@x.com"}]},
        {"first_name": "E", "phones": [{"number": "1"}]},
        {"first_name": "F", "colour": "red"},
        {"first_name": "G", "account_id": str(uuid.uuid4())},
    ]
    work = partial(importing.import_contacts, rows=rows, first_row=10, now=utcnow(), region="US")
    result = run_command(new_uow, work, operation="import")
    assert result["created"] == 1
    assert [r["row"] for r in result["rejected"]] == [11, 12, 13, 14, 15, 16]
    assert "colour" in result["rejected"][-2]["fields"] and "account_id" in result["rejected"][-1]["fields"]
    assert [t for t, _ in outbox_types(new_uow)] == ["contact.created", "contact.created"]


def test_erasure_leaves_no_personal_data_and_a_tombstone(new_uow):
    body = create(new_uow, key="erase-me", first_name="Canary", emails=[{"address": "canary@x.com"}], tags=["t"])
    contact_id = uuid.UUID(body["id"])
    run_command(new_uow, partial(activities.change_consent, contact_id=contact_id,
                                 change={"purpose": "profiling", "channel": "any", "action": "grant", "source": "form"},
                                 now=utcnow()), operation="consent")  # fmt: skip
    before = read(new_uow, partial(privacy.pii_inventory, contact_id=contact_id))["places"]
    assert before["contacts"] == 1 and before["idempotency_keys"] == 1 and before["consent_entries"] == 1
    run_command(new_uow, partial(privacy.erase_contact, contact_id=contact_id, now=utcnow()), operation="erase")
    after = read(new_uow, partial(privacy.pii_inventory, contact_id=contact_id))["places"]
    assert set(after.values()) == {0}
    assert outbox_types(new_uow) == [("contact.erased", 3)]


def test_search_gives_one_answer_whichever_way_the_probe_decides(new_uow, monkeypatch):
    from crm_contacts.adapters import contacts_repository

    def samson(i: int) -> str:  # each matches "sam" four times: first and last name, two emails
        emails = [{"address": f"sam{i}@s.com"}, {"address": f"sam{i}@t.com"}]
        return create(new_uow, first_name=f"Sam{i}", last_name="Samson", emails=emails)["id"]

    ids = [samson(i) for i in range(3)]
    answers = {}
    # by primary key (3 contacts, 12 hits); ordered scan as too many contacts; as too many hits
    for selective, probe_hits in ((3, 2000), (2, 2000), (1000, 5)):
        monkeypatch.setattr(contacts_repository, "SELECTIVE_MATCHES", selective)
        monkeypatch.setattr(contacts_repository, "PROBE_HITS", probe_hits)
        found = read(new_uow, partial(handlers.search_contacts, filters={"q": "sam", "limit": 10}))
        answers[(selective, probe_hits)] = [c["id"] for c in found["items"]]
    assert list(answers.values()) == [ids] * 3


def test_search_gives_the_same_answer_when_the_prefix_matches_many_contacts(new_uow, monkeypatch):
    from crm_contacts.adapters import contacts_repository

    ids = sorted(create(new_uow, first_name=f"Sam{i}", emails=[{"address": f"x{i}@s.com"}])["id"] for i in range(4))
    create(new_uow, first_name="Other")
    selective = read(new_uow, partial(handlers.search_contacts, filters={"q": "sam", "limit": 10}))
    monkeypatch.setattr(contacts_repository, "SELECTIVE_MATCHES", 2)  # take the dense-match path
    dense = read(new_uow, partial(handlers.search_contacts, filters={"q": "sam", "limit": 10}))
    assert sorted(c["id"] for c in dense["items"]) == ids == sorted(c["id"] for c in selective["items"])
