"""The two-proportion z-test between A/B variants, in plain math."""

from __future__ import annotations

import math
from dataclasses import dataclass

SIGNIFICANCE_LEVEL = 0.05


@dataclass(frozen=True)
class ZTest:
    z: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE_LEVEL


def two_proportion_z_test(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> ZTest:
    """Two-sided test that both variants share one rate; None where the data cannot tell."""
    if trials_a == 0 or trials_b == 0:
        return ZTest(None, None)
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if spread == 0:
        return ZTest(None, None)
    z = (successes_a / trials_a - successes_b / trials_b) / spread
    return ZTest(z, math.erfc(abs(z) / math.sqrt(2)))


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole
