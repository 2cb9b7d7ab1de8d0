"""Each service's module holds exactly one nameko service, as ``nameko run`` (and so ``crm up``) sees it.

``nameko run MODULE`` runs every class with entrypoints in the module's namespace: a
mixin imported by name would run as a second service of the same name, answering the
RPCs it has and refusing the others (MethodNotFound) at random. The rule is nameko's own
(``nameko.cli.run.import_service``), restated here because importing ``nameko.cli`` makes
every later ``yaml.safe_load`` in the process expand ``${...}`` its own way.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from crm_shared.service_plugin import installed_services


def services_in(module_name: str) -> list[type]:
    module = importlib.import_module(module_name)
    classes = [member for _, member in inspect.getmembers(module, inspect.isclass)]
    return [cls for cls in classes if inspect.getmembers(cls, _is_entrypoint)]


def _is_entrypoint(method: object) -> bool:
    return hasattr(method, ENTRYPOINT_EXTENSIONS_ATTR)


@pytest.mark.parametrize("plugin", installed_services(), ids=lambda plugin: plugin.name)
def test_nameko_run_finds_exactly_one_service_in_each_service_module(plugin) -> None:
    assert [service.name for service in services_in(plugin.module)] == [plugin.name]
