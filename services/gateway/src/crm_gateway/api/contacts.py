"""Routes of the contacts area: people, accounts, consent, interactions, tasks, privacy."""

from __future__ import annotations

from typing import Any

import crm_shared.contracts.contacts as c
import crm_shared.contracts.customers as customers
from crm_gateway.http.route import GATEWAY, Route, route

CONTACTS = "contacts"
ADMIN = "admin"


def contact_url(contact_id: Any) -> str:
    return f"/api/v1/contacts/{contact_id}"


ADMIN = "admin"
CONTACT_ROUTES: tuple[Route, ...] = (
    route("create_contact", "POST", "/api/v1/contacts", CONTACTS, "create_contact",
           lambda r: (r.body, r.idempotency_key), CONTACTS, "Create a contact",
           body=c.ContactCreateSchema, response=c.ContactSchema, status=201,
           location=lambda b: contact_url(b["id"]), tags=("contacts",)),
    route("search_contacts", "GET", "/api/v1/contacts", CONTACTS, "search_contacts",
           lambda r: (r.query,), CONTACTS, "Search and filter contacts",
           query=c.ContactSearchSchema, response=c.ContactPageSchema, tags=("contacts",)),
    route("get_contact", "GET", "/api/v1/contacts/<contact_id>", CONTACTS, "get_contact",
           lambda r: (r.path["contact_id"],), CONTACTS, "Read a contact",
           response=c.ContactSchema, tags=("contacts",)),
    route("update_contact", "PATCH", "/api/v1/contacts/<contact_id>", CONTACTS, "update_contact",
           lambda r: (r.path["contact_id"], r.body, r.expected_version, r.idempotency_key), CONTACTS,
           "Change some fields of a contact", body=c.ContactUpdateSchema, response=c.ContactSchema,
           tags=("contacts",)),
    route("erase_contact", "DELETE", "/api/v1/contacts/<contact_id>", CONTACTS, "erase_contact",
           lambda r: (r.path["contact_id"], r.idempotency_key), ADMIN,
           "Erase a contact's personal data (right to erasure)", response=c.ErasureSchema,
           tags=("privacy",)),
    route("export_contact", "GET", "/api/v1/contacts/<contact_id>/export", CONTACTS, "export_contact",
           lambda r: (r.path["contact_id"],), ADMIN, "Everything held about a contact (access request)",
           tags=("privacy",)),
    route("contact_pii_inventory", "GET", "/api/v1/contacts/<contact_id>/pii-inventory", GATEWAY,
          "privacy_inventory", lambda r: (r.path["contact_id"],), ADMIN,
          "Where every service holds the contact's personal data (all 0 once an erasure reached it)",
          response=customers.ContactPiiInventorySchema, tags=("privacy",)),
    route("find_duplicates", "GET", "/api/v1/contacts/<contact_id>/duplicates", CONTACTS, "find_duplicates",
           lambda r: (r.path["contact_id"],), CONTACTS, "Probable duplicates of a contact",
           response=c.DuplicateSchema, many=True, tags=("contacts",)),
    route("merge_contacts", "POST", "/api/v1/contacts/<contact_id>/merge", CONTACTS, "merge_contacts",
           lambda r: (r.path["contact_id"], (r.body or {}).get("merged_id"), r.idempotency_key), CONTACTS,
           "Merge a duplicate into this contact", body=c.MergeSchema, response=c.ContactSchema,
           tags=("contacts",)),
    route("get_consents", "GET", "/api/v1/contacts/<contact_id>/consents", CONTACTS, "get_consents",
           lambda r: (r.path["contact_id"],), CONTACTS, "Consent state and ledger of a contact",
           response=c.ConsentsSchema, tags=("consent",)),
    route("change_consent", "POST", "/api/v1/contacts/<contact_id>/consents", CONTACTS, "change_consent",
           lambda r: (r.path["contact_id"], r.body, r.idempotency_key), CONTACTS,
           "Record a consent grant or withdrawal", body=c.ConsentChangeSchema, response=c.ConsentsSchema,
           status=201, tags=("consent",)),
    route("timeline", "GET", "/api/v1/contacts/<contact_id>/interactions", CONTACTS, "timeline",
           lambda r: (r.path["contact_id"], r.query), CONTACTS, "A contact's interactions, newest first",
           query=c.PageQuerySchema, response=c.InteractionPageSchema, tags=("interactions",)),
    route("log_interaction", "POST", "/api/v1/contacts/<contact_id>/interactions", CONTACTS,
           "log_interaction", lambda r: (r.path["contact_id"], r.body, r.idempotency_key), CONTACTS,
           "Log a call, email, meeting or note", body=c.InteractionCreateSchema,
           response=c.InteractionSchema, status=201, tags=("interactions",)),
    route("create_task", "POST", "/api/v1/contacts/<contact_id>/tasks", CONTACTS, "create_task",
           lambda r: (r.path["contact_id"], r.body, r.idempotency_key), CONTACTS,
           "Create a task or reminder about a contact", body=c.TaskCreateSchema, response=c.TaskSchema,
           status=201, location=lambda b: f"/api/v1/tasks/{b['id']}", tags=("tasks",)),
    route("search_tasks", "GET", "/api/v1/tasks", CONTACTS, "search_tasks",
           lambda r: (r.query,), CONTACTS, "Tasks by contact, owner, state or due time",
           query=c.TaskSearchSchema, response=c.TaskPageSchema, tags=("tasks",)),
    route("get_task", "GET", "/api/v1/tasks/<task_id>", CONTACTS, "get_task",
           lambda r: (r.path["task_id"],), CONTACTS, "Read a task", response=c.TaskSchema, tags=("tasks",)),
    route("update_task", "PATCH", "/api/v1/tasks/<task_id>", CONTACTS, "update_task",
           lambda r: (r.path["task_id"], r.body, r.expected_version, r.idempotency_key), CONTACTS,
           "Change or complete a task", body=c.TaskUpdateSchema, response=c.TaskSchema, tags=("tasks",)),
    route("create_account", "POST", "/api/v1/accounts", CONTACTS, "create_account",
           lambda r: (r.body, r.idempotency_key), CONTACTS, "Create an account (company)",
           body=c.AccountCreateSchema, response=c.AccountSchema, status=201,
           location=lambda b: f"/api/v1/accounts/{b['id']}", tags=("accounts",)),
    route("search_accounts", "GET", "/api/v1/accounts", CONTACTS, "search_accounts",
           lambda r: (r.query,), CONTACTS, "Accounts by name prefix",
           query=c.AccountSearchSchema, response=c.AccountPageSchema, tags=("accounts",)),
    route("get_account", "GET", "/api/v1/accounts/<account_id>", CONTACTS, "get_account",
           lambda r: (r.path["account_id"],), CONTACTS, "Read an account", response=c.AccountSchema,
           tags=("accounts",)),
    route("update_account", "PATCH", "/api/v1/accounts/<account_id>", CONTACTS, "update_account",
           lambda r: (r.path["account_id"], r.body, r.expected_version, r.idempotency_key), CONTACTS,
           "Change some fields of an account", body=c.AccountFieldsSchema, response=c.AccountSchema,
           tags=("accounts",)),
)  # fmt: skip
