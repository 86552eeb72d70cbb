"""End to end in a real headless browser: GraphiQL's key form carries both keys to queries,
mutations and the graphql-transport-ws subscription, and the page works offline.

The server runs with both keys; the page is opened without any, so what gets through is what
the form sent. The browser has no network beyond loopback: the page loading at all shows that
its assets are this server's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.browser import browser_page, playwright_api
from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e

API_KEY, OPERATOR_KEY = "browser-api-key", "browser-operator-key"
ENV = {"FORVEN_API_KEY": API_KEY, "FORVEN_OPERATOR_KEY": OPERATOR_KEY}
KEYS = {"x-api-key": API_KEY, "x-operator-key": OPERATOR_KEY}
QUERY = "{ hypotheses(first: 10) { totalCount nodes { id title } } }"
MUTATION = 'mutation { createHypothesis(input: {title: "typed in GraphiQL"}) { id title } }'
SUBSCRIPTION = 'subscription Watch { events(topics: ["hypothesis.*"]) { id topic payload } }'
EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
RESULT = "document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"


def run(page: Any, document: str | None = None) -> None:
    """Puts `document` into the query editor (if given) and presses the run button.

    GraphiQL reads an edit (the operation, hence whether it is a subscription) after a short
    debounce, which then also writes it into the URL's `q`: wait for that, as a person typing
    always does without knowing."""
    if document is not None:
        page.evaluate(f"text => {EDITOR}.setValue(text)", document)
        page.wait_for_function(
            "text => new URLSearchParams(location.search).get('q') === text", arg=document
        )
    page.click(".graphiql-execute-button")


def wait_for_result(page: Any, text: str, timeout: float = 10_000) -> dict[str, Any]:
    """The result pane's JSON once it shows `text`."""
    page.wait_for_function(f"text => {RESULT}.includes(text)", arg=text, timeout=timeout)
    result: dict[str, Any] = json.loads(page.evaluate(RESULT))
    return result


def test_the_key_form_opens_queries_mutations_and_subscriptions(tmp_path: Path) -> None:
    with (
        running_server(tmp_path / "data", "--no-demo", env=ENV) as base,
        httpx.Client(base_url=base, headers=KEYS) as rest,
        browser_page(tmp_path / "profile") as page,
    ):
        seeded = rest.post("/api/hypotheses/manual", json={"title": "made over REST"})
        assert seeded.status_code == 201, seeded.text
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        frames: list[tuple[str, dict[str, Any]]] = []

        def watch(socket: Any) -> None:
            socket.on("framesent", lambda frame: frames.append(("sent", json.loads(frame))))
            socket.on("framereceived", lambda frame: frames.append(("got", json.loads(frame))))

        page.on("websocket", watch)

        page.goto(f"{base}/graphql?q={quote(QUERY)}")
        page.wait_for_selector(".graphiql-execute-button")
        run(page)  # no keys yet: refused, so what works below is the form's doing
        refused = wait_for_result(page, "INVALID_API_KEY")
        assert refused["errors"][0]["extensions"]["http"]["status"] == 401

        page.fill("#tg-api-key", API_KEY)
        page.fill("#tg-operator-key", OPERATOR_KEY)
        page.click("#tg-use-keys")
        assert "X-API-Key and X-Operator-Key" in page.inner_text("#tg-key-status")
        with page.expect_request(
            lambda r: r.method == "POST" and r.url == f"{base}/graphql"
        ) as sent:
            run(page)
        assert sent.value.headers["x-api-key"] == API_KEY
        assert sent.value.headers["x-operator-key"] == OPERATOR_KEY
        data = wait_for_result(page, "made over REST")["data"]["hypotheses"]
        assert [node["title"] for node in data["nodes"]] == ["made over REST"]

        run(page, MUTATION)  # an operator-level mutation
        created = wait_for_result(page, "createHypothesis")["data"]["createHypothesis"]
        assert rest.get(f"/api/hypotheses/{created['id']}").json()["title"] == "typed in GraphiQL"

        run(page, SUBSCRIPTION)
        _wait(page, lambda: any(f[1].get("type") == "subscribe" for f in frames))
        init = next(f[1] for f in frames if f[1].get("type") == "connection_init")
        assert {k.lower(): v for k, v in init["payload"].items()} == KEYS
        assert ("got", {"type": "connection_ack"}) in frames
        # the subscription may reach the bus a moment after `subscribe` went out: create until
        # one event shows (never more than a few)
        for attempt in range(20):
            title = f"over REST while subscribed {attempt}"
            made = rest.post("/api/hypotheses/manual", json={"title": title})
            assert made.status_code == 201, made.text
            try:
                event = wait_for_result(page, title, timeout=1_000)["data"]["events"]
                break
            except playwright_api().TimeoutError:
                continue
        else:
            pytest.fail("no event of a REST call reached the page's subscription")
        assert event["topic"] == "hypothesis.created"
        assert event["payload"]["id"] == made.json()["id"]

        # the keys live in this tab's sessionStorage and nowhere else
        session = page.evaluate("JSON.stringify(sessionStorage)")
        assert API_KEY in session and OPERATOR_KEY in session
        local = page.evaluate("JSON.stringify(localStorage)")
        assert API_KEY not in local and OPERATOR_KEY not in local
        assert API_KEY not in page.url and OPERATOR_KEY not in page.url
        other_tab = page.context.new_page()
        other_tab.goto(f"{base}/graphql")
        assert other_tab.input_value("#tg-api-key") == ""
        page.reload()
        assert page.input_value("#tg-operator-key") == OPERATOR_KEY  # same tab: kept

    assert not [text for text in console if "Content Security Policy" in text], console


def _wait(page: Any, condition: Callable[[], bool], timeout_ms: float = 10_000) -> None:
    """Lets the page run until `condition()` (read in Python) holds."""
    waited = 0.0
    while not condition():
        if waited >= timeout_ms:
            pytest.fail("timed out waiting for the page")
        page.wait_for_timeout(50)
        waited += 50
