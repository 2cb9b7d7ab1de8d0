"""``python -m crm_shared.runtime.migrate SERVICE``: bring one service's database to head, then exit.

A deployment runs it before the new version starts (a one-shot container in
compose, a Job in Kubernetes); the service itself never migrates on start, so
replicas starting together never race to alter the same schema.
"""

from __future__ import annotations

import sys

from crm_shared.service_plugin import installed_services


def migrate(service: str) -> None:
    plugins = {plugin.name: plugin for plugin in installed_services()}
    if service not in plugins:
        raise SystemExit(f"no installed service is called {service!r}; installed: {', '.join(sorted(plugins))}")
    plugins[service].migrate()


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m crm_shared.runtime.migrate SERVICE")
    migrate(argv[0])
    print(f"{argv[0]}: database migrated to head", file=sys.stderr)  # noqa: T201 - a command's one line


if __name__ == "__main__":
    main(sys.argv[1:])
