"""The marketing API through the gateway: segments, campaigns, their stats, and the public tracking links.

The stack is real, as in conftest: the contacts, marketing and gateway services on the session's
RabbitMQ vhost, each on its own migrated PostgreSQL database, and a real SMTP server on loopback
(aiosmtpd, in its own process) receiving the campaign's mail.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from crm_marketing.adapters import tables as marketing_tables
from crm_marketing.entrypoints.service import MarketingService
from crm_marketing.plugin import SERVICE as MARKETING_PLUGIN
from crm_shared.testing import MigratedDatabases, free_port

from .conftest import Containers, eventually, start_stack

V1 = "/api/v1"
CONSENTING = {"all": [{"field": "email_consent", "operator": "eq", "value": True},
                      {"field": "tags", "operator": "contains", "value": "api-test"}]}  # fmt: skip
SINK = Path(__file__).parents[2] / "marketing" / "tests" / "smtp_sink.py"


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    directory, port = tmp_path_factory.mktemp("mail"), free_port()
    process = subprocess.Popen([sys.executable, str(SINK), str(port), str(directory)])
    deadline = time.monotonic() + 20
    while not (directory / "ready").exists():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    yield port, directory
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def api(amqp_uri: str, migrated_databases: MigratedDatabases, mailbox: tuple[int, Path]) -> Iterator[Any]:
    """Contacts, marketing and the gateway on PostgreSQL, shared by this module's tests."""
    containers = Containers(amqp_uri)
    try:
        marketing_db = migrated_databases.url("postgresql", MARKETING_PLUGIN.migrations, marketing_tables.metadata)
        containers.start(MarketingService, DATABASE_URL=marketing_db, SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox[0])
        client = start_stack(containers.start, migrated_databases, "postgresql")
        yield client
        client.session.close()
    finally:
        containers.stop_all()


def consenting_contact(api: Any, email: str) -> str:
    contact = api.new_contact(first_name="Ada", emails=[{"address": email}], tags=["api-test"])
    grant = {"purpose": "email_marketing", "channel": "email", "action": "grant", "source": "web form"}
    assert api.post(f"{V1}/contacts/{contact['id']}/consents", json=grant).status_code in (200, 201)
    return str(contact["id"])


def preview(api: Any) -> int:
    response = api.post(f"{V1}/segments/preview", json={"rules": CONSENTING}, role="marketing")
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


def test_a_segment_is_previewed_saved_and_mailed_and_its_links_work_without_a_key(api, mailbox):
    ada = consenting_contact(api, "ada-api@example.com")
    assert eventually(lambda: preview(api) == 1)
    created = api.post(f"{V1}/segments", json={"name": "API test", "rules": CONSENTING}, role="marketing")
    assert created.status_code == 201 and created.headers["Location"].endswith(created.json()["id"])
    segment = created.json()
    members = api.get(f"{V1}/segments/{segment['id']}/members", role="marketing").json()
    assert [m["contact_id"] for m in members["items"]] == [ada]
    body = {"name": "Launch", "segment_ids": [segment["id"]],
            "variants": [{"name": "A", "subject": "Hi {{first_name}}", "body": "Read https://example.com/launch"}]}  # fmt: skip
    campaign = api.post(f"{V1}/campaigns", json=body, role="marketing").json()

    launched = api.post(f"{V1}/campaigns/{campaign['id']}/launch", role="marketing")

    assert launched.status_code == 200 and launched.json()["status"] == "running"
    assert eventually(
        lambda: api.get(f"{V1}/campaigns/{campaign['id']}", role="marketing").json()["status"] == "completed"
    )
    [mail] = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in mailbox[1].glob("*.eml")]
    text = mail.get_body(("plain",)).get_content()
    click = re.search(r"http://localhost:8000(/t/c/[\w.-]+)", text).group(1)
    redirect = api.get(click, role=None)
    assert redirect.status_code == 302 and redirect.headers["Location"] == "https://example.com/launch"
    assert api.get(click[:-3] + "xyz", role=None).status_code == 404
    stats = api.get(f"{V1}/campaigns/{campaign['id']}/stats", role="marketing").json()
    assert (stats["sent"], stats["clicked"], stats["opened"]) == (1, 1, 1)
    assert eventually(
        lambda: (
            (api.get(f"{V1}/customers/{ada}", role="marketing").json().get("marketing") or {}).get("messages_sent") == 1
        )
    )


def test_bad_input_is_a_422_naming_the_field_and_other_areas_are_refused(api):
    unknown = {"name": "Bad", "rules": {"all": [{"field": "shoe_size", "operator": "eq", "value": 9}]}}
    response = api.post(f"{V1}/segments", json=unknown, role="marketing")
    assert response.status_code == 422
    assert "rules" in response.json()["errors"]
    assert api.post(f"{V1}/segments/preview", json={"rules": CONSENTING}, role="support").status_code == 403
    missing = api.post(f"{V1}/campaigns/00000000-0000-0000-0000-000000000000/launch", role="marketing")
    assert missing.status_code == 404
