"""Wrong types in path, query and body are 422 VALIDATION_ERROR before any resolver runs.

Each case spies on the resolver attribute the generated module calls through (its imported
resolvers module object), so "rejected before the resolver" is observed, not assumed. The
control cases send well-typed requests through the same spy to prove it sits on the call path.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from rest_compat.generated import forven


class Recorder:
    """Stands in for a resolver: records each call's keywords, then runs the real one."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.calls: list[dict[str, Any]] = []
        # the boundary reads a resolver's signature (does it take `lab`?): look like the real one
        self.__signature__ = inspect.signature(fn)

    async def __call__(self, session: Any, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return await self.fn(session, **kwargs)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Recorder]:
    """`spy("r_lifecycle.transition_strategy")` replaces that resolver in the generated module."""

    def install(target: str) -> Recorder:
        module_name, function = target.split(".")
        module = getattr(forven, module_name)
        recorder = Recorder(getattr(module, function))
        monkeypatch.setattr(module, function, recorder)
        return recorder

    return install


TRANSITION = "r_lifecycle.transition_strategy"
LIST_STRATEGIES = "r_strategies.list_strategies"
GET_HYPOTHESIS = "r_hypotheses.get_hypothesis"
CREATE_HYPOTHESIS = "r_hypotheses.create_hypothesis"
CREATE_STRATEGY = "r_hypothesis_spawn.create_backtest_strategy"
UPDATE_AGENT = "r_agents.update_agent"
LIST_APPROVALS = "r_approvals.list_approvals"
DECIDE = "r_approval_decisions.decide_approval"
LIST_TRADES = "r_trades.list_trades"
JSON = {"content-type": "application/json"}

# resolver, method, path, request keywords, where the error points (the loc's first item)
REJECTED = {
    "path int": (GET_HYPOTHESIS, "GET", "/api/hypotheses/abc", {}, "path"),
    "path float": (GET_HYPOTHESIS, "GET", "/api/hypotheses/1.5", {}, "path"),
    "path int on a write": (DECIDE, "POST", "/api/approvals/abc/approve", {}, "path"),
    "query int": (LIST_STRATEGIES, "GET", "/api/strategies?limit=ten", {}, "query"),
    "query enum": (LIST_STRATEGIES, "GET", "/api/strategies?stage=candidate", {}, "query"),
    "query enum status": (LIST_STRATEGIES, "GET", "/api/strategies?status=deleted", {}, "query"),
    "query enum trades": (LIST_TRADES, "GET", "/api/trades?status=pending", {}, "query"),
    "query enum approvals": (LIST_APPROVALS, "GET", "/api/approvals?status=maybe", {}, "query"),
    "body int": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": {"strategy_id": "x", "target": "paper"}},
        "body",
    ),
    "body enum": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": {"strategy_id": 1, "target": "archived"}},
        "body",
    ),
    "body missing field": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": {"strategy_id": 1}},
        "body",
    ),
    "body extra field": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": {"strategy_id": 1, "target": "paper", "force": True}},
        "body",
    ),
    "body is a list": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": [{"strategy_id": 1, "target": "paper"}]},
        "body",
    ),
    "body is a string": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": "paper"},
        "body",
    ),
    "body is malformed JSON": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"content": b'{"strategy_id": 1, "target": ', "headers": JSON},
        "body",
    ),
    "body is absent": (TRANSITION, "POST", "/api/lifecycle/transition", {}, "body"),
    "body str field": (
        CREATE_HYPOTHESIS,
        "POST",
        "/api/hypotheses/manual",
        {"json": {"title": 5}},
        "body",
    ),
    "body extra field on create": (
        CREATE_STRATEGY,
        "POST",
        "/api/backtesting/strategies",
        {
            "json": {
                "hypothesis_id": 1,
                "name": "x",
                "family": "ma_cross",
                "symbol": "BTC",
                "stage": "live",
            }
        },
        "body",
    ),
    "body enum timeframe": (
        CREATE_STRATEGY,
        "POST",
        "/api/backtesting/strategies",
        {
            "json": {
                "hypothesis_id": 1,
                "name": "x",
                "family": "ma_cross",
                "symbol": "BTC",
                "timeframe": "2h",
            }
        },
        "body",
    ),
    "body extra field on patch": (
        UPDATE_AGENT,
        "PATCH",
        "/api/agents/scout",
        {"json": {"model": "x", "name": "Renamed"}},
        "body",
    ),
    "body int as a string": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": {"strategy_id": "7", "target": "paper"}},
        "body",
    ),
    "body int as a float": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": {"strategy_id": 7.0, "target": "paper"}},
        "body",
    ),
    "body bool as a number": (
        "r_reconcile.reconcile_exchange",
        "POST",
        "/api/system/exchange/reconcile",
        {"json": {"repair": 0}},
        "body",
    ),
    "body malformed on patch": (
        UPDATE_AGENT,
        "PATCH",
        "/api/agents/scout",
        {"content": b"{model: x}", "headers": JSON},
        "body",
    ),
}


@pytest.mark.parametrize(
    ("resolver", "method", "url", "request_kw", "where"),
    list(REJECTED.values()),
    ids=list(REJECTED),
)
async def test_rejected_before_the_resolver(
    client: httpx.AsyncClient,
    spy: Callable[[str], Recorder],
    resolver: str,
    method: str,
    url: str,
    request_kw: dict[str, Any],
    where: str,
) -> None:
    recorder = spy(resolver)
    response = await client.request(method, url, **request_kw)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "detail"}
    assert body["code"] == "VALIDATION_ERROR"
    assert isinstance(body["detail"], list) and body["detail"]
    for error in body["detail"]:
        assert set(error) == {"loc", "msg", "type"}
        assert error["loc"][0] == where and error["msg"]
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("resolver", "url"),
    [
        (LIST_STRATEGIES, "/api/strategies?stauts=active"),  # a typo'd filter
        (LIST_TRADES, "/api/trades?status=open&_=1700000000&verify=1"),  # `_` passes, not verify
        (GET_HYPOTHESIS, "/api/hypotheses/1?verbose=true"),  # a route that takes no query
    ],
)
async def test_unknown_query_parameters_are_refused_before_the_resolver(
    client: httpx.AsyncClient, spy: Callable[[str], Recorder], resolver: str, url: str
) -> None:
    recorder = spy(resolver)
    response = await client.get(url)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "UNKNOWN_PARAMETER"
    assert body["detail"]["parameter"] in {"stauts", "verify", "verbose"}
    assert recorder.calls == []


# GET routes of both APIs: filtered and paged, one with no query at all, a miss, a Halyrd read
CACHE_BUSTED = [
    "/api/strategies?limit=2",
    "/api/trades?status=open",
    "/api/system/status",
    "/api/hypotheses/999",
    "/agents",
]


class TestCacheBuster:
    """jQuery's `cache: false` appends `_=<timestamp>` to every GET; it means nothing."""

    @pytest.mark.parametrize("url", CACHE_BUSTED)
    async def test_a_get_with_underscore_answers_as_without(
        self, client: httpx.AsyncClient, url: str
    ) -> None:
        plain = await client.get(url)
        busted = await client.get(url, params={**dict(httpx.URL(url).params), "_": "1700000000"})
        assert "_=1700000000" in str(busted.url)
        assert plain.status_code != 422, plain.text
        assert (busted.status_code, busted.json()) == (plain.status_code, plain.json())

    async def test_the_resolver_still_runs(
        self, client: httpx.AsyncClient, spy: Callable[[str], Recorder]
    ) -> None:
        recorder = spy(LIST_TRADES)
        response = await client.get("/api/trades?status=open&_=123")
        assert response.status_code == 200, response.text
        assert recorder.calls and recorder.calls[0]["status"] == "open"

    async def test_another_unknown_parameter_beside_it_is_still_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/strategies?_=123&stauts=active")
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "UNKNOWN_PARAMETER"
        assert response.json()["detail"]["parameter"] == "stauts"

    async def test_it_is_refused_on_a_write(
        self, client: httpx.AsyncClient, spy: Callable[[str], Recorder]
    ) -> None:
        """Browser libraries add it to GETs only; on a write it is as unknown as any other."""
        recorder = spy(CREATE_HYPOTHESIS)
        response = await client.post("/api/hypotheses/manual?_=123", json={"title": "t"})
        assert response.status_code == 422, response.text
        assert response.json()["detail"]["parameter"] == "_"
        assert recorder.calls == []


# resolver, method, path, request keywords, the keywords the resolver must receive (a subset)
ACCEPTED = {
    "path int": (GET_HYPOTHESIS, "GET", "/api/hypotheses/7", {}, {"hypothesis_id": 7}),
    "query int": (
        LIST_STRATEGIES,
        "GET",
        "/api/strategies?limit=10&stage=paper",
        {},
        {"first": 10, "stage": "paper", "after": None},
    ),
    "query renamed": (
        LIST_APPROVALS,
        "GET",
        "/api/approvals?target=3&status=pending",
        {},
        {"target_id": "3", "status": "pending"},
    ),
    "body": (
        TRANSITION,
        "POST",
        "/api/lifecycle/transition",
        {"json": {"strategy_id": 7, "target": "paper"}},
        {"strategy_id": 7, "target": "paper", "reason": ""},
    ),
    "fixed keyword": (
        DECIDE,
        "POST",
        "/api/approvals/7/deny",
        {},
        {"approval_id": 7, "decision": "deny"},
    ),
    "patch": (
        UPDATE_AGENT,
        "PATCH",
        "/api/agents/scout",
        {"json": {"model": "x"}},
        {"agent_id": "scout", "model": "x", "description": None},
    ),
}


@pytest.mark.parametrize(
    ("resolver", "method", "url", "request_kw", "expected"),
    list(ACCEPTED.values()),
    ids=list(ACCEPTED),
)
async def test_well_typed_requests_reach_the_resolver(
    client: httpx.AsyncClient,
    spy: Callable[[str], Recorder],
    resolver: str,
    method: str,
    url: str,
    request_kw: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    recorder = spy(resolver)
    response = await client.request(method, url, **request_kw)
    # an empty database: reads of one row are 404, lists are 200; neither is a 422
    assert response.status_code in (200, 404), response.text
    [call] = recorder.calls
    assert {key: call[key] for key in expected} == expected
