"""The GraphiQL page at GET /graphql and the assets it loads, served by this server.

Strawberry's own page (strawberry/static/graphiql.html) loads React, GraphiQL and its explorer
plugin from unpkg, so it needs the internet, and it persists the Headers tab to localStorage.
Ours (page.html) is that page with two changes:

- Its six assets are vendored in assets/ and served at /graphql/assets/: the same files at the
  same versions (React 18.2.0, GraphiQL 3.8.3, @graphiql/plugin-explorer 1.0.2), byte for
  byte; their SHA-384 integrity in page.html is the one Strawberry pins for unpkg. They are
  checked in (about 4 MB) rather than fetched when the venv is made, so that `make serve` keeps
  needing only Python and make and the page works without any network; `make graphiql-assets`
  (vendor.sh) fetches them again from the npm registry. The names carry the versions, so the
  files are served as immutable.
- A key form above GraphiQL: the API key and the operator key, kept in the tab's sessionStorage
  only, merged into every operation's headers (X-API-Key, X-Operator-Key), which GraphiQL's
  fetcher also sends as the graphql-transport-ws `connection_init` payload of a subscription
  (the payload server/graphql_app.py `on_ws_connect` and the operator check read).

The page and the assets hold no data, so the guard serves them without keys (DESIGN.md, Auth).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

HERE = Path(__file__).parent
ASSETS = HERE / "assets"
ASSETS_PATH = "/graphql/assets"
IMMUTABLE = "public, max-age=31536000, immutable"
# Scripts and styles from this origin only (the page's own inline script and GraphiQL's
# inline styles aside), fonts and icons inline, requests to this origin only (its WebSocket
# included), and no framing: a page holding keys sends them nowhere else.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
PAGE_HEADERS = {
    "content-security-policy": PAGE_POLICY,
    "cache-control": "no-cache",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


@lru_cache(maxsize=1)
def page_html() -> str:
    return (HERE / "page.html").read_text(encoding="utf-8")


def page_response() -> HTMLResponse:
    return HTMLResponse(page_html(), headers=PAGE_HEADERS)


def asset_paths() -> frozenset[str]:
    """The URL path of every vendored asset: the guard serves exactly these without a key."""
    return frozenset(f"{ASSETS_PATH}/{path.name}" for path in ASSETS.iterdir() if path.is_file())


class Assets(StaticFiles):
    """The vendored files; their names carry their versions, so a browser keeps them."""

    def __init__(self) -> None:
        super().__init__(directory=ASSETS)

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = IMMUTABLE
        response.headers["x-content-type-options"] = "nosniff"
        return response
