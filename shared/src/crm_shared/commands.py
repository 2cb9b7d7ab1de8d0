"""Running one command in one transaction, answering a retried call with its first answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from crm_shared.unit_of_work import SqlUnitOfWork

U = TypeVar("U", bound=SqlUnitOfWork)

# A command returns its JSON-ready answer and the id of the person it is about (or None).
Work = Callable[[U], tuple[Any, Any]]


def run_command(
    new_unit_of_work: Callable[[], U],
    work: Work[U],
    *,
    operation: str,
    idempotency_key: str | None = None,
) -> Any:
    """Do ``work`` and commit once; with a key, a repeated call has no second effect.

    Two concurrent calls with one key: the loser's insert of the key fails at
    commit, its work rolls back, and it answers with the winner's result.
    """
    try:
        return _run_once(new_unit_of_work, work, operation, idempotency_key)
    except IntegrityError:
        if idempotency_key is None:
            raise
        with new_unit_of_work() as uow:
            remembered = uow.remembered_result(idempotency_key, operation)
        if remembered is None:
            raise
        return remembered["answer"]


def _run_once(new_unit_of_work: Callable[[], U], work: Work[U], operation: str, key: str | None) -> Any:
    with new_unit_of_work() as uow:
        if key is not None:
            remembered = uow.remembered_result(key, operation)
            if remembered is not None:
                return remembered["answer"]
        answer, subject_id = work(uow)
        if key is not None:
            uow.remember_result(key, operation, {"answer": answer}, subject_id=subject_id)
        uow.commit()
        return answer


def read(new_unit_of_work: Callable[[], U], query: Callable[[U], Any]) -> Any:
    """Run a query in a transaction of its own that writes nothing."""
    with new_unit_of_work() as uow:
        return query(uow)
