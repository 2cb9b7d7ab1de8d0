"""The problem+json mapping of typed errors, on its own (no I/O)."""

from __future__ import annotations

import json

from crm_gateway.http import problems
from crm_shared import errors


def body_of(response):
    return json.loads(response.get_data())


def test_each_typed_error_has_its_status():
    statuses = {
        type(error).__name__: problems.for_error(error, "c-1").status_code
        for error in (
            errors.Invalid("bad", fields={"x": ["y"]}),
            errors.NotFound("no"),
            errors.StaleVersion("old"),
            errors.Conflict("twice"),
            errors.Gone("erased"),
            errors.Moved("merged", location_id="abc"),
            errors.ServiceUnavailable("slow"),
        )
    }

    assert statuses == {"Invalid": 422, "NotFound": 404, "StaleVersion": 412, "Conflict": 409, "Gone": 410,
                        "Moved": 308, "ServiceUnavailable": 503}  # fmt: skip


def test_an_errors_own_members_never_replace_the_standard_ones():
    error = errors.Conflict("The deal is closed.", status="closed", title="Big deal", type="deal")

    body = body_of(problems.for_error(error, "c-1"))

    assert (body["status"], body["title"], body["type"]) == (409, "Conflict", "about:blank")
    assert body["detail"] == "The deal is closed."


def test_an_unexpected_error_says_nothing_of_itself():
    response = problems.for_error(KeyError("password=hunter2"), "c-1")

    assert response.status_code == 500
    assert "hunter2" not in response.get_data(as_text=True)
    assert body_of(response)["correlation_id"] == "c-1"
