"""Within a version, the catalogue only grows: the committed snapshot is the promise it is checked against."""

from __future__ import annotations

import copy
import json

from crm_shared.asyncapi import SNAPSHOT, asyncapi_document
from crm_shared.asyncapi.compatibility import breaking_changes

REFRESH = "refresh it with `python -m crm_shared.asyncapi --write` and commit shared/events-catalog.json"
CREATED = "contacts.contact.created.v1"


def snapshot() -> dict:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_the_catalogue_breaks_nothing_the_committed_snapshot_promised():
    problems = breaking_changes(snapshot(), asyncapi_document())
    assert problems == [], "breaking changes; publish a new version beside the old one instead:\n" + "\n".join(problems)


def outdated_entries(old: dict, new: dict) -> list[str]:
    sections = {"channel": (old["channels"], new["channels"])}
    for name in ("schemas", "messages"):
        sections[name.removesuffix("s")] = (old["components"][name], new["components"][name])
    return [
        f"{kind} {key}"
        for kind, (before, after) in sections.items()
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def test_the_committed_snapshot_is_the_catalogue_as_it_is():
    current = json.loads(json.dumps(asyncapi_document()))
    outdated = outdated_entries(snapshot(), current)
    assert outdated == [], f"the snapshot is out of date ({', '.join(outdated)}); {REFRESH}"
    assert snapshot() == current, f"the snapshot is out of date; {REFRESH}"


def changed(edit) -> list[str]:
    old = asyncapi_document()
    new = copy.deepcopy(old)
    edit(new["components"]["schemas"], new["components"]["messages"])
    return breaking_changes(old, new)


def test_a_removed_event_type_is_breaking():
    assert f"{CREATED}: event type removed" in changed(lambda schemas, messages: messages.pop(CREATED))


def test_a_removed_field_is_breaking_in_every_event_that_carried_it():
    problems = changed(lambda schemas, messages: schemas["Contact"]["properties"].pop("job_title"))
    assert f"{CREATED}: field data.job_title removed" in problems
    assert "contacts.contact.merged.v1: field data.contact.job_title removed" in problems


def test_a_retyped_field_is_breaking_and_so_is_a_field_that_may_now_be_null():
    def edit(schemas, messages):
        schemas["Contact"]["properties"]["version"] = {"type": "string"}
        schemas["Contact"]["properties"]["lifecycle_stage"] = {"type": ["string", "null"]}

    problems = changed(edit)
    assert f"{CREATED}: field data.version changed type from integer to string" in problems
    assert f"{CREATED}: field data.lifecycle_stage changed type from string to null|string" in problems


def test_a_nested_field_retyped_is_breaking():
    def edit(schemas, messages):
        schemas["Email"]["properties"]["primary"] = {"type": "string"}

    assert f"{CREATED}: field data.emails[].primary changed type from boolean to string" in changed(edit)


def test_a_field_that_becomes_required_or_a_new_required_field_is_breaking():
    def edit(schemas, messages):
        schemas["Contact"]["required"] += ["job_title", "nickname"]
        schemas["Contact"]["properties"]["nickname"] = {"type": "string"}

    problems = changed(edit)
    assert f"{CREATED}: field data.job_title became required" in problems
    assert any(p.startswith(f"{CREATED}: new field data.nickname is required") for p in problems)


def test_new_optional_fields_and_new_event_types_are_allowed():
    def edit(schemas, messages):
        schemas["Contact"]["properties"]["nickname"] = {"type": ["string", "null"]}
        schemas["Contact"]["properties"]["social"] = {"$ref": "#/components/schemas/Social"}
        schemas["Social"] = {"type": "object", "properties": {"handle": {"type": "string"}}, "required": ["handle"]}
        messages["contacts.contact.created.v2"] = copy.deepcopy(messages[CREATED])

    assert changed(edit) == []


def test_refreshing_the_snapshot_refuses_a_breaking_change_unless_told(tmp_path, monkeypatch, capsys):
    from crm_shared.asyncapi import __main__ as command

    promised = asyncapi_document()
    retired = copy.deepcopy(promised["components"]["messages"][CREATED])
    promised["components"]["messages"]["contacts.contact.retired.v1"] = retired
    path = tmp_path / "events-catalog.json"
    path.write_text(json.dumps(promised))
    monkeypatch.setattr(command, "SNAPSHOT", path)

    assert command.main(["--write"]) == 1
    assert "contacts.contact.retired.v1: event type removed" in capsys.readouterr().err
    assert json.loads(path.read_text()) == promised

    assert command.main(["--write", "--allow-breaking"]) == 0
    assert json.loads(path.read_text()) == json.loads(json.dumps(asyncapi_document()))
