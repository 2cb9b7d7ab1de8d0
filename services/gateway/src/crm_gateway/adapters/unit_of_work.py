"""The gateway's unit of work."""

from __future__ import annotations

from crm_gateway.adapters.apikeys_repository import ApiKeyRepository
from crm_gateway.adapters.audit_repository import AuditLog
from crm_gateway.adapters.customer_repository import CustomerRecordRepository
from crm_gateway.adapters.webhooks_repository import WebhookRepository
from crm_shared.unit_of_work import SqlUnitOfWork


class GatewayUnitOfWork(SqlUnitOfWork):
    producer = "gateway"
    api_keys: ApiKeyRepository
    customers: CustomerRecordRepository
    audit_log: AuditLog
    webhooks: WebhookRepository

    def _open_repositories(self) -> None:
        self.api_keys = ApiKeyRepository(self.conn)
        self.customers = CustomerRecordRepository(self.conn)
        self.audit_log = AuditLog(self.conn)
        self.webhooks = WebhookRepository(self.conn)
