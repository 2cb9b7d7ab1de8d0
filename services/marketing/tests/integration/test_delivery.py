"""Sending campaigns to a real SMTP server on loopback: consent per contact, once per contact, resumable.

The contacts service's answer about current consent is the ``consent_now`` function here;
the service tests ask the real contacts service.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from crm_marketing.adapters.email_channel import SmtpChannel
from crm_marketing.domain.pacing import RateLimiter
from crm_marketing.service_layer import campaigns, delivery
from crm_marketing.settings import settings_from
from crm_shared.db import utcnow
from crm_shared.errors import Invalid, ServiceUnavailable


def sender(marketing, mail, consent_now=lambda contact_id: True, clock=utcnow, batch=100):
    settings = settings_from({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mail.port, "MARKETING_SENDS_PER_SECOND": 1000,
                              "MARKETING_SEND_BATCH": batch})  # fmt: skip
    return delivery.Delivery(
        new_uow=marketing.new_uow,
        open_channel=lambda: SmtpChannel(settings.smtp, settings.from_address),
        consent_now=consent_now,
        settings=settings,
        limiter=RateLimiter(settings.sends_per_second, time.monotonic, time.sleep),
        clock=clock,
    )


def recipient(marketing, email, consent=True, **fields):
    contact_id = marketing.contact(emails=[{"address": email, "label": "work", "primary": True}], **fields)
    marketing.consent(contact_id, granted=consent)
    return contact_id


def launched(marketing, contact_ids, **fields):
    campaign = marketing.draft_campaign(contact_ids, **fields)
    marketing.run(campaigns.launch_campaign, campaign_id=uuid.UUID(campaign["id"]), expected_version=None, now=utcnow())
    return campaign


def statuses(marketing, campaign):
    import sqlalchemy as sa

    from crm_marketing.adapters.tables import sends

    with marketing.new_uow() as uow:
        query = sa.select(sends.c.contact_id, sends.c.status, sends.c.skip_reason).where(
            sends.c.campaign_id == uuid.UUID(campaign["id"])
        )
        return {row.contact_id: (row.status, row.skip_reason) for row in uow.conn.execute(query)}


def test_each_consenting_contact_is_mailed_once_with_personal_content_and_one_click_unsubscribe(marketing, mail):
    ada = recipient(marketing, "ada@example.com", first_name="Ada")
    bob = recipient(marketing, "bob@example.com", consent=False)
    campaign = launched(marketing, [ada, bob])

    delivery.deliver(sender(marketing, mail))
    delivery.deliver(sender(marketing, mail))

    [message] = mail.messages()
    assert message["To"] == "ada@example.com" and message["Subject"] == "Hello Ada"
    assert message["Date"] and message["Message-ID"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://localhost:8000/u/")
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Dear Ada,\nsee http://localhost:8000/t/c/")
    assert "/t/o/" in message.get_body(("html",)).get_content()
    assert statuses(marketing, campaign) == {ada: ("sent", None), bob: ("skipped", "no_consent")}
    assert marketing.read(campaigns.get_campaign, campaign_id=uuid.UUID(campaign["id"]))["status"] == "completed"
    sent = marketing.outbox("campaign.message_sent")
    assert [e["data"]["contact_id"] for e in sent] == [str(ada)]
    assert [e["type"] for e in marketing.outbox() if e["type"].startswith("campaign.")][-1] == "campaign.completed"


def test_consent_withdrawn_in_contacts_after_launch_stops_that_send(marketing, mail):
    ada = recipient(marketing, "ada@example.com")
    bob = recipient(marketing, "bob@example.com")
    campaign = launched(marketing, [ada, bob])

    # The withdrawal is recorded in contacts; its event has not reached marketing yet.
    delivery.deliver(sender(marketing, mail, consent_now=lambda contact_id: contact_id != bob))

    assert mail.recipients() == ["ada@example.com"]
    assert statuses(marketing, campaign)[bob] == ("skipped", "no_consent")


def test_when_consent_cannot_be_checked_nothing_is_sent_until_it_can(marketing, mail):
    ada = recipient(marketing, "ada@example.com")
    campaign = launched(marketing, [ada])

    def contacts_down(contact_id):
        raise ServiceUnavailable("contacts did not answer")

    delivery.deliver(sender(marketing, mail, consent_now=contacts_down))
    assert mail.messages() == [] and statuses(marketing, campaign)[ada] == ("pending", None)

    delivery.deliver(sender(marketing, mail))
    assert mail.recipients() == ["ada@example.com"]


def test_a_crash_mid_send_resumes_without_mailing_anyone_twice(marketing, mail):
    people = [recipient(marketing, f"person{n}@example.com") for n in range(5)]
    campaign = launched(marketing, people)
    # A process claimed two sends and died: before or after the server took them, nobody knows.
    with marketing.new_uow() as uow:
        claimed = uow.sends.claim(uuid.UUID(campaign["id"]), 2, utcnow())
        uow.commit()

    delivery.deliver(sender(marketing, mail, batch=2))  # the lease still runs: the claims are left alone
    later = utcnow() + timedelta(minutes=10)
    for _ in range(3):
        delivery.deliver(sender(marketing, mail, batch=2, clock=lambda: later))

    addresses = mail.recipients()
    assert len(addresses) == len(set(addresses)) == 3
    final = statuses(marketing, campaign)
    assert sorted(status for status, _ in final.values()) == ["sent", "sent", "sent", "uncertain", "uncertain"]
    assert len(claimed) == 2
    assert marketing.read(campaigns.get_campaign, campaign_id=uuid.UUID(campaign["id"]))["status"] == "completed"


def test_a_hard_bounce_suppresses_the_address_for_later_campaigns(marketing, mail):
    ada = recipient(marketing, "ada@example.com")
    gone = recipient(marketing, "bounce@example.com")
    campaign = launched(marketing, [ada, gone])

    delivery.deliver(sender(marketing, mail))

    assert statuses(marketing, campaign)[gone] == ("bounced", "refused")
    responses = marketing.outbox("campaign.response_recorded")
    assert [(r["data"]["contact_id"], r["data"]["kind"]) for r in responses] == [(str(gone), "bounced")]
    second = launched(marketing, [ada, gone], name="Summer news")
    assert set(statuses(marketing, second)) == {ada}


def test_a_scheduled_campaign_starts_itself_once_when_due(marketing, mail):
    ada = recipient(marketing, "ada@example.com")
    campaign = marketing.draft_campaign([ada])
    send_at = utcnow() + timedelta(hours=1)
    marketing.run(campaigns.schedule_campaign, campaign_id=uuid.UUID(campaign["id"]), send_at=send_at,
                  expected_version=None, now=utcnow())  # fmt: skip

    delivery.deliver(sender(marketing, mail))
    assert mail.messages() == []

    later = send_at + timedelta(seconds=1)
    delivery.deliver(sender(marketing, mail, clock=lambda: later))
    delivery.deliver(sender(marketing, mail, clock=lambda: later))
    assert mail.recipients() == ["ada@example.com"]
    launches = marketing.outbox("campaign.launched")
    assert len(launches) == 1 and launches[0]["data"]["recipients"] == 1


def test_bad_campaigns_are_refused_naming_the_field(marketing):
    ada = recipient(marketing, "ada@example.com")
    make = marketing.draft_campaign
    with pytest.raises(Invalid) as error:
        make([ada], variants=[{"name": "A", "subject": "Hi {{nickname}}", "body": "x"}])
    assert error.value.fields == {"variants": {"0": {"subject": ["Unknown placeholder: nickname."]}}}
    with pytest.raises(Invalid) as error:
        make([])
    assert "segment_ids" in error.value.fields
    campaign = make([ada])
    with pytest.raises(Invalid) as error:
        marketing.run(campaigns.schedule_campaign, campaign_id=uuid.UUID(campaign["id"]),
                      send_at=utcnow() - timedelta(minutes=1), expected_version=None, now=utcnow())  # fmt: skip
    assert error.value.fields == {"send_at": ["Must be in the future."]}


def test_a_cancellation_stops_a_batch_already_claimed(marketing, mail, monkeypatch):
    monkeypatch.setattr(delivery, "RECORD_EVERY", 1)
    people = [recipient(marketing, f"person{n}@example.com") for n in range(4)]
    campaign = launched(marketing, people)
    campaign_id = uuid.UUID(campaign["id"])

    def cancel_after_first(contact_id, calls=[]):  # noqa: B006 - counts calls across this test only
        calls.append(contact_id)
        if len(calls) == 1:
            marketing.run(campaigns.cancel_campaign, campaign_id=campaign_id, expected_version=None, now=utcnow())
        return True

    delivery.deliver(sender(marketing, mail, consent_now=cancel_after_first))

    assert len(mail.messages()) == 1
    final = sorted(statuses(marketing, campaign).values(), key=str)
    assert final == [("sent", None)] + [("skipped", "cancelled")] * 3
    assert marketing.read(campaigns.get_campaign, campaign_id=campaign_id)["status"] == "cancelled"


def test_an_unreachable_mail_server_pauses_sending_without_using_up_attempts(marketing, mail):
    from crm_shared.testing import free_port

    ada = recipient(marketing, "ada@example.com")
    campaign = launched(marketing, [ada])
    down = sender(marketing, mail)
    settings = settings_from({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port()})
    down.open_channel = lambda: SmtpChannel(settings.smtp, settings.from_address)

    for _ in range(5):
        delivery.deliver(down)

    assert statuses(marketing, campaign)[ada] == ("pending", None)
    delivery.deliver(sender(marketing, mail))
    assert mail.recipients() == ["ada@example.com"]
