"""The GraphiQL page and its vendored assets: served offline, without keys, exactly as pinned.

What the page does in a browser (the key form, queries, the subscription) is
tests/e2e/test_graphiql_browser.py; here the page's promises that need no browser.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import httpx
import pytest
from strawberry.http.ides import get_graphql_ide_html

from server.graphiql import ASSETS, ASSETS_PATH, asset_paths, page_html
from tests.conftest import TEST_API_KEY

TAG = re.compile(r'(?:src|href)="(?P<url>[^"]+)"\s+integrity="(?P<integrity>sha384-[^"]+)"')
HTML = {"accept": "text/html"}


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@pytest.fixture
async def keyless(app: Any) -> Any:
    """A client without keys against the app, which has both configured."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class TestVendoredAssets:
    def test_the_page_loads_every_asset_from_this_server_at_its_pinned_integrity(self) -> None:
        tags = {m["url"]: m["integrity"] for m in TAG.finditer(page_html())}
        assert set(tags) == asset_paths()  # every vendored file is used, none is missing
        for url, integrity in tags.items():
            data = (ASSETS / url.removeprefix(ASSETS_PATH + "/")).read_bytes()
            assert sri(data) == integrity, url

    def test_nothing_comes_from_another_origin(self) -> None:
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page_html())

    def test_the_pins_are_strawberrys_own_for_the_same_files(self) -> None:
        """The files are the ones the installed Strawberry's page loads from its CDN, byte for
        byte. A Strawberry upgrade that moves GraphiQL fails here: re-vendor with
        `make graphiql-assets` at its versions (server/graphiql/vendor.sh)."""
        theirs = set(re.findall(r'integrity="(sha384-[^"]+)"', get_graphql_ide_html("graphiql")))
        ours = {m["integrity"] for m in TAG.finditer(page_html())}
        assert ours <= theirs, "Strawberry's GraphiQL page pins other asset versions"


class TestServing:
    async def test_the_page_needs_no_key_and_holds_no_data(self, keyless: Any) -> None:
        response = await keyless.get("/graphql", headers=HTML)
        assert response.status_code == 200, response.text
        assert response.text == page_html()
        policy = response.headers["content-security-policy"]
        assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy

    async def test_each_asset_needs_no_key_and_is_cached_for_good(self, keyless: Any) -> None:
        for path in sorted(asset_paths()):
            response = await keyless.get(path)
            assert response.status_code == 200, path
            assert response.content == (ASSETS / path.rsplit("/", 1)[1]).read_bytes()
            assert "immutable" in response.headers["cache-control"]
            expected = "text/css" if path.endswith(".css") else "text/javascript"
            assert response.headers["content-type"].startswith(expected)
            head = await keyless.head(path)
            assert head.status_code == 200 and head.content == b""

    async def test_only_the_vendored_files_are_exempt(self, keyless: Any) -> None:
        missing = await keyless.get(f"{ASSETS_PATH}/elsewhere.js")
        assert missing.status_code == 401  # like any unknown path: no map of the API
        asset = sorted(asset_paths())[0]
        posted = await keyless.post(asset, json={})
        assert posted.status_code == 401
        keyed = await keyless.get(
            f"{ASSETS_PATH}/elsewhere.js", headers={"x-api-key": TEST_API_KEY}
        )
        assert keyed.status_code == 404
