"""The API's key promises hold with both services on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import eventlet

from crm_shared.testing import eventually

CONTACTS = "/api/v1/contacts"


def test_a_contact_is_created_read_and_patched_under_optimistic_concurrency(api_on_each_database):
    api = api_on_each_database
    created = api.new_contact()
    url = f"{CONTACTS}/{created['id']}"

    assert api.get(url).headers["ETag"] == '"1"'
    patched = api.patch(url, json={"tags": ["VIP", "vip "]}, headers={"If-Match": '"1"'})
    stale = api.patch(url, json={"tags": []}, headers={"If-Match": '"1"'})

    assert patched.status_code == 200 and patched.headers["ETag"] == '"2"'
    assert stale.status_code == 412
    assert api.get(url).json()["tags"] == patched.json()["tags"] != []


def test_concurrent_retries_of_one_post_create_one_contact(api_on_each_database):
    api = api_on_each_database
    family = f"Retry{uuid.uuid4().hex[:8]}"
    key = {"Idempotency-Key": f"retry-{family}"}

    def post():
        return api.request("POST", CONTACTS, json={"last_name": family}, headers=key)

    responses = [t.wait() for t in [eventlet.spawn(post) for _ in range(4)]]

    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(api.get(CONTACTS, params={"q": family}).json()["items"]) == 1


def test_merged_contacts_redirect_and_erased_ones_are_gone(api_on_each_database):
    api = api_on_each_database
    email = f"pair-{uuid.uuid4().hex[:8]}@example.com"
    survivor = api.new_contact(first_name="Ada", emails=[{"address": email}])
    duplicate = api.new_contact(first_name="Ada", emails=[{"address": email}])

    assert api.post(f"{CONTACTS}/{survivor['id']}/merge", json={"merged_id": duplicate["id"]}).status_code == 200
    moved = api.get(f"{CONTACTS}/{duplicate['id']}")
    assert moved.status_code == 308 and moved.headers["Location"] == f"{CONTACTS}/{survivor['id']}"

    assert api.delete(f"{CONTACTS}/{survivor['id']}").status_code == 200
    assert api.get(f"{CONTACTS}/{survivor['id']}").status_code == 410


def test_the_customer_record_serves_the_stored_contact_with_its_account(api_on_each_database):
    api = api_on_each_database
    account = api.post("/api/v1/accounts", json={"name": f"Acme {uuid.uuid4().hex[:6]}"}).json()
    contact = api.new_contact(first_name="Grace", account_id=account["id"])
    url = f"/api/v1/customers/{contact['id']}"

    def stored_with_account():
        answer = api.get(url).json()
        return answer if answer.get("as_of", {}).get("account") and "contact" in answer["as_of"] else None

    record = eventually(stored_with_account)
    api.patch(f"{CONTACTS}/{contact['id']}", json={"job_title": "Admiral"}, headers={"If-Match": '"1"'})
    changed = eventually(lambda: api.get(url).json()["contact"]["job_title"] == "Admiral")

    assert record["contact"]["first_name"] == "Grace" and record["account"]["id"] == account["id"]
    assert changed
