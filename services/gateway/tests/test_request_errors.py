"""Bad requests get a precise problem+json answer: never a traceback, always a correlation id."""

from __future__ import annotations

import uuid

import pytest

from crm_gateway.http.routes import ROUTES

CONTACTS = "/api/v1/contacts"
PROBLEM = "application/problem+json"
LEAK_MARKERS = ("Traceback", 'File "', "Error:", "Exception", ".py", "sqlalchemy", "psycopg", "nameko", "werkzeug")


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body
    assert body["correlation_id"] == response.headers["X-Correlation-ID"]
    return body


def test_a_request_without_an_api_key_is_401_with_a_bearer_challenge(api):
    response = api.get(CONTACTS, role=None)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [{"Authorization": "Bearer crm_not-a-real-key"}, {"X-API-Key": "crm_nope"},
                                    {"Authorization": "Basic YWRtaW46YWRtaW4="}])  # fmt: skip
def test_a_request_with_a_bad_api_key_is_401(api, header):
    assert_problem(api.get(CONTACTS, role=None, headers=header), 401)


def test_the_key_may_come_in_the_x_api_key_header(api):
    assert api.get(CONTACTS, role=None, headers={"X-API-Key": api.keys["readonly"]}).status_code == 200


def test_a_revoked_key_is_refused(api):
    key_id, secret = api.add_key("admin", "leaked")
    api.revoke_key(key_id)

    assert_problem(api.get(CONTACTS, role=None, headers={"Authorization": f"Bearer {secret}"}), 401)


def test_authentication_comes_before_validation(api):
    assert_problem(api.post(CONTACTS, role=None, data="{not json", headers={"Content-Type": "text/plain"}), 401)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"first_name": "Ada", "nickname": "Countess"}, {"nickname": ["Unknown field."]}),
        ({"emails": [{"address": "not-an-email"}]}, {"emails": {"0": {"address": ["Not a valid email address."]}}}),
        ({"first_name": 42, "tags": "vip"}, {"first_name": ["Not a valid string."], "tags": ["Not a valid list."]}),
        ({"lifecycle_stage": "lead"}, {"last_name": ["A contact needs a first name, a last name or an email."]}),
        ([{"first_name": "Ada"}], {"_schema": ["Input must be an object."]}),
    ],
    ids=["unknown-field", "invalid-email", "wrong-types", "unidentifiable", "not-an-object"],
)
def test_an_invalid_contact_is_422_with_a_message_per_field(api, body, fields):
    problem = assert_problem(api.post(CONTACTS, json=body), 422)

    assert problem["errors"] == fields


def test_an_invalid_patch_is_422_and_changes_nothing(api):
    created = api.new_contact()

    problem = assert_problem(api.patch(f"{CONTACTS}/{created['id']}", json={"emails": "x", "version": 9}), 422)

    assert set(problem["errors"]) == {"emails", "version"}
    assert api.get(f"{CONTACTS}/{created['id']}").json() == created


@pytest.mark.parametrize("raw", [b"{bad json", b'{"first_name": "Ada",}', b"\xff\xfe\x00", b"'single quotes'"])
def test_a_body_that_is_not_json_is_400(api, raw):
    assert_problem(api.post(CONTACTS, data=raw, headers={"Content-Type": "application/json"}), 400)


def test_an_empty_body_is_422_asking_for_an_object(api):
    problem = assert_problem(api.post(CONTACTS, data=b"", headers={"Content-Type": "application/json"}), 422)

    assert problem["errors"] == {"_schema": ["Input must be an object."]}


def test_a_body_over_the_limit_is_413(api):
    body = b'{"first_name": "' + b"a" * api.max_body_bytes + b'"}'

    assert_problem(api.post(CONTACTS, data=body, headers={"Content-Type": "application/json"}), 413)


def test_a_chunked_body_over_the_limit_is_413(api):
    def chunks():
        yield b'{"first_name": "'
        for _ in range(api.max_body_bytes // 100 + 1):
            yield b"a" * 100
        yield b'"}'

    assert_problem(api.post(CONTACTS, data=chunks(), headers={"Content-Type": "application/json"}), 413)


def test_a_chunked_json_body_is_read(api):
    family = f"Chunked{uuid.uuid4().hex[:6]}"

    def chunks():
        yield b'{"first_name": "Ada", '
        yield b'"last_name": "' + family.encode() + b'"}'

    response = api.post(CONTACTS, data=chunks(), headers={"Content-Type": "application/json"})

    assert response.status_code == 201, response.text
    assert response.json()["last_name"] == family


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_declared_json_is_415(api, content_type):
    response = api.post(CONTACTS, data='{"first_name": "Ada"}', headers={"Content-Type": content_type})

    assert_problem(response, 415)


def test_json_with_a_charset_parameter_is_accepted(api):
    response = api.post(
        CONTACTS, data='{"first_name": "Zoë"}'.encode(), headers={"Content-Type": "application/json; charset=utf-8"}
    )

    assert response.status_code == 201
    assert response.json()["first_name"] == "Zoë"


def test_an_unknown_path_is_a_404_problem(api):
    assert_problem(api.get("/api/v1/nothing-here"), 404)


def test_a_method_a_path_does_not_take_is_a_405_problem_naming_the_allowed_ones(api):
    response = api.request("PUT", CONTACTS, json={})

    assert_problem(response, 405)
    assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"GET", "POST"}


def test_every_response_carries_a_correlation_id(api):
    created = api.new_contact()
    responses = [
        api.get("/health", role=None),
        api.get("/openapi.json", role=None),
        api.get(f"{CONTACTS}/{created['id']}"),
        api.get(CONTACTS, role=None),
        api.get(f"{CONTACTS}/{uuid.uuid4()}"),
        api.post(CONTACTS, json={"bogus": 1}),
        api.get("/no/such/path"),
    ]

    ids = [r.headers.get("X-Correlation-ID") for r in responses]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("path", ["/health", CONTACTS, f"{CONTACTS}/{uuid.uuid4()}", "/missing"])
def test_a_client_given_correlation_id_is_echoed(api, path):
    response = api.get(path, headers={"X-Correlation-ID": "order-1234.retry_2"})

    assert response.headers["X-Correlation-ID"] == "order-1234.retry_2"
    if response.status_code >= 400:
        assert response.json()["correlation_id"] == "order-1234.retry_2"


def test_an_unsafe_correlation_id_is_replaced_not_echoed(api):
    response = api.get(CONTACTS, headers={"X-Correlation-ID": "<script>alert(1)</script>"})

    assert response.headers["X-Correlation-ID"] and "<" not in response.headers["X-Correlation-ID"]


def error_responses(api):
    """One request per route provoking an error there, plus errors from outside the route table."""
    contact = api.new_contact()
    gone = api.new_contact()
    api.delete(f"{CONTACTS}/{gone['id']}")
    samples = {"contact_id": "not-a-uuid", "task_id": str(uuid.uuid4()), "account_id": "1; DROP TABLE"}
    for route in ROUTES:
        path = route.path
        for name, value in samples.items():
            path = path.replace(f"<{name}>", value)
        yield api.request(route.method, path, json={"unknown": [1, {"x": None}]}, headers={"If-Match": "nope"})
        yield api.request(route.method, path, role=None)
        yield api.request(route.method, path, role="readonly", json={})
        yield api.request(route.method, path, data=b"\x00{", headers={"Content-Type": "application/json"})
    yield api.get(f"{CONTACTS}/{gone['id']}")
    yield api.patch(f"{CONTACTS}/{contact['id']}", json={"account_id": str(uuid.uuid4())})
    yield api.post(f"{CONTACTS}/{contact['id']}/merge", json={"merged_id": contact["id"]})
    yield api.get(CONTACTS, params={"updated_since": "yesterday", "cursor": "%%%"})
    yield api.get(f"{CONTACTS}/{contact['id']}/interactions", params={"cursor": "garbage"})
    yield api.get("/api/v1/tasks", params={"due_before": "2020-13-45"})
    yield api.request("OPTIONS", CONTACTS)
    yield api.request("DELETE", "/health")
    yield api.get("/" + "a" * 2000)


def test_no_error_answer_shows_a_traceback_or_exception_text(api):
    seen = 0
    for response in error_responses(api):
        if response.status_code < 400:
            continue
        seen += 1
        assert response.status_code != 500 or response.json()["detail"] == "An unexpected error occurred."
        assert response.headers["Content-Type"] == PROBLEM, (response.request.method, response.url, response.text)
        for marker in LEAK_MARKERS:
            assert marker not in response.text, (response.request.method, response.url, response.text)
        assert response.headers["X-Correlation-ID"]
    assert seen > 4 * len(ROUTES)
