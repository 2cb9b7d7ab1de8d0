"""Broker users for integrators: they read events from queues of their own and can publish nothing.

RabbitMQ checks three regular expressions per user and vhost. Declaring or deleting a
queue needs *configure* on it; binding needs *write* on the queue and *read* on the
exchange; consuming needs *read* on the queue; publishing needs *write* on the exchange.
So an integrator may configure and write only ``integrator.<name>.*`` (its queues) and read
those and the ``<service>.events`` exchanges. No exchange of ours matches its write
expression, the default exchange (``amq.default``) included, so it can never publish to
``nameko-rpc`` or to an events exchange.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote, urlparse, urlunparse

from crm_cli.rabbitmq_admin import Permissions, RabbitAdmin

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
PREFIX = "integrator."


class BadName(ValueError):
    """An integrator name must be short lowercase letters, digits, ``-`` or ``_``."""


def broker_user(name: str) -> str:
    if not NAME.match(name):
        raise BadName(name)
    return f"{PREFIX}{name}"


def queue_prefix(name: str) -> str:
    return f"{broker_user(name)}."


def permissions(name: str) -> Permissions:
    own_queues = f"^{re.escape(queue_prefix(name))}.+$"
    return Permissions(
        configure=own_queues,
        write=own_queues,
        read=f"^({re.escape(queue_prefix(name))}.+|[a-z0-9_-]+\\.events)$",
    )


def create(admin: RabbitAdmin, name: str, amqp_uri: str) -> str:
    """Creates the user and returns its AMQP URI; the password is in it and shown only this once."""
    user = broker_user(name)
    password = secrets.token_urlsafe(24)
    admin.create_user(user, password)
    admin.set_permissions(user, permissions(name))
    parts = urlparse(amqp_uri)
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname or 'localhost'}:{parts.port or 5672}"
    return urlunparse(parts._replace(netloc=netloc))


def listed(admin: RabbitAdmin) -> list[str]:
    """Integrators that may use this vhost."""
    return sorted(user.removeprefix(PREFIX) for user in admin.users_with_permissions() if user.startswith(PREFIX))


def revoke(admin: RabbitAdmin, name: str) -> bool:
    """Deletes the user (closing its connections) and its queues; False if there was no such user."""
    existed = admin.delete_user(broker_user(name))
    for queue in admin.queues():
        if queue.startswith(queue_prefix(name)):
            admin.delete_queue(queue)
    return existed
