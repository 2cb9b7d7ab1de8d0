"""Entrypoints of segments and static lists."""

from __future__ import annotations

from functools import partial
from typing import Any

from nameko.timer import timer

from crm_marketing.entrypoints.base import MarketingBase
from crm_marketing.service_layer import memberships, segments
from crm_shared.commands import read
from crm_shared.contracts import marketing as m
from crm_shared.contracts.common import PageQuerySchema
from crm_shared.contracts.loading import load_input, parse_id, parse_version
from crm_shared.db import utcnow
from crm_shared.runtime.rpc import rpc


class SegmentEntrypoints(MarketingBase):
    @rpc
    def create_segment(self, fields: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Create a dynamic segment (rules) or a static list; publishes ``segment.created``."""
        work = partial(segments.create_segment, fields=load_input(m.SegmentCreateSchema, fields), now=utcnow())
        return self._write("create_segment", work, idempotency_key)

    @rpc
    def get_segment(self, segment_id: str) -> Any:
        """A segment with its member count."""
        return read(self.db, partial(segments.get_segment, segment_id=parse_id(segment_id, "segment_id")))

    @rpc
    def list_segments(self, query: dict[str, Any] | None = None) -> Any:
        """Every segment, oldest first; cursor-paginated."""
        return read(self.db, partial(segments.list_segments, page=load_input(PageQuerySchema, query)))

    @rpc
    def update_segment(
        self, segment_id: str, changes: dict[str, Any], expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        """Rename or change the rules; members are re-evaluated at once."""
        work = partial(
            segments.update_segment,
            segment_id=parse_id(segment_id, "segment_id"),
            changes=load_input(m.SegmentUpdateSchema, changes),
            expected_version=parse_version(expected_version),
            now=utcnow(),
        )
        return self._write("update_segment", work, idempotency_key)

    @rpc
    def preview_segment(self, body: dict[str, Any]) -> Any:
        """How many contacts the rules match now, without saving anything."""
        rules = load_input(m.SegmentPreviewSchema, body)["rules"]
        return read(self.db, partial(segments.preview_segment, rules=rules, now=utcnow()))

    @rpc
    def segment_members(self, segment_id: str, query: dict[str, Any] | None = None) -> Any:
        """The segment's members, in the order they joined; cursor-paginated."""
        work = partial(
            segments.segment_members,
            segment_id=parse_id(segment_id, "segment_id"),
            page=load_input(PageQuerySchema, query),
        )
        return read(self.db, work)

    @rpc
    def add_segment_members(self, segment_id: str, body: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Add contacts to a static list."""
        work = partial(
            segments.add_static_members,
            segment_id=parse_id(segment_id, "segment_id"),
            contact_ids=load_input(m.StaticMembersSchema, body)["contact_ids"],
            now=utcnow(),
        )
        return self._write("add_segment_members", work, idempotency_key)

    @rpc
    def remove_segment_members(self, segment_id: str, body: dict[str, Any], idempotency_key: str | None = None) -> Any:
        """Remove contacts from a static list."""
        work = partial(
            segments.remove_static_members,
            segment_id=parse_id(segment_id, "segment_id"),
            contact_ids=load_input(m.StaticMembersSchema, body)["contact_ids"],
        )
        return self._write("remove_segment_members", work, idempotency_key)

    @timer(interval=1)
    def announce_membership_changes(self) -> None:
        """Publish the membership changes a large segment evaluation queued, a batch at a time."""
        for _ in range(20):
            with self.db() as uow:
                if memberships.announce_queued_changes(uow) < memberships.ANNOUNCE_BATCH:
                    return

    @timer(interval=60)
    def refresh_time_relative_segments(self) -> None:
        """Segments with rules relative to now ("within 30 days") move with the clock; re-evaluate them."""
        with self.db() as uow:
            memberships.refresh_time_relative_segments(uow, utcnow())
