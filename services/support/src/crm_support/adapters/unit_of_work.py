"""The support service's unit of work: the shared transaction plus this service's repositories."""

from __future__ import annotations

from crm_shared.unit_of_work import SqlUnitOfWork
from crm_support.adapters.conversation_repository import ConversationRepository
from crm_support.adapters.privacy_repository import PrivacyRepository
from crm_support.adapters.setup_repository import SetupRepository
from crm_support.adapters.tickets_repository import TicketRepository


class SupportUnitOfWork(SqlUnitOfWork):
    producer = "support"
    tickets: TicketRepository
    conversation: ConversationRepository
    setup: SetupRepository
    privacy: PrivacyRepository

    def _open_repositories(self) -> None:
        self.tickets = TicketRepository(self.conn)
        self.conversation = ConversationRepository(self.conn)
        self.setup = SetupRepository(self.conn)
        self.privacy = PrivacyRepository(self.conn)
