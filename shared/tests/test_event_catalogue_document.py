"""The AsyncAPI document: every catalogued event type, where it is published, its schemas and a valid example."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from crm_shared.asyncapi import asyncapi_document, message_key
from crm_shared.events import catalogue, new_envelope, parse_event

DOCUMENT = asyncapi_document()
EVENT_TYPES = catalogue()
IDS = [message_key(e.producer, e.name, e.version) for e in EVENT_TYPES]


def test_the_document_is_asyncapi_3_with_one_channel_and_operation_per_event_type():
    assert DOCUMENT["asyncapi"] == "3.0.0"
    assert sorted(DOCUMENT["channels"]) == sorted(IDS) == sorted(DOCUMENT["components"]["messages"])
    assert sorted(DOCUMENT["operations"]) == sorted(f"{key}.publish" for key in IDS)


@pytest.mark.parametrize("spec", EVENT_TYPES, ids=IDS)
def test_each_channel_is_the_routing_key_on_its_producers_topic_exchange(spec):
    channel = DOCUMENT["channels"][message_key(spec.producer, spec.name, spec.version)]
    assert channel["address"] == spec.name
    exchange = channel["bindings"]["amqp"]["exchange"]
    assert exchange == {"name": f"{spec.producer}.events", "type": "topic", "durable": True, "autoDelete": False}
    assert channel["description"] == spec.description


@pytest.mark.parametrize("spec", EVENT_TYPES, ids=IDS)
def test_each_example_is_an_event_its_producer_could_publish_and_a_consumer_accepts(spec):
    message = DOCUMENT["components"]["messages"][message_key(spec.producer, spec.name, spec.version)]
    [example] = [e["payload"] for e in message["examples"]]
    produced = new_envelope(
        spec.name,
        example["data"],
        aggregate_id=example["aggregate_id"],
        sequence=example["sequence"],
        correlation_id=example["correlation_id"],
        version=spec.version,
        producer=spec.producer,
    )
    assert produced.to_wire()["data"] == example["data"]
    envelope, _ = parse_event(example)
    assert (envelope.type, envelope.schema_version, envelope.producer) == (spec.name, spec.version, spec.producer)


@pytest.mark.parametrize("spec", EVENT_TYPES, ids=IDS)
def test_each_example_matches_the_json_schema_the_document_publishes(spec):
    message = DOCUMENT["components"]["messages"][message_key(spec.producer, spec.name, spec.version)]
    validator = Draft202012Validator({**message["payload"], "components": DOCUMENT["components"]})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(message["examples"][0]["payload"])]
    assert errors == []


def test_a_type_several_services_publish_has_one_channel_per_producer():
    producers = {e.producer for e in EVENT_TYPES if e.name == "customer_summary.updated"}
    channels = [c for c in DOCUMENT["channels"].values() if c["address"] == "customer_summary.updated"]
    assert {c["bindings"]["amqp"]["exchange"]["name"] for c in channels} == {f"{p}.events" for p in producers}


def test_money_is_a_decimal_string_in_the_schema_as_on_the_wire():
    money = DOCUMENT["components"]["schemas"].get("Money")
    if money is None:
        pytest.skip("no published event carries money yet")
    assert money["properties"]["amount"]["type"] == "string"


def test_the_markdown_rendering_shows_every_event_type_with_its_exchange_and_fields():
    from crm_shared.asyncapi.markdown import render_markdown

    text = render_markdown(DOCUMENT)
    for spec in EVENT_TYPES:
        assert f"## `{spec.name}` v{spec.version} from {spec.producer}" in text
        assert f"Exchange `{spec.producer}.events` (topic), routing key `{spec.name}`." in text
    assert "| `emails[].address` | string (email) | yes |" in text


def test_the_readable_catalogue_in_the_docs_is_the_catalogue_as_it_is():
    """docs/event-catalog.md is `python -m crm_shared.asyncapi --markdown`; regenerate it with the snapshot."""
    from pathlib import Path

    from crm_shared.asyncapi import asyncapi_document
    from crm_shared.asyncapi.markdown import render_markdown

    rendered = Path(__file__).parents[2] / "docs" / "event-catalog.md"
    assert rendered.read_text() == render_markdown(asyncapi_document())
