"""The gateway's nameko service: one HTTP entrypoint per route, each a thin translation to RPC."""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from math import ceil
from typing import Any
from urllib.parse import quote

import eventlet
from nameko.dependency_providers import Config
from nameko.exceptions import UnknownService
from werkzeug.wrappers import Request, Response

import crm_shared.runtime  # noqa: F401 - typed errors come back from RPC as themselves
from crm_gateway.adapters.tables import plumbing
from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
from crm_gateway.domain.apikeys import Principal
from crm_gateway.domain.breaker import Breaker
from crm_gateway.domain.customer_record import EncodedJson, record_json
from crm_gateway.domain.rate_limit import RateLimits
from crm_gateway.domain.roles import may
from crm_gateway.entrypoints import tracking
from crm_gateway.entrypoints import webhooks as webhook_entrypoints
from crm_gateway.entrypoints.providers import PerProcess
from crm_gateway.http import docs, problems
from crm_gateway.http.openapi import build_spec
from crm_gateway.http.problems import HttpProblem
from crm_gateway.http.requests import read_call
from crm_gateway.http.route import GATEWAY
from crm_gateway.http.routes import ROUTES, Route
from crm_gateway.http.security import Authentication
from crm_gateway.http.server import gateway_http
from crm_gateway.plugin import SERVICE
from crm_gateway.service_layer import customer_record as record
from crm_gateway.service_layer import webhooks
from crm_shared import jsontext
from crm_shared.asyncapi import asyncapi_document
from crm_shared.contracts.customers import TimelineQuerySchema
from crm_shared.contracts.gateway import AuditPageSchema, AuditQuerySchema
from crm_shared.contracts.loading import load, parse_id, schema_instance
from crm_shared.db import is_unavailable, utcnow
from crm_shared.envelope import Envelope
from crm_shared.errors import CrmError, ServiceUnavailable
from crm_shared.events import catalogue
from crm_shared.logs import correlation_id_var
from crm_shared.runtime.database import Database
from crm_shared.runtime.dead_letters import DeadLetters
from crm_shared.runtime.events import reliable_event_handler
from crm_shared.runtime.operations import Operations
from crm_shared.runtime.rpc import RpcProxy, call_with_deadline, rpc

log = logging.getLogger(__name__)
OPENAPI = json.dumps(build_spec(ROUTES))
PRIVACY_SERVICES = ("contacts", "sales", "marketing", "support")  # each answers pii_inventory over RPC


# The mixins are reached through their modules: ``nameko run`` takes every class with
# entrypoints in this module's namespace for a service of its own.
class GatewayService(webhook_entrypoints.WebhookEntrypoints, tracking.TrackingEntrypoints):
    """The public REST API, the customer 360 it keeps from events, webhooks and replays."""

    name = "gateway"
    config = Config()
    db = Database(plumbing, GatewayUnitOfWork)
    operations = Operations(migrations=SERVICE.migrations)
    auth = Authentication()
    dead_letters = DeadLetters()
    rate_limits = PerProcess(
        lambda config: RateLimits(
            float(config.get("RATE_LIMIT_PER_SECOND", 100)), float(config.get("RATE_LIMIT_BURST", 200))
        )
    )
    breaker = PerProcess(lambda config: Breaker(float(config.get("CUSTOMER_PART_RETRY_SECONDS", 5))))
    # One proxy per service, named as routes name their service.
    contacts = RpcProxy("contacts")
    sales = RpcProxy("sales")
    marketing = RpcProxy("marketing")
    support = RpcProxy("support")

    @gateway_http("GET", "/health")
    def health(self, request: Request) -> Response:
        return _with_correlation_id(_json({"status": "ok"}))

    @gateway_http("GET", "/openapi.json")
    def openapi(self, request: Request) -> Response:
        return _with_correlation_id(Response(OPENAPI, mimetype="application/json"))

    @gateway_http("GET", "/asyncapi.json")
    def asyncapi(self, request: Request) -> Response:
        """The published events (AsyncAPI 3.0), for integrators; public like the OpenAPI document."""
        return _with_correlation_id(Response(_asyncapi_json(), mimetype="application/json"))

    @gateway_http("GET", "/docs")
    def docs(self, request: Request) -> Response:
        return _with_correlation_id(Response(docs.PAGE, mimetype="text/html"))

    @gateway_http("GET", "/docs/<name>")
    def docs_asset(self, request: Request, name: str) -> Response:
        found = docs.asset(name)
        if found is None:
            problem = HttpProblem(404, "Not found", "No such file in the API docs.")
            return _with_correlation_id(problems.for_error(problem, correlation_id_var.get() or ""))
        response = Response(found[0], mimetype=found[1])
        response.headers["Cache-Control"] = "public, max-age=86400"
        return _with_correlation_id(response)

    def serve(self, route: Route, request: Request, path: dict[str, str]) -> Response:
        correlation_id = correlation_id_var.get() or ""
        principal = None
        try:
            principal = self._authenticate(request)
            response = self._answer(route, request, path, principal)
        except (CrmError, HttpProblem) as error:
            response = problems.for_error(error, correlation_id, moved_to=_moved_location(route, request, path))
        except UnknownService:
            # The service's queue does not exist yet: it has never run. As unavailable as a timeout.
            unavailable = ServiceUnavailable(f"the {route.service} service is not running")
            response = problems.for_error(unavailable, correlation_id)
        except Exception as error:
            response = problems.for_error(_unexpected(error, route), correlation_id)
        if route.writes and principal is not None:
            self._audit(route, request, principal, response.status_code, correlation_id)
        return _with_correlation_id(response)

    def _answer(self, route: Route, request: Request, path: dict[str, str], principal: Principal) -> Response:
        if not may(principal.role, route.area, route.writes):
            raise HttpProblem(403, "Forbidden", f"The role '{principal.role}' may not do this.")
        wait = self.rate_limits.wait_before(principal.key_id, time.monotonic())
        if wait:
            raise HttpProblem(
                429, "Too many requests", "This API key's request rate is exceeded.", {"Retry-After": str(ceil(wait))}
            )
        call = read_call(route, request, path, principal, int(self.config.get("MAX_BODY_BYTES", 1 << 20)))
        if route.service == GATEWAY:
            result = getattr(self, route.rpc)(*route.args(call))
        else:
            deadline = float(self.config.get("RPC_DEADLINE_SECONDS", 5))
            result = call_with_deadline(getattr(self, route.service), route.rpc, *route.args(call), deadline=deadline)
        response = _json(result, route.status)
        if isinstance(result, dict) and isinstance(result.get("version"), int):
            response.headers["ETag"] = f'"{result["version"]}"'
        if route.location is not None:
            response.headers["Location"] = route.location(result)
        return response

    def _audit(self, route: Route, request: Request, principal: Principal, status: int, correlation_id: str) -> None:
        """Who wrote what, when and from where; a failure to record is logged, the answer stands."""
        entry = {
            "id": uuid.uuid4(),
            "at": utcnow(),
            "key_id": principal.key_id,
            "key_name": principal.name,
            "role": principal.role,
            "method": route.method,
            "route": route.name,
            "path": request.path[:500],
            "status": status,
            "client_address": request.remote_addr,
            "correlation_id": correlation_id or None,
        }
        try:
            with self.db() as uow:
                uow.audit_log.add(entry)
                uow.commit()
        except Exception:
            log.exception("could not write the audit log", extra={"route": route.name})

    def audit_log(self, query: dict[str, Any]) -> dict[str, Any]:
        page_query = load(schema_instance(AuditQuerySchema), query)
        with self.db() as uow:
            items, next_cursor = uow.audit_log.page(
                page_query["limit"], page_query["cursor"], page_query["key_id"], page_query["since"]
            )
        return schema_instance(AuditPageSchema).dump({"items": items, "next_cursor": next_cursor})

    @rpc
    def pii_inventory(self, contact_id: str) -> dict[str, Any]:
        """Places holding the contact's personal data in the gateway (record, timeline, event log, webhooks)."""
        subject = parse_id(contact_id, "contact_id")
        with self.db() as uow:
            places = uow.customers.pii_inventory(subject)
        places["dead_letters"] = self.dead_letters.count_mentions(str(subject))
        return {"service": "gateway", "contact_id": str(subject), "places": places}

    def privacy_inventory(self, contact_id: str) -> dict[str, Any]:
        """Every service's ``pii_inventory``, asked at once under the deadline; the gateway's own included."""
        subject = str(parse_id(contact_id, "contact_id"))
        calls = {name: record.LiveCall(name, "pii_inventory", (subject,)) for name in PRIVACY_SERVICES}
        answers = self._fetch_live(calls)
        answers["gateway"] = self.pii_inventory(subject)
        return record.privacy_inventory(subject, answers)

    def customer_record(self, contact_id: str, role: str) -> EncodedJson:
        found = record.customer_record(self.db, parse_id(contact_id, "contact_id"), role, self._fetch_live)
        return record_json(found)

    def customer_timeline(self, contact_id: str, role: str, query: dict[str, Any]) -> dict[str, Any]:
        page_query = load(schema_instance(TimelineQuerySchema), query)
        return record.timeline(self.db, parse_id(contact_id, "contact_id"), role, page_query)

    def _fetch_live(self, calls: dict[str, record.LiveCall]) -> dict[str, Any]:
        """Every call at once, all under one deadline; a part that does not come is an error, not a wait.

        A service that failed is not asked again for a few seconds (circuit breaker), so a
        stopped service costs one deadline, not one per request.
        """
        deadline = float(self.config.get("CUSTOMER_PART_DEADLINE_SECONDS", 1))
        replies, results = {}, {}
        for part, call in calls.items():
            if not self.breaker.allows(call.service, time.monotonic()):
                results[part] = ServiceUnavailable(f"the {call.service} service failed recently")
                continue
            try:
                replies[part] = getattr(getattr(self, call.service), call.method).call_async(*call.args)
            except UnknownService:
                results[part] = ServiceUnavailable(f"the {call.service} service is not running")
                self.breaker.failed(call.service, time.monotonic())
        if replies:
            _collect(replies, results, deadline)
        for part, call in calls.items():
            if part not in results:
                results[part] = ServiceUnavailable(f"the {call.service} service did not answer in time")
            if part in replies:
                self._note_outcome(call.service, results[part])
        return results

    def _note_outcome(self, service: str, result: Any) -> None:
        if isinstance(result, ServiceUnavailable):
            self.breaker.failed(service, time.monotonic())
        else:
            self.breaker.succeeded(service)

    def _authenticate(self, request: Request) -> Any:
        return self.auth.principal(request, self._lookup_key)

    def _lookup_key(self, key_hash: str) -> Any:
        return self.db.read(lambda uow: uow.api_keys.active_by_hash(key_hash))


def _collect(replies: dict[str, Any], results: dict[str, Any], deadline: float) -> None:
    """Every reply that comes within the deadline, however slow the others: one waiter each, all at once."""

    def wait(part: str, reply: Any) -> None:
        results[part] = _outcome(reply)

    waiters = [eventlet.spawn(wait, part, reply) for part, reply in replies.items()]
    with eventlet.Timeout(deadline, False):
        for waiter in waiters:
            waiter.wait()
    for waiter in waiters:
        waiter.kill()  # a reply that never comes must not keep a green thread waiting for ever


@functools.cache
def _asyncapi_json() -> str:
    # Built on first use: it takes a noticeable fraction of a second and changes only with the code.
    return json.dumps(asyncapi_document())


def _outcome(reply: Any) -> Any:
    """A reply's result, or the error that stands for it: typed errors as they are, others as unavailable."""
    try:
        return reply.result()
    except CrmError as error:
        return error
    except Exception as error:  # noqa: BLE001 - e.g. a service too old to have the method
        log.warning("a customer part could not be fetched", extra={"error_type": type(error).__name__})
        return ServiceUnavailable("the service could not give this part")


def _unexpected(error: Exception, route: Route) -> Exception:
    """The gateway's own database out of reach is a 503 to retry; anything else is a bug, logged."""
    if is_unavailable(error):
        log.warning("the gateway's database is unavailable", extra={"route": route.name})
        return ServiceUnavailable("The gateway cannot reach its database; try again shortly.")
    log.exception("unexpected error", extra={"route": route.name})
    return error


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        body if isinstance(body, EncodedJson) else jsontext.dumps(body), status=status, mimetype="application/json"
    )


def _with_correlation_id(response: Response) -> Response:
    response.headers["X-Correlation-ID"] = correlation_id_var.get() or ""
    return response


def _moved_location(route: Route, request: Request, path: dict[str, str]) -> Any:
    """Where the same request goes for the contact a merged one lives on in (same sub-resource and query)."""
    if "contact_id" not in path:
        return None

    def location(survivor_id: Any) -> str:
        url = route.path.replace("<contact_id>", quote(str(survivor_id), safe=""))
        for name, value in path.items():
            url = url.replace(f"<{name}>", quote(value, safe=""))
        query = request.query_string.decode("latin-1")
        return f"{url}?{query}" if query else url

    return location


def _endpoint(route: Route) -> Any:
    def endpoint(self: GatewayService, request: Request, **path: str) -> Response:
        return self.serve(route, request, path)

    endpoint.__name__ = route.name
    endpoint.__doc__ = route.summary
    return gateway_http(route.method, route.path)(endpoint)


def _event_handler(producer: str, event_type: str, apply_to_record: record.Apply | None) -> Any:
    """Every published event: applied to the customer record if it bears on it, logged, and sent to webhooks."""

    def handle(self: GatewayService, envelope: Envelope, data: dict[str, Any]) -> None:
        settings = self.webhook_state.settings

        def apply(uow: GatewayUnitOfWork, envelope: Envelope) -> None:
            if apply_to_record is not None:
                apply_to_record(uow, envelope)
            webhooks.keep_event(uow, envelope, settings, utcnow())

        record.handle_event(self.db, envelope, apply)
        if envelope.type == webhooks.ERASED:
            self.dead_letters.erase_mentions(str(data["contact_id"]))

    handle.__name__ = f"on_{producer}_{event_type.replace('.', '_')}"
    return reliable_event_handler(producer, event_type)(handle)


for _route in ROUTES:
    if hasattr(GatewayService, _route.name):  # a route named like a method would silently replace it
        raise TypeError(f"route {_route.name} is named like a GatewayService attribute")
    setattr(GatewayService, _route.name, _endpoint(_route))

_RECORD_APPLIERS = record.appliers(catalogue())
for _producer, _event_type in sorted({(e.producer, e.name) for e in catalogue() if e.producer != GatewayService.name}):
    _handler = _event_handler(_producer, _event_type, _RECORD_APPLIERS.get((_producer, _event_type)))
    setattr(GatewayService, _handler.__name__, _handler)
