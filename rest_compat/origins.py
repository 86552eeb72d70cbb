"""The DNS-rebinding Host guard and the CORS origin policy (FORVEN_ALLOWED_HOSTS,
FORVEN_CORS_ORIGINS), as plain functions the guard middleware calls."""

from __future__ import annotations

from collections.abc import Iterable

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "authorization, content-type, x-api-key, x-operator-key"
EXPOSED_HEADERS = "deprecation, sunset, link, retry-after, allow"
PREFLIGHT_MAX_AGE = "600"


def split_host(host: str) -> tuple[str, str | None]:
    """`[::1]:8003` -> ("[::1]", "8003"); `localhost` -> ("localhost", None)."""
    if host.startswith("["):
        end = host.find("]")
        if end == -1:
            return host, None
        name, rest = host[: end + 1], host[end + 1 :]
        return name, rest[1:] if rest.startswith(":") else None
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        return name, port
    return host, None


class HostPolicy:
    """Which Host headers are ours: an allowed name, with or without a port (`*` allows any)."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self._any = False
        self._names: set[str] = set()
        self._exact: set[str] = set()
        for entry in allowed:
            entry = entry.strip().lower()
            if entry == "*":
                self._any = True
            elif split_host(entry)[1] is None:
                self._names.add(entry)
            else:
                self._exact.add(entry)

    def allows(self, host: str | None) -> bool:
        if self._any:
            return True
        if not host:
            return False
        host = host.strip().lower()
        return host in self._exact or split_host(host)[0] in self._names


class OriginPolicy:
    """Browser origins allowed to call us: FORVEN_CORS_ORIGINS, plus our own origin.

    Our own origin is the request's (already Host-guarded) Host, so that the GraphiQL page this
    server serves can post to it; every other origin must be listed.
    """

    def __init__(self, origins: Iterable[str]) -> None:
        self._origins = {origin.strip().rstrip("/").lower() for origin in origins}
        self._any = "*" in self._origins

    def allows(self, origin: str, host: str | None) -> bool:
        origin = origin.strip().rstrip("/").lower()
        if self._any or origin in self._origins:
            return True
        scheme, sep, authority = origin.partition("://")
        return bool(sep) and scheme in ("http", "https") and authority == (host or "").lower()


def cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    """Headers on an actual (non-preflight) response to an allowed origin."""
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
        (b"vary", b"Origin"),
    ]


def preflight_headers(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
        (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
        (b"vary", b"Origin"),
    ]
