"""The sales service's unit of work: the shared transaction plus this service's repositories."""

from __future__ import annotations

from crm_sales.adapters.customers_repository import CustomerRepository
from crm_sales.adapters.leads_repository import LeadRepository
from crm_sales.adapters.opportunities_repository import OpportunityRepository
from crm_sales.adapters.orders_repository import OrderRepository
from crm_sales.adapters.pipelines_repository import PipelineRepository
from crm_sales.adapters.products_repository import ProductRepository
from crm_sales.adapters.reports import SalesReports
from crm_sales.adapters.rfm_repository import RfmRepository
from crm_shared.unit_of_work import SqlUnitOfWork


class SalesUnitOfWork(SqlUnitOfWork):
    producer = "sales"
    pipelines: PipelineRepository
    opportunities: OpportunityRepository
    products: ProductRepository
    orders: OrderRepository
    leads: LeadRepository
    customers: CustomerRepository
    reports: SalesReports
    rfm: RfmRepository

    def _open_repositories(self) -> None:
        self.pipelines = PipelineRepository(self.conn)
        self.opportunities = OpportunityRepository(self.conn)
        self.products = ProductRepository(self.conn)
        self.orders = OrderRepository(self.conn)
        self.leads = LeadRepository(self.conn)
        self.customers = CustomerRepository(self.conn)
        self.reports = SalesReports(self.conn)
        self.rfm = RfmRepository(self.conn)
