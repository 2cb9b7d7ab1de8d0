"""``python -m crm_shared.runtime.probe SERVICE [live|ready]``: exit 0 when the service's endpoint says so.

For container health checks in images that carry no curl; it reads the same
``<SERVICE>_HEALTH_ADDRESS`` the service's config does. ``probe URL`` checks any
local URL instead (an HTTP service's own health route, say).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

# Distinct ports, so every service can run on one machine (``crm up``) as well as in its own container.
DEFAULT_HEALTH_PORTS = {"gateway": 9100, "contacts": 9101, "sales": 9102, "support": 9103, "marketing": 9104}


def health_address(service: str, configured: str | None) -> tuple[str, int]:
    """``HEALTH_ADDRESS`` as ``host:port``, or all interfaces on the service's default port."""
    if configured:
        host, _, port = configured.rpartition(":")
        return host or "0.0.0.0", int(port)
    if service not in DEFAULT_HEALTH_PORTS:
        raise ValueError(f"HEALTH_ADDRESS must be set for the {service} service (there is no default port for it)")
    return "0.0.0.0", DEFAULT_HEALTH_PORTS[service]


def probe_url(service: str, check: str) -> str:
    host, port = health_address(service, os.environ.get(f"{service.upper()}_HEALTH_ADDRESS"))
    host = "127.0.0.1" if host in ("", "0.0.0.0") else host
    return f"http://{host}:{port}/health/{check}"


def healthy(service: str, check: str = "live", timeout: float = 5.0) -> bool:
    return answers(probe_url(service, check), timeout)


def answers(url: str, timeout: float = 5.0) -> bool:
    """True when ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str]) -> None:
    if len(argv) == 1 and argv[0].startswith("http://"):
        raise SystemExit(0 if answers(argv[0]) else 1)
    if not 1 <= len(argv) <= 2 or (len(argv) == 2 and argv[1] not in ("live", "ready")):
        raise SystemExit("usage: python -m crm_shared.runtime.probe SERVICE [live|ready]")
    raise SystemExit(0 if healthy(argv[0], argv[1] if len(argv) == 2 else "live") else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
