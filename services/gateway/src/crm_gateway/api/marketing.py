"""Routes of the marketing area: segments and static lists, campaigns, their performance, the summary."""

from __future__ import annotations

from typing import Any

import crm_shared.contracts.marketing as m
from crm_gateway.http.route import Route, route
from crm_shared.contracts.common import PageQuerySchema

MARKETING = "marketing"
ADMIN = "admin"
V1 = "/api/v1"


def _at(kind: str) -> Any:
    return lambda body: f"{V1}/{kind}/{body['id']}"


SEGMENT = f"{V1}/segments/<segment_id>"
SEGMENT_ROUTES: tuple[Route, ...] = (
    route("create_segment", "POST", f"{V1}/segments", MARKETING, "create_segment",
          lambda r: (r.body, r.idempotency_key), MARKETING,
          "Create a dynamic segment (rules on the contact's facts) or a static list",
          body=m.SegmentCreateSchema, response=m.SegmentSchema, status=201, location=_at("segments"),
          tags=("segments",)),
    route("list_segments", "GET", f"{V1}/segments", MARKETING, "list_segments", lambda r: (r.query,), MARKETING,
          "Every segment, oldest first", query=PageQuerySchema, response=m.SegmentPageSchema, tags=("segments",)),
    route("preview_segment", "POST", f"{V1}/segments/preview", MARKETING, "preview_segment",
          lambda r: (r.body,), MARKETING, "How many contacts the rules match now (nothing is saved)",
          body=m.SegmentPreviewSchema, response=m.SegmentPreviewResultSchema, tags=("segments",)),
    route("get_segment", "GET", SEGMENT, MARKETING, "get_segment", lambda r: (r.path["segment_id"],), MARKETING,
          "Read a segment with its member count", response=m.SegmentSchema, tags=("segments",)),
    route("update_segment", "PATCH", SEGMENT, MARKETING, "update_segment",
          lambda r: (r.path["segment_id"], r.body, r.expected_version, r.idempotency_key), MARKETING,
          "Rename a segment or change its rules (members are re-evaluated)", body=m.SegmentUpdateSchema,
          response=m.SegmentSchema, tags=("segments",)),
    route("segment_members", "GET", f"{SEGMENT}/members", MARKETING, "segment_members",
          lambda r: (r.path["segment_id"], r.query), MARKETING, "The segment's members, in the order they joined",
          query=PageQuerySchema, response=m.SegmentMemberPageSchema, tags=("segments",)),
    route("add_segment_members", "POST", f"{SEGMENT}/members", MARKETING, "add_segment_members",
          lambda r: (r.path["segment_id"], r.body, r.idempotency_key), MARKETING, "Add contacts to a static list",
          body=m.StaticMembersSchema, response=m.SegmentSchema, tags=("segments",)),
    route("remove_segment_members", "POST", f"{SEGMENT}/members/remove", MARKETING, "remove_segment_members",
          lambda r: (r.path["segment_id"], r.body, r.idempotency_key), MARKETING,
          "Remove contacts from a static list", body=m.StaticMembersSchema, response=m.SegmentSchema,
          tags=("segments",)),
)  # fmt: skip

CAMPAIGN = f"{V1}/campaigns/<campaign_id>"
CAMPAIGN_ROUTES: tuple[Route, ...] = (
    route("create_campaign", "POST", f"{V1}/campaigns", MARKETING, "create_campaign",
          lambda r: (r.body, r.idempotency_key), MARKETING,
          "Create a draft campaign: channel, audience segments, content variants, budget",
          body=m.CampaignCreateSchema, response=m.CampaignSchema, status=201, location=_at("campaigns"),
          tags=("campaigns",)),
    route("list_campaigns", "GET", f"{V1}/campaigns", MARKETING, "list_campaigns", lambda r: (r.query,), MARKETING,
          "Campaigns, newest first", query=m.CampaignSearchSchema, response=m.CampaignPageSchema,
          tags=("campaigns",)),
    route("get_campaign", "GET", CAMPAIGN, MARKETING, "get_campaign", lambda r: (r.path["campaign_id"],), MARKETING,
          "Read a campaign", response=m.CampaignSchema, tags=("campaigns",)),
    route("update_campaign", "PATCH", CAMPAIGN, MARKETING, "update_campaign",
          lambda r: (r.path["campaign_id"], r.body, r.expected_version, r.idempotency_key), MARKETING,
          "Change a draft campaign (cost may change at any time)", body=m.CampaignUpdateSchema,
          response=m.CampaignSchema, tags=("campaigns",)),
    route("schedule_campaign", "POST", f"{CAMPAIGN}/schedule", MARKETING, "schedule_campaign",
          lambda r: (r.path["campaign_id"], r.body, r.expected_version, r.idempotency_key), MARKETING,
          "Schedule a draft campaign; it starts itself at that time", body=m.ScheduleSchema,
          response=m.CampaignSchema, tags=("campaigns",)),
    route("launch_campaign", "POST", f"{CAMPAIGN}/launch", MARKETING, "launch_campaign",
          lambda r: (r.path["campaign_id"], r.expected_version, r.idempotency_key), MARKETING,
          "Start sending now", response=m.CampaignSchema, tags=("campaigns",)),
    route("cancel_campaign", "POST", f"{CAMPAIGN}/cancel", MARKETING, "cancel_campaign",
          lambda r: (r.path["campaign_id"], r.expected_version, r.idempotency_key), MARKETING,
          "Cancel a campaign; messages not yet sent are not sent", response=m.CampaignSchema,
          tags=("campaigns",)),
    route("campaign_stats", "GET", f"{CAMPAIGN}/stats", MARKETING, "campaign_stats",
          lambda r: (r.path["campaign_id"],), MARKETING,
          "Sent, delivered, bounced, opened, clicked, unsubscribed, converted, revenue, ROI, per variant "
          "with an A/B significance test", response=m.CampaignStatsSchema, tags=("campaigns",)),
    route("record_bounce", "POST", f"{V1}/campaign-bounces", MARKETING, "record_bounce",
          lambda r: (r.body, r.idempotency_key), MARKETING, "Record a bounce reported for a message",
          body=m.BounceSchema, response=m.ResponseRecordedSchema, tags=("campaigns",)),
    route("record_reply", "POST", f"{V1}/campaign-replies", MARKETING, "record_reply",
          lambda r: (r.body, r.idempotency_key), MARKETING, "Record a reply to a message",
          body=m.ReplySchema, response=m.ResponseRecordedSchema, tags=("campaigns",)),
)  # fmt: skip

# A customer's marketing part is in the customer 360 (/api/v1/customers/{id}); where marketing
# holds personal data, in the PII inventory of every service (/api/v1/contacts/{id}/pii-inventory).
MARKETING_ROUTES: tuple[Route, ...] = SEGMENT_ROUTES + CAMPAIGN_ROUTES
