"""Converting a qualified lead: contact (and account) in the contacts service, then the local half.

Each step is idempotent with a key derived from the lead id, so a retry after a crash at
any point (before, between or after the remote calls, or before the local commit) makes
nothing twice: the contacts service answers a repeated key with its first answer, and
the local half remembers its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from crm_sales.adapters.unit_of_work import SalesUnitOfWork as Uow
from crm_sales.domain.leads import CONVERTED, ensure_convertible
from crm_sales.service_layer.leads import complete_conversion, existing_lead, new_contact_fields
from crm_shared.commands import read, run_command
from crm_shared.db import utcnow
from crm_shared.errors import Conflict


class ContactsPort(Protocol):
    """The two calls of the contacts service a conversion needs (an RPC proxy with a deadline)."""

    def create_account(self, fields: dict[str, Any], idempotency_key: str) -> dict[str, Any]: ...

    def create_contact(self, fields: dict[str, Any], idempotency_key: str) -> dict[str, Any]: ...


def conversion_keys(lead_id: uuid.UUID) -> dict[str, str]:
    return {step: f"sales:convert-lead:{lead_id}:{step}" for step in ("account", "contact", "local")}


def convert_lead(
    new_uow: Callable[[], Uow], contacts: ContactsPort, lead_id: uuid.UUID, conversion: dict[str, Any]
) -> Any:
    keys = conversion_keys(lead_id)
    lead = read(new_uow, partial(existing_lead, lead_id=lead_id))
    if lead.status == CONVERTED:
        return _remembered(new_uow, keys["local"])
    ensure_convertible(lead)
    account_id = None
    if lead.company:
        account = contacts.create_account({"name": lead.company}, idempotency_key=keys["account"])
        account_id = uuid.UUID(account["id"])
    contact = contacts.create_contact(new_contact_fields(lead, account_id), idempotency_key=keys["contact"])
    work = partial(
        complete_conversion,
        lead_id=lead_id,
        contact_id=uuid.UUID(contact["id"]),
        account_id=account_id,
        conversion=conversion,
        now=utcnow(),
    )
    return run_command(new_uow, work, operation="convert_lead", idempotency_key=keys["local"])


def _remembered(new_uow: Callable[[], Uow], key: str) -> Any:
    """A converted lead answers a repeated conversion with the first one's answer."""
    with new_uow() as uow:
        remembered = uow.remembered_result(key, "convert_lead")
    if remembered is None:  # the answer held personal data and went with an erasure
        raise Conflict("The lead was converted already.", field="status")
    return remembered["answer"]
