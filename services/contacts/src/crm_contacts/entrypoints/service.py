"""The contacts service's nameko entrypoints: load, call a handler, dump. Nothing else."""

from __future__ import annotations

from functools import partial
from typing import Any

from nameko.dependency_providers import Config
from nameko.timer import timer

import crm_shared.runtime  # noqa: F401 - registers typed errors for RPC
from crm_contacts.adapters.tables import plumbing
from crm_contacts.adapters.unit_of_work import ContactsUnitOfWork
from crm_contacts.plugin import SERVICE
from crm_contacts.service_layer import accounts, activities, contacts, importing, privacy
from crm_shared.commands import read, run_command
from crm_shared.contracts import contacts as c
from crm_shared.contracts.loading import load, parse_id, parse_version
from crm_shared.db import utcnow
from crm_shared.runtime.database import Database
from crm_shared.runtime.dead_letters import DeadLetters
from crm_shared.runtime.operations import Operations
from crm_shared.runtime.rpc import rpc

CREATE = c.ContactCreateSchema()
UPDATE = c.ContactUpdateSchema()
SEARCH = c.ContactSearchSchema()
ACCOUNT_CREATE = c.AccountCreateSchema()
ACCOUNT_UPDATE = c.AccountFieldsSchema()
ACCOUNT_SEARCH = c.AccountSearchSchema()
CONSENT = c.ConsentChangeSchema()
INTERACTION = c.InteractionCreateSchema()
PAGE = c.PageQuerySchema()
TASK_CREATE = c.TaskCreateSchema()
TASK_UPDATE = c.TaskUpdateSchema()
TASK_SEARCH = c.TaskSearchSchema()
MERGE = c.MergeSchema()


class ContactsService:
    """People, companies, consent, interactions and tasks."""

    name = "contacts"
    config = Config()
    db = Database(plumbing, ContactsUnitOfWork)
    dead_letters = DeadLetters()
    operations = Operations(migrations=SERVICE.migrations)

    @property
    def region(self) -> str:
        return str(self.config.get("DEFAULT_PHONE_REGION") or "US")

    def _write(self, operation: str, work: Any, idempotency_key: str | None) -> Any:
        return run_command(self.db, work, operation=operation, idempotency_key=idempotency_key)

    @rpc
    def create_contact(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create a contact; publishes ``contact.created``."""
        work = partial(contacts.create_contact, fields=load(CREATE, fields), now=utcnow(), region=self.region)
        return self._write("create_contact", work, idempotency_key)

    @rpc
    def get_contact(self, contact_id: str) -> Any:
        """The contact's current representation."""
        return self.db.read(partial(contacts.get_contact, contact_id=parse_id(contact_id, "contact_id")))

    @rpc
    def update_contact(
        self, contact_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change the given fields; publishes ``contact.updated`` if anything changed."""
        work = partial(
            contacts.update_contact,
            contact_id=parse_id(contact_id, "contact_id"),
            changes=load(UPDATE, changes),
            expected_version=parse_version(expected_version),
            now=utcnow(),
            region=self.region,
        )
        return self._write("update_contact", work, idempotency_key)

    @rpc
    def search_contacts(self, query: dict[str, Any]) -> Any:
        """Prefix search on name, email, phone or company, with filters; cursor-paginated."""
        return self.db.read(partial(contacts.search_contacts, filters=load(SEARCH, query)))

    @rpc
    def find_duplicates(self, contact_id: str) -> Any:
        """Contacts that are probably the same person, with the reasons."""
        return read(self.db, partial(contacts.find_duplicates, contact_id=parse_id(contact_id, "contact_id")))

    @rpc
    def merge_contacts(self, survivor_id: str, merged_id: str, idempotency_key: str | None = None) -> Any:
        """Merge a duplicate into the survivor; publishes ``contact.merged``."""
        work = partial(
            contacts.merge_contacts,
            survivor_id=parse_id(survivor_id, "survivor_id"),
            merged_id=parse_id(merged_id, "merged_id"),
            now=utcnow(),
        )
        return self._write("merge_contacts", work, idempotency_key)

    @rpc
    def create_account(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create an account (company); publishes ``account.created``."""
        work = partial(accounts.create_account, fields=load(ACCOUNT_CREATE, fields), now=utcnow())
        return self._write("create_account", work, idempotency_key)

    @rpc
    def get_account(self, account_id: str) -> Any:
        """The account's current representation."""
        return read(self.db, partial(accounts.get_account, account_id=parse_id(account_id, "account_id")))

    @rpc
    def update_account(
        self, account_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change the given fields; publishes ``account.updated`` if anything changed."""
        work = partial(
            accounts.update_account,
            account_id=parse_id(account_id, "account_id"),
            changes=load(ACCOUNT_UPDATE, changes),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("update_account", work, idempotency_key)

    @rpc
    def search_accounts(self, query: dict[str, Any]) -> Any:
        """Accounts by name prefix, cursor-paginated."""
        return read(self.db, partial(accounts.search_accounts, query=load(ACCOUNT_SEARCH, query)))

    @rpc
    def change_consent(self, contact_id: str, change: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Record a grant or withdrawal; publishes ``consent.changed``."""
        work = partial(
            activities.change_consent,
            contact_id=parse_id(contact_id, "contact_id"),
            change=load(CONSENT, change),
            now=utcnow(),
        )
        return self._write("change_consent", work, idempotency_key)

    @rpc
    def get_consents(self, contact_id: str) -> Any:
        """Current consent state and the full ledger of a contact."""
        return read(self.db, partial(activities.get_consents, contact_id=parse_id(contact_id, "contact_id")))

    @rpc
    def log_interaction(self, contact_id: str, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Log a call, email, meeting or note; publishes ``interaction.logged``."""
        work = partial(
            activities.log_interaction,
            contact_id=parse_id(contact_id, "contact_id"),
            fields=load(INTERACTION, fields),
            now=utcnow(),
        )
        return self._write("log_interaction", work, idempotency_key)

    @rpc
    def timeline(self, contact_id: str, page: dict[str, Any] | None = None) -> Any:
        """The contact's interactions, newest first."""
        work = partial(activities.timeline, contact_id=parse_id(contact_id, "contact_id"), page=load(PAGE, page or {}))
        return read(self.db, work)

    @rpc
    def create_task(self, contact_id: str, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create a task; ``task.due`` is published when it falls due."""
        work = partial(
            activities.create_task, contact_id=parse_id(contact_id, "contact_id"), fields=load(TASK_CREATE, fields)
        )
        return self._write("create_task", work, idempotency_key)

    @rpc
    def get_task(self, task_id: str) -> Any:
        """One task."""
        return read(self.db, partial(activities.get_task, task_id=parse_id(task_id, "task_id")))

    @rpc
    def update_task(
        self, task_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change or complete a task."""
        work = partial(
            activities.update_task,
            task_id=parse_id(task_id, "task_id"),
            changes=load(TASK_UPDATE, changes),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("update_task", work, idempotency_key)

    @rpc
    def search_tasks(self, query: dict[str, Any]) -> Any:
        """Tasks by contact, owner, state or due time; cursor-paginated."""
        return read(self.db, partial(activities.search_tasks, filters=load(TASK_SEARCH, query)))

    @timer(interval=1)
    def remind_due_tasks(self) -> None:
        """Publish ``task.due`` for tasks whose time has come."""
        run_command(self.db, partial(activities.remind_due_tasks, now=utcnow()), operation="remind_due_tasks")

    @rpc
    def export_contact(self, contact_id: str) -> Any:
        """Everything held about a contact (data protection access request)."""
        return read(self.db, partial(privacy.export_contact, contact_id=parse_id(contact_id, "contact_id")))

    @rpc
    def erase_contact(self, contact_id: str, idempotency_key: str | None = None) -> Any:
        """Erase a contact's personal data, leaving a tombstone; publishes ``contact.erased``."""
        subject = parse_id(contact_id, "contact_id")
        answer = self._write(
            "erase_contact", partial(privacy.erase_contact, contact_id=subject, now=utcnow()), idempotency_key
        )
        self.dead_letters.erase_mentions(str(subject))
        return answer

    @rpc
    def pii_inventory(self, contact_id: str) -> Any:
        """Places holding the contact's personal data, with counts; all 0 after erasure."""
        subject = parse_id(contact_id, "contact_id")
        inventory = read(self.db, partial(privacy.pii_inventory, contact_id=subject))
        inventory["places"]["dead_letters"] = self.dead_letters.count_mentions(str(subject))
        return inventory

    @rpc
    def import_contacts(self, rows: list[Any], first_row: int = 1, idempotency_key: str | None = None) -> Any:
        """Import a batch of contact rows; answers how many were created and which were rejected."""
        work = partial(importing.import_contacts, rows=rows, first_row=first_row, now=utcnow(), region=self.region)
        return self._write("import_contacts", work, idempotency_key)
