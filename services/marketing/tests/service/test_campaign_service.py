"""The marketing service on real RabbitMQ with the real contacts service and a loopback SMTP server.

Both services run as nameko containers on the session's vhost, each on its own migrated
PostgreSQL database; contacts' events build marketing's read model over the broker.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from crm_contacts.adapters.tables import metadata as contacts_metadata
from crm_contacts.entrypoints.service import ContactsService
from crm_contacts.plugin import SERVICE as CONTACTS_PLUGIN
from crm_marketing.adapters.email_channel import SmtpChannel
from crm_marketing.adapters.tables import metadata as marketing_metadata
from crm_marketing.adapters.tables import plumbing
from crm_marketing.adapters.unit_of_work import MarketingUnitOfWork
from crm_marketing.domain.audience import email_consent
from crm_marketing.domain.pacing import RateLimiter
from crm_marketing.entrypoints.service import MarketingService
from crm_marketing.plugin import SERVICE as MARKETING_PLUGIN
from crm_marketing.service_layer import campaigns, delivery
from crm_marketing.settings import settings_from
from crm_shared.db import make_engine, utcnow
from crm_shared.testing import eventually

CONSENTING = {"all": [{"field": "email_consent", "operator": "eq", "value": True}]}
# contact.created and consent.changed travel on separate queues: a consenting contact is only
# reachable (has an email address) once both have been applied.
REACHABLE = {"all": [*CONSENTING["all"], {"field": "lifecycle_stage", "operator": "eq", "value": "lead"}]}


@pytest.fixture
def stack(run_service, migrated_databases, mail) -> dict[str, str]:
    contacts_db = migrated_databases.url("postgresql", CONTACTS_PLUGIN.migrations, contacts_metadata)
    marketing_db = migrated_databases.url("postgresql", MARKETING_PLUGIN.migrations, marketing_metadata)
    run_service(ContactsService, DATABASE_URL=contacts_db)
    run_service(MarketingService, DATABASE_URL=marketing_db, SMTP_HOST="127.0.0.1", SMTP_PORT=mail.port,
                MARKETING_SENDS_PER_SECOND=200)  # fmt: skip
    return {"contacts": contacts_db, "marketing": marketing_db}


@pytest.fixture
def rpc(amqp_uri: str) -> Iterator[Any]:
    from nameko.standalone.rpc import ClusterRpcProxy

    import crm_shared.runtime  # noqa: F401

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy


def consenting_contact(rpc, email):
    contact = rpc.contacts.create_contact(
        {"first_name": "Ada", "emails": [{"address": email}], "lifecycle_stage": "lead"}
    )
    rpc.contacts.change_consent(contact["id"], {"purpose": "email_marketing", "channel": "email", "action": "grant",
                                                "source": "web form"})  # fmt: skip
    return contact["id"]


def test_contacts_events_build_segments_a_campaign_mails_them_and_unsubscribe_withdraws_consent(stack, rpc, mail):
    ada = consenting_contact(rpc, "ada@example.com")
    bob = consenting_contact(rpc, "bob@example.com")
    assert eventually(lambda: rpc.marketing.preview_segment({"rules": REACHABLE})["count"] == 2)
    segment = rpc.marketing.create_segment({"name": "Consenting", "rules": CONSENTING})
    assert segment["member_count"] == 2
    variants = [{"name": "A", "subject": "Hi {{first_name}}", "body": "News at https://example.com/news"}]
    campaign = rpc.marketing.create_campaign({"name": "News", "segment_ids": [segment["id"]], "variants": variants})

    rpc.marketing.launch_campaign(campaign["id"])

    assert eventually(lambda: rpc.marketing.get_campaign(campaign["id"])["status"] == "completed")
    assert sorted(mail.recipients()) == ["ada@example.com", "bob@example.com"]
    message = next(m for m in mail.messages() if m["To"] == "ada@example.com")
    token = re.search(r"/u/([\w.-]+)", message.get_body(("plain",)).get_content()).group(1)
    assert rpc.marketing.unsubscribe(token) == {} and rpc.marketing.unsubscribe(token) == {}
    state = rpc.contacts.get_consents(ada)["state"]
    assert email_consent(state) is False
    history = [entry for entry in rpc.contacts.get_consents(ada)["history"] if entry["action"] == "withdraw"]
    assert len(history) == 1 and history[0]["source"] == "unsubscribe link"
    assert eventually(lambda: rpc.marketing.get_segment(segment["id"])["member_count"] == 1)
    summary = rpc.marketing.customer_summary(bob)
    assert summary["messages_sent"] == 1 and summary["segments"] == [{"id": segment["id"], "name": "Consenting"}]


def test_a_consent_withdrawn_after_launch_stops_the_send_even_before_marketing_hears_of_it(stack, rpc, mail):
    ada = consenting_contact(rpc, "ada@example.com")
    bob = consenting_contact(rpc, "bob@example.com")
    assert eventually(lambda: rpc.marketing.preview_segment({"rules": REACHABLE})["count"] == 2)
    segment = rpc.marketing.create_segment({"name": "List", "kind": "static"})
    rpc.marketing.add_segment_members(segment["id"], {"contact_ids": [ada, bob]})
    variants = [{"name": "A", "subject": "Hi", "body": "Hello"}]
    campaign = rpc.marketing.create_campaign({"name": "News", "segment_ids": [segment["id"]], "variants": variants})
    engine = make_engine(stack["marketing"])
    new_uow = lambda: MarketingUnitOfWork(engine, plumbing)  # noqa: E731
    rpc.contacts.change_consent(bob, {"purpose": "email_marketing", "channel": "email", "action": "withdraw",
                                      "source": "phone call"})  # fmt: skip
    # Launched with the read model still saying Bob consents, as if the withdrawal's event were on its way.
    # Whichever process sends (the service's timer or this test), it asks the contacts service first.
    with new_uow() as uow:
        campaigns.start(uow, uow.campaigns.get(uuid.UUID(campaign["id"])), utcnow())
        uow.audience.update(uuid.UUID(bob), utcnow(), email_consent=True)
        uow.commit()
    settings = settings_from({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": mail.port})

    def consent_now(contact_id):
        return email_consent(rpc.contacts.get_consents(str(contact_id))["state"])

    delivery.deliver(delivery.Delivery(new_uow, lambda: SmtpChannel(settings.smtp, settings.from_address),
                                       consent_now, settings, RateLimiter(100, time.monotonic, time.sleep), utcnow))  # fmt: skip
    engine.dispose()

    assert eventually(lambda: rpc.marketing.get_campaign(campaign["id"])["status"] == "completed")
    assert mail.recipients() == ["ada@example.com"]


def test_an_erased_contact_leaves_nothing_in_marketing(stack, rpc, mail):
    ada = consenting_contact(rpc, "canary-7f3a@example.com")
    assert eventually(lambda: rpc.marketing.preview_segment({"rules": REACHABLE})["count"] == 1)
    segment = rpc.marketing.create_segment({"name": "Consenting", "rules": CONSENTING})
    campaign = rpc.marketing.create_campaign({"name": "News", "segment_ids": [segment["id"]],
                                              "variants": [{"name": "A", "subject": "Hi", "body": "x"}]})  # fmt: skip
    rpc.marketing.launch_campaign(campaign["id"])
    assert eventually(lambda: rpc.marketing.get_campaign(campaign["id"])["status"] == "completed")
    before = rpc.marketing.pii_inventory(ada)["places"]
    assert before["audience"] == 1 and before["sends"] == 1 and before["outbox"] > 0

    rpc.contacts.erase_contact(ada)

    assert eventually(lambda: not any(rpc.marketing.pii_inventory(ada)["places"].values()))
    assert rpc.marketing.campaign_stats(campaign["id"])["sent"] == 1
