"""Fetch a web page for a hypothesis: bounded download, then title and text from its HTML.

Decisions where the seed is silent:
- Only http and https URLs with a host (at most 2,000 characters) are fetched; anything else
  is 422 INVALID_URL before any connection is made.
- One deadline (`timeout_seconds`) covers the whole exchange, redirects and body included,
  so a page that drips bytes cannot hold a request open; at most 5 redirects are followed.
- Failures are coded: unreachable, refused or timed out is 502 URL_UNREACHABLE (an upstream
  failure, the seed's 502 convention); a non-2xx answer or a broken redirect chain is 502
  URL_FETCH_FAILED (the upstream status in `details`); a content type other than HTML is 422
  URL_NOT_HTML; a body larger than `max_bytes` (decoded, so a compressed bomb is cut off too)
  is 422 URL_TOO_LARGE: the URL is the caller's input, and 413 would wrongly blame the size
  of the request itself.
- The page is decoded with the charset of its Content-Type, else of a <meta charset> in its
  first 4 KB, else UTF-8; undecodable bytes become U+FFFD rather than failing.
- Extraction (stdlib html.parser): the title is the <title>, else og:title, else the first
  <h1>, else the host; the text is what a reader sees: script, style, nav, noscript, template,
  svg, iframe and the head are left out, whitespace collapses, one line per block element,
  at most MAX_TEXT characters.
- Loopback and private addresses are not blocked (the tests serve pages on loopback): this is
  a server-side fetch of a caller-chosen URL, which is why the routes are operator-gated.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx

from resolvers.errors import DomainError, InvalidInput

MAX_URL = 2_000
MAX_REDIRECTS = 5
MAX_TEXT = 20_000  # characters of page text kept (a hypothesis thesis holds at most this)
HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "Tradegraph/1 (+hypothesis research fetch)"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_HTML_START = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)", re.I | re.S)


@dataclass(frozen=True)
class Page:
    url: str  # as requested
    final_url: str  # after redirects
    title: str
    text: str
    description: str | None = None


def check_url(url: str) -> str:
    """The URL stripped, or 422 INVALID_URL when it is not an absolute http(s) URL."""
    cleaned = url.strip()
    problem = None
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number in range)
    except ValueError:
        parts, host = None, None
    if len(cleaned) > MAX_URL:
        problem = f"longer than {MAX_URL} characters"
    elif any(ch.isspace() or ord(ch) < 32 for ch in cleaned):
        problem = "contains whitespace or control characters"
    elif parts is None:
        problem = "not a well-formed URL (check the host and port)"
    elif parts.scheme.lower() not in ("http", "https"):
        problem = "only http and https URLs can be fetched"
    elif not host:
        problem = "the URL has no host"
    if problem:
        raise InvalidInput(f"invalid URL: {problem}", code="INVALID_URL", details={"url": url})
    return cleaned


def _unreachable(url: str, reason: str) -> DomainError:
    return DomainError(
        f"could not reach {url}: {reason}",
        code="URL_UNREACHABLE",
        status=502,
        details={"url": url, "reason": reason},
    )


def _failed(url: str, reason: str, status: int | None = None) -> DomainError:
    details: dict[str, object] = {"url": url, "reason": reason}
    if status is not None:
        details["status"] = status
    return DomainError(
        f"fetching {url} failed: {reason}", code="URL_FETCH_FAILED", status=502, details=details
    )


def _too_large(url: str, max_bytes: int) -> InvalidInput:
    return InvalidInput(
        f"the page at {url} is larger than {max_bytes} bytes",
        code="URL_TOO_LARGE",
        details={"url": url, "max_bytes": max_bytes},
    )


def _not_html(url: str, content_type: str) -> InvalidInput:
    return InvalidInput(
        f"the page at {url} is not HTML ({content_type or 'no content type'})",
        code="URL_NOT_HTML",
        details={"url": url, "content_type": content_type},
    )


async def _download(url: str, *, seconds: float, max_bytes: int) -> tuple[str, bytes, str]:
    """(final URL, body, declared charset) of a 2xx HTML answer, or a coded refusal."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml;q=0.9"}
    async with (
        httpx.AsyncClient(
            follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=seconds, headers=headers
        ) as client,
        client.stream("GET", url) as response,
    ):
        final = str(response.url)
        if not response.is_success:
            raise _failed(url, f"the server answered {response.status_code}", response.status_code)
        content_type = response.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media and media not in HTML_TYPES:
            raise _not_html(url, media)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(url, max_bytes)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise _too_large(url, max_bytes)
        if not media and not _HTML_START.match(bytes(body[:1024])):
            raise _not_html(url, media)
        return final, bytes(body), response.charset_encoding or ""


def decode(body: bytes, charset: str) -> str:
    """The body as text: the declared charset, else a <meta charset>, else UTF-8."""
    for candidate in (charset, _meta_charset(body), "utf-8"):
        if not candidate:
            continue
        try:
            codec = codecs.lookup(candidate)
        except LookupError:
            continue
        return body.decode(codec.name, errors="replace")
    return body.decode("utf-8", errors="replace")


def _meta_charset(body: bytes) -> str:
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii") if found else ""


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


@dataclass(frozen=True)
class Content:
    title: str
    text: str
    description: str | None


# elements whose text is not the page's content (head: only its <title> and <meta> are read)
SKIPPED = frozenset(
    {"script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "object"}
)
BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
     "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
     "main", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
)  # fmt: skip


class _Extractor(HTMLParser):
    """Collects the title candidates, the meta description and the visible text by block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: dict[str, int] = {}
        self.in_title = False
        self.in_h1 = False
        self.title: list[str] = []
        self.h1: list[str] = []
        self.meta: dict[str, str] = {}
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # a missing </head> must not hide the whole body
            self.skipping.pop("head", None)
        if tag == "title" and not self.title and not self.skipping.get("svg"):
            self.in_title = True
        elif tag == "meta":
            named = dict(attrs)
            key = (named.get("name") or named.get("property") or "").lower()
            if key in ("description", "og:description", "og:title") and named.get("content"):
                self.meta.setdefault(key, named["content"] or "")
        elif tag == "h1" and not self.h1:
            self.in_h1 = True
        if tag in SKIPPED:
            self.skipping[tag] = self.skipping.get(tag, 0) + 1
        if tag in BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        if self.skipping.get(tag):
            self.skipping[tag] -= 1
        if tag in BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not any(self.skipping.values()) and self.size < MAX_TEXT:
            if self.in_h1:
                self.h1.append(data)
            self.current.append(data)
            self.size += len(data)

    def _break(self) -> None:
        block = _collapse("".join(self.current))
        if block:
            self.blocks.append(block)
        self.current = []


def _collapse(text: str) -> str:
    return " ".join(text.split())


def extract(html: str) -> Content:
    """Title (<title>, else og:title, else the first <h1>), description and visible text."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    parser._break()
    candidates = ("".join(parser.title), parser.meta.get("og:title", ""), "".join(parser.h1))
    title = next((t for t in map(_collapse, candidates) if t), "")
    description = _collapse(parser.meta.get("description") or parser.meta.get("og:description", ""))
    return Content(title=title, text="\n".join(parser.blocks), description=description or None)


async def fetch_page(url: str, *, timeout_seconds: float, max_bytes: int) -> Page:
    """Download `url` (bounded in time and size) and extract its title and text."""
    target = check_url(url)
    try:
        async with asyncio.timeout(timeout_seconds):
            final, body, charset = await _download(
                target, seconds=timeout_seconds, max_bytes=max_bytes
            )
    except TimeoutError:
        raise _unreachable(target, f"no complete answer within {timeout_seconds:g}s") from None
    except httpx.InvalidURL as exc:
        raise InvalidInput(
            f"invalid URL: {exc}", code="INVALID_URL", details={"url": url}
        ) from None
    except httpx.TooManyRedirects:
        raise _failed(target, f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.UnsupportedProtocol as exc:
        raise _failed(target, f"redirected to an unsupported URL ({exc})") from None
    except httpx.TimeoutException:
        raise _unreachable(target, f"no complete answer within {timeout_seconds:g}s") from None
    except (httpx.NetworkError, httpx.ProxyError) as exc:
        raise _unreachable(target, str(exc) or type(exc).__name__) from None
    except httpx.HTTPError as exc:  # protocol and decoding errors: it answered, but badly
        raise _failed(target, str(exc) or type(exc).__name__) from None
    content = extract(decode(body, charset))
    title = content.title or urlsplit(final).hostname or target
    return Page(
        url=target,
        final_url=final,
        title=clip(title, 200),
        text=clip(content.text, MAX_TEXT),
        description=content.description,
    )
