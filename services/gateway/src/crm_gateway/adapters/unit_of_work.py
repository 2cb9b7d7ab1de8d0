"""The gateway's unit of work."""

from __future__ import annotations

from crm_gateway.adapters.apikeys_repository import ApiKeyRepository
from crm_shared.unit_of_work import SqlUnitOfWork


class GatewayUnitOfWork(SqlUnitOfWork):
    api_keys: ApiKeyRepository

    def _open_repositories(self) -> None:
        self.api_keys = ApiKeyRepository(self.conn)
