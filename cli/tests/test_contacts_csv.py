"""``crm import contacts`` and ``crm export contacts`` against a running contacts service."""

from __future__ import annotations

import csv
import io

from crm_contacts.adapters.tables import metadata as contacts_metadata
from crm_shared.testing import empty_tables

HEADER = "first_name,last_name,email,phone,tags,city,country,lifecycle_stage,custom.shoe_size"


def write_csv(path, *lines, encoding="utf-8"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def read_csv(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def good_rows():
    return [
        "Ada,Lovelace,ada@example.com,+14155550100,vip;engine,London,GB,customer,38",
        "Grace,Hopper,grace@example.com,,navy,Arlington,US,lead,",
        "Alan,Turing,alan@example.com;a.turing@example.com,+442079460000,,,,,41",
    ]


def test_a_clean_file_is_imported_whole_and_exits_0(crm, contacts_service, tmp_path):
    source = write_csv(tmp_path / "contacts.csv", HEADER, *good_rows())

    run = crm("import", "contacts", str(source))

    assert run.exit_code == 0, run.err
    assert "created 3 contacts, rejected 0 rows" in run.out
    assert read_csv(tmp_path / "contacts.csv.errors.csv") == []


def test_rejected_rows_are_reported_by_row_and_field_and_exit_3(crm, contacts_service, tmp_path):
    source = write_csv(
        tmp_path / "contacts.csv",
        "first_name,last_name,email,phone",
        "Ada,Lovelace,ada@example.com,",  # row 1: good
        "Bad,Email,not-an-email,",  # row 2: malformed email
        "Ada,Again,ADA@example.com,",  # row 3: the email of row 1
        "Grace,Hopper,grace@example.com,",  # row 4: good
        "No,Phone,,12",  # row 5: not a phone number
        ",,,",  # row 6: nothing to identify a person by
    )
    report = tmp_path / "rejected.csv"

    run = crm("import", "contacts", str(source), "--report", str(report))

    assert run.exit_code == 3
    assert "created 2 contacts, rejected 4 rows" in run.out and str(report) in run.out
    rows = read_csv(report)
    assert [(r["row"], r["field"]) for r in rows] == [
        ("2", "emails.0.address"),
        ("3", "emails"),
        ("5", "phones.0.number"),
        ("6", "last_name"),
    ]
    assert rows[0]["message"] == "Not a valid email address."
    assert rows[1]["message"] == "Already belongs to a contact."


def test_a_row_whose_email_is_already_held_is_rejected(crm, contacts_service, tmp_path):
    write_csv(tmp_path / "first.csv", "first_name,email", "Ada,ada@example.com")
    assert crm("import", "contacts", str(tmp_path / "first.csv")).exit_code == 0
    later = write_csv(tmp_path / "later.csv", "first_name,email", "Augusta,Ada@Example.com", "Grace,grace@example.com")

    run = crm("import", "contacts", str(later))

    assert run.exit_code == 3
    assert [(r["row"], r["field"]) for r in read_csv(tmp_path / "later.csv.errors.csv")] == [("1", "emails")]


def test_importing_the_same_file_again_creates_nothing_more(crm, contacts_service, tmp_path):
    source = write_csv(tmp_path / "contacts.csv", HEADER, *good_rows())
    assert crm("import", "contacts", str(source)).exit_code == 0

    again = crm("import", "contacts", str(source))
    export = crm("export", "contacts")  # no -o: the CSV goes to standard output

    assert again.exit_code == 0
    assert export.exit_code == 0 and "exported 3 contacts" in export.err
    rows = list(csv.DictReader(io.StringIO(export.out)))
    assert sorted(r["last_name"] for r in rows) == ["Hopper", "Lovelace", "Turing"]


def test_an_unknown_column_stops_the_import_with_exit_2_naming_the_column(crm, broker, tmp_path):
    source = write_csv(tmp_path / "contacts.csv", "first_name,e-mail,last_name", "Ada,ada@example.com,Lovelace")

    run = crm("import", "contacts", str(source))

    assert run.exit_code == 2
    assert "unknown column(s) 'e-mail'" in run.err and "known: first_name" in run.err
    assert "Traceback" not in run.err
    assert not (tmp_path / "contacts.csv.errors.csv").exists()


def test_a_repeated_column_stops_the_import_with_exit_2(crm, broker, tmp_path):
    source = write_csv(tmp_path / "contacts.csv", "email,first_name,email", "a@example.com,Ada,b@example.com")

    run = crm("import", "contacts", str(source))

    assert run.exit_code == 2 and "'email' appear more than once" in run.err


def test_a_file_that_is_not_utf8_stops_the_import_with_exit_2(crm, broker, tmp_path):
    source = write_csv(
        tmp_path / "contacts.csv", "first_name,last_name", "Ada,Lovelace", "Zoë,Müller", encoding="latin-1"
    )

    run = crm("import", "contacts", str(source))

    assert run.exit_code == 2
    assert "line 3: the file is not UTF-8" in run.err and "Traceback" not in run.err


def test_a_broken_quote_stops_the_import_with_exit_2_naming_the_line(crm, broker, tmp_path):
    source = write_csv(tmp_path / "contacts.csv", "first_name,last_name", 'Ada,"Love"lace"')

    run = crm("import", "contacts", str(source))

    assert run.exit_code == 2 and "line 2" in run.err


def test_an_empty_file_stops_the_import_with_exit_2(crm, broker, tmp_path):
    (tmp_path / "empty.csv").write_text("")

    run = crm("import", "contacts", str(tmp_path / "empty.csv"))

    assert run.exit_code == 2 and "no header row" in run.err


def test_a_missing_file_is_exit_2(crm, tmp_path):
    run = crm("import", "contacts", str(tmp_path / "nowhere.csv"))

    assert run.exit_code == 2 and "no such file" in run.err


def test_without_a_broker_import_and_export_say_so_in_one_line_and_exit_1(crm, monkeypatch, tmp_path):
    from crm_shared.testing import free_port

    monkeypatch.setenv("AMQP_URI", f"amqp://guest:secret@127.0.0.1:{free_port()}/")
    source = write_csv(tmp_path / "contacts.csv", "first_name", "Ada")

    for run in (crm("import", "contacts", str(source)), crm("export", "contacts")):
        assert run.exit_code == 1
        assert "RabbitMQ does not answer" in run.err and "Traceback" not in run.err
        assert "secret" not in run.err


def test_an_exported_file_imports_back_to_the_same_contacts(crm, contacts_service, tmp_path):
    source = write_csv(tmp_path / "contacts.csv", HEADER, *good_rows())
    assert crm("import", "contacts", str(source)).exit_code == 0

    first = crm("export", "contacts", "-o", str(tmp_path / "out.csv"))
    assert first.exit_code == 0 and "exported 3 contacts" in first.err
    exported = read_csv(tmp_path / "out.csv")
    empty_tables(contacts_service, contacts_metadata)
    assert crm("import", "contacts", str(tmp_path / "out.csv")).exit_code == 0
    assert crm("export", "contacts", "-o", str(tmp_path / "again.csv")).exit_code == 0

    by_email = {row["email"]: row for row in exported}
    assert sorted(by_email) == ["ada@example.com", "alan@example.com;a.turing@example.com", "grace@example.com"]
    ada = by_email["ada@example.com"]
    assert (ada["first_name"], ada["last_name"], ada["phone"], ada["tags"]) == (
        "Ada", "Lovelace", "+14155550100", "vip;engine",
    )  # fmt: skip
    assert (ada["city"], ada["country"], ada["lifecycle_stage"], ada["custom.shoe_size"]) == (
        "London", "GB", "customer", "38",
    )  # fmt: skip
    assert ada["provenance"] == "imported"
    assert sorted(map(sorted_items, read_csv(tmp_path / "again.csv"))) == sorted(map(sorted_items, exported))


def sorted_items(row):
    return tuple(sorted(row.items()))


def test_a_broken_line_late_in_the_file_imports_nothing(crm, contacts_service, tmp_path):
    path = tmp_path / "late.csv"
    path.write_text('first_name,email\nAda,ada@example.com\nGrace,"grace@example.com\n', encoding="utf-8")
    assert crm("import", "contacts", str(path)).exit_code == 2
    export = crm("export", "contacts")
    assert export.exit_code == 0 and "ada@example.com" not in export.out


def test_a_stopped_contacts_service_is_named_at_once_not_after_a_timeout(crm, broker):
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker))
    channel = connection.channel()
    channel.queue_declare("rpc-contacts", durable=True)  # as a service that ran once leaves it
    try:
        result = crm("export", "contacts")
    finally:
        channel.queue_delete("rpc-contacts")
        connection.close()
    assert result.exit_code == 1 and "not running" in result.err
