"""Human-readable docs at /docs, from packaged assets only: no CDN, no key needed."""

from __future__ import annotations

import re

from .conftest import Api


def test_the_docs_page_and_every_asset_it_names_are_served_by_the_gateway_itself(api: Api) -> None:
    page = api.get("/docs", role=None)

    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "http" not in page.text.lower()  # no other host named: nothing from a CDN
    assets = re.findall(r'(?:href|src)="(/docs/[^"]+)"', page.text)
    assert len(assets) >= 3
    for path in assets:
        response = api.get(path, role=None)
        assert response.status_code == 200, path
        assert len(response.content) > 100


def test_a_file_outside_the_bundle_list_is_not_found(api: Api) -> None:
    for name in ("index.html", "..%2F__init__.py", "swagger-ui.js.map"):
        response = api.get(f"/docs/{name}", role=None)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/problem+json"


def test_the_event_catalogue_is_served_as_asyncapi_without_a_key(api: Api) -> None:
    response = api.get("/asyncapi.json", role=None)

    assert response.status_code == 200
    document = response.json()
    assert document["asyncapi"].startswith("3.")
    assert any("contact.created" in str(channel) for channel in document["channels"].values())
