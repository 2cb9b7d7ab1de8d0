"""A task that falls due publishes task.due once, so the salesperson is reminded to call back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def test_a_task_falling_due_publishes_task_due_exactly_once(contacts_service, rpc, tap):
    events = tap("contacts.events", "task.due")
    contact = rpc.contacts.create_contact({"first_name": "Callback"})
    due = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    task = rpc.contacts.create_task(contact["id"], {"title": "Call back about the renewal", "due_at": due})
    [(_, body)] = events.take(1, timeout=10)
    assert body["data"]["id"] == task["id"] and body["aggregate_id"] == contact["id"]
    assert events.take(1, timeout=2.5) == []  # the timer keeps running; no second reminder


def test_a_completed_task_is_never_reminded(contacts_service, rpc, tap):
    events = tap("contacts.events", "task.due")
    contact = rpc.contacts.create_contact({"first_name": "Done"})
    due = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    task = rpc.contacts.create_task(contact["id"], {"title": "Send the quote", "due_at": due})
    rpc.contacts.update_task(task["id"], {"done": True}, task["version"])
    assert events.take(1, timeout=3) == []
