"""``crm`` for the benchmark's suite, naming the gateway's service class when its module holds more than one.

``nameko run MODULE`` runs every service class it finds in the module, and refuses one
without a ``name``: a mix-in class imported into ``crm_gateway.entrypoints.service`` makes
``crm up`` stop at start. Then this runs ``crm`` with the gateway started as
``crm_gateway.entrypoints.service:GatewayService`` (nameko's own syntax for one class of
a module); otherwise ``crm`` is used as it is.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bench.harness import log

ROOT = Path(__file__).resolve().parents[1]
GATEWAY_CLASS = "GatewayService"


def gateway_module_is_ambiguous() -> bool:
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    from nameko.cli.run import import_service

    return len(import_service("crm_gateway.entrypoints.service")) > 1


@contextmanager
def crm_for_suite() -> Iterator[str | None]:
    """While open, the suite runs the pinned ``crm`` if the gateway's module needs it; yields what was used."""
    from bench import harness

    if not gateway_module_is_ambiguous():
        yield None
        return
    original, pinned = harness.CRM, pinned_crm_executable()
    harness.CRM = pinned
    log(f"crm_gateway.entrypoints.service holds several service classes: the suite runs {pinned} up")
    try:
        yield f"crm up, gateway as crm_gateway.entrypoints.service:{GATEWAY_CLASS}"
    finally:
        harness.CRM = original
        shutil.rmtree(Path(pinned).parent, ignore_errors=True)


def pinned_crm_executable() -> str:
    """An executable that runs this module as ``crm`` (the suite calls ``crm`` by path)."""
    path = Path(tempfile.mkdtemp(prefix="crm-bench-crm-")) / "crm"
    path.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m bench.customer360_crm "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def main() -> None:
    import crm_cli.up as up_module
    from crm_cli.main import main as crm_main

    installed = up_module.installed_services

    def pinned() -> list:  # type: ignore[type-arg]
        return [replace(s, module=f"{s.module}:{GATEWAY_CLASS}") if s.name == "gateway" else s for s in installed()]

    up_module.installed_services = pinned  # type: ignore[assignment]
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    crm_main(sys.argv[1:])


if __name__ == "__main__":
    main()
