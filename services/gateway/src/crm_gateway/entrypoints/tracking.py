"""The public links in marketing mail: open pixel, click redirect, one-click unsubscribe.

No API key: each link carries a token the marketing service signed and checks. A mail
scanner that fetches every link must not unsubscribe anyone, so ``GET /u/<token>`` only
shows a button; the unsubscribe is the ``POST`` (which is also RFC 8058 one-click).
"""

from __future__ import annotations

import base64
import html
import logging
from typing import Any

from nameko.exceptions import UnknownService
from werkzeug.wrappers import Request, Response

from crm_gateway.http import problems
from crm_gateway.http.server import gateway_http
from crm_shared.errors import CrmError, NotFound, ServiceUnavailable
from crm_shared.logs import correlation_id_var
from crm_shared.runtime.rpc import call_with_deadline

log = logging.getLogger(__name__)

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1 transparent GIF
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

UNSUBSCRIBE_FORM = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Unsubscribe</title></head>
<body><form method="post" action="/u/{token}">
<p>Stop receiving these emails?</p><button type="submit">Unsubscribe</button>
</form></body></html>
"""
UNSUBSCRIBED = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Unsubscribed</title></head>
<body><p>You are unsubscribed. You will receive no more of these emails.</p></body></html>
"""


class TrackingEntrypoints:
    marketing: Any

    @gateway_http("GET", "/t/o/<token>")
    def track_open(self, request: Request, token: str) -> Response:
        """Always the pixel: a mail client shows nothing broken, whatever became of the open."""
        try:
            self._marketing("track_open", token)
        except CrmError:
            log.info("an open could not be recorded")
        return Response(PIXEL, mimetype="image/gif", headers=NO_STORE)

    @gateway_http("GET", "/t/c/<token>")
    def track_click(self, request: Request, token: str) -> Response:
        try:
            target = self._marketing("track_click", token)["url"]
        except CrmError as error:
            return _problem(error)
        return Response(status=302, headers={"Location": target, **NO_STORE})

    @gateway_http("GET", "/u/<token>")
    def unsubscribe_form(self, request: Request, token: str) -> Response:
        return Response(UNSUBSCRIBE_FORM.format(token=html.escape(token, quote=True)), mimetype="text/html")

    @gateway_http("POST", "/u/<token>")
    def unsubscribe(self, request: Request, token: str) -> Response:
        try:
            self._marketing("unsubscribe", token)
        except CrmError as error:
            return _problem(error)
        return Response(UNSUBSCRIBED, mimetype="text/html", headers=NO_STORE)

    def _marketing(self, method: str, token: str) -> Any:
        if len(token) > 1000:
            raise NotFound("No such link.")
        try:
            return call_with_deadline(self.marketing, method, token, deadline=5.0)
        except UnknownService:
            raise ServiceUnavailable("the marketing service is not running") from None


def _problem(error: Exception) -> Response:
    response = problems.for_error(error, correlation_id_var.get() or "")
    response.headers["X-Correlation-ID"] = correlation_id_var.get() or ""
    return response
