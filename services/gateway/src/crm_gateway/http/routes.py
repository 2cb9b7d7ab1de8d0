"""The public REST API as data: each route names its RPC call, area and contract schemas.

One table serves both the HTTP entrypoints and the OpenAPI document, so they cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema

import crm_shared.contracts.contacts as c


@dataclass(frozen=True)
class Call:
    """What an HTTP request carries, ready to become RPC arguments."""

    path: dict[str, str]
    query: dict[str, Any]
    body: Any
    expected_version: int | None
    idempotency_key: str


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str  # werkzeug syntax: /api/v1/contacts/<contact_id>
    service: str
    rpc: str
    args: Callable[[Call], tuple[Any, ...]]
    area: str
    summary: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    location: Callable[[dict[str, Any]], str] | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")

    @property
    def openapi_path(self) -> str:
        return self.path.replace("<", "{").replace(">", "}")


def contact_url(contact_id: Any) -> str:
    return f"/api/v1/contacts/{contact_id}"


def _route(*args: Any, **kwargs: Any) -> Route:
    return Route(*args, **kwargs)


CONTACTS = "contacts"
ADMIN = "admin"
ROUTES: tuple[Route, ...] = (
    _route("create_contact", "POST", "/api/v1/contacts", CONTACTS, "create_contact",
           lambda r: (r.body, r.idempotency_key), CONTACTS, "Create a contact",
           body=c.ContactCreateSchema, response=c.ContactSchema, status=201,
           location=lambda b: contact_url(b["id"]), tags=("contacts",)),
    _route("search_contacts", "GET", "/api/v1/contacts", CONTACTS, "search_contacts",
           lambda r: (r.query,), CONTACTS, "Search and filter contacts",
           query=c.ContactSearchSchema, response=c.ContactPageSchema, tags=("contacts",)),
    _route("get_contact", "GET", "/api/v1/contacts/<contact_id>", CONTACTS, "get_contact",
           lambda r: (r.path["contact_id"],), CONTACTS, "Read a contact",
           response=c.ContactSchema, tags=("contacts",)),
    _route("update_contact", "PATCH", "/api/v1/contacts/<contact_id>", CONTACTS, "update_contact",
           lambda r: (r.path["contact_id"], r.body, r.expected_version, r.idempotency_key), CONTACTS,
           "Change some fields of a contact", body=c.ContactUpdateSchema, response=c.ContactSchema,
           tags=("contacts",)),
    _route("erase_contact", "DELETE", "/api/v1/contacts/<contact_id>", CONTACTS, "erase_contact",
           lambda r: (r.path["contact_id"], r.idempotency_key), ADMIN,
           "Erase a contact's personal data (right to erasure)", response=c.ErasureSchema,
           tags=("privacy",)),
    _route("export_contact", "GET", "/api/v1/contacts/<contact_id>/export", CONTACTS, "export_contact",
           lambda r: (r.path["contact_id"],), ADMIN, "Everything held about a contact (access request)",
           tags=("privacy",)),
    _route("pii_inventory", "GET", "/api/v1/contacts/<contact_id>/pii-inventory", CONTACTS, "pii_inventory",
           lambda r: (r.path["contact_id"],), ADMIN, "Where the contact's personal data is held",
           response=c.PiiInventorySchema, tags=("privacy",)),
    _route("find_duplicates", "GET", "/api/v1/contacts/<contact_id>/duplicates", CONTACTS, "find_duplicates",
           lambda r: (r.path["contact_id"],), CONTACTS, "Probable duplicates of a contact",
           response=c.DuplicateSchema, many=True, tags=("contacts",)),
    _route("merge_contacts", "POST", "/api/v1/contacts/<contact_id>/merge", CONTACTS, "merge_contacts",
           lambda r: (r.path["contact_id"], (r.body or {}).get("merged_id"), r.idempotency_key), CONTACTS,
           "Merge a duplicate into this contact", body=c.MergeSchema, response=c.ContactSchema,
           tags=("contacts",)),
    _route("get_consents", "GET", "/api/v1/contacts/<contact_id>/consents", CONTACTS, "get_consents",
           lambda r: (r.path["contact_id"],), CONTACTS, "Consent state and ledger of a contact",
           response=c.ConsentsSchema, tags=("consent",)),
    _route("change_consent", "POST", "/api/v1/contacts/<contact_id>/consents", CONTACTS, "change_consent",
           lambda r: (r.path["contact_id"], r.body, r.idempotency_key), CONTACTS,
           "Record a consent grant or withdrawal", body=c.ConsentChangeSchema, response=c.ConsentsSchema,
           status=201, tags=("consent",)),
    _route("timeline", "GET", "/api/v1/contacts/<contact_id>/interactions", CONTACTS, "timeline",
           lambda r: (r.path["contact_id"], r.query), CONTACTS, "A contact's interactions, newest first",
           query=c.PageQuerySchema, response=c.InteractionPageSchema, tags=("interactions",)),
    _route("log_interaction", "POST", "/api/v1/contacts/<contact_id>/interactions", CONTACTS,
           "log_interaction", lambda r: (r.path["contact_id"], r.body, r.idempotency_key), CONTACTS,
           "Log a call, email, meeting or note", body=c.InteractionCreateSchema,
           response=c.InteractionSchema, status=201, tags=("interactions",)),
    _route("create_task", "POST", "/api/v1/contacts/<contact_id>/tasks", CONTACTS, "create_task",
           lambda r: (r.path["contact_id"], r.body, r.idempotency_key), CONTACTS,
           "Create a task or reminder about a contact", body=c.TaskCreateSchema, response=c.TaskSchema,
           status=201, location=lambda b: f"/api/v1/tasks/{b['id']}", tags=("tasks",)),
    _route("search_tasks", "GET", "/api/v1/tasks", CONTACTS, "search_tasks",
           lambda r: (r.query,), CONTACTS, "Tasks by contact, owner, state or due time",
           query=c.TaskSearchSchema, response=c.TaskPageSchema, tags=("tasks",)),
    _route("get_task", "GET", "/api/v1/tasks/<task_id>", CONTACTS, "get_task",
           lambda r: (r.path["task_id"],), CONTACTS, "Read a task", response=c.TaskSchema, tags=("tasks",)),
    _route("update_task", "PATCH", "/api/v1/tasks/<task_id>", CONTACTS, "update_task",
           lambda r: (r.path["task_id"], r.body, r.expected_version, r.idempotency_key), CONTACTS,
           "Change or complete a task", body=c.TaskUpdateSchema, response=c.TaskSchema, tags=("tasks",)),
    _route("create_account", "POST", "/api/v1/accounts", CONTACTS, "create_account",
           lambda r: (r.body, r.idempotency_key), CONTACTS, "Create an account (company)",
           body=c.AccountCreateSchema, response=c.AccountSchema, status=201,
           location=lambda b: f"/api/v1/accounts/{b['id']}", tags=("accounts",)),
    _route("search_accounts", "GET", "/api/v1/accounts", CONTACTS, "search_accounts",
           lambda r: (r.query,), CONTACTS, "Accounts by name prefix",
           query=c.AccountSearchSchema, response=c.AccountPageSchema, tags=("accounts",)),
    _route("get_account", "GET", "/api/v1/accounts/<account_id>", CONTACTS, "get_account",
           lambda r: (r.path["account_id"],), CONTACTS, "Read an account", response=c.AccountSchema,
           tags=("accounts",)),
    _route("update_account", "PATCH", "/api/v1/accounts/<account_id>", CONTACTS, "update_account",
           lambda r: (r.path["account_id"], r.body, r.expected_version, r.idempotency_key), CONTACTS,
           "Change some fields of an account", body=c.AccountFieldsSchema, response=c.AccountSchema,
           tags=("accounts",)),
)  # fmt: skip
