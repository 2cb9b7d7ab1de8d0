"""JSON text by orjson, and what orjson refuses by the standard library, with the same result."""

from __future__ import annotations

import json

from crm_shared import jsontext


def test_values_orjson_handles_round_trip():
    value = {"name": "Zürich ✓", "n": 3, "x": 1.5, "ok": True, "none": None, "list": [1, "a", {"b": []}]}
    assert jsontext.loads(jsontext.dumps(value)) == value
    assert jsontext.loads(json.dumps(value)) == value


def test_integers_beyond_64_bits_and_keys_that_are_not_text_take_the_slow_way():
    huge = 2**70
    assert jsontext.loads(jsontext.dumps({"big": huge})) == {"big": huge}
    assert jsontext.loads(json.dumps({"big": -huge})) == {"big": -huge}
    assert jsontext.loads(jsontext.dumps({1: "one"})) == {"1": "one"}
