"""The marketing service's nameko class: its entrypoints come in groups, one module per area.

The groups are reached through their modules, so that ``nameko run`` finds one service
class here (it runs every class of the module that has entrypoints).
"""

from __future__ import annotations

from crm_marketing.entrypoints import audience, campaigns, privacy, responses, segments


class MarketingService(
    audience.AudienceEntrypoints,
    segments.SegmentEntrypoints,
    campaigns.CampaignEntrypoints,
    responses.ResponseEntrypoints,
    privacy.PrivacyEntrypoints,
):
    """Segments, consent-safe campaigns, delivery, responses and campaign performance."""

    name = "marketing"
