"""Path canonicalization and the legacy `/api/forven/*` rewrite, before anything else looks.

Auth exemptions, the Halyrd relaxation and routing all read the same canonical path, so no
spelling of a path can be exempt in one place and routed somewhere else in another. Paths that
a client or proxy could resolve differently from us (empty, `.` or `..` segments, encoded `/`,
`\\` or `.`) are refused outright rather than resolved; a trailing slash is dropped, so
`/api/strategies/` is `/api/strategies`. Matching is case-sensitive: `/API/STRATEGIES` is no
route (401 without a key, like every unknown path; 404 with one).
"""

from __future__ import annotations

from dataclasses import dataclass

LEGACY_PREFIX = "/api/forven"
SUNSET = "Tue, 30 Jun 2026 23:59:59 GMT"
# RFC 9745: the moment the legacy paths became deprecated; they were already marked deprecated
# when the seed was written, so the sunset date is the latest honest value.
DEPRECATION = "@1782863999"
_ENCODED = ("%2e", "%2f", "%5c")


class NonCanonicalPath(ValueError):
    """The path has a segment we will not resolve; the message says which."""


@dataclass(frozen=True, slots=True)
class Resolved:
    path: str
    legacy: bool = False  # reached through /api/forven/*; answers carry the sunset headers


def canonical(path: str, raw_path: bytes | None) -> str:
    """The path routing will see, or NonCanonicalPath."""
    raw = (raw_path or path.encode()).decode("latin-1").lower()
    if any(token in raw for token in _ENCODED) or "\\" in path:
        raise NonCanonicalPath("encoded '.', '/' or '\\' in the path")
    if not path.startswith("/"):
        raise NonCanonicalPath("the path must start with '/'")
    # the raw target too: a client or test transport may have resolved dots in `path` already
    for spelling in {path, raw.partition("?")[0]}:
        for segment in (spelling.rstrip("/") or "/").split("/")[1:]:
            if segment in ("", ".", ".."):
                raise NonCanonicalPath("empty, '.' or '..' segment in the path")
    return path.rstrip("/") or "/"


def resolve(path: str, raw_path: bytes | None, *, legacy_rewrite: bool) -> Resolved:
    """Canonicalize, then rewrite `/api/forven/X` to `/api/X` once (when the rewrite is on)."""
    path = canonical(path, raw_path)
    if legacy_rewrite and (path == LEGACY_PREFIX or path.startswith(LEGACY_PREFIX + "/")):
        return Resolved("/api" + path[len(LEGACY_PREFIX) :], legacy=True)
    return Resolved(path)


def legacy_headers(successor: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"deprecation", DEPRECATION.encode()),
        (b"sunset", SUNSET.encode()),
        (b"link", f'<{successor}>; rel="successor-version"'.encode()),
    ]
