"""The sales service's nameko class: its entrypoints come in groups, one module per area.

The groups are reached through their modules, so that ``nameko run`` finds one service
class here (it runs every class of the module that has entrypoints).
"""

from __future__ import annotations

from crm_sales.entrypoints import analytics, leads, opportunities, privacy


class SalesService(
    opportunities.OpportunityEntrypoints,
    leads.LeadEntrypoints,
    privacy.PrivacyEntrypoints,
    analytics.AnalyticsEntrypoints,
):
    """Leads, opportunities, pipelines, orders, forecasts and sales analytics."""

    name = "sales"
