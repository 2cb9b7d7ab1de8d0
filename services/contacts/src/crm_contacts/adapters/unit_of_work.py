"""The contacts service's unit of work: the shared transaction plus this service's repositories."""

from __future__ import annotations

from crm_contacts.adapters.accounts_repository import AccountRepository
from crm_contacts.adapters.activities_repository import (
    ConsentLedger,
    InteractionRepository,
    TaskRepository,
)
from crm_contacts.adapters.contacts_repository import ContactRepository
from crm_contacts.adapters.privacy_repository import PrivacyRepository
from crm_shared.unit_of_work import SqlUnitOfWork


class ContactsUnitOfWork(SqlUnitOfWork):
    producer = "contacts"
    contacts: ContactRepository
    accounts: AccountRepository
    consents: ConsentLedger
    interactions: InteractionRepository
    tasks: TaskRepository
    privacy: PrivacyRepository

    def _open_repositories(self) -> None:
        self.contacts = ContactRepository(self.conn)
        self.accounts = AccountRepository(self.conn)
        self.consents = ConsentLedger(self.conn)
        self.interactions = InteractionRepository(self.conn)
        self.tasks = TaskRepository(self.conn)
        self.privacy = PrivacyRepository(self.conn)
