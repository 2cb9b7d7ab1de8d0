"""A nameko timer whose interval comes from the service's config, read at start-up."""

from __future__ import annotations

from nameko.timer import Timer


class ConfiguredTimer(Timer):  # type: ignore[misc]
    """``@configured_timer("SLA_SCAN_INTERVAL_SECONDS", default=5)``."""

    def __init__(self, setting: str, default: float, **kwargs: object) -> None:
        self.setting = setting
        super().__init__(interval=default, **kwargs)

    def setup(self) -> None:
        configured = self.container.config.get(self.setting)
        if configured is not None:
            self.interval = float(configured)
        super().setup()


configured_timer = ConfiguredTimer.decorator
