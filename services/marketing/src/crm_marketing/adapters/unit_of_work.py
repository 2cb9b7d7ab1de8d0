"""The marketing service's unit of work: the shared transaction plus this service's repositories."""

from __future__ import annotations

from crm_marketing.adapters.audience_repository import AudienceRepository
from crm_marketing.adapters.campaigns_repository import CampaignRepository
from crm_marketing.adapters.customers_repository import CustomerRepository
from crm_marketing.adapters.performance_repository import PerformanceRepository
from crm_marketing.adapters.privacy_repository import PrivacyRepository
from crm_marketing.adapters.segments_repository import SegmentRepository
from crm_marketing.adapters.sends_repository import SendRepository
from crm_shared.unit_of_work import SqlUnitOfWork


class MarketingUnitOfWork(SqlUnitOfWork):
    producer = "marketing"
    audience: AudienceRepository
    segments: SegmentRepository
    customers: CustomerRepository
    campaigns: CampaignRepository
    sends: SendRepository
    performance: PerformanceRepository
    privacy: PrivacyRepository

    def _open_repositories(self) -> None:
        self.audience = AudienceRepository(self.conn)
        self.segments = SegmentRepository(self.conn)
        self.customers = CustomerRepository(self.conn)
        self.campaigns = CampaignRepository(self.conn)
        self.sends = SendRepository(self.conn)
        self.performance = PerformanceRepository(self.conn)
        self.privacy = PrivacyRepository(self.conn)
