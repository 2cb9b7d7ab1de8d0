"""``crm events tail``: events printed live, filtered by type and service, readable or as JSON lines."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from crm_shared.events import new_envelope
from crm_shared.publisher import ConfirmedPublisher, OutgoingMessage

# The child restores SIGINT between fork and exec (see _hear_ctrl_c); eventlet frowns on forking.
pytestmark = pytest.mark.filterwarnings("ignore:Using fork:DeprecationWarning")

CRM = str(Path(sys.executable).parent / "crm")
LINE_TIMEOUT = 10


def _hear_ctrl_c() -> None:
    """A test run started in the background (``make test &``) inherits SIGINT ignored, and a
    Python child then never installs its Ctrl-C handler; a terminal's user has it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Tail:
    """``crm events tail`` as a process of its own, so Ctrl-C is a real SIGINT."""

    def __init__(self, amqp_uri: str, *args: str) -> None:
        env = {**os.environ, "AMQP_URI": amqp_uri, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [CRM, "events", "tail", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=_hear_ctrl_c,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        started = self.process.stderr.readline()
        assert "listening on" in started, started

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self) -> str:
        return self.lines.get(timeout=LINE_TIMEOUT)

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=LINE_TIMEOUT)
        return code, self.process.stderr.read()


@pytest.fixture
def tails(amqp_uri):
    started: list[Tail] = []

    def start(*args: str) -> Tail:
        started.append(Tail(amqp_uri, *args))
        return started[-1]

    yield start
    for tail in started:
        if tail.process.poll() is None:
            tail.process.kill()
            tail.process.wait()


@pytest.fixture
def publish(amqp_uri):
    publisher = ConfirmedPublisher(amqp_uri)

    def send(event_type: str, data: dict, producer: str = "contacts") -> dict:
        wire = new_envelope(
            event_type, data, aggregate_id=str(uuid.uuid4()), sequence=1, correlation_id="t", producer=producer
        ).to_wire()
        publisher.publish([OutgoingMessage(f"{producer}.events", event_type, wire, str(wire["event_id"]))])
        return wire

    yield send
    publisher.close()


def erased() -> dict:
    return {"contact_id": str(uuid.uuid4()), "erased_at": "2026-01-01T00:00:00+00:00"}


def task_due() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "contact_id": str(uuid.uuid4()),
        "title": "Call back",
        "due_at": "2026-01-01T09:00:00+00:00",
        "done": False,
        "version": 1,
    }


def test_json_lines_carry_whole_envelopes_of_the_chosen_types_only(tails, publish):
    tail = tails("--type", "contact.*", "--service", "contacts", "--json")
    publish("task.due", task_due())
    sent = publish("contact.erased", erased())

    assert json.loads(tail.next_line()) == sent
    assert tail.lines.empty()


def test_the_readable_line_names_time_producer_type_record_and_sequence(tails, publish):
    tail = tails("--service", "contacts")
    sent = publish("contact.erased", erased())

    line = tail.next_line()
    for part in (
        sent["occurred_at"],
        "contacts",
        "contact.erased v1",
        f"{sent['aggregate_id']} #1",
        sent["data"]["contact_id"],
    ):
        assert part in line


def test_only_the_chosen_services_exchanges_are_followed(tails, publish, amqp_uri):
    tail = tails("--service", "sales", "--json")
    publish("contact.erased", erased())
    marker = {"type": "marker", "producer": "sales"}
    publisher = ConfirmedPublisher(amqp_uri)
    publisher.publish([OutgoingMessage("sales.events", "marker", marker)])
    publisher.close()

    # Published after the contacts event, the marker is still the first line: contacts.events is not followed.
    assert json.loads(tail.next_line()) == marker


def test_ctrl_c_exits_cleanly(tails):
    tail = tails()
    code, err = tail.interrupt()

    assert code == 0
    assert "Traceback" not in err


def test_a_broker_that_does_not_answer_is_one_clear_line_and_a_failure(crm, monkeypatch):
    from crm_shared.testing import free_port

    monkeypatch.setenv("AMQP_URI", f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    run = crm("events", "tail")

    assert run.exit_code == 1
    assert run.err.count("\n") == 1 and "RabbitMQ does not answer" in run.err
