"""Segment membership as facts change: re-evaluated per contact, refreshed in bulk, announced in order.

Every join or leave is announced with ``segment.membership_changed`` and the contact's new
summary. A bulk evaluation that moves more than ``ANNOUNCE_AT_ONCE`` memberships queues its
announcements in the same transaction, and a timer publishes them a batch at a time:
announcing 20,000 joins (and as many summaries) would hold the caller for minutes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.service_layer.customers import publish_summaries

ANNOUNCE_AT_ONCE = 100
ANNOUNCE_BATCH = 500


def reevaluate_contact(uow: MarketingUnitOfWork, contact_id: uuid.UUID, now: datetime) -> bool:
    """After a contact's facts changed: join or leave each dynamic segment; True if any membership moved."""
    moved = flush_queued_for(uow, contact_id)
    current = {row.id for row in uow.segments.memberships_of(contact_id)}
    for segment in uow.segments.dynamic_segments():
        matches = uow.segments.matches(segment.rules, contact_id, now)
        if matches and segment.id not in current:
            uow.segments.add_member(segment.id, contact_id, now)
            announce(uow, segment.id, segment.name, {contact_id}, "joined")
            moved = True
        elif not matches and segment.id in current:
            uow.segments.remove_member(segment.id, contact_id)
            announce(uow, segment.id, segment.name, {contact_id}, "left")
            moved = True
    return moved


def refresh_time_relative_segments(uow: MarketingUnitOfWork, now: datetime) -> int:
    """Rules like "ordered within 30 days" change their answer with time alone, with no event: re-evaluate them."""
    refreshed = 0
    for segment in uow.segments.dynamic_segments():
        if _relative_to_now(segment.rules):
            publish_summaries(uow, refresh_members(uow, segment.id, segment.name, segment.rules, now))
            refreshed += 1
    uow.commit()
    return refreshed


def _relative_to_now(rules: Any) -> bool:
    if isinstance(rules, dict) and ("all" in rules or "any" in rules):
        return any(_relative_to_now(item) for item in next(iter(rules.values())))
    return isinstance(rules, dict) and rules.get("operator") in ("within_days", "not_within_days")


def refresh_members(
    uow: MarketingUnitOfWork, segment_id: uuid.UUID, name: str, rules: dict[str, Any] | None, now: datetime
) -> set[uuid.UUID]:
    """Members computed in the database; changes beyond a handful are announced by the timer.

    Announcing 20,000 joins (and as many summaries) would hold the caller for minutes, so
    they are queued in this transaction and published in batches a moment later.
    """
    if not rules:
        return set()
    joined, left = uow.segments.refresh(segment_id, rules, now)
    if len(joined) + len(left) > ANNOUNCE_AT_ONCE:
        uow.segments.queue_announcements(segment_id, joined, "joined")
        uow.segments.queue_announcements(segment_id, left, "left")
        return set()
    announce(uow, segment_id, name, set(joined), "joined")
    announce(uow, segment_id, name, set(left), "left")
    return set(joined) | set(left)


def announce_queued_changes(uow: MarketingUnitOfWork, limit: int = ANNOUNCE_BATCH) -> int:
    """Called by the timer: publish a batch of queued membership changes and the summaries they alter."""
    rows = uow.segments.take_announcements(limit)
    _publish_queued(uow, rows)
    publish_summaries(uow, {row.contact_id for row in rows})
    uow.commit()
    return len(rows)


def flush_queued_for(uow: MarketingUnitOfWork, contact_id: uuid.UUID) -> bool:
    """A contact's queued changes go out before any newer one, so its events stay in order."""
    rows = uow.segments.take_announcements(10_000, contact_id)
    _publish_queued(uow, rows)
    return bool(rows)


def _publish_queued(uow: MarketingUnitOfWork, rows: list[Any]) -> None:
    for row in rows:
        if row.change != "renamed":
            announce(uow, row.segment_id, row.name, {row.contact_id}, row.change)


def announce(uow: MarketingUnitOfWork, segment_id: uuid.UUID, name: str, contacts: set[uuid.UUID], change: str) -> None:
    for contact_id in sorted(contacts):
        data = {"segment_id": segment_id, "segment_name": name, "contact_id": contact_id, "change": change}
        uow.publish("segment.membership_changed", data, aggregate_id=contact_id)
