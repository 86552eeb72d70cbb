"""Parity cases of the Forven hypotheses routes (collected by test_parity.py), and the loopback
page server that the URL routes are tested against (here, so that every hypotheses test module
can share it)."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any

import httpx

from tests.loopback import LoopbackServer, unreachable_base
from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    normalize,
    one,
    paged,
    rest_get,
    rest_send,
    selection,
)

ARTICLE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Momentum after   breakouts</title>
<meta name="description" content="Why trends persist.">
<style>body { color: red }</style><script>var hidden = "script text";</script></head>
<body><nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<h1>Momentum &amp; trend</h1>
<p>After a breakout above the prior
   range, ETH keeps trending for days.</p>
<p>Moving averages confirm the trend.</p><noscript>Please enable JavaScript</noscript>
</body></html>"""
UNTITLED = "<html><body><h1>Funding  skew</h1><p>Perp funding mean-reverts.</p></body></html>"
LATIN1 = "<html><head><title>Café crème</title></head><body><p>Déjà vu</p></body></html>"
META_1252 = (
    b'<html><head><meta charset="windows-1252"><title>\x93Quoted\x94</title></head>'
    b"<body><p>\x93smart quotes\x94</p></body></html>"
)
BIG = ("<html><body>" + "<p>filler text</p>" * 4_000 + "</body></html>").encode()
HTML = "text/html; charset=utf-8"
# path -> (status, headers, body); "stream" drops Content-Length and ends the body by closing
PAGES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/article": (200, {"Content-Type": HTML}, ARTICLE.encode()),
    "/untitled": (200, {"Content-Type": HTML}, UNTITLED.encode()),
    "/latin1": (200, {"Content-Type": "text/html; charset=iso-8859-1"}, LATIN1.encode("latin-1")),
    "/meta-charset": (200, {"Content-Type": "text/html"}, META_1252),
    "/no-type": (200, {}, b"<!DOCTYPE html><title>Bare</title><p>No header.</p>"),
    "/no-type-binary": (200, {}, b"GIF89a" + bytes(32)),
    "/data.json": (200, {"Content-Type": "application/json"}, b'{"title": "not a page"}'),
    "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + bytes(64)),
    "/big": (200, {"Content-Type": HTML}, BIG),
    "/big-stream": (200, {"Content-Type": HTML, "stream": "1"}, BIG),
    "/missing": (404, {"Content-Type": HTML}, b"<html><title>Not found</title></html>"),
    "/broken": (500, {"Content-Type": HTML}, b"<html><title>Oops</title></html>"),
    "/redirect": (302, {"Location": "/article"}, b""),
    "/loop": (302, {"Location": "/loop"}, b""),
    "/to-ftp": (302, {"Location": "ftp://127.0.0.1/file"}, b""),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection; a body may end at close
    server: LoopbackServer

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/slow":  # answers only when the server stops (or after a minute)
            self.server.stopping.wait(60)
            return
        if path == "/drip":  # a byte every 50 ms: each read is quick, the whole never ends
            self.send_response(200)
            self.send_header("Content-Type", HTML)
            self.end_headers()
            while not self.server.stopping.wait(0.05):
                self.wfile.write(b" ")
                self.wfile.flush()
            return
        status, headers, body = PAGES.get(path, (404, {"Content-Type": HTML}, b"<p>none</p>"))
        self.send_response(status)
        for name, value in headers.items():
            if name != "stream":
                self.send_header(name, value)
        if "stream" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for start in range(0, len(body), 8192):
            self.wfile.write(body[start : start + 8192])

    def log_message(self, format: str, *args: Any) -> None:
        pass


class PageServer:
    """The PAGES on a loopback port, served from a thread (usable from any event loop)."""

    def __init__(self) -> None:
        self.server = LoopbackServer(_Handler)

    def url(self, path: str) -> str:
        return f"{self.server.base_url}{path}"

    def __enter__(self) -> PageServer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.server.__exit__(None, None, None)


def unreachable_url() -> str:
    """A loopback URL nothing listens on (a port just bound and released)."""
    return f"{unreachable_base()}/article"


_SHARED: list[PageServer] = []


def shared_pages() -> PageServer:
    """One server for the whole test process (the parity fixture has no teardown)."""
    if not _SHARED:
        _SHARED.append(PageServer().__enter__())
    return _SHARED[0]


def preview(ids: Ids, rest: Any) -> tuple[str, Callable[[Any], Any]]:
    fields = selection("HypothesisPreview")
    query = f'mutation {{ x: previewHypothesisUrl(url: "{ids["page_url"]}") {{ {fields} }} }}'
    return query, lambda data: normalize("HypothesisPreview", data["x"])


def generated(ids: Ids, rest: Any) -> tuple[str, Callable[[Any], Any]]:
    """The strategies generate-strategies created are its hypothesis's children as read."""
    query = (
        f'{{ x: hypothesis(id: "{ids["untested"]}") {{ id '
        f"strategies {{ {selection('Strategy')} }} }} }}"
    )

    def pick(data: Any) -> Any:
        node = data["x"]
        children = [normalize("Strategy", s) for s in node["strategies"]]
        return {"hypothesis_id": int(node["id"]), "strategies": children}

    return query, pick


CASES: list[Case] = [
    Case("list_hypotheses", rest_get("/api/hypotheses", view="tested", limit=2),
         paged("Hypothesis", "hypotheses", '(view: "tested", first: 2)')),
    Case("list_hypotheses", rest_get("/api/hypotheses", view="untested", search="parity"),
         paged("Hypothesis", "hypotheses", '(view: "untested", search: "parity")')),
    Case("update_hypothesis",
         rest_send("POST", "/api/hypotheses/{hypothesis}/update",
                   lambda ids: {"novelty": "parity edit", "title": "Edited in parity"}),
         one("Hypothesis", "hypothesis", '(id: "{hypothesis}")')),
    Case("preview_hypothesis_url",
         rest_send("POST", "/api/hypotheses/preview_url", lambda ids: {"url": ids["page_url"]}),
         preview),
    Case("create_hypothesis_from_url",
         rest_send("POST", "/api/hypotheses/from_url",
                   lambda ids: {"url": ids["page_url"], "lane": "web"}),
         one("Hypothesis", "hypothesis", '(id: "{rest[id]}")')),
    Case("generate_hypothesis_strategies",
         rest_send("POST", "/api/hypotheses/{untested}/generate-strategies",
                   lambda ids: {"count": 2}),
         generated),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """A hypothesis without strategies, and a page to read (demo data is seeded already)."""
    fresh = await client.post(
        "/api/hypotheses/manual",
        json={"title": "Parity momentum", "thesis": "Momentum persists after breakouts."},
    )
    assert fresh.status_code == 201, fresh.text
    return {"untested": fresh.json()["id"], "page_url": shared_pages().url("/article")}
