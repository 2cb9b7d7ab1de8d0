"""Handlers of account (company) commands and queries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork as Uow
from crm_contacts.domain.normalise import clean_text
from crm_contacts.service_layer import present
from crm_shared.errors import Invalid, NotFound, StaleVersion

DEFAULTS = {"domain": None, "industry": None, "size": None, "address": None, "parent_account_id": None}


def _existing(uow: Uow, account_id: uuid.UUID) -> dict[str, Any]:
    account = uow.accounts.get(account_id)
    if account is None:
        raise NotFound("No such account.", account_id=str(account_id))
    return account


def _check_parent(uow: Uow, account_id: uuid.UUID, parent_id: uuid.UUID | None) -> None:
    """The parent must exist and must not be the account itself or one of its descendants."""
    seen = {account_id}
    while parent_id is not None:
        if parent_id in seen:
            raise Invalid("Input is not valid.", fields={"parent_account_id": ["Would form a cycle."]})
        parent = uow.accounts.get(parent_id)
        if parent is None:
            raise Invalid("Input is not valid.", fields={"parent_account_id": ["No such account."]})
        seen.add(parent_id)
        parent_id = parent["parent_account_id"]


def _normalised(fields: dict[str, Any]) -> dict[str, Any]:
    result = dict(fields)
    if "name" in result:
        result["name"] = clean_text(result["name"])
        if not result["name"]:
            raise Invalid("Input is not valid.", fields={"name": ["Must not be blank."]})
    if result.get("domain"):
        result["domain"] = result["domain"].lower()
    return result


def create_account(uow: Uow, fields: dict[str, Any], now: datetime) -> tuple[Any, Any]:
    account = {
        **DEFAULTS,
        **_normalised(fields),
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    _check_parent(uow, account["id"], account["parent_account_id"])
    uow.accounts.add(account)
    body = present.account(account)
    uow.publish("account.created", body, account["id"])
    return body, None


def update_account(
    uow: Uow, account_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None, now: datetime
) -> tuple[Any, Any]:
    account = _existing(uow, account_id)
    if expected_version is not None and expected_version != account["version"]:
        raise StaleVersion("The account has changed since you read it.", version=account["version"])
    updated = {**account, **_normalised(changes)}
    if updated == account:
        return present.account(account), None
    if "parent_account_id" in changes:
        _check_parent(uow, account_id, updated["parent_account_id"])
    updated.update(updated_at=now, version=account["version"] + 1)
    uow.accounts.save(updated, account["version"])
    body = present.account(updated)
    uow.publish("account.updated", body, account_id)
    return body, None


def get_account(uow: Uow, account_id: uuid.UUID) -> dict[str, Any]:
    return present.account(_existing(uow, account_id))


def search_accounts(uow: Uow, query: dict[str, Any]) -> dict[str, Any]:
    found, next_cursor = uow.accounts.search(query.get("q"), query.get("cursor"), query["limit"])
    return present.page(found, next_cursor, present.account)
