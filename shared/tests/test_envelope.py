"""The envelope and the event catalogue: producers and consumers validate against one definition."""

from __future__ import annotations

import uuid

import pytest

from crm_shared.envelope import ENVELOPE_SCHEMA
from crm_shared.errors import Invalid
from crm_shared.events import catalogue, new_envelope, parse_event
from crm_shared.pagination import decode_cursor, encode_cursor, like_prefix

ERASED = {"contact_id": str(uuid.uuid4()), "erased_at": "2026-01-01T00:00:00+00:00"}


def test_an_envelope_round_trips_through_the_wire_form():
    envelope = new_envelope("contact.erased", ERASED, aggregate_id="a", sequence=3, correlation_id="c")
    parsed, data = parse_event(envelope.to_wire())
    assert parsed == envelope
    assert str(data["contact_id"]) == ERASED["contact_id"]


@pytest.mark.parametrize("correlation_id", ["c", None])
def test_the_wire_form_is_exactly_what_the_envelope_schema_dumps(correlation_id):
    envelope = new_envelope("contact.erased", ERASED, aggregate_id="a", sequence=3, correlation_id=correlation_id)
    assert envelope.to_wire() == ENVELOPE_SCHEMA.dump(envelope)
    assert list(envelope.to_wire()) == list(ENVELOPE_SCHEMA.fields)


def test_a_producer_cannot_publish_data_that_breaks_its_schema():
    with pytest.raises(Invalid) as raised:
        new_envelope("contact.erased", {"contact_id": "nope"}, aggregate_id="a", sequence=1, correlation_id=None)
    assert "contact_id" in raised.value.fields


def test_consumers_tolerate_added_fields_but_not_missing_ones():
    wire = new_envelope("contact.erased", ERASED, aggregate_id="a", sequence=1, correlation_id=None).to_wire()
    parse_event({**wire, "new_envelope_field": 1, "data": {**wire["data"], "new_field": 2}})
    broken = dict(wire)
    del broken["event_id"]
    with pytest.raises(Invalid):
        parse_event(broken)


def test_an_unknown_event_type_or_version_is_invalid():
    wire = new_envelope("contact.erased", ERASED, aggregate_id="a", sequence=1, correlation_id=None).to_wire()
    with pytest.raises(Invalid):
        parse_event({**wire, "schema_version": 99})
    with pytest.raises(Invalid):
        parse_event("not an object")


def test_the_catalogue_lists_every_contacts_event():
    names = {e.name for e in catalogue() if e.producer == "contacts"}
    assert names == {
        "contact.created", "contact.updated", "contact.merged", "contact.erased", "account.created",
        "account.updated", "consent.changed", "interaction.logged", "task.due",
    }  # fmt: skip


def test_cursors_round_trip_and_like_wildcards_are_escaped():
    assert decode_cursor(encode_cursor("a", 1), 2) == ["a", "1"]
    with pytest.raises(Invalid):
        decode_cursor("%%%", 2)
    assert like_prefix("50%_a\\") == "50\\%\\_a\\\\%"


def test_logs_name_unexpected_exceptions_without_their_text():
    import json
    import logging

    from crm_shared.logs import JsonFormatter

    record = logging.LogRecord("x", logging.ERROR, "f", 1, "failed: %s", (ValueError("secret@example.com"),), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed: ValueError"


def test_typed_errors_keep_their_payload_types_through_the_wire_form():
    from nameko.exceptions import deserialize, serialize

    import crm_shared.runtime  # noqa: F401 - registers the typed errors
    from crm_shared.errors import Invalid, StaleVersion

    stale = deserialize(serialize(StaleVersion("changed", version=2)))
    assert isinstance(stale, StaleVersion) and stale.payload == {"detail": "changed", "version": 2}
    invalid = deserialize(serialize(Invalid("bad", fields={"a": ["x"]})))
    assert isinstance(invalid, Invalid) and invalid.fields == {"a": ["x"]} and str(invalid) == "bad"
