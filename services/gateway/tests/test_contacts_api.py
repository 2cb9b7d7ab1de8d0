"""The contacts API through the gateway: contacts, concurrency control, idempotency, privacy, merges."""

from __future__ import annotations

import time
import uuid

import eventlet

CONTACTS = "/api/v1/contacts"


def test_a_created_contact_is_answered_201_with_its_location_and_etag(api):
    response = api.post(CONTACTS, json={"first_name": " Ada ", "emails": [{"address": "Ada@Example.com"}]})

    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == f"{CONTACTS}/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["first_name"] == "Ada" and body["version"] == 1
    assert body["emails"] == [{"address": "ada@example.com", "label": "work", "primary": True}]


def test_a_read_contact_carries_its_version_as_etag(api):
    created = api.new_contact()

    response = api.get(f"{CONTACTS}/{created['id']}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["ETag"] == '"1"'
    assert response.json() == created


def test_search_finds_contacts_by_name_prefix_and_pages_with_a_cursor(api):
    family = f"Searchable{uuid.uuid4().hex[:8]}"
    ids = {api.new_contact(first_name=name, last_name=family)["id"] for name in ("Ann", "Bob", "Cat")}
    api.new_contact(first_name="Someone", last_name="Else")

    first = api.get(CONTACTS, params={"q": family, "limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    second = api.get(CONTACTS, params={"q": family, "limit": 2, "cursor": page["next_cursor"]}).json()

    assert second["next_cursor"] is None
    assert {c["id"] for c in page["items"] + second["items"]} == ids
    assert "ETag" not in first.headers


def test_a_search_with_an_unknown_filter_is_refused_naming_it(api):
    response = api.get(CONTACTS, params={"colour": "blue", "limit": "many"})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"colour", "limit"}


def test_a_patch_changes_only_the_given_fields_and_moves_the_etag_on(api):
    created = api.new_contact(first_name="Ada", last_name="Lovelace", job_title="Analyst")

    response = api.patch(f"{CONTACTS}/{created['id']}", json={"job_title": "Engineer"}, headers={"If-Match": '"1"'})

    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    body = response.json()
    assert body["job_title"] == "Engineer" and body["first_name"] == "Ada" and body["last_name"] == "Lovelace"
    assert api.get(f"{CONTACTS}/{created['id']}").headers["ETag"] == '"2"'


def test_a_patch_with_a_stale_if_match_is_refused_412_and_changes_nothing(api):
    created = api.new_contact()
    url = f"{CONTACTS}/{created['id']}"
    assert api.patch(url, json={"job_title": "First"}, headers={"If-Match": '"1"'}).status_code == 200

    stale = api.patch(url, json={"job_title": "Second"}, headers={"If-Match": '"1"'})

    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/problem+json"
    problem = stale.json()
    assert problem["status"] == 412 and problem["title"] == "Precondition failed"
    assert api.get(url).json()["job_title"] == "First"


def test_a_patch_accepts_a_weak_etag_and_the_any_version_wildcard(api):
    created = api.new_contact()
    url = f"{CONTACTS}/{created['id']}"

    weak = api.patch(url, json={"job_title": "One"}, headers={"If-Match": 'W/"1"'})
    wildcard = api.patch(url, json={"job_title": "Two"}, headers={"If-Match": "*"})

    assert (weak.status_code, wildcard.status_code) == (200, 200)
    assert wildcard.headers["ETag"] == '"3"'


def test_an_if_match_that_is_no_etag_at_all_is_a_malformed_request(api):
    created = api.new_contact()

    response = api.patch(f"{CONTACTS}/{created['id']}", json={"job_title": "X"}, headers={"If-Match": "yesterday"})

    assert response.status_code == 400
    assert api.get(f"{CONTACTS}/{created['id']}").json()["job_title"] is None


def test_a_post_retried_with_its_idempotency_key_answers_the_first_answer_and_creates_once(api):
    family = f"Idem{uuid.uuid4().hex[:8]}"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = api.post(CONTACTS, json={"first_name": "Ada", "last_name": family}, headers=key)
    again = api.post(CONTACTS, json={"first_name": "Ada", "last_name": family}, headers=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert len(api.get(CONTACTS, params={"q": family}).json()["items"]) == 1


def test_concurrent_posts_with_one_idempotency_key_create_one_contact(api):
    family = f"Race{uuid.uuid4().hex[:8]}"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    def post():
        return api.request("POST", CONTACTS, json={"last_name": family}, headers=key)

    responses = [t.wait() for t in [eventlet.spawn(post) for _ in range(6)]]

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(api.get(CONTACTS, params={"q": family}).json()["items"]) == 1


def test_one_idempotency_key_used_by_two_api_keys_creates_two_contacts(api):
    key = {"Idempotency-Key": "shared-by-accident"}

    by_admin = api.post(CONTACTS, json={"first_name": "A"}, headers=key)
    by_sales = api.post(CONTACTS, json={"first_name": "A"}, headers=key, role="sales")

    assert by_admin.json()["id"] != by_sales.json()["id"]


def test_posts_without_an_idempotency_key_each_create_a_contact(api):
    family = f"NoKey{uuid.uuid4().hex[:8]}"

    api.post(CONTACTS, json={"last_name": family})
    api.post(CONTACTS, json={"last_name": family})

    assert len(api.get(CONTACTS, params={"q": family}).json()["items"]) == 2


def test_an_idempotency_key_of_the_longest_allowed_length_works(api):
    family = f"Long{uuid.uuid4().hex}"
    key = {"Idempotency-Key": family.ljust(200, "k")}

    first = api.post(CONTACTS, json={"last_name": family}, headers=key)
    again = api.post(CONTACTS, json={"last_name": family}, headers=key)

    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert again.json()["id"] == first.json()["id"]


def test_one_idempotency_key_on_patches_of_two_contacts_changes_both(api):
    one, two = api.new_contact(), api.new_contact()
    key = {"Idempotency-Key": f"rename-{uuid.uuid4().hex}"}

    first = api.patch(f"{CONTACTS}/{one['id']}", json={"job_title": "Chair"}, headers=key)
    second = api.patch(f"{CONTACTS}/{two['id']}", json={"job_title": "Chair"}, headers=key)

    assert first.json()["id"] == one["id"] and second.json()["id"] == two["id"]
    assert api.get(f"{CONTACTS}/{two['id']}").json()["job_title"] == "Chair"


def test_an_overlong_idempotency_key_is_refused_400(api):
    response = api.post(CONTACTS, json={"first_name": "A"}, headers={"Idempotency-Key": "k" * 201})

    assert response.status_code == 400


def test_an_unknown_contact_id_is_404(api):
    response = api.get(f"{CONTACTS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


def test_a_contact_id_that_is_no_uuid_is_422_naming_the_field(api):
    response = api.get(f"{CONTACTS}/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"] == {"contact_id": ["Not a valid UUID."]}


def test_an_erased_contact_is_gone_410_everywhere_and_its_personal_data_is_counted_zero(api):
    created = api.new_contact(first_name="Eve", emails=[{"address": f"eve-{uuid.uuid4().hex[:8]}@example.com"}])
    url = f"{CONTACTS}/{created['id']}"
    api.post(f"{url}/interactions", json={"kind": "note", "summary": "Met at a fair"})

    erased = api.delete(url)

    assert erased.status_code == 200
    assert erased.json()["contact_id"] == created["id"]
    for path in (url, f"{url}/consents", f"{url}/interactions"):
        assert api.get(path).status_code == 410
    assert api.patch(url, json={"first_name": "X"}).status_code == 410
    inventory = api.get(f"{url}/pii-inventory").json()
    assert inventory["services"]["contacts"] and set(inventory["services"]["contacts"].values()) == {0}
    for _ in range(100):  # the gateway's own copy goes when the erasure event reaches it
        if api.get(f"{url}/pii-inventory").json()["total"] == 0:
            break
        time.sleep(0.05)
    inventory = api.get(f"{url}/pii-inventory").json()
    assert inventory["total"] == 0 and "gateway" in inventory["services"]


def test_erasing_twice_answers_the_same_erasure(api):
    created = api.new_contact()
    url = f"{CONTACTS}/{created['id']}"

    first, second = api.delete(url), api.delete(url)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()


def test_a_merged_contacts_old_id_answers_308_to_the_same_resource_of_the_survivor(api):
    email = f"twin-{uuid.uuid4().hex[:8]}@example.com"
    survivor = api.new_contact(first_name="Ada", last_name="King", emails=[{"address": email}])
    duplicate = api.new_contact(first_name="Ada", emails=[{"address": email.upper()}])
    assert api.get(f"{CONTACTS}/{survivor['id']}/duplicates").json() == [
        {"contact_id": duplicate["id"], "reasons": ["same_email"]}
    ]

    merged = api.post(f"{CONTACTS}/{survivor['id']}/merge", json={"merged_id": duplicate["id"]})
    assert merged.status_code == 200

    old = api.get(f"{CONTACTS}/{duplicate['id']}")
    assert old.status_code == 308
    assert old.headers["Location"] == f"{CONTACTS}/{survivor['id']}"
    assert old.json()["location_id"] == survivor["id"]
    timeline = api.get(f"{CONTACTS}/{duplicate['id']}/interactions", params={"limit": 5})
    assert timeline.status_code == 308
    assert timeline.headers["Location"] == f"{CONTACTS}/{survivor['id']}/interactions?limit=5"


def test_a_client_that_follows_the_308_reads_the_survivor(api):
    email = f"follow-{uuid.uuid4().hex[:8]}@example.com"
    survivor = api.new_contact(first_name="Ada", emails=[{"address": email}])
    duplicate = api.new_contact(last_name="Byron", emails=[{"address": email}])
    api.post(f"{CONTACTS}/{survivor['id']}/merge", json={"merged_id": duplicate["id"]})

    followed = api.get(f"{CONTACTS}/{duplicate['id']}", allow_redirects=True)

    assert followed.status_code == 200
    assert followed.json()["id"] == survivor["id"] and followed.json()["last_name"] == "Byron"


def test_only_admin_exports_everything_held_about_a_contact(api):
    created = api.new_contact()
    api.post(f"{CONTACTS}/{created['id']}/interactions", json={"kind": "call", "summary": "Intro call"})

    export = api.get(f"{CONTACTS}/{created['id']}/export")

    assert export.status_code == 200
    body = export.json()
    assert body["contact"]["id"] == created["id"]
    assert [i["summary"] for i in body["interactions"]] == ["Intro call"]
    assert set(body) == {"contact", "account", "consents", "interactions", "tasks"}
