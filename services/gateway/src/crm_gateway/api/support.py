"""Routes of the support area: tickets and their conversation, SLAs, contracts, rules, customers."""

from __future__ import annotations

from typing import Any

import crm_shared.contracts.support as s
from crm_gateway.http.route import Route, route
from crm_shared.contracts.common import PageQuerySchema

SUPPORT = "support"
ADMIN = "admin"
TICKETS = "/api/v1/tickets"
TICKET = TICKETS + "/<ticket_id>"
SETTINGS = "/api/v1/support"
CUSTOMER = "/api/v1/support/customers/<contact_id>"


def ticket_url(ticket_id: Any) -> str:
    return f"{TICKETS}/{ticket_id}"


def _ticket_routes() -> tuple[Route, ...]:
    return (
        route("create_ticket", "POST", TICKETS, SUPPORT, "create_ticket",
              lambda r: (r.body, r.idempotency_key), SUPPORT,
              "Create a ticket; routing rules and the account's contract apply",
              body=s.TicketCreateSchema, response=s.TicketSchema, status=201,
              location=lambda b: ticket_url(b["id"]), tags=("tickets",)),
        route("search_tickets", "GET", TICKETS, SUPPORT, "search_tickets",
              lambda r: (r.query,), SUPPORT, "Search and filter tickets, newest first",
              query=s.TicketSearchSchema, response=s.TicketPageSchema, tags=("tickets",)),
        route("get_ticket", "GET", TICKET, SUPPORT, "get_ticket",
              lambda r: (r.path["ticket_id"],), SUPPORT, "Read a ticket with its SLA due times",
              response=s.TicketSchema, tags=("tickets",)),
        route("update_ticket", "PATCH", TICKET, SUPPORT, "update_ticket",
              lambda r: (r.path["ticket_id"], r.body, r.expected_version, r.idempotency_key), SUPPORT,
              "Change subject, description, category, priority or tags", body=s.TicketUpdateSchema,
              response=s.TicketSchema, tags=("tickets",)),
        route("move_ticket", "POST", TICKET + "/status", SUPPORT, "move_ticket",
              lambda r: (r.path["ticket_id"], r.body, r.expected_version, r.idempotency_key), SUPPORT,
              "Move a ticket to another status (only allowed moves)", body=s.StatusMoveSchema,
              response=s.TicketSchema, tags=("tickets",)),
        route("assign_ticket", "POST", TICKET + "/assignment", SUPPORT, "assign_ticket",
              lambda r: (r.path["ticket_id"], r.body, r.expected_version, r.idempotency_key), SUPPORT,
              "Assign a ticket to an agent and/or a team", body=s.AssignmentSchema, response=s.TicketSchema,
              tags=("tickets",)),
        route("merge_tickets", "POST", TICKET + "/merge", SUPPORT, "merge_tickets",
              lambda r: (r.path["ticket_id"], r.body, r.idempotency_key), SUPPORT,
              "Merge a duplicate ticket into this one", body=s.TicketMergeSchema, response=s.TicketSchema,
              tags=("tickets",)),
        route("record_csat", "POST", TICKET + "/csat", SUPPORT, "record_csat",
              lambda r: (r.path["ticket_id"], r.body, r.idempotency_key), SUPPORT,
              "Record the customer's satisfaction (1-5) with a solved ticket, once", body=s.CsatSchema,
              response=s.TicketSchema, status=201, tags=("tickets",)),
    )  # fmt: skip


def _conversation_routes() -> tuple[Route, ...]:
    return (
        route("list_replies", "GET", TICKET + "/replies", SUPPORT, "list_messages",
              lambda r: (r.path["ticket_id"], r.query, False), SUPPORT, "Public replies, oldest first",
              query=PageQuerySchema, response=s.MessagePageSchema, tags=("conversation",)),
        route("add_reply", "POST", TICKET + "/replies", SUPPORT, "add_reply",
              lambda r: (r.path["ticket_id"], r.body, r.idempotency_key), SUPPORT,
              "Add a public reply (agent or customer)", body=s.MessageCreateSchema, response=s.MessageSchema,
              status=201, tags=("conversation",)),
        route("list_conversation", "GET", TICKET + "/messages", SUPPORT, "list_messages",
              lambda r: (r.path["ticket_id"], r.query, True), SUPPORT,
              "Replies and internal notes, oldest first", query=PageQuerySchema, response=s.MessagePageSchema,
              tags=("conversation",)),
        route("add_note", "POST", TICKET + "/notes", SUPPORT, "add_note",
              lambda r: (r.path["ticket_id"], r.body, r.idempotency_key), SUPPORT,
              "Add an internal note", body=s.NoteCreateSchema, response=s.MessageSchema, status=201,
              tags=("conversation",)),
        route("list_attachments", "GET", TICKET + "/attachments", SUPPORT, "list_attachments",
              lambda r: (r.path["ticket_id"],), SUPPORT, "Attachments of a ticket",
              response=s.AttachmentSchema, many=True, tags=("conversation",)),
        route("add_attachment", "POST", TICKET + "/attachments", SUPPORT, "add_attachment",
              lambda r: (r.path["ticket_id"], r.body, r.idempotency_key), SUPPORT,
              "Attach a stored file's metadata to a ticket", body=s.AttachmentCreateSchema,
              response=s.AttachmentSchema, status=201, tags=("conversation",)),
        route("ticket_history", "GET", TICKET + "/history", SUPPORT, "ticket_history",
              lambda r: (r.path["ticket_id"], r.query), SUPPORT, "Who changed what on a ticket, and when",
              query=PageQuerySchema, response=s.HistoryPageSchema, tags=("conversation",)),
    )  # fmt: skip


def _setting_routes(kind: str, path: str, noun: str, body: Any, item: Any, page: Any, query: Any) -> tuple[Route, ...]:
    collection = f"{SETTINGS}/{path}"
    return (
        route(f"create_{kind}", "POST", collection, SUPPORT, f"create_{kind}",
              lambda r: (r.body, r.idempotency_key), SUPPORT, f"Create {noun}", body=body, response=item,
              status=201, location=lambda b: f"{collection}/{b['id']}", tags=("support settings",)),
        route(f"list_{kind}", "GET", collection, SUPPORT, "list_settings",
              lambda r: (kind, r.query), SUPPORT, f"List {noun}s", query=query, response=page,
              tags=("support settings",)),
        route(f"get_{kind}", "GET", collection + "/<record_id>", SUPPORT, "get_setting",
              lambda r: (kind, r.path["record_id"]), SUPPORT, f"Read {noun}", response=item,
              tags=("support settings",)),
    )  # fmt: skip


def _settings_routes() -> tuple[Route, ...]:
    return (
        *_setting_routes("calendar", "calendars", "a business calendar", s.CalendarCreateSchema,
                         s.CalendarSchema, s.CalendarPageSchema, PageQuerySchema),
        *_setting_routes("sla_policy", "sla-policies", "an SLA policy", s.SlaPolicyCreateSchema,
                         s.SlaPolicySchema, s.SlaPolicyPageSchema, PageQuerySchema),
        *_setting_routes("contract", "contracts", "a support contract", s.ContractCreateSchema,
                         s.ContractSchema, s.ContractPageSchema, s.ContractSearchSchema),
        *_setting_routes("rule", "rules", "a routing and priority rule", s.RuleCreateSchema,
                         s.RuleSchema, s.RulePageSchema, PageQuerySchema),
        route("update_rule", "PATCH", f"{SETTINGS}/rules/<record_id>", SUPPORT, "update_rule",
              lambda r: (r.path["record_id"], r.body, r.expected_version, r.idempotency_key), SUPPORT,
              "Change, reorder, switch on or off a rule", body=s.RuleUpdateSchema, response=s.RuleSchema,
              tags=("support settings",)),
    )  # fmt: skip


def _customer_routes() -> tuple[Route, ...]:
    return (
        route("support_export", "GET", CUSTOMER + "/export", SUPPORT, "export_contact",
              lambda r: (r.path["contact_id"],), ADMIN, "Everything support holds about a customer",
              tags=("privacy",)),
    )  # fmt: skip


SUPPORT_ROUTES: tuple[Route, ...] = (
    *_ticket_routes(),
    *_conversation_routes(),
    *_settings_routes(),
    *_customer_routes(),
)
