"""RPCs that configure support: business calendars, SLA policies, contracts, rules."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_shared.commands import read
from crm_shared.contracts import support as s
from crm_shared.contracts.common import PageQuerySchema
from crm_shared.contracts.loading import load, parse_id, parse_version
from crm_shared.db import utcnow
from crm_shared.errors import NotFound
from crm_shared.runtime.rpc import rpc
from crm_support.entrypoints.base import SupportBase
from crm_support.service_layer import setup

PAGE = PageQuerySchema()
CALENDAR = s.CalendarCreateSchema()
POLICY = s.SlaPolicyCreateSchema()
CONTRACT = s.ContractCreateSchema()
CONTRACT_SEARCH = s.ContractSearchSchema()
RULE = s.RuleCreateSchema()
RULE_UPDATE = s.RuleUpdateSchema()


class SetupEntrypoints(SupportBase):
    @rpc
    def create_calendar(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """A business calendar: working hours per weekday, holidays, a time zone."""
        work = partial(setup.create_calendar, fields=load(CALENDAR, fields), now=utcnow())
        return self._write("create_calendar", work, idempotency_key)

    @rpc
    def create_sla_policy(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """First-response and resolution targets for a contract level and priority."""
        work = partial(setup.create_sla_policy, fields=load(POLICY, fields), now=utcnow())
        return self._write("create_sla_policy", work, idempotency_key)

    @rpc
    def create_contract(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """An account's support contract: level, validity dates, included channels."""
        work = partial(setup.create_contract, fields=load(CONTRACT, fields), now=utcnow())
        return self._write("create_contract", work, idempotency_key)

    @rpc
    def create_rule(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """A routing and priority rule; an unparseable condition is refused naming its place."""
        work = partial(setup.create_rule, fields=load(RULE, fields), now=utcnow())
        return self._write("create_rule", work, idempotency_key)

    @rpc
    def update_rule(
        self, rule_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Change, reorder, switch on or off a rule."""
        work = partial(
            setup.update_rule, rule_id=parse_id(rule_id, "rule_id"), changes=load(RULE_UPDATE, changes),
            expected_version=parse_version(expected_version), now=utcnow(),
        )  # fmt: skip
        return self._write("update_rule", work, idempotency_key)

    @rpc
    def get_setting(self, kind: str, record_id: str) -> Any:
        """One calendar, sla_policy, contract or rule."""
        _known_kind(kind)
        return read(self.db, partial(setup.get_record, kind=kind, record_id=parse_id(record_id, "id")))

    @rpc
    def list_settings(self, kind: str, query: dict[str, Any] | None = None) -> Any:
        """A page of calendars, sla_policies, contracts (filter: account_id) or rules."""
        _known_kind(kind)
        page = load(CONTRACT_SEARCH if kind == "contract" else PAGE, query or {})
        equal = {"account_id": page.pop("account_id", None)}
        return read(self.db, partial(setup.list_records, kind=kind, page=page, **equal))


def _known_kind(kind: Any) -> None:
    if kind not in setup.KINDS:
        raise NotFound("No such kind of record.", kind=str(kind)[:50])
