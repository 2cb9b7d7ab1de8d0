"""Each service's module holds exactly one nameko service, as ``nameko run`` (and so ``crm up``) sees it.

``nameko run MODULE`` runs every class with entrypoints in the module's namespace: a
mixin imported by name would run as a second service of the same name, answering the
RPCs it has and refusing the others (MethodNotFound) at random.
"""

from __future__ import annotations

import pytest
from nameko.cli.run import import_service

from crm_shared.service_plugin import installed_services


@pytest.mark.parametrize("plugin", installed_services(), ids=lambda plugin: plugin.name)
def test_nameko_run_finds_exactly_one_service_in_each_service_module(plugin) -> None:
    services = import_service(plugin.module)

    assert [service.name for service in services] == [plugin.name]
