"""Fetching a page for a hypothesis: URL checks, HTML extraction, and every way a fetch fails,
against real pages served on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from resolvers.errors import DomainError
from resolvers.hypothesis_fetch import (
    MAX_TEXT,
    Page,
    check_url,
    clip,
    decode,
    extract,
    fetch_page,
)
from tests.rest_compat.parity_hypotheses import PageServer, unreachable_url

CAP = 16_384  # bytes; the /big pages are about 70 KB


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


async def fetch(url: str, *, seconds: float = 5.0, max_bytes: int = CAP) -> Page:
    return await fetch_page(url, timeout_seconds=seconds, max_bytes=max_bytes)


async def refusal(url: str, *, seconds: float = 5.0) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await fetch(url, seconds=seconds)
    return caught.value


class TestCheckUrl:
    @pytest.mark.parametrize(
        "url",
        [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "example.com/page",
            "http://",
            "http:///path-only",
            "http://exa mple.com/",
            "http://host:99999/",
            "http://[::1/",
            "https://example.com/" + "a" * 2_000,
        ],
    )
    def test_refuses_what_is_not_an_absolute_http_url(self, url: str) -> None:
        with pytest.raises(DomainError) as caught:
            check_url(url)
        assert (caught.value.code, caught.value.status) == ("INVALID_URL", 422)

    def test_accepts_http_and_https_and_strips(self) -> None:
        assert check_url("  https://example.com/a?b=1 ") == "https://example.com/a?b=1"
        assert check_url("HTTP://127.0.0.1:8080/") == "HTTP://127.0.0.1:8080/"


class TestExtract:
    def test_title_text_and_description(self) -> None:
        html = (
            "<html><head><title> A  title </title><meta name='description' content='Sum up'>"
            "<script>var x = 1;</script><style>p {}</style></head><body>"
            "<nav>Menu Home</nav><p>First   para\n with  breaks.</p><div>Second &amp; last"
            "</div><noscript>no js</noscript><template>tpl</template></body></html>"
        )
        content = extract(html)
        assert content.title == "A title"
        assert content.description == "Sum up"
        assert content.text == "First para with breaks.\nSecond & last"

    def test_title_falls_back_to_og_title_then_first_h1(self) -> None:
        og = '<meta property="og:title" content="From OG"><h1>Heading</h1><p>x</p>'
        assert extract(og).title == "From OG"
        assert extract("<body><h1>Big <em>idea</em></h1><h1>Second</h1></body>").title == (
            "Big idea"
        )
        assert extract("<p>only text</p>").title == ""

    def test_svg_titles_are_not_the_page_title(self) -> None:
        html = "<body><svg><title>icon</title></svg><h1>Real</h1></body>"
        content = extract(html)
        assert content.title == "Real" and "icon" not in content.text

    def test_a_missing_head_end_does_not_hide_the_body(self) -> None:
        content = extract("<html><head><title>T</title><body><p>Visible</p></body></html>")
        assert content.text == "Visible"

    def test_text_is_bounded(self) -> None:
        content = extract("<p>" + "word " * 10_000 + "</p>" * 3)
        assert len(clip(content.text, MAX_TEXT)) <= MAX_TEXT


class TestDecodeAndClip:
    def test_declared_charset_then_meta_then_utf8(self) -> None:
        assert decode("café".encode("latin-1"), "iso-8859-1") == "café"
        meta = b'<meta charset="windows-1252"><p>\x93q\x94</p>'
        assert "\u201cq\u201d" in decode(meta, "")
        assert decode("ünï".encode(), "no-such-charset") == "ünï"
        assert decode(b"bad \xff byte", "") == "bad \ufffd byte"

    def test_clip_cuts_at_a_word_with_an_ellipsis(self) -> None:
        assert clip("short", 10) == "short"
        clipped = clip("alpha beta gamma delta", 12)
        assert clipped == "alpha beta…" and len(clipped) <= 12


class TestFetchPage:
    async def test_reads_title_and_visible_text(self, pages: PageServer) -> None:
        page = await fetch(pages.url("/article"))
        assert page.url == page.final_url == pages.url("/article")
        assert page.title == "Momentum after breakouts"
        assert page.description == "Why trends persist."
        assert page.text.splitlines() == [
            "Momentum & trend",
            "After a breakout above the prior range, ETH keeps trending for days.",
            "Moving averages confirm the trend.",
        ]

    async def test_follows_redirects_and_reports_the_final_url(self, pages: PageServer) -> None:
        page = await fetch(pages.url("/redirect"))
        assert page.url == pages.url("/redirect")
        assert page.final_url == pages.url("/article")
        assert page.title == "Momentum after breakouts"

    @pytest.mark.parametrize(
        ("path", "title", "text"),
        [
            ("/latin1", "Café crème", "Déjà vu"),
            ("/meta-charset", "\u201cQuoted\u201d", "\u201csmart quotes\u201d"),
            ("/untitled", "Funding skew", "Funding skew\nPerp funding mean-reverts."),
            ("/no-type", "Bare", "No header."),
        ],
    )
    async def test_charsets_fallback_titles_and_sniffed_html(
        self, pages: PageServer, path: str, title: str, text: str
    ) -> None:
        page = await fetch(pages.url(path))
        assert (page.title, page.text) == (title, text)

    @pytest.mark.parametrize(
        ("path", "code", "status"),
        [
            ("/data.json", "URL_NOT_HTML", 422),
            ("/image.png", "URL_NOT_HTML", 422),
            ("/no-type-binary", "URL_NOT_HTML", 422),
            ("/big", "URL_TOO_LARGE", 422),
            ("/big-stream", "URL_TOO_LARGE", 422),
            ("/missing", "URL_FETCH_FAILED", 502),
            ("/broken", "URL_FETCH_FAILED", 502),
            ("/loop", "URL_FETCH_FAILED", 502),
            ("/to-ftp", "URL_FETCH_FAILED", 502),
        ],
    )
    async def test_coded_refusals(
        self, pages: PageServer, path: str, code: str, status: int
    ) -> None:
        error = await refusal(pages.url(path))
        assert (error.code, error.status) == (code, status)
        assert error.details["url"] == pages.url(path)

    async def test_upstream_status_is_in_the_details(self, pages: PageServer) -> None:
        assert (await refusal(pages.url("/missing"))).details["status"] == 404
        assert (await refusal(pages.url("/broken"))).details["status"] == 500

    async def test_the_cap_is_the_configured_one(self, pages: PageServer) -> None:
        page = await fetch(pages.url("/big"), max_bytes=200_000)
        assert page.text.startswith("filler text\nfiller text")
        assert (await refusal(pages.url("/big-stream"))).details["max_bytes"] == CAP

    async def test_a_slow_page_times_out(self, pages: PageServer) -> None:
        error = await refusal(pages.url("/slow"), seconds=0.3)
        assert (error.code, error.status) == ("URL_UNREACHABLE", 502)

    async def test_the_deadline_covers_the_whole_download(self, pages: PageServer) -> None:
        error = await refusal(pages.url("/drip"), seconds=0.3)
        assert (error.code, error.status) == ("URL_UNREACHABLE", 502)

    async def test_a_closed_port_is_unreachable(self) -> None:
        error = await refusal(unreachable_url())
        assert (error.code, error.status) == ("URL_UNREACHABLE", 502)
        assert error.details["reason"]

    async def test_a_bad_url_is_refused_before_any_connection(self) -> None:
        error = await refusal("gopher://127.0.0.1/")
        assert (error.code, error.status) == ("INVALID_URL", 422)
