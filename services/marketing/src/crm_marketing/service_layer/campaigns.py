"""Campaigns: drafted, scheduled or launched, started by the timer when due, cancelled."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.domain.campaigns import check_editable, check_send_time, check_transition
from crm_marketing.domain.content import unknown_placeholders
from crm_shared.contracts.loading import schema_instance
from crm_shared.contracts.marketing import CampaignPageSchema, CampaignSchema
from crm_shared.errors import Invalid, NotFound, StaleVersion

Answer = tuple[Any, Any]


def create_campaign(uow: MarketingUnitOfWork, fields: dict[str, Any], now: datetime, attribution_days: int) -> Answer:
    _check_content(fields)
    _check_audience(uow, fields["segment_ids"], fields["exclude_segment_ids"])
    campaign_id = uuid.uuid4()
    values = {**_columns(fields), "id": campaign_id, "status": "draft", "created_at": now, "updated_at": now,
              "version": 1, "attribution_days": fields.get("attribution_days") or attribution_days}  # fmt: skip
    uow.campaigns.add(values)
    return present(_existing(uow, campaign_id)), None


def update_campaign(
    uow: MarketingUnitOfWork, campaign_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None,
    now: datetime,
) -> Answer:  # fmt: skip
    row = _current(uow, campaign_id, expected_version)
    check_editable(row.status, set(changes))
    _check_content(changes)
    if "segment_ids" in changes or "exclude_segment_ids" in changes:
        _check_audience(uow, changes.get("segment_ids", row.segment_ids),
                        changes.get("exclude_segment_ids", row.exclude_segment_ids))  # fmt: skip
    uow.campaigns.update(campaign_id, {**_columns(changes), "updated_at": now, "version": row.version + 1})
    return present(_existing(uow, campaign_id)), None


def schedule_campaign(
    uow: MarketingUnitOfWork, campaign_id: uuid.UUID, send_at: datetime, expected_version: int | None,
    now: datetime,
) -> Answer:  # fmt: skip
    row = _current(uow, campaign_id, expected_version)
    check_send_time(send_at, now)
    check_transition(row.status, "scheduled")
    _check_audience(uow, row.segment_ids, row.exclude_segment_ids)
    uow.campaigns.update(campaign_id, {"status": "scheduled", "send_at": send_at, "updated_at": now,
                                       "version": row.version + 1})  # fmt: skip
    return _announce(uow, campaign_id, "campaign.scheduled"), None


def launch_campaign(
    uow: MarketingUnitOfWork, campaign_id: uuid.UUID, expected_version: int | None, now: datetime
) -> Answer:
    row = _current(uow, campaign_id, expected_version)
    return start(uow, row, now), None


def cancel_campaign(
    uow: MarketingUnitOfWork, campaign_id: uuid.UUID, expected_version: int | None, now: datetime
) -> Answer:
    row = _current(uow, campaign_id, expected_version)
    check_transition(row.status, "cancelled")
    uow.sends.cancel_pending(campaign_id)
    uow.campaigns.update(campaign_id, {"status": "cancelled", "updated_at": now, "version": row.version + 1})
    return _announce(uow, campaign_id, "campaign.cancelled"), None


def start_due_campaigns(uow: MarketingUnitOfWork, now: datetime) -> Answer:
    """Called by the timer: every scheduled campaign whose time has come starts, once."""
    started = [start(uow, row, now) for row in uow.campaigns.claim_due(now)]
    return [campaign["id"] for campaign in started], None


def start(uow: MarketingUnitOfWork, row: Any, now: datetime) -> Any:
    check_transition(row.status, "running")
    recipients = uow.campaigns.add_recipients(row.id, row)
    if recipients == 0 and row.status == "draft":
        raise Invalid("The audience is empty.", fields={"segment_ids": ["No contact can receive this campaign."]})
    uow.campaigns.update(row.id, {"status": "running", "launched_at": now, "updated_at": now,
                                  "version": row.version + 1})  # fmt: skip
    return _announce(uow, row.id, "campaign.launched", recipients=recipients)


def get_campaign(uow: MarketingUnitOfWork, campaign_id: uuid.UUID) -> Any:
    return present(_existing(uow, campaign_id))


def list_campaigns(uow: MarketingUnitOfWork, query: dict[str, Any]) -> Any:
    rows, next_cursor = uow.campaigns.page(query.get("status"), query["limit"], query["cursor"])
    items = [_as_dict(row) for row in rows]
    return schema_instance(CampaignPageSchema).dump({"items": items, "next_cursor": next_cursor})


def present(row: Any) -> Any:
    return schema_instance(CampaignSchema).dump(_as_dict(row))


def _announce(uow: MarketingUnitOfWork, campaign_id: uuid.UUID, event_type: str, recipients: int | None = None) -> Any:
    row = _existing(uow, campaign_id)
    data = {"campaign_id": row.id, "name": row.name, "channel": row.channel, "status": row.status,
            "send_at": row.send_at, "recipients": recipients}  # fmt: skip
    uow.publish(event_type, data, aggregate_id=row.id)
    return present(row)


def _check_content(fields: dict[str, Any]) -> None:
    errors: dict[str, Any] = {}
    for index, variant in enumerate(fields.get("variants") or []):
        for part in ("subject", "body"):
            unknown = unknown_placeholders(variant[part])
            if unknown:
                errors.setdefault(str(index), {})[part] = [f"Unknown placeholder: {', '.join(unknown)}."]
    if errors:
        raise Invalid("The content is not valid.", fields={"variants": errors})


def _check_audience(uow: MarketingUnitOfWork, segment_ids: list[Any], exclude_ids: list[Any]) -> None:
    missing = [str(s) for s in [*segment_ids, *exclude_ids] if uow.segments.get(_id(s)) is None]
    if missing:
        raise Invalid("Unknown segment.", fields={"segment_ids": [f"No such segment: {', '.join(missing)}."]})
    if uow.campaigns.audience_size(segment_ids, exclude_ids) == 0:
        raise Invalid("The audience is empty.", fields={"segment_ids": ["No contact can receive this campaign."]})


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in fields.items() if k not in ("budget", "cost", "segment_ids", "exclude_segment_ids")}
    for name in ("segment_ids", "exclude_segment_ids"):
        if name in fields:
            values[name] = [str(segment_id) for segment_id in fields[name]]
    for name in ("budget", "cost"):
        if name in fields:
            money = fields[name] or {}
            values[f"{name}_amount"], values[f"{name}_currency"] = money.get("amount"), money.get("currency")
    return values


def _as_dict(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in ("budget", "cost"):
        amount, currency = values.pop(f"{name}_amount"), values.pop(f"{name}_currency")
        values[name] = None if amount is None else {"amount": amount, "currency": currency}
    return values


def _current(uow: MarketingUnitOfWork, campaign_id: uuid.UUID, expected_version: int | None) -> Any:
    row = _existing(uow, campaign_id, for_update=True)
    if expected_version is not None and expected_version != row.version:
        raise StaleVersion("The campaign changed since you read it.", current_version=row.version)
    return row


def _existing(uow: MarketingUnitOfWork, campaign_id: uuid.UUID, *, for_update: bool = False) -> Any:
    row = uow.campaigns.get(campaign_id, for_update=for_update)
    if row is None:
        raise NotFound("No such campaign.", field="campaign_id")
    return row


def _id(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
