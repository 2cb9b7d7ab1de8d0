"""Which role may call which endpoint: every route, every role, over HTTP."""

from __future__ import annotations

import re
import uuid

import pytest

from crm_gateway.domain.apikeys import ROLES
from crm_gateway.http.routes import ROUTES

EVERYONE = frozenset(ROLES)
WRITERS = EVERYONE - {"readonly"}
ADMIN = frozenset({"admin"})

# Stated independently of crm_gateway.domain.roles, as the product rules say it.
ALLOWED = {
    "create_contact": WRITERS,
    "search_contacts": EVERYONE,
    "get_contact": EVERYONE,
    "update_contact": WRITERS,
    "erase_contact": ADMIN,
    "export_contact": ADMIN,
    "contact_pii_inventory": ADMIN,
    "find_duplicates": EVERYONE,
    "merge_contacts": WRITERS,
    "get_consents": EVERYONE,
    "change_consent": WRITERS,
    "timeline": EVERYONE,
    "log_interaction": WRITERS,
    "create_task": WRITERS,
    "search_tasks": EVERYONE,
    "get_task": EVERYONE,
    "update_task": WRITERS,
    "create_account": WRITERS,
    "search_accounts": EVERYONE,
    "get_account": EVERYONE,
    "update_account": WRITERS,
    "get_customer": EVERYONE,  # each role sees only its parts of the record
    "get_customer_timeline": EVERYONE,
    "get_audit_log": ADMIN,
}
# The other areas, by rule: (who may read, who may write).
AREA_RULES = {
    "admin": (ADMIN, ADMIN),
    "sales": (frozenset({"admin", "sales", "readonly"}), frozenset({"admin", "sales"})),
    "marketing": (frozenset({"admin", "marketing", "readonly"}), frozenset({"admin", "marketing"})),
    "support": (frozenset({"admin", "support", "readonly"}), frozenset({"admin", "support"})),
}
ROUTE_BY_NAME = {route.name: route for route in ROUTES}
BY_AREA_RULE = sorted(name for name, route in ROUTE_BY_NAME.items() if name not in ALLOWED)


def test_the_matrix_covers_every_route():
    assert set(ALLOWED) <= set(ROUTE_BY_NAME)
    assert all(ROUTE_BY_NAME[name].area in AREA_RULES for name in BY_AREA_RULE)


def allowed_by_area(route_name):
    route = ROUTE_BY_NAME[route_name]
    readers, writers = AREA_RULES[route.area]
    return writers if route.writes else readers


def request_for(api, route_name):
    """(path, body) of a valid call of the route, on records made for it by an admin."""
    route = ROUTE_BY_NAME[route_name]
    path, body = route.path, None
    if "<contact_id>" in path:
        path = path.replace("<contact_id>", api.new_contact()["id"])
    if "<task_id>" in path:
        task = api.post(f"/api/v1/contacts/{api.new_contact()['id']}/tasks",
                        json={"title": "Follow up", "due_at": "2031-01-01T09:00:00+00:00"}).json()  # fmt: skip
        path = path.replace("<task_id>", task["id"])
    if "<account_id>" in path:
        path = path.replace("<account_id>", api.post("/api/v1/accounts", json={"name": "Acme"}).json()["id"])
    body = {
        "create_contact": {"first_name": "Role", "last_name": "Test"},
        "update_contact": {"job_title": "Buyer"},
        "merge_contacts": {"merged_id": api.new_contact()["id"]} if route_name == "merge_contacts" else None,
        "change_consent": {"purpose": "profiling", "channel": "any", "action": "grant", "source": "call"},
        "log_interaction": {"kind": "note", "summary": "Noted"},
        "create_task": {"title": "Call", "due_at": "2031-01-01T09:00:00+00:00"},
        "update_task": {"done": True},
        "create_account": {"name": "Initech"},
        "update_account": {"industry": "Software"},
    }.get(route_name)
    return route.method, path, body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route_name", sorted(ALLOWED))
def test_each_role_may_call_exactly_its_endpoints(api, role, route_name):
    method, path, body = request_for(api, route_name)

    response = api.request(method, path, role=role, json=body)

    if role in ALLOWED[route_name]:
        assert 200 <= response.status_code < 300, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["Content-Type"] == "application/problem+json"
        assert role in response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route_name", BY_AREA_RULE)
def test_each_role_may_call_exactly_its_endpoints_of_the_other_areas(api, role, route_name):
    """Forbidden is 403 before anything is read; allowed is anything else (here 404 or 422 or 503:
    the ids are made up, the bodies empty, and the area's service may not run in this stack)."""
    route = ROUTE_BY_NAME[route_name]
    path = re.sub(r"<[^>]+>", str(uuid.uuid4()), route.path)

    response = api.request(route.method, path, role=role, json={} if route.writes else None)

    if role in allowed_by_area(route_name):
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500 or response.status_code == 503, response.text
    else:
        assert response.status_code == 403, response.text


def test_a_forbidden_write_changes_nothing(api):
    contact = api.new_contact()
    url = f"/api/v1/contacts/{contact['id']}"
    family = f"Forbidden{uuid.uuid4().hex[:8]}"

    assert api.post("/api/v1/contacts", role="readonly", json={"last_name": family}).status_code == 403
    assert api.patch(url, role="readonly", json={"job_title": "X"}).status_code == 403
    assert api.delete(url, role="sales").status_code == 403

    assert api.get("/api/v1/contacts", params={"q": family}).json()["items"] == []
    assert api.get(url).json() == contact


def test_the_role_is_checked_before_the_request_is_read(api):
    response = api.post("/api/v1/contacts", role="readonly", data="not json", headers={"Content-Type": "text/plain"})

    assert response.status_code == 403
