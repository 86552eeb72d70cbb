"""The guard in front of every route: Host, path, legacy rewrite, CORS, forgery, API key.

One pure ASGI middleware, so that every check runs before routing and in the same order for
REST, `/graphql` and the WebSockets (Forven's ApiKeyMiddleware position):

1. Host must be one of FORVEN_ALLOWED_HOSTS (DNS rebinding): 400 HOST_NOT_ALLOWED.
2. The path must be canonical (rest_compat/paths.py): 400 NON_CANONICAL_PATH; then
   `/api/forven/X` becomes `/api/X` (unless TRADEGRAPH_LEGACY_REWRITE=false).
3. CORS preflights: an allowed origin gets the allow headers, any other a 403 without them.
4. Forgery: a mutating request from a foreign `Origin` is refused (403 ORIGIN_NOT_ALLOWED), and
   one carrying a body must be `application/json` (415), so a web page cannot drive a loopback
   server with a "simple" cross-site request. WebSocket handshakes from a foreign Origin: 403.
5. The API key (resolvers/access.py) on every HTTP request except GET /api/health,
   /api/webhooks/*, POST /api/shutdown, OPTIONS, the GraphiQL page and the static files it
   loads (`public_paths`, GET and HEAD only), and the Halyrd routes while they are open.
   WebSockets take their keys from headers or their first message, so their endpoints check
   keys themselves, before any data flows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resolvers.access import KeyConfig, Presented, check_api_key
from resolvers.errors import DomainError
from rest_compat.generated.access import HALYRD_PATHS
from rest_compat.origins import HostPolicy, OriginPolicy, cors_headers, preflight_headers
from rest_compat.paths import NonCanonicalPath, legacy_headers, resolve

Headers = dict[str, str]
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = ("application/json",)


def template_regex(templates: Iterable[str]) -> re.Pattern[str]:
    parts = [re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)) for t in templates]
    return re.compile("^(?:" + "|".join(parts) + ")$")


HALYRD = template_regex(HALYRD_PATHS)


def key_exempt(method: str, path: str, scope: Scope, headers: Headers, halyrd_open: bool) -> bool:
    """The documented exemptions; everything else, unknown paths included, takes the key."""
    if method == "OPTIONS" or path.startswith("/api/webhooks/"):
        return True
    if (method, path) in (("GET", "/api/health"), ("POST", "/api/shutdown")):
        return True
    if halyrd_open and HALYRD.match(path):
        return True
    return path == "/graphql" and method == "GET" and _wants_graphiql(scope, headers)


def _wants_graphiql(scope: Scope, headers: Headers) -> bool:
    """The GraphiQL shell: a browser asking for HTML with no operation (it holds no data)."""
    if b"query=" in scope.get("query_string", b""):
        return False
    return "text/html" in headers.get("accept", "")


def _headers(scope: Scope) -> Headers:
    """The request headers read once, by lower-case name (the first of repeated ones wins)."""
    headers: Headers = {}
    for key, value in scope.get("headers", ()):
        headers.setdefault(key.decode("latin-1"), value.decode("latin-1"))
    return headers


def _carries_body(headers: Headers) -> bool:
    length = headers.get("content-length", "")
    if length:
        return length.strip() != "0"
    return "transfer-encoding" in headers


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")


class Refusal(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str],
        cors_origins: Iterable[str],
        keys: KeyConfig,
        legacy_rewrite: bool,
        max_body_bytes: int = 1_048_576,
        public_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.hosts = HostPolicy(allowed_hosts)
        self.origins = OriginPolicy(cors_origins)
        self.keys = keys
        self.legacy_rewrite = legacy_rewrite
        self.max_body_bytes = max_body_bytes
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        extra: list[tuple[bytes, bytes]] = []
        headers = _headers(scope)
        try:
            scope = self._check(scope, headers, extra)
        except Refusal as refusal:
            await self._refuse(scope, headers, send, refusal, extra)
            return
        if kind == "http" and "content-length" not in headers:
            receive = self._capped(receive)
        if not extra or kind != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _capped(self, receive: Receive) -> Receive:
        """A chunked body (no Content-Length) is counted as it arrives."""
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                raise PayloadTooLarge(self.max_body_bytes)
            return message

        return capped

    def _check(self, scope: Scope, headers: Headers, extra: list[tuple[bytes, bytes]]) -> Scope:
        """Every check in order; returns the scope routing will see, or raises Refusal."""
        host = headers.get("host", "")
        if not self.hosts.allows(host):
            raise Refusal(400, "HOST_NOT_ALLOWED", f"Host {host!r} is not in FORVEN_ALLOWED_HOSTS")
        try:
            resolved = resolve(
                scope["path"], scope.get("raw_path"), legacy_rewrite=self.legacy_rewrite
            )
        except NonCanonicalPath as exc:
            raise Refusal(400, "NON_CANONICAL_PATH", str(exc)) from None
        if resolved.legacy:
            extra += legacy_headers(resolved.path)
        if resolved.path != scope["path"]:
            scope = {**scope, "path": resolved.path, "raw_path": resolved.path.encode()}
        path = resolved.path
        origin = headers.get("origin", "")
        allowed_origin = bool(origin) and self.origins.allows(origin, host)
        if allowed_origin:
            extra += cors_headers(origin)
        if scope["type"] == "websocket":
            if origin and not allowed_origin:
                raise Refusal(403, "ORIGIN_NOT_ALLOWED", f"Origin {origin!r} is not allowed")
            return scope
        method = scope["method"]
        if method == "OPTIONS" and origin and "access-control-request-method" in headers:
            if not allowed_origin:
                raise Refusal(403, "ORIGIN_NOT_ALLOWED", f"Origin {origin!r} is not allowed")
            raise Refusal(204, "", "")
        if method in MUTATING:
            if origin and not allowed_origin:
                raise Refusal(
                    403, "ORIGIN_NOT_ALLOWED", f"Origin {origin!r} may not send {method} requests"
                )
            length = headers.get("content-length", "").strip()
            if length.isdigit() and int(length) > self.max_body_bytes:
                raise Refusal(413, "PAYLOAD_TOO_LARGE", str(PayloadTooLarge(self.max_body_bytes)))
            if _carries_body(headers) and not _is_json(headers.get("content-type", "")):
                raise Refusal(
                    415, "UNSUPPORTED_MEDIA_TYPE", "a request body must be application/json"
                )
        public = method in ("GET", "HEAD") and path in self.public_paths
        if not public and not key_exempt(method, path, scope, headers, self.keys.halyrd_open):
            try:
                check_api_key(Presented.from_headers(lambda n: headers.get(n) or None), self.keys)
            except DomainError as exc:
                raise Refusal(exc.status, exc.code, exc.message) from None
        return scope

    async def _refuse(
        self,
        scope: Scope,
        request_headers: Headers,
        send: Send,
        refusal: Refusal,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        if refusal.status == 204:  # an allowed preflight
            headers = preflight_headers(request_headers.get("origin", ""))
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = _refusal_body(scope, refusal)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ]
        if scope["type"] == "websocket":
            await _deny_websocket(scope, send, refusal.status, headers, body)
            return
        if refusal.status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="forven"'))
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _refusal_body(scope: Scope, refusal: Refusal) -> bytes:
    """The envelope; on /graphql the GraphQL error shape, so GraphQL clients can read it."""
    if scope["path"] == "/graphql":
        extensions = {"code": refusal.code, "http": {"status": refusal.status}}
        return orjson.dumps({"errors": [{"message": refusal.detail, "extensions": extensions}]})
    return orjson.dumps({"code": refusal.code, "detail": refusal.detail})


async def _deny_websocket(
    scope: Scope, send: Send, status: int, headers: list[Any], body: bytes
) -> None:
    """Refuse the handshake: an HTTP response with the envelope where the server supports it
    (ASGI websocket.http.response), else a plain close, which servers turn into a 403."""
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
        return
    await send({"type": "websocket.close", "code": 1008})
