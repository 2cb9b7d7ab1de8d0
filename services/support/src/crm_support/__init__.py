"""The support service: tickets, routing and priority rules, SLAs, contracts and satisfaction."""
