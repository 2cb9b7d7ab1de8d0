"""Accounts, consent, interactions and tasks through the gateway."""

from __future__ import annotations

import uuid

CONTACTS = "/api/v1/contacts"
ACCOUNTS = "/api/v1/accounts"
TASKS = "/api/v1/tasks"


def grant(**overrides):
    return {"purpose": "email_marketing", "channel": "email", "action": "grant", "source": "web form", **overrides}


def test_an_account_is_created_read_searched_and_changed_with_its_etag(api):
    name = f"Acme {uuid.uuid4().hex[:8]}"
    created = api.post(ACCOUNTS, json={"name": name, "domain": "Acme.example", "size": "11-50"})
    assert created.status_code == 201
    account = created.json()
    assert created.headers["Location"] == f"{ACCOUNTS}/{account['id']}"
    assert account["domain"] == "acme.example"

    read = api.get(f"{ACCOUNTS}/{account['id']}")
    assert read.headers["ETag"] == '"1"' and read.json() == account
    assert [a["id"] for a in api.get(ACCOUNTS, params={"q": name.lower()}).json()["items"]] == [account["id"]]

    changed = api.patch(f"{ACCOUNTS}/{account['id']}", json={"industry": "Anvils"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    stale = api.patch(f"{ACCOUNTS}/{account['id']}", json={"industry": "Rockets"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert api.get(f"{ACCOUNTS}/{account['id']}").json()["industry"] == "Anvils"


def test_an_invalid_account_is_422_per_field(api):
    response = api.post(ACCOUNTS, json={"name": "", "domain": "not a domain", "size": "huge"})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name", "domain", "size"}


def test_a_contact_can_belong_to_an_existing_account_only(api):
    account = api.post(ACCOUNTS, json={"name": "Globex"}).json()

    linked = api.post(CONTACTS, json={"first_name": "Hank", "account_id": account["id"]})
    unknown = api.post(CONTACTS, json={"first_name": "Hank", "account_id": str(uuid.uuid4())})

    assert linked.status_code == 201 and linked.json()["account_id"] == account["id"]
    assert unknown.status_code == 422 and unknown.json()["errors"] == {"account_id": ["No such account."]}


def test_consent_is_granted_then_withdrawn_and_the_state_follows_the_ledger(api):
    contact = api.new_contact()
    url = f"{CONTACTS}/{contact['id']}/consents"

    granted = api.post(url, json=grant())
    assert granted.status_code == 201
    assert [(s["purpose"], s["channel"], s["granted"]) for s in granted.json()["state"]] == [
        ("email_marketing", "email", True)
    ]

    withdrawn = api.post(url, json=grant(action="withdraw", source="unsubscribe link"))
    assert withdrawn.status_code == 201

    consents = api.get(url).json()
    assert consents["contact_id"] == contact["id"]
    assert [(s["purpose"], s["granted"]) for s in consents["state"]] == [("email_marketing", False)]
    assert [(h["action"], h["source"]) for h in consents["history"]] == [
        ("grant", "web form"),
        ("withdraw", "unsubscribe link"),
    ]


def test_a_consent_dated_in_the_future_or_of_an_unknown_purpose_is_refused(api):
    contact = api.new_contact()
    url = f"{CONTACTS}/{contact['id']}/consents"

    future = api.post(url, json=grant(occurred_at="2999-01-01T00:00:00+00:00"))
    unknown = api.post(url, json=grant(purpose="telepathy"))

    assert future.status_code == 422 and set(future.json()["errors"]) == {"occurred_at"}
    assert unknown.status_code == 422 and set(unknown.json()["errors"]) == {"purpose"}
    assert api.get(url).json()["history"] == []


def test_the_interactions_timeline_is_newest_first_in_pages(api):
    contact = api.new_contact()
    url = f"{CONTACTS}/{contact['id']}/interactions"
    for day in range(1, 6):
        logged = api.post(
            url, json={"kind": "call", "summary": f"day {day}", "occurred_at": f"2024-03-0{day}T10:00:00Z"}
        )
        assert logged.status_code == 201

    summaries, cursor, pages = [], None, 0
    while True:
        page = api.get(url, params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        summaries += [i["summary"] for i in page.json()["items"]]
        cursor, pages = page.json()["next_cursor"], pages + 1
        if cursor is None:
            break

    assert summaries == ["day 5", "day 4", "day 3", "day 2", "day 1"]
    assert pages == 3


def test_a_timeline_page_limit_out_of_range_is_422(api):
    contact = api.new_contact()

    response = api.get(f"{CONTACTS}/{contact['id']}/interactions", params={"limit": 0})

    assert response.status_code == 422 and set(response.json()["errors"]) == {"limit"}


def test_a_task_is_created_changed_and_completed(api):
    contact = api.new_contact()
    created = api.post(f"{CONTACTS}/{contact['id']}/tasks",
                       json={"title": "Send quote", "due_at": "2031-05-01T09:00:00+00:00", "owner": "sam"})  # fmt: skip
    assert created.status_code == 201
    task = created.json()
    assert created.headers["Location"] == f"{TASKS}/{task['id']}"
    assert created.headers["ETag"] == '"1"'
    assert (task["done"], task["done_at"], task["contact_id"]) == (False, None, contact["id"])

    renamed = api.patch(f"{TASKS}/{task['id']}", json={"title": "Send the quote"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed.headers["ETag"] == '"2"'
    assert api.patch(f"{TASKS}/{task['id']}", json={"done": True}, headers={"If-Match": '"1"'}).status_code == 412

    completed = api.patch(f"{TASKS}/{task['id']}", json={"done": True}, headers={"If-Match": '"2"'})
    assert completed.status_code == 200
    assert completed.json()["done"] is True and completed.json()["done_at"]
    assert api.get(f"{TASKS}/{task['id']}").json() == completed.json()
    listed = api.get(TASKS, params={"contact_id": contact["id"], "done": "true"}).json()["items"]
    assert [t["id"] for t in listed] == [task["id"]]


def test_a_task_without_a_due_time_is_422_and_an_unknown_task_is_404(api):
    contact = api.new_contact()

    missing = api.post(f"{CONTACTS}/{contact['id']}/tasks", json={"title": "Someday"})
    unknown = api.get(f"{TASKS}/{uuid.uuid4()}")

    assert missing.status_code == 422 and missing.json()["errors"] == {"due_at": ["Missing data for required field."]}
    assert unknown.status_code == 404
