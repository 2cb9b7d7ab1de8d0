"""RFM value tiers from quintile scores (1-5, 5 best) of recency, frequency and monetary value."""

from __future__ import annotations

# Lowest total of the three scores that reaches each tier, best first.
TIER_THRESHOLDS = (("platinum", 13), ("gold", 10), ("silver", 7))


def tier_for(recency: int, frequency: int, monetary: int) -> str:
    total = recency + frequency + monetary
    for tier, lowest in TIER_THRESHOLDS:
        if total >= lowest:
            return tier
    return "bronze"
