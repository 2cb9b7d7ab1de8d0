"""Segments: dynamic ones by rules evaluated in the database, static lists edited by hand."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.service_layer import memberships
from crm_marketing.service_layer.customers import publish_summaries
from crm_marketing.service_layer.memberships import announce, flush_queued_for, refresh_members
from crm_shared.contracts.loading import schema_instance
from crm_shared.contracts.marketing import SegmentMemberPageSchema, SegmentPageSchema, SegmentSchema
from crm_shared.errors import Conflict, NotFound, StaleVersion

Answer = tuple[Any, Any]


def create_segment(uow: MarketingUnitOfWork, fields: dict[str, Any], now: datetime) -> Answer:
    segment_id = uuid.uuid4()
    uow.segments.add({**fields, "id": segment_id, "created_at": now, "updated_at": now, "version": 1})
    changed = refresh_members(uow, segment_id, fields["name"], fields.get("rules"), now)
    segment = present(uow, _existing(uow, segment_id))
    uow.publish(
        "segment.created",
        {"segment_id": segment_id, "name": fields["name"], "kind": fields["kind"],
         "member_count": segment["member_count"]},
        aggregate_id=segment_id,
    )  # fmt: skip
    publish_summaries(uow, changed)
    return segment, None


def update_segment(
    uow: MarketingUnitOfWork, segment_id: uuid.UUID, changes: dict[str, Any], expected_version: int | None,
    now: datetime,
) -> Answer:  # fmt: skip
    row = _existing(uow, segment_id, for_update=True)
    if expected_version is not None and expected_version != row.version:
        raise StaleVersion("The segment changed since you read it.", current_version=row.version)
    if "rules" in changes and row.kind == "static":
        raise Conflict("A static list has no rules.", field="rules")
    uow.segments.update(segment_id, {**changes, "updated_at": now, "version": row.version + 1})
    changed: set[uuid.UUID] = set()
    if "rules" in changes or "name" in changes:
        changed = refresh_members(uow, segment_id, changes.get("name", row.name), changes.get("rules", row.rules), now)
    if "name" in changes:  # every member's summary names the segment
        members = _members(uow, segment_id) - changed
        if len(members) > memberships.ANNOUNCE_AT_ONCE:
            uow.segments.queue_announcements(segment_id, sorted(members), "renamed")
        else:
            changed |= members
    publish_summaries(uow, changed)
    return present(uow, _existing(uow, segment_id)), None


def get_segment(uow: MarketingUnitOfWork, segment_id: uuid.UUID) -> Any:
    return present(uow, _existing(uow, segment_id))


def list_segments(uow: MarketingUnitOfWork, page: dict[str, Any]) -> Any:
    rows, next_cursor = uow.segments.page(page["limit"], page["cursor"])
    counts = uow.segments.member_counts([row.id for row in rows])
    items = [_as_dict(row, counts.get(row.id, 0)) for row in rows]
    return schema_instance(SegmentPageSchema).dump({"items": items, "next_cursor": next_cursor})


def preview_segment(uow: MarketingUnitOfWork, rules: dict[str, Any], now: datetime) -> Any:
    return {"count": uow.segments.preview_count(rules, now)}


def segment_members(uow: MarketingUnitOfWork, segment_id: uuid.UUID, page: dict[str, Any]) -> Any:
    _existing(uow, segment_id)
    rows, next_cursor = uow.segments.members_page(segment_id, page["limit"], page["cursor"])
    items = [{"contact_id": row.contact_id, "joined_at": row.joined_at} for row in rows]
    return schema_instance(SegmentMemberPageSchema).dump({"items": items, "next_cursor": next_cursor})


def add_static_members(
    uow: MarketingUnitOfWork, segment_id: uuid.UUID, contact_ids: list[uuid.UUID], now: datetime
) -> Answer:
    row = _static(uow, segment_id)
    for contact_id in contact_ids:
        flush_queued_for(uow, contact_id)
    joined = {c for c in contact_ids if not uow.audience.is_erased(c) and uow.segments.add_member(row.id, c, now)}
    announce(uow, row.id, row.name, joined, "joined")
    publish_summaries(uow, joined)
    return present(uow, _existing(uow, segment_id)), None


def remove_static_members(uow: MarketingUnitOfWork, segment_id: uuid.UUID, contact_ids: list[uuid.UUID]) -> Answer:
    row = _static(uow, segment_id)
    for contact_id in contact_ids:
        flush_queued_for(uow, contact_id)
    left = {contact_id for contact_id in contact_ids if uow.segments.remove_member(row.id, contact_id)}
    announce(uow, row.id, row.name, left, "left")
    publish_summaries(uow, left)
    return present(uow, _existing(uow, segment_id)), None


def present(uow: MarketingUnitOfWork, row: Any) -> Any:
    return _as_dict(row, uow.segments.member_counts([row.id]).get(row.id, 0))


def _members(uow: MarketingUnitOfWork, segment_id: uuid.UUID) -> set[uuid.UUID]:
    rows, _ = uow.segments.members_page(segment_id, 10**9, None)
    return {row.contact_id for row in rows}


def _existing(uow: MarketingUnitOfWork, segment_id: uuid.UUID, *, for_update: bool = False) -> Any:
    row = uow.segments.get(segment_id, for_update=for_update)
    if row is None:
        raise NotFound("No such segment.", field="segment_id")
    return row


def _static(uow: MarketingUnitOfWork, segment_id: uuid.UUID) -> Any:
    row = _existing(uow, segment_id, for_update=True)
    if row.kind != "static":
        raise Conflict("Members of a dynamic segment follow its rules.", field="segment_id")
    return row


def _as_dict(row: Any, member_count: int) -> Any:
    values = {**row._mapping, "member_count": member_count}
    return schema_instance(SegmentSchema).dump(values)
