"""``python -m crm_shared.asyncapi``: print the document (or ``--markdown``), refresh the snapshot, check an outbox.

``--write`` refreshes ``shared/events-catalog.json`` and refuses a breaking change unless
``--allow-breaking`` says it is meant (a version retired after its consumers moved).
``--check-outbox URL`` names every envelope in that database's outbox the catalogue lacks.
"""

from __future__ import annotations

import argparse
import json
import sys

from crm_shared.asyncapi import SNAPSHOT, asyncapi_document
from crm_shared.asyncapi.compatibility import breaking_changes


def render(document: dict[str, object]) -> str:
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def write_snapshot(allow_breaking: bool) -> int:
    document = asyncapi_document()
    if SNAPSHOT.exists() and not allow_breaking:
        problems = breaking_changes(json.loads(SNAPSHOT.read_text(encoding="utf-8")), document)
        if problems:
            sys.stderr.write("breaking changes; publish a new version beside the old one instead:\n")
            sys.stderr.write("".join(f"  {p}\n" for p in problems))
            return 1
    SNAPSHOT.write_text(render(document), encoding="utf-8")
    sys.stderr.write(f"wrote {SNAPSHOT}\n")
    return 0


def check_outbox(url: str) -> int:
    import sqlalchemy as sa

    from crm_shared.asyncapi.completeness import undeclared
    from crm_shared.db import make_engine

    engine = make_engine(url)
    outbox = sa.Table("outbox", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        problems = [p for (envelope,) in conn.execute(sa.select(outbox.c.envelope)) for p in undeclared(envelope)]
    engine.dispose()
    sys.stdout.write("\n".join(problems) + "\n" if problems else "every event in the outbox is in the catalogue\n")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_shared.asyncapi", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"refresh {SNAPSHOT.name}")
    parser.add_argument("--allow-breaking", action="store_true", help="with --write: accept breaking changes")
    parser.add_argument("--markdown", action="store_true", help="print the catalogue as Markdown")
    parser.add_argument("--check-outbox", metavar="DATABASE_URL", help="check every envelope in an outbox")
    args = parser.parse_args(argv)
    if args.write:
        return write_snapshot(args.allow_breaking)
    if args.check_outbox:
        return check_outbox(args.check_outbox)
    if args.markdown:
        from crm_shared.asyncapi.markdown import render_markdown

        sys.stdout.write(render_markdown(asyncapi_document()))
        return 0
    sys.stdout.write(render(asyncapi_document()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
