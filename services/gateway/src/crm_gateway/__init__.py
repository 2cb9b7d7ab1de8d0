"""The gateway: the public REST API, its security, and the unified customer record."""
