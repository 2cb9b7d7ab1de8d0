"""The gateway's nameko service: one HTTP entrypoint per route, each a thin translation to RPC."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from nameko.dependency_providers import Config
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy
from werkzeug.wrappers import Request, Response

import crm_shared.runtime  # noqa: F401 - typed errors come back from RPC as themselves
from crm_gateway.adapters.tables import plumbing
from crm_gateway.adapters.unit_of_work import GatewayUnitOfWork
from crm_gateway.domain.roles import may
from crm_gateway.http import problems
from crm_gateway.http.openapi import build_spec
from crm_gateway.http.problems import HttpProblem
from crm_gateway.http.requests import read_call
from crm_gateway.http.routes import ROUTES, Route
from crm_gateway.http.security import Authentication
from crm_gateway.http.server import gateway_http
from crm_shared.errors import CrmError, ServiceUnavailable
from crm_shared.logs import correlation_id_var
from crm_shared.runtime.database import Database
from crm_shared.runtime.rpc import call_with_deadline

log = logging.getLogger(__name__)
OPENAPI = json.dumps(build_spec(ROUTES))


class GatewayService:
    """The public REST API."""

    name = "gateway"
    config = Config()
    db = Database(plumbing, GatewayUnitOfWork)
    auth = Authentication()
    # One proxy per service, named as routes name their service.
    contacts = RpcProxy("contacts")
    sales = RpcProxy("sales")
    support = RpcProxy("support")

    @gateway_http("GET", "/health")
    def health(self, request: Request) -> Response:
        return _with_correlation_id(_json({"status": "ok"}))

    @gateway_http("GET", "/openapi.json")
    def openapi(self, request: Request) -> Response:
        return _with_correlation_id(Response(OPENAPI, mimetype="application/json"))

    def serve(self, route: Route, request: Request, path: dict[str, str]) -> Response:
        correlation_id = correlation_id_var.get() or ""
        try:
            response = self._answer(route, request, path)
        except (CrmError, HttpProblem) as error:
            response = problems.for_error(error, correlation_id, moved_to=_moved_location(route, request, path))
        except UnknownService:
            # The service's queue does not exist yet: it has never run. As unavailable as a timeout.
            unavailable = ServiceUnavailable(f"the {route.service} service is not running")
            response = problems.for_error(unavailable, correlation_id)
        except Exception:
            log.exception("unexpected error", extra={"route": route.name})
            response = problems.for_error(RuntimeError(), correlation_id)
        return _with_correlation_id(response)

    def _answer(self, route: Route, request: Request, path: dict[str, str]) -> Response:
        principal = self._authenticate(request)
        if not may(principal.role, route.area, route.writes):
            raise HttpProblem(403, "Forbidden", f"The role '{principal.role}' may not do this.")
        call = read_call(route, request, path, principal.key_id, int(self.config.get("MAX_BODY_BYTES", 1 << 20)))
        deadline = float(self.config.get("RPC_DEADLINE_SECONDS", 5))
        result = call_with_deadline(getattr(self, route.service), route.rpc, *route.args(call), deadline=deadline)
        response = _json(result, route.status)
        if isinstance(result, dict) and isinstance(result.get("version"), int):
            response.headers["ETag"] = f'"{result["version"]}"'
        if route.location is not None:
            response.headers["Location"] = route.location(result)
        return response

    def _authenticate(self, request: Request) -> Any:
        return self.auth.principal(request, self._lookup_key)

    def _lookup_key(self, key_hash: str) -> Any:
        with self.db() as uow:
            return uow.api_keys.active_by_hash(key_hash)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


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


for _route in ROUTES:
    setattr(GatewayService, _route.name, _endpoint(_route))
