"""A small client of RabbitMQ's management HTTP API: users, permissions and queues of one vhost.

The HTTP API is how brokers are administered remotely (clusters, hosted RabbitMQ);
``rabbitmqctl`` works only on a broker node with its Erlang cookie.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from crm_shared.publisher import connection_params

TIMEOUT_SECONDS = 10


class AdminUnavailable(Exception):
    """The management API cannot be used; the message says why and what to do."""


class AdminConflict(Exception):
    """The user exists already."""


@dataclass(frozen=True)
class Permissions:
    configure: str
    write: str
    read: str


class RabbitAdmin:
    def __init__(self, base_url: str, user: str, password: str, vhost: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.vhost = vhost
        self._auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    @classmethod
    def from_amqp_uri(cls, amqp_uri: str) -> RabbitAdmin:
        """The operator's broker credentials; the API on the broker's host unless configured."""
        params = connection_params(amqp_uri)
        host = params["host"].rsplit(":", 1)[0]
        url = os.environ.get("CRM_RABBITMQ_MANAGEMENT_URL", f"http://{host}:15672")
        return cls(url, params["userid"], params["password"], params["virtual_host"])

    def user_exists(self, user: str) -> bool:
        return self._call("GET", f"/api/users/{quote(user, safe='')}", missing_ok=True) is not None

    def create_user(self, user: str, password: str) -> None:
        """A user with no tags: it may use AMQP but not the management UI or API."""
        if self.user_exists(user):
            raise AdminConflict(user)
        self._call("PUT", f"/api/users/{quote(user, safe='')}", {"password": password, "tags": ""})

    def set_permissions(self, user: str, permissions: Permissions) -> None:
        body = {"configure": permissions.configure, "write": permissions.write, "read": permissions.read}
        self._call("PUT", f"/api/permissions/{self._vhost()}/{quote(user, safe='')}", body)

    def users_with_permissions(self) -> dict[str, Permissions]:
        rows = self._call("GET", f"/api/vhosts/{self._vhost()}/permissions") or []
        return {row["user"]: Permissions(row["configure"], row["write"], row["read"]) for row in rows}

    def delete_user(self, user: str) -> bool:
        """Deleting a user also closes its open connections."""
        return self._call("DELETE", f"/api/users/{quote(user, safe='')}", missing_ok=True) is not None

    def queues(self) -> list[str]:
        return [row["name"] for row in self._call("GET", f"/api/queues/{self._vhost()}?columns=name") or []]

    def delete_queue(self, name: str) -> None:
        self._call("DELETE", f"/api/queues/{self._vhost()}/{quote(name, safe='')}", missing_ok=True)

    def _vhost(self) -> str:
        return quote(self.vhost, safe="")

    def _call(self, method: str, path: str, body: Any = None, missing_ok: bool = False) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Authorization", self._auth)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - operator's URL
                payload = response.read()
        except urllib.error.HTTPError as error:
            if error.code == 404 and missing_ok:
                return None
            if error.code == 401:
                raise AdminUnavailable(
                    "crm: the AMQP_URI user may not administer RabbitMQ (it needs the administrator tag)."
                ) from None
            raise AdminUnavailable(
                f"crm: the RabbitMQ management API answered {error.code} to {method} {path}."
            ) from None
        except (OSError, urllib.error.URLError):
            raise AdminUnavailable(
                f"crm: the RabbitMQ management API does not answer at {self.base_url}. Enable it "
                "(`rabbitmq-plugins enable rabbitmq_management`) or set CRM_RABBITMQ_MANAGEMENT_URL."
            ) from None
        return json.loads(payload) if payload else {}
