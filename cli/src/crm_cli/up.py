"""``crm up``: migrate and run every installed service, logs to the terminal, Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from crm_cli.broker import broker_answers, broker_missing_message
from crm_shared import config
from crm_shared.service_plugin import ServicePlugin, installed_services

STOP_GRACE_SECONDS = 15


def migrate_all(services: list[ServicePlugin]) -> None:
    for service in services:
        service.migrate()
        print(f"crm: {service.name} database is migrated", file=sys.stderr)


def start(service: ServicePlugin) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "crm_shared.runtime.runner", service.module, str(service.config)]
    # A process group of its own: Ctrl-C reaches only ``crm up``, which stops each service once
    # (SIGTERM); nameko stopping twice, on the terminal's SIGINT and then ours, trips over its timers.
    env = {**os.environ, "CRM_DATA_DIR": str(config.data_dir())}
    return subprocess.Popen(command, env=env, process_group=0)


def up() -> int:
    amqp_uri = config.amqp_uri()
    if not broker_answers(amqp_uri):
        print(broker_missing_message(amqp_uri), file=sys.stderr)
        return 1
    services = installed_services()
    migrate_all(services)
    processes = {service.name: start(service) for service in services}
    port = os.environ.get("GATEWAY_ADDRESS", "0.0.0.0:8000").rsplit(":", 1)[-1]
    print(f"crm: running {', '.join(processes)}; gateway on http://localhost:{port}", file=sys.stderr)
    return supervise(processes)


def supervise(processes: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait until Ctrl-C or a service dies; then stop the rest."""
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"crm: {name} exited with code {process.returncode}; stopping", file=sys.stderr)
                exit_code, stopping = 1, True
        time.sleep(0.2)
    stop_all(processes)
    return exit_code


def stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    print("crm: stopped", file=sys.stderr)
