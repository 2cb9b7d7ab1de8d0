"""``crm up`` as a new user runs it: every installed service and the gateway, then Ctrl-C.

Each service runs as its own process on SQLite files in a fresh data directory and the
session's private RabbitMQ vhost; the test goes through the gateway only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from crm_shared.service_plugin import installed_services
from crm_shared.testing import free_port

CRM = str(Path(sys.executable).parent / "crm")
START_TIMEOUT = 90.0


def test_crm_up_runs_every_service_behind_the_gateway_and_stops_cleanly_on_ctrl_c(
    amqp_uri: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "AMQP_URI": amqp_uri, "CRM_DATA_DIR": str(tmp_path), "GATEWAY_ADDRESS": f"127.0.0.1:{port}"}
    env = {name: value for name, value in env.items() if not name.endswith("_DATABASE_URL")}
    for plugin in installed_services():  # health and metrics ports of their own: nothing else may hold them
        env[f"{plugin.name.upper()}_HEALTH_ADDRESS"] = f"127.0.0.1:{free_port()}"
    suite = subprocess.Popen([CRM, "up"], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        assert _answers(f"{base}/health"), "the gateway never answered"
        created = subprocess.run(
            [CRM, "apikeys", "create", "--name", "e2e", "--role", "admin"], env=env, capture_output=True, text=True
        )
        key = re.search(r"crm_[A-Za-z0-9_-]+", created.stdout + created.stderr)
        assert key, created.stderr
        headers = {"Authorization": f"Bearer {key.group(0)}"}

        contact = requests.post(f"{base}/api/v1/contacts", json={"first_name": "Ada"}, headers=headers, timeout=10)
        assert contact.status_code == 201, contact.text
        url = f"{base}/api/v1/customers/{contact.json()['id']}"
        running = {plugin.name for plugin in installed_services()} - {"gateway"}

        def complete() -> dict | None:  # a service still starting is unavailable for a moment
            record = requests.get(url, headers=headers, timeout=10)
            assert record.status_code == 200, record.text
            return record.json() if not running & set(record.json()["unavailable"]) else None

        record = _eventually(complete)
        assert record, f"some running service never gave its part: {running}"
        assert record["contact"]["first_name"] == "Ada"
    finally:
        os.killpg(suite.pid, signal.SIGINT)
        _, errors = suite.communicate(timeout=60)
    assert suite.returncode == 0, errors[-3000:]
    assert "Traceback" not in errors, errors[-3000:]


def _eventually(check: Any) -> Any:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if answer := check():
            return answer
        time.sleep(1)
    return None


def _answers(url: str) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or listening while its services still start on a busy machine
        time.sleep(0.5)
    return False
