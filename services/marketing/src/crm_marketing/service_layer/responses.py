"""Responses to a message: opens, clicks, unsubscribes, bounces and replies.

Each is counted once per message in the statistics (the first time), announced with
``campaign.response_recorded`` and reflected in the contact's summary.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.domain.content import links_in
from crm_marketing.domain.links import verify
from crm_marketing.service_layer.customers import publish_summaries
from crm_shared.errors import Conflict, NotFound

FIRST_TIME_COLUMN = {
    "opened": "opened_at",
    "clicked": "clicked_at",
    "unsubscribed": "unsubscribed_at",
    "bounced": "bounced_at",
    "replied": "replied_at",
}


def track_open(uow: MarketingUnitOfWork, token: str, secret: str, now: datetime) -> Any:
    parsed = verify(token, secret, "o")
    send = uow.sends.get(parsed.send_id) if parsed else None
    if send is not None and send.status == "sent":
        _record(uow, send, "opened", now)
    uow.commit()
    return {}


def track_click(uow: MarketingUnitOfWork, token: str, secret: str, now: datetime) -> Any:
    parsed = verify(token, secret, "c")
    send = uow.sends.get(parsed.send_id) if parsed else None
    targets = _targets(uow, send) if send is not None else []
    if parsed is None or send is None or not 0 <= parsed.link_index < len(targets):
        raise NotFound("No such link.")
    if send.status == "sent":
        # A click proves the mail was opened even when the pixel was blocked.
        _record(uow, send, "opened", now)
        _record(uow, uow.sends.get(send.id), "clicked", now)
    uow.commit()
    return {"url": targets[parsed.link_index]}


def unsubscribe(uow: MarketingUnitOfWork, token: str, secret: str, now: datetime) -> tuple[Any, Any]:
    """Suppresses the contact here at once; the consent withdrawal in contacts follows (see entrypoint)."""
    parsed = verify(token, secret, "u")
    send = uow.sends.get(parsed.send_id) if parsed else None
    if send is None:
        raise NotFound("No such link.")
    if send.contact_id is not None:
        uow.audience.update(send.contact_id, now, unsubscribed=True)
        _record(uow, send, "unsubscribed", now)
    uow.commit()
    return send.id, send.contact_id


def record_bounce(uow: MarketingUnitOfWork, send_id: int, hard: bool, reason: str | None, now: datetime) -> Any:
    send = _sent_send(uow, send_id)
    answer = record_bounce_of(uow, send, hard=hard, reason=reason, now=now)
    return answer, send.contact_id


def record_reply(uow: MarketingUnitOfWork, send_id: int, received_at: datetime | None, now: datetime) -> Any:
    send = _sent_send(uow, send_id)
    return _record(uow, send, "replied", received_at or now, always=True), send.contact_id


def record_bounce_of(uow: MarketingUnitOfWork, send: Any, *, hard: bool, reason: str | None, now: datetime) -> Any:
    """A hard bounce suppresses the address for every later campaign; a soft one is only counted."""
    if send.status in ("sending", "pending"):
        uow.sends.mark(send.id, "bounced", hard_bounce=hard, skip_reason="refused")
    else:
        uow.sends.mark(send.id, send.status, hard_bounce=hard)
    if hard and send.contact_id is not None:
        uow.audience.update(send.contact_id, now, hard_bounced=True)
    return _record(uow, uow.sends.get(send.id), "bounced", now, detail=reason, always=True)


def _record(
    uow: MarketingUnitOfWork, send: Any, kind: str, at: datetime, detail: str | None = None, always: bool = False
) -> Any:
    column = FIRST_TIME_COLUMN[kind]
    first = getattr(send, column) is None
    data = {"campaign_id": send.campaign_id, "send_id": send.id, "contact_id": send.contact_id, "kind": kind,
            "at": at, "detail": detail}  # fmt: skip
    if send.contact_id is None or not (first or always):
        return _dump(data)
    if first:
        uow.sends.mark(send.id, uow.sends.get(send.id).status, **{column: at})
    uow.sends.record_response(send, kind, at)
    uow.publish("campaign.response_recorded", data, aggregate_id=send.contact_id)
    publish_summaries(uow, {send.contact_id})
    return _dump(data)


def _targets(uow: MarketingUnitOfWork, send: Any) -> list[str]:
    campaign = uow.campaigns.get(send.campaign_id)
    variant = next((v for v in campaign.variants if v["name"] == send.variant), None)
    return links_in(variant["body"]) if variant else []


def _sent_send(uow: MarketingUnitOfWork, send_id: int) -> Any:
    send = uow.sends.get(send_id)
    if send is None:
        raise NotFound("No such message.", field="send_id")
    if send.status not in ("sent", "bounced"):
        raise Conflict("That message was not sent.", field="send_id")
    return send


def _dump(data: dict[str, Any]) -> Any:
    from crm_shared.contracts.loading import schema_instance
    from crm_shared.contracts.marketing import ResponseRecordedSchema

    return schema_instance(ResponseRecordedSchema).dump({**data, "contact_id": data["contact_id"] or uuid.UUID(int=0)})
