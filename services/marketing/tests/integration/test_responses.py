"""Opens, clicks, unsubscribes, replies and conversions, and the performance they add up to."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from crm_marketing.adapters.email_channel import SmtpChannel
from crm_marketing.domain.pacing import RateLimiter
from crm_marketing.service_layer import campaigns, customers, delivery, performance, responses, unsubscribes
from crm_marketing.settings import DEV_LINK_SECRET, settings_from
from crm_shared.db import utcnow
from crm_shared.errors import NotFound

SECRET = DEV_LINK_SECRET


def send_campaign(marketing, mail, people, **fields):
    campaign = marketing.draft_campaign(people, **fields)
    marketing.run(campaigns.launch_campaign, campaign_id=uuid.UUID(campaign["id"]), expected_version=None, now=utcnow())
    settings = settings_from({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mail.port, "MARKETING_SENDS_PER_SECOND": 1000})
    delivery.deliver(
        delivery.Delivery(
            marketing.new_uow,
            lambda: SmtpChannel(settings.smtp, settings.from_address),
            lambda contact_id: True,
            settings,
            RateLimiter(1000, time.monotonic, time.sleep),
            utcnow,
        )  # fmt: skip
    )
    return campaign


def person(marketing, email):
    contact_id = marketing.contact(emails=[{"address": email, "label": "work", "primary": True}])
    marketing.consent(contact_id, granted=True)
    return contact_id


def tokens(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return {
        "click": re.search(r"/t/c/([\w.-]+)", text).group(1),
        "open": re.search(r"/t/o/([\w.-]+)", html).group(1),
        "unsubscribe": re.search(r"/u/([\w.-]+)", text).group(1),
    }


def track(marketing, handler, token):
    with marketing.new_uow() as uow:
        return handler(uow, token, SECRET, utcnow())


def test_opens_and_clicks_are_recorded_once_and_a_click_answers_the_real_target(marketing, mail):
    ada = person(marketing, "ada@example.com")
    campaign = send_campaign(marketing, mail, [ada])
    found = tokens(mail.messages()[0])

    assert track(marketing, responses.track_open, found["open"]) == {}
    assert track(marketing, responses.track_open, found["open"]) == {}
    assert track(marketing, responses.track_click, found["click"]) == {"url": "https://example.com/spring?x=1&y=2"}

    stats = marketing.read(performance.campaign_stats, campaign_id=uuid.UUID(campaign["id"]))
    assert (stats["sent"], stats["delivered"], stats["opened"], stats["clicked"]) == (1, 1, 1, 1)
    kinds = [e["data"]["kind"] for e in marketing.outbox("campaign.response_recorded")]
    assert kinds == ["opened", "clicked"]
    summary = marketing.read(customers.get_summary, contact_id=ada)
    assert [r["kind"] for r in summary["responses"]] == ["clicked", "opened"] and summary["messages_sent"] == 1


def test_a_bad_or_altered_token_is_unknown(marketing, mail):
    ada = person(marketing, "ada@example.com")
    send_campaign(marketing, mail, [ada])
    click = tokens(mail.messages()[0])["click"]
    payload, signature = click.split(".")

    assert track(marketing, responses.track_open, "rubbish") == {}
    for bad in ("rubbish", f"{payload}.{signature[:-2]}AA", tokens(mail.messages()[0])["open"]):
        with pytest.raises(NotFound):
            track(marketing, responses.track_click, bad)


def test_unsubscribing_suppresses_the_contact_once(marketing, mail):
    ada = person(marketing, "ada@example.com")
    bob = person(marketing, "bob@example.com")
    send_campaign(marketing, mail, [ada, bob])
    message = next(m for m in mail.messages() if m["To"] == "ada@example.com")
    token = tokens(message)["unsubscribe"]

    first = track(marketing, responses.unsubscribe, token)
    again = track(marketing, responses.unsubscribe, token)

    assert first[1] == again[1] == ada
    assert [e["data"]["kind"] for e in marketing.outbox("campaign.response_recorded")] == ["unsubscribed"]
    with marketing.new_uow() as uow:
        assert unsubscribes.awaiting_withdrawal(uow) == [(first[0], ada)]
    mail.clear()
    send_campaign(marketing, mail, [ada, bob], name="Again")
    assert mail.recipients() == ["bob@example.com"]
    with pytest.raises(NotFound):
        track(marketing, responses.unsubscribe, "rubbish")


def won(marketing, contact_id, amount, at):
    from crm_marketing.service_layer.unsubscribes import opportunity_won

    now = utcnow().isoformat()
    opportunity = {
        "id": str(uuid.uuid4()), "name": "Deal", "pipeline_id": str(uuid.uuid4()), "stage_id": str(uuid.uuid4()),
        "stage": "Won", "status": "won", "contact_id": str(contact_id), "account_id": None, "owner": None,
        "amount": {"amount": amount, "currency": "EUR"}, "probability": 100, "expected_close_date": None,
        "next_step": None, "products": [], "close_reason": None, "closed_at": at.isoformat(), "lead_id": None,
        "created_at": now, "updated_at": now, "last_activity_at": now, "version": 2,
    }  # fmt: skip
    marketing.deliver(lambda uow, e, d, _now: opportunity_won(uow, e, d), "opportunity.won", opportunity, "sales",
                      opportunity["id"])  # fmt: skip


def test_a_won_opportunity_counts_inside_the_attribution_window_and_not_outside(marketing, mail):
    inside, outside, before = (person(marketing, f"{n}@example.com") for n in ("inside", "outside", "before"))
    campaign = send_campaign(marketing, mail, [inside, outside, before], attribution_days=7,
                             cost={"amount": Decimal("100.00"), "currency": "EUR"})  # fmt: skip
    now = utcnow()
    won(marketing, inside, "300.00", now + timedelta(days=6))
    won(marketing, outside, "500.00", now + timedelta(days=8))
    won(marketing, before, "700.00", now - timedelta(days=1))

    stats = marketing.read(performance.campaign_stats, campaign_id=uuid.UUID(campaign["id"]))

    assert stats["converted"] == 1
    assert stats["revenue"] == [{"amount": "300.00", "currency": "EUR"}]
    assert stats["roi"] == pytest.approx(2.0)
    assert stats["cost_per_acquisition"] == {"amount": "100.00", "currency": "EUR"}


def test_variants_are_dealt_in_turn_and_compared_with_a_z_test(marketing, mail):
    people = [person(marketing, f"p{n}@example.com") for n in range(6)]
    variants = [{"name": "A", "subject": "A", "body": "See https://example.com/a"},
                {"name": "B", "subject": "B", "body": "See https://example.com/b"}]  # fmt: skip
    campaign = send_campaign(marketing, mail, people, variants=variants)
    for message in mail.messages():
        if message["Subject"] == "A":
            track(marketing, responses.track_click, tokens(message)["click"])

    stats = marketing.read(performance.campaign_stats, campaign_id=uuid.UUID(campaign["id"]))

    by_name = {v["variant"]: v for v in stats["variants"]}
    assert by_name["A"]["sent"] == by_name["B"]["sent"] == 3
    assert (by_name["A"]["clicked"], by_name["B"]["clicked"]) == (3, 0)
    click_test = next(t for t in stats["significance"] if t["metric"] == "click_rate")
    assert click_test["p_value"] == pytest.approx(0.0143, abs=1e-3) and click_test["significant"]


def test_reported_bounces_and_replies_are_recorded_and_a_hard_bounce_suppresses(marketing, mail):
    ada = person(marketing, "ada@example.com")
    bob = person(marketing, "bob@example.com")
    campaign = send_campaign(marketing, mail, [ada, bob])
    send_ids = {message["To"]: tokens(message) for message in mail.messages()}
    ada_send = verify_send_id(send_ids["ada@example.com"]["open"])
    bob_send = verify_send_id(send_ids["bob@example.com"]["open"])

    marketing.run(responses.record_bounce, key="b1", send_id=ada_send, hard=False, reason="mailbox full", now=utcnow())
    marketing.run(responses.record_bounce, key="b2", send_id=bob_send, hard=True, reason="no such user", now=utcnow())
    marketing.run(responses.record_bounce, key="b2", send_id=bob_send, hard=True, reason="no such user", now=utcnow())
    marketing.run(responses.record_reply, key="r1", send_id=ada_send, received_at=None, now=utcnow())

    stats = marketing.read(performance.campaign_stats, campaign_id=uuid.UUID(campaign["id"]))
    assert (stats["sent"], stats["bounced"], stats["delivered"]) == (2, 2, 0)
    kinds = [(e["data"]["contact_id"], e["data"]["kind"]) for e in marketing.outbox("campaign.response_recorded")]
    assert kinds == [(str(ada), "bounced"), (str(bob), "bounced"), (str(ada), "replied")]
    with marketing.new_uow() as uow:
        assert not uow.audience.get(ada).hard_bounced and uow.audience.get(bob).hard_bounced
    with pytest.raises(NotFound):
        marketing.run(responses.record_reply, send_id=10**9, received_at=None, now=utcnow())


def verify_send_id(token):
    from crm_marketing.domain.links import verify

    return verify(token, SECRET, "o").send_id
