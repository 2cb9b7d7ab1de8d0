"""The sales service: leads, opportunities, pipelines, orders, forecasts and analytics."""
