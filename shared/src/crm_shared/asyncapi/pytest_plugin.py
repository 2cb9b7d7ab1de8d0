"""pytest plugin (``-p crm_shared.asyncapi.pytest_plugin``): every event any test writes to an outbox is checked.

A test during which a service wrote an event type or field that the catalogue does not
declare fails, naming it. Enabled for the whole suite, the existing tests of every
service become the completeness check of the catalogue.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm_shared.asyncapi.completeness import OutboxWatch

_WATCH = OutboxWatch()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "writes_undeclared_events: the test writes undeclared events on purpose (to test this check)"
    )
    if not event.contains(Engine, "before_execute", _WATCH.before_execute):
        event.listen(Engine, "before_execute", _WATCH.before_execute)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    seen = len(_WATCH.problems)
    result = yield
    if item.get_closest_marker("writes_undeclared_events") is not None:
        del _WATCH.problems[seen:]
    elif len(_WATCH.problems) > seen:
        pytest.fail("published events not in the catalogue:\n" + "\n".join(_WATCH.problems[seen:]), pytrace=False)
    return result
