"""Events published by the contacts service on the ``contacts.events`` exchange."""

from __future__ import annotations

from crm_shared.contracts import contacts as c
from crm_shared.events import EventType, register

PRODUCER = "contacts"

register(
    EventType("contact.created", 1, PRODUCER, c.ContactSchema, "A contact was created."),
    EventType("contact.updated", 1, PRODUCER, c.ContactSchema, "A contact changed."),
    EventType(
        "contact.merged",
        1,
        PRODUCER,
        c.MergedContactSchema,
        "A duplicate was merged into a survivor; re-point records from merged_id.",
    ),
    EventType(
        "contact.erased",
        1,
        PRODUCER,
        c.ErasureSchema,
        "A contact's personal data was erased; every service must erase its own.",
    ),
    EventType("account.created", 1, PRODUCER, c.AccountSchema, "An account was created."),
    EventType("account.updated", 1, PRODUCER, c.AccountSchema, "An account changed."),
    EventType(
        "consent.changed",
        1,
        PRODUCER,
        c.ConsentChangedSchema,
        "A consent was granted or withdrawn; carries the new current state.",
    ),
    EventType(
        "interaction.logged",
        1,
        PRODUCER,
        c.InteractionSchema,
        "A call, email, meeting or note was logged.",
    ),
    EventType("task.due", 1, PRODUCER, c.TaskSchema, "A task reached its due time."),
)
