"""The marketing service: segments, consent-safe campaigns, delivery, responses and campaign performance."""
