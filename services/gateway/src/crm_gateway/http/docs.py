"""Human-readable API docs at ``/docs``: Swagger UI from the packaged swagger-ui-bundle, no CDN.

Served from the gateway itself, so the docs work offline and behind firewalls, and the
page shows exactly the ``/openapi.json`` of the running version.
"""

from __future__ import annotations

from swagger_ui_bundle import swagger_ui_path

# The only files served: the bundle's scripts, styles and icons.
ASSETS: dict[str, str] = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}

PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>CRM API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script>
      window.onload = () => {
        window.ui = SwaggerUIBundle({
          url: "/openapi.json",
          dom_id: "#swagger-ui",
          presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
          layout: "StandaloneLayout",
        });
      };
    </script>
  </body>
</html>
"""


def asset(name: str) -> tuple[bytes, str] | None:
    """The file's bytes and media type, or None for any name not in the bundle's list."""
    mimetype = ASSETS.get(name)
    if mimetype is None:
        return None
    return (swagger_ui_path / name).read_bytes(), mimetype
