"""nameko's HTTP entrypoint, made to answer every error as problem+json with a correlation id.

nameko's own web server answers an unknown path or method with werkzeug's HTML page,
and a failure outside the worker (say, while the container stops) with the
exception's text. Every gateway endpoint uses ``gateway_http`` instead of nameko's
``http``, so these answers too are ``application/problem+json``, carry
``X-Correlation-ID`` and never show an exception's text.

eventlet's own access log is off: it writes the raw request line, whose query string
can hold what a client searched for (an email, a name), and an erased contact must
leave no trace in the logs. Each request is logged instead as one structured line
naming the route pattern, never the path or query.
"""

from __future__ import annotations

import logging
import socket
import time
from functools import partial
from types import SimpleNamespace
from typing import Any

from eventlet import wsgi
from eventlet.event import Event
from nameko.exceptions import ContainerBeingKilled
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from crm_gateway.http import problems
from crm_shared.runtime.correlation import CORRELATION_HEADER, bind_correlation_id

log = logging.getLogger(__name__)
access_log = logging.getLogger("crm_gateway.access")

_ROUTING_PROBLEMS = {
    404: ("Not found", "There is no such endpoint."),
    405: ("Method not allowed", "This endpoint does not accept this method."),
}


def request_correlation_id(request: Request) -> str:
    """The client's acceptable ``X-Correlation-ID``, or a new one: the rule workers follow."""
    return bind_correlation_id(SimpleNamespace(data={}, args=(request,)))


def problem(status: int, title: str, detail: str, request: Request, headers: dict[str, str] | None = None) -> Response:
    correlation_id = request_correlation_id(request)
    response = problems.problem_response(status, title, detail, correlation_id, headers=headers)
    response.headers[CORRELATION_HEADER] = correlation_id
    return response


class ProblemWsgiApp(WsgiApp):  # type: ignore[misc]
    """nameko's WSGI app, with routing failures (404, 405) as problems."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.perf_counter()
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        route = "(unrouted)"
        try:
            provider, values = adapter.match()
            route = provider.url
            request.path_values = values  # type: ignore[attr-defined]  # where nameko's handler looks
            response = provider.handle_request(request)
        except HTTPException as error:
            if error.code is None or error.code < 400:  # werkzeug's redirect to the canonical URL
                return error(environ, start_response)
            headers = {}
            if isinstance(error, MethodNotAllowed) and error.valid_methods:
                headers["Allow"] = ", ".join(error.valid_methods)
            title, detail = _ROUTING_PROBLEMS.get(error.code, (error.name, "The request could not be routed."))
            response = problem(error.code, title, detail, request, headers)
        if access_log.isEnabledFor(logging.INFO):
            _log_access(request.method, route, response, started)
        return response(environ, start_response)


def _log_access(method: str, route: str, response: Response, started: float) -> None:
    access_log.info(
        "%s %s %s",
        method,
        route,
        response.status_code,
        extra={
            "method": method,
            "route": route,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "correlation_id": response.headers.get(CORRELATION_HEADER),
        },
    )


class ProblemWebServer(WebServer):  # type: ignore[misc]
    def get_wsgi_app(self) -> ProblemWsgiApp:
        return ProblemWsgiApp(self)

    def get_wsgi_server(self, sock: Any, wsgi_app: Any, protocol: Any = HttpOnlyProtocol, debug: bool = False) -> Any:
        return wsgi.Server(
            sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug, log=log, log_output=False
        )

    def process_request(self, sock: Any, address: Any) -> None:
        # eventlet's server sends headers and a large body in two writes; with Nagle's
        # algorithm on, the body then waits ~40 ms for the client's delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().process_request(sock, address)


class GatewayHttpHandler(HttpRequestHandler):  # type: ignore[misc]
    """nameko's ``http`` entrypoint; a failure outside the worker is a problem, never its text."""

    server = ProblemWebServer()

    def setup(self) -> None:
        super().setup()
        self._fitting_calls: set[tuple[int, frozenset[str]]] = set()

    def check_signature(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        # The check depends only on the shape of the call, which the route fixes; nameko's
        # inspects the method on every request (3% of the gateway's CPU under load).
        shape = (len(args), frozenset(kwargs))
        if shape not in self._fitting_calls:
            super().check_signature(args, kwargs)
            self._fitting_calls.add(shape)

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        try:
            context_data = self.server.context_data_from_headers(request)
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            event = Event()
            self.container.spawn_worker(
                self, args, kwargs, context_data=context_data, handle_result=partial(self.handle_result, event)
            )
            return self.response_from_result(event.wait())
        except ContainerBeingKilled:
            detail = "The gateway is stopping; try again."
            return problem(503, "Service unavailable", detail, request, {"Retry-After": "1"})
        except Exception as error:  # noqa: BLE001 - the client learns only that it failed
            log.error("request failed outside its worker", extra={"error_type": type(error).__name__})
            return problem(500, "Internal error", "An unexpected error occurred.", request)


gateway_http = GatewayHttpHandler.decorator
