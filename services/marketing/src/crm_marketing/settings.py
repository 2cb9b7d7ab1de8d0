"""The service's settings from its nameko config, validated once, with defaults that work for ``make up``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEV_LINK_SECRET = "dev-only-marketing-link-secret"
SMTP_SECURITY = ("none", "starttls", "tls")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    connections: int = 4


@dataclass(frozen=True)
class MarketingSettings:
    smtp: SmtpSettings
    from_address: str = "marketing@example.com"
    link_secret: str = DEV_LINK_SECRET
    public_url: str = "http://localhost:8000"
    sends_per_second: float = 50.0
    send_batch: int = 100
    send_lease_seconds: float = 300.0
    attribution_days: int = 30
    contacts_deadline: float = 5.0


def _given(config: Mapping[str, Any], key: str, default: Any) -> Any:
    value = config.get(key)
    return default if value in (None, "") else value


def settings_from(config: Mapping[str, Any]) -> MarketingSettings:
    """Refuses a configuration that cannot work, naming the key."""
    smtp = SmtpSettings(
        host=str(_given(config, "SMTP_HOST", "localhost")),
        port=int(_given(config, "SMTP_PORT", 25)),
        security=str(_given(config, "SMTP_SECURITY", "none")).lower(),
        username=_given(config, "SMTP_USERNAME", None),
        password=_given(config, "SMTP_PASSWORD", None),
        timeout=float(_given(config, "SMTP_TIMEOUT_SECONDS", 10)),
        connections=int(_given(config, "SMTP_CONNECTIONS", 4)),
    )
    if not 1 <= smtp.connections <= 50:
        raise ValueError("SMTP_CONNECTIONS must be from 1 to 50")
    if smtp.security not in SMTP_SECURITY:
        raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}")
    result = MarketingSettings(
        smtp=smtp,
        from_address=str(_given(config, "MARKETING_FROM_ADDRESS", "marketing@example.com")),
        link_secret=str(_given(config, "MARKETING_LINK_SECRET", DEV_LINK_SECRET)),
        public_url=str(_given(config, "GATEWAY_PUBLIC_URL", "http://localhost:8000")).rstrip("/"),
        sends_per_second=float(_given(config, "MARKETING_SENDS_PER_SECOND", 50)),
        send_batch=int(_given(config, "MARKETING_SEND_BATCH", 100)),
        send_lease_seconds=float(_given(config, "MARKETING_SEND_LEASE_SECONDS", 300)),
        attribution_days=int(_given(config, "MARKETING_ATTRIBUTION_DAYS", 30)),
        contacts_deadline=float(_given(config, "CONTACTS_RPC_DEADLINE_SECONDS", 5)),
    )
    if result.sends_per_second <= 0 or result.send_batch < 1:
        raise ValueError("MARKETING_SENDS_PER_SECOND and MARKETING_SEND_BATCH must be positive")
    if len(result.link_secret) < 16:
        raise ValueError("MARKETING_LINK_SECRET must be at least 16 characters")
    return result
