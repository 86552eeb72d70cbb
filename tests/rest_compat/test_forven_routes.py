"""The implemented Forven routes through the generated layer: shapes, filters, paging, errors.

Writes are checked three ways: the answer, a re-read through the GET route, and the outbox row
the write must leave behind. Refused writes must leave both the data and the outbox untouched.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from codegen.catalog import ROUTES
from resolvers.agents import create_agent
from resolvers.approval_decisions import decide_approval
from resolvers.approvals import create_approval
from resolvers.hypotheses import create_hypothesis
from resolvers.lab.services import Lab
from resolvers.lifecycle import transition_strategy
from resolvers.strategies import add_strategy, create_strategy
from resolvers.trades import close_trade, open_trade
from storage.events import Event
from storage.hypotheses import Hypothesis
from storage.strategies import STAGES, Strategy
from storage.trades import Trade
from tests.labs import use_lab
from tests.resolvers.lifecycle_kit import fixed_lab
from tests.rest_compat.helpers import sessions

STRATEGY_KEYS = {
    "id", "hypothesis_id", "name", "family", "symbol", "timeframe", "params", "stage",
    "status", "source", "created_at", "updated_at",
}  # fmt: skip
TRANSITION_KEYS = {"id", "from_stage", "to_stage", "reason", "actor", "created_at"}
HYPOTHESIS_KEYS = {
    "id", "title", "thesis", "mechanism", "novelty", "lane", "status", "source", "source_url",
    "created_at", "updated_at",
}  # fmt: skip
TRADE_KEYS = {
    "id", "strategy_id", "agent_id", "symbol", "side", "size", "entry_price", "exit_price",
    "fees", "pnl", "status", "phase", "failure_reason", "opened_at", "closed_at", "close_error",
    "paper_session_id", "bot_id",
}  # fmt: skip
AGENT_KEYS = {"id", "name", "model", "description", "created_at", "updated_at"}
APPROVAL_KEYS = {
    "id", "type", "target_type", "target_id", "owner", "summary", "status", "classification",
    "risk_score", "reasons", "classifier_version", "classified_at", "deadline", "escalated_at",
    "revision_of", "payload", "created_at", "decided_at",
}  # fmt: skip
PAGE_KEYS = {"items", "total", "next_cursor"}


async def count_rows(app: Any, model: Any, **where: object) -> int:
    """Rows of `model` matching the column equalities in `where`, read on a fresh session."""
    stmt = select(func.count()).select_from(model)
    for column, value in where.items():
        stmt = stmt.where(getattr(model, column) == value)
    async with sessions(app)() as session:
        return (await session.execute(stmt)).scalar_one()


async def events(app: Any, topic: str | None = None) -> int:
    return await count_rows(app, Event, **({"topic": topic} if topic else {}))


async def walk(
    client: httpx.AsyncClient, path: str, limit: int, **params: str
) -> tuple[list[int], list[dict[str, Any]]]:
    """Follow next_cursor from the first page to the last; the ids seen and every page."""
    ids: list[int] = []
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(pages) < 20:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == PAGE_KEYS
        pages.append(page)
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, pages
    raise AssertionError(f"{path}: next_cursor never became null")


def assert_walk(ids: list[int], pages: list[dict[str, Any]], expected: list[int], limit: int):
    """Every row exactly once, oldest first, full pages until the last, total on every page."""
    assert ids == sorted(expected)
    assert all(page["total"] == len(expected) for page in pages)
    assert [len(page["items"]) for page in pages[:-1]] == [limit] * (len(pages) - 1)
    assert 0 < len(pages[-1]["items"]) <= limit
    assert len(pages) == -(-len(expected) // limit)


async def get_ids(client: httpx.AsyncClient, path: str, **params: str) -> list[int]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "detail"}
    assert body["code"] == code


# --- seed data -------------------------------------------------------------------------------

# name, symbol, source, stage, status
STRATEGY_ROWS = (
    ("MA cross BTC", "btc-usd", "manual", "quick_screen", "active"),
    ("RSI reversion ETH", "eth-usd", "manual", "research_only", "active"),
    ("Breakout BTC", "btc-usd", "generated", "paper", "active"),
    ("Old MA cross", "sol-usd", "demo", "quick_screen", "archived"),
    ("Live trend ETH", "eth-usd", "generated", "live", "active"),
)


@pytest.fixture
async def strategies(app: Any, lab: Lab) -> dict[str, int]:
    """Five strategies spread over every filter value; name -> id."""
    ids: dict[str, int] = {}
    async with sessions(app)() as session:
        parent = await create_hypothesis(session, title="Trend persistence")
        for name, symbol, source, stage, status in STRATEGY_ROWS:
            row = await add_strategy(
                session,
                hypothesis_id=parent.id,
                name=name,
                family="ma_cross",
                symbol=symbol,
                source=source,
                lab=lab,
            )
            for target in STAGES[1 : STAGES.index(stage) + 1]:
                await transition_strategy(
                    session, strategy_id=row.id, target=target, enforce_gates=False, lab=lab
                )
            row.status = status
            ids[name] = row.id
        await session.commit()
    return ids


@pytest.fixture
async def hypothesis_id(app: Any) -> int:
    async with sessions(app)() as session:
        row = await create_hypothesis(session, title="Breakouts persist")
        await session.commit()
        return row.id


# --- strategies and lifecycle ----------------------------------------------------------------


class TestListStrategies:
    async def test_every_strategy_in_the_documented_shape(
        self, client: httpx.AsyncClient, strategies: dict[str, int]
    ) -> None:
        response = await client.get("/api/strategies")
        assert response.status_code == 200
        page = response.json()
        assert set(page) == PAGE_KEYS
        assert page["total"] == 5 and page["next_cursor"] is None
        assert [s["id"] for s in page["items"]] == sorted(strategies.values())
        first = page["items"][0]
        assert set(first) == STRATEGY_KEYS
        assert first["name"] == "MA cross BTC" and first["symbol"] == "BTC-USD"
        assert first["params"] == {"fast": 10, "slow": 30, "band": 0.0}

    @pytest.mark.parametrize(
        ("params", "names"),
        [
            ({"stage": "quick_screen"}, ["MA cross BTC", "Old MA cross"]),
            ({"stage": "paper"}, ["Breakout BTC"]),
            ({"status": "archived"}, ["Old MA cross"]),
            ({"status": "active", "stage": "quick_screen"}, ["MA cross BTC"]),
        ],
    )
    async def test_filters(
        self,
        client: httpx.AsyncClient,
        strategies: dict[str, int],
        params: dict[str, str],
        names: list[str],
    ) -> None:
        assert await get_ids(client, "/api/strategies", **params) == [strategies[n] for n in names]

    @pytest.mark.parametrize("limit", [1, 2, 5])
    async def test_paging_walks_every_row_once(
        self, client: httpx.AsyncClient, strategies: dict[str, int], limit: int
    ) -> None:
        ids, pages = await walk(client, "/api/strategies", limit)
        assert_walk(ids, pages, list(strategies.values()), limit)

    async def test_paging_keeps_the_filter(
        self, client: httpx.AsyncClient, strategies: dict[str, int]
    ) -> None:
        ids, pages = await walk(client, "/api/strategies", 1, status="active")
        active = [strategies[n] for n, *_, status in STRATEGY_ROWS if status == "active"]
        assert_walk(ids, pages, active, 1)

    async def test_bad_cursor_and_oversized_limit(
        self, client: httpx.AsyncClient, strategies: dict[str, int]
    ) -> None:
        assert_error(
            await client.get("/api/strategies", params={"cursor": "nope"}), 422, "INVALID_CURSOR"
        )
        response = await client.get("/api/strategies", params={"limit": "501"})
        assert response.status_code == 422


class TestListLifecycleStrategies:
    @pytest.mark.parametrize(
        ("params", "names"),
        [
            ({"state": "research_only"}, ["RSI reversion ETH"]),
            ({"state": "live"}, ["Live trend ETH"]),
            ({"source": "generated"}, ["Breakout BTC", "Live trend ETH"]),
            ({"source": "demo"}, ["Old MA cross"]),
            ({"symbol": "btc-usd"}, ["MA cross BTC", "Breakout BTC"]),
            ({"name": "ma CROSS"}, ["MA cross BTC", "Old MA cross"]),
            ({"name": "eth", "source": "generated"}, ["Live trend ETH"]),
        ],
    )
    async def test_filters(
        self,
        client: httpx.AsyncClient,
        strategies: dict[str, int],
        params: dict[str, str],
        names: list[str],
    ) -> None:
        ids = await get_ids(client, "/api/lifecycle/strategies", **params)
        assert ids == [strategies[n] for n in names]

    async def test_page_shape_and_total(
        self, client: httpx.AsyncClient, strategies: dict[str, int]
    ) -> None:
        response = await client.get("/api/lifecycle/strategies", params={"symbol": "ETH-USD"})
        assert response.status_code == 200
        page = response.json()
        assert set(page) == PAGE_KEYS and page["total"] == 2
        assert all(set(item) == STRATEGY_KEYS for item in page["items"])

    @pytest.mark.parametrize("limit", [2, 3])
    async def test_paging_walks_every_row_once(
        self, client: httpx.AsyncClient, strategies: dict[str, int], limit: int
    ) -> None:
        ids, pages = await walk(client, "/api/lifecycle/strategies", limit)
        assert_walk(ids, pages, list(strategies.values()), limit)


class TestGetLifecycleStrategy:
    async def test_state_and_full_history(
        self, client: httpx.AsyncClient, strategies: dict[str, int]
    ) -> None:
        strategy_id = strategies["Breakout BTC"]
        response = await client.get(f"/api/lifecycle/strategies/{strategy_id}")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"strategy", "history"}
        assert set(body["strategy"]) == STRATEGY_KEYS
        assert body["strategy"]["id"] == strategy_id and body["strategy"]["stage"] == "paper"
        assert all(set(row) == TRANSITION_KEYS for row in body["history"])
        moves = [(row["from_stage"], row["to_stage"]) for row in body["history"]]
        assert moves == [
            (None, "quick_screen"),
            ("quick_screen", "research_only"),
            ("research_only", "paper"),
        ]

    async def test_unknown_strategy(self, client: httpx.AsyncClient) -> None:
        assert_error(await client.get("/api/lifecycle/strategies/999"), 404, "NOT_FOUND")


class TestTransitionStrategy:
    async def history(self, client: httpx.AsyncClient, strategy_id: int) -> dict[str, Any]:
        response = await client.get(f"/api/lifecycle/strategies/{strategy_id}")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    async def test_forward_one_stage_persists_and_emits(
        self, app: Any, client: httpx.AsyncClient, strategies: dict[str, int]
    ) -> None:
        use_lab(app, fixed_lab())  # its quick-screen backtest trades often enough at this moment
        strategy_id = strategies["MA cross BTC"]
        before = await events(app, "strategy.transitioned")
        response = await client.post(
            "/api/lifecycle/transition",
            json={"strategy_id": strategy_id, "target": "research_only", "reason": "looks good"},
        )
        assert response.status_code == 200
        assert set(response.json()) == STRATEGY_KEYS
        assert response.json()["stage"] == "research_only"
        reread = await self.history(client, strategy_id)
        assert reread["strategy"]["stage"] == "research_only"
        last = reread["history"][-1]
        assert (last["from_stage"], last["to_stage"], last["reason"]) == (
            "quick_screen",
            "research_only",
            "looks good",
        )
        assert await events(app, "strategy.transitioned") == before + 1

    async def test_walks_until_the_gates_stop_it(
        self, app: Any, client: httpx.AsyncClient, strategies: dict[str, int]
    ) -> None:
        """The full walk is in test_lifecycle_routes.py; this one's backtest is not paper-grade."""
        use_lab(app, fixed_lab())
        strategy_id = strategies["MA cross BTC"]
        body = {"strategy_id": strategy_id, "target": "research_only"}
        response = await client.post("/api/lifecycle/transition", json=body)
        assert response.status_code == 200 and response.json()["stage"] == "research_only"
        before, emitted = await self.history(client, strategy_id), await events(app)
        body = {"strategy_id": strategy_id, "target": "paper"}
        response = await client.post("/api/lifecycle/transition", json=body)
        assert_error(response, 409, "NOT_READY")
        assert await self.history(client, strategy_id) == before
        assert await events(app) == emitted

    @pytest.mark.parametrize(
        ("name", "target"),
        [
            ("Breakout BTC", "research_only"),  # backward
            ("Breakout BTC", "quick_screen"),  # backward, two stages
            ("MA cross BTC", "paper"),  # skipping research_only
            ("MA cross BTC", "live"),  # skipping two
            ("Breakout BTC", "paper"),  # sideways
            ("Live trend ETH", "live"),  # already at the end
        ],
    )
    async def test_refused_moves_change_nothing(
        self,
        app: Any,
        client: httpx.AsyncClient,
        strategies: dict[str, int],
        name: str,
        target: str,
    ) -> None:
        strategy_id = strategies[name]
        before, emitted = await self.history(client, strategy_id), await events(app)
        response = await client.post(
            "/api/lifecycle/transition", json={"strategy_id": strategy_id, "target": target}
        )
        assert_error(response, 409, "INVALID_TRANSITION")
        assert await self.history(client, strategy_id) == before
        assert await events(app) == emitted

    async def test_unknown_strategy(self, app: Any, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/lifecycle/transition", json={"strategy_id": 999, "target": "paper"}
        )
        assert_error(response, 404, "NOT_FOUND")
        assert await events(app) == 0


class TestCreateBacktestStrategy:
    def body(self, hypothesis_id: int | None, **overrides: object) -> dict[str, object]:
        base: dict[str, object] = {
            "hypothesis_id": hypothesis_id,
            "name": "Fast cross",
            "family": "ma_cross",
            "symbol": "eth-usd",
        }
        return {**base, **overrides}

    async def assert_nothing_written(self, app: Any, emitted: int) -> None:
        assert await count_rows(app, Strategy) == 0
        assert await events(app) == emitted

    async def test_created_at_quick_screen_persists_and_emits(
        self, app: Any, client: httpx.AsyncClient, hypothesis_id: int
    ) -> None:
        before = await events(app, "strategy.created")
        response = await client.post(
            "/api/backtesting/strategies",
            json=self.body(hypothesis_id, timeframe="4h", params={"fast": 5}),
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert set(created) == STRATEGY_KEYS
        assert created["hypothesis_id"] == hypothesis_id and created["stage"] == "quick_screen"
        assert created["symbol"] == "ETH-USD" and created["timeframe"] == "4h"
        assert created["params"] == {"fast": 5, "slow": 30, "band": 0.0}
        assert created["source"] == "manual" and created["status"] == "active"
        reread = await client.get(f"/api/lifecycle/strategies/{created['id']}")
        assert reread.json()["strategy"] == created
        assert [r["to_stage"] for r in reread.json()["history"]] == ["quick_screen"]
        assert await events(app, "strategy.created") == before + 1

    async def test_hypothesis_id_alone_takes_defaults_from_the_hypothesis(
        self, app: Any, client: httpx.AsyncClient, hypothesis_id: int
    ) -> None:
        # "Breakouts persist": breakout words rank donchian_breakout first (ties in family
        # order), no coin named, so BTC-USD; the choices are stored, not only answered.
        response = await client.post(
            "/api/backtesting/strategies", json={"hypothesis_id": hypothesis_id}
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["family"] == "donchian_breakout"
        assert created["name"] == "Breakouts persist · Donchian breakout"
        assert (created["symbol"], created["timeframe"]) == ("BTC-USD", "1h")
        assert created["params"] == {"entry": 20, "exit": 10}
        reread = await client.get(f"/api/lifecycle/strategies/{created['id']}")
        assert reread.json()["strategy"] == created

    async def test_defaults_follow_the_thesis_and_given_fields_win(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        async with sessions(app)() as session:
            row = await create_hypothesis(
                session, title="ETH overshoots", thesis="Mean reversion after oversold dips."
            )
            await session.commit()
        response = await client.post("/api/backtesting/strategies", json={"hypothesis_id": row.id})
        created = response.json()
        assert (created["family"], created["symbol"]) == ("rsi_reversion", "ETH-USD")
        response = await client.post(
            "/api/backtesting/strategies",
            json={"hypothesis_id": row.id, "family": "ma_cross", "symbol": "sol-usd"},
        )
        created = response.json()
        assert (created["family"], created["symbol"]) == ("ma_cross", "SOL-USD")
        assert created["name"] == "ETH overshoots · Moving-average cross"

    async def test_timeframe_defaults_to_1h(
        self, client: httpx.AsyncClient, hypothesis_id: int
    ) -> None:
        response = await client.post("/api/backtesting/strategies", json=self.body(hypothesis_id))
        assert response.status_code == 201 and response.json()["timeframe"] == "1h"

    async def test_hypothesis_id_is_required_before_the_resolver(
        self, app: Any, client: httpx.AsyncClient, hypothesis_id: int
    ) -> None:
        # The resolver's HYPOTHESIS_REQUIRED is unreachable over REST: the body model rejects
        # a missing hypothesis_id first, as a plain validation error naming the field.
        emitted = await events(app)
        body = self.body(hypothesis_id)
        del body["hypothesis_id"]
        response = await client.post("/api/backtesting/strategies", json=body)
        assert_error(response, 422, "VALIDATION_ERROR")
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "hypothesis_id"]]
        await self.assert_nothing_written(app, emitted)

    async def test_null_hypothesis_id_is_rejected(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        emitted = await events(app)
        response = await client.post("/api/backtesting/strategies", json=self.body(None))
        assert_error(response, 422, "VALIDATION_ERROR")
        await self.assert_nothing_written(app, emitted)

    async def test_unknown_hypothesis(self, app: Any, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/backtesting/strategies", json=self.body(999))
        assert_error(response, 404, "NOT_FOUND")
        await self.assert_nothing_written(app, 0)

    @pytest.mark.parametrize(
        "params",
        [
            {"fast": 1},  # below its bound
            {"fast": 40, "slow": 30},  # fast must stay below slow
            {"speed": 3},  # not a parameter of the family
            {"fast": "ten"},  # not a number
            [10, 30],  # not an object
        ],
    )
    async def test_bad_params(
        self, app: Any, client: httpx.AsyncClient, hypothesis_id: int, params: object
    ) -> None:
        emitted = await events(app)
        response = await client.post(
            "/api/backtesting/strategies", json=self.body(hypothesis_id, params=params)
        )
        assert_error(response, 422, "INVALID_PARAMS")
        await self.assert_nothing_written(app, emitted)

    async def test_unknown_family(
        self, app: Any, client: httpx.AsyncClient, hypothesis_id: int
    ) -> None:
        emitted = await events(app)
        response = await client.post(
            "/api/backtesting/strategies", json=self.body(hypothesis_id, family="astrology")
        )
        assert_error(response, 422, "VALIDATION_ERROR")
        await self.assert_nothing_written(app, emitted)


# --- hypotheses ------------------------------------------------------------------------------


class TestCreateHypothesis:
    async def test_created_with_defaults_persists_and_emits(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/hypotheses/manual", json={"title": "  Carry decays "})
        assert response.status_code == 201, response.text
        created = response.json()
        assert set(created) == HYPOTHESIS_KEYS
        assert created["title"] == "Carry decays"
        assert (created["thesis"], created["mechanism"], created["novelty"]) == ("", "", "")
        assert (created["lane"], created["status"], created["source"]) == (
            "general",
            "active",
            "manual",
        )
        assert created["source_url"] is None
        reread = await client.get(f"/api/hypotheses/{created['id']}")
        assert reread.status_code == 200 and reread.json() == created
        assert await events(app, "hypothesis.created") == 1

    async def test_every_field_is_stored(self, client: httpx.AsyncClient) -> None:
        body = {
            "title": "Funding skew",
            "thesis": "Extreme funding mean-reverts.",
            "mechanism": "Crowded longs pay to stay in.",
            "novelty": "Uses funding, not price.",
            "lane": "derivatives",
        }
        created = (await client.post("/api/hypotheses/manual", json=body)).json()
        assert {k: created[k] for k in body} == body

    async def test_title_is_required_before_the_resolver(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/hypotheses/manual", json={"thesis": "no title"})
        assert_error(response, 422, "VALIDATION_ERROR")
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "title"]]
        assert await count_rows(app, Hypothesis) == 0 and await events(app) == 0

    async def test_blank_title_is_refused_by_the_resolver(
        self, app: Any, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/hypotheses/manual", json={"title": "   "})
        assert_error(response, 422, "VALIDATION_ERROR")
        assert response.json()["detail"]["field"] == "title"
        assert await count_rows(app, Hypothesis) == 0 and await events(app) == 0


class TestGetHypothesis:
    async def test_read(self, client: httpx.AsyncClient, hypothesis_id: int) -> None:
        response = await client.get(f"/api/hypotheses/{hypothesis_id}")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == HYPOTHESIS_KEYS
        assert body["id"] == hypothesis_id and body["title"] == "Breakouts persist"

    async def test_unknown(self, client: httpx.AsyncClient, hypothesis_id: int) -> None:
        assert_error(await client.get(f"/api/hypotheses/{hypothesis_id + 1}"), 404, "NOT_FOUND")


# --- trades ----------------------------------------------------------------------------------


@pytest.fixture
async def trades(app: Any, lab: Lab) -> dict[str, list[int]]:
    """Six trades of one strategy: three open, two closed, one failed; status -> ids."""
    by_status: dict[str, list[int]] = {"open": [], "closed": [], "failed": []}
    async with sessions(app)() as session:
        parent = await create_hypothesis(session, title="Momentum")
        strategy = await create_strategy(
            session, hypothesis_id=parent.id, name="MA", family="ma_cross", symbol="btc", lab=lab
        )
        for index, status in enumerate(("open", "closed", "failed", "open", "closed", "open")):
            row = await open_trade(
                session,
                strategy_id=strategy.id,
                symbol="btc",
                side="buy" if index % 2 else "sell",
                size=1.0,
                entry_price=100.0 + index,
            )
            if status == "closed":
                await close_trade(session, trade_id=row.id, exit_price=110.0)
            elif status == "failed":
                row.status, row.failure_reason = "failed", "exchange rejected the order"
            by_status[status].append(row.id)
        await session.commit()
    return by_status


class TestListTrades:
    async def test_ledger_in_the_documented_shape(
        self, client: httpx.AsyncClient, trades: dict[str, list[int]]
    ) -> None:
        response = await client.get("/api/trades")
        assert response.status_code == 200
        page = response.json()
        assert set(page) == PAGE_KEYS and page["total"] == 6 and page["next_cursor"] is None
        assert [t["id"] for t in page["items"]] == sorted(sum(trades.values(), []))
        assert all(set(t) == TRADE_KEYS for t in page["items"])
        closed = next(t for t in page["items"] if t["id"] == trades["closed"][0])
        assert closed["exit_price"] == 110.0 and closed["pnl"] is not None
        assert closed["closed_at"] is not None and closed["agent_id"] is None

    @pytest.mark.parametrize("status", ["open", "closed", "failed"])
    async def test_status_filter(
        self, client: httpx.AsyncClient, trades: dict[str, list[int]], status: str
    ) -> None:
        response = await client.get("/api/trades", params={"status": status})
        page = response.json()
        assert [t["id"] for t in page["items"]] == trades[status]
        assert page["total"] == len(trades[status])
        assert {t["status"] for t in page["items"]} == {status}

    @pytest.mark.parametrize("limit", [1, 3, 4])
    async def test_paging_walks_every_row_once(
        self, client: httpx.AsyncClient, trades: dict[str, list[int]], limit: int
    ) -> None:
        ids, pages = await walk(client, "/api/trades", limit)
        assert_walk(ids, pages, sum(trades.values(), []), limit)

    async def test_paging_keeps_the_filter(
        self, client: httpx.AsyncClient, trades: dict[str, list[int]]
    ) -> None:
        ids, pages = await walk(client, "/api/trades", 2, status="open")
        assert_walk(ids, pages, trades["open"], 2)

    async def test_empty_ledger(self, app: Any, client: httpx.AsyncClient) -> None:
        assert await count_rows(app, Trade) == 0
        response = await client.get("/api/trades")
        assert response.json() == {"items": [], "total": 0, "next_cursor": None}


# --- research agents -------------------------------------------------------------------------


@pytest.fixture
async def agents(app: Any) -> list[str]:
    """Two research agents; their ids in id order."""
    async with sessions(app)() as session:
        await create_agent(session, agent_id="scout", name="Scout", model="gpt-small")
        await create_agent(
            session, agent_id="analyst", name="Analyst", model="claude", description="Reads."
        )
        await session.commit()
    return ["analyst", "scout"]


class TestListAgents:
    async def test_every_agent_by_id(self, client: httpx.AsyncClient, agents: list[str]) -> None:
        response = await client.get("/api/agents")
        assert response.status_code == 200
        body = response.json()
        assert [a["id"] for a in body] == agents
        assert all(set(a) == AGENT_KEYS for a in body)

    async def test_none(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/agents")
        assert response.status_code == 200 and response.json() == []


class TestGetAgent:
    async def test_read(self, client: httpx.AsyncClient, agents: list[str]) -> None:
        response = await client.get("/api/agents/analyst")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == AGENT_KEYS
        assert (body["name"], body["model"], body["description"]) == ("Analyst", "claude", "Reads.")

    async def test_unknown(self, client: httpx.AsyncClient, agents: list[str]) -> None:
        assert_error(await client.get("/api/agents/nobody"), 404, "NOT_FOUND")


class TestUpdateAgent:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ({"model": "gpt-large"}, ("gpt-large", "Reads.")),
            ({"description": "Reads filings."}, ("claude", "Reads filings.")),
            ({"model": "o3", "description": ""}, ("o3", "")),
        ],
    )
    async def test_update_persists_and_emits(
        self,
        app: Any,
        client: httpx.AsyncClient,
        agents: list[str],
        body: dict[str, str],
        expected: tuple[str, str],
    ) -> None:
        response = await client.patch("/api/agents/analyst", json=body)
        assert response.status_code == 200, response.text
        assert set(response.json()) == AGENT_KEYS
        reread = (await client.get("/api/agents/analyst")).json()
        assert (reread["model"], reread["description"]) == expected
        assert reread["name"] == "Analyst"
        assert await events(app, "agent.updated") == 1

    @pytest.mark.parametrize("body", [{}, {"model": None, "description": None}])
    async def test_neither_field_is_refused(
        self, app: Any, client: httpx.AsyncClient, agents: list[str], body: dict[str, None]
    ) -> None:
        before, emitted = (await client.get("/api/agents/analyst")).json(), await events(app)
        response = await client.patch("/api/agents/analyst", json=body)
        assert_error(response, 422, "VALIDATION_ERROR")
        assert (await client.get("/api/agents/analyst")).json() == before
        assert await events(app) == emitted

    async def test_unknown(self, app: Any, client: httpx.AsyncClient, agents: list[str]) -> None:
        response = await client.patch("/api/agents/nobody", json={"model": "x"})
        assert_error(response, 404, "NOT_FOUND")
        assert await events(app, "agent.updated") == 0


class TestDeleteAgent:
    async def test_delete_removes_and_emits(
        self, app: Any, client: httpx.AsyncClient, agents: list[str]
    ) -> None:
        response = await client.delete("/api/agents/scout")
        assert response.status_code == 200
        assert set(response.json()) == AGENT_KEYS and response.json()["id"] == "scout"
        assert_error(await client.get("/api/agents/scout"), 404, "NOT_FOUND")
        assert [a["id"] for a in (await client.get("/api/agents")).json()] == ["analyst"]
        assert await events(app, "agent.deleted") == 1

    async def test_unknown_and_twice(
        self, app: Any, client: httpx.AsyncClient, agents: list[str]
    ) -> None:
        assert_error(await client.delete("/api/agents/nobody"), 404, "NOT_FOUND")
        assert (await client.delete("/api/agents/scout")).status_code == 200
        assert_error(await client.delete("/api/agents/scout"), 404, "NOT_FOUND")
        assert await events(app, "agent.deleted") == 1


# --- approvals -------------------------------------------------------------------------------

# type, target_type, target_id, owner
APPROVAL_ROWS = (
    ("promote", "strategy", "1", "risk"),
    ("promote", "strategy", "2", "risk"),
    ("spawn", "hypothesis", "1", "research"),
    ("model_change", "agent", "scout", "ops"),
    ("promote", "strategy", "1", "ops"),
)


@pytest.fixture
async def approvals(app: Any, lab: Lab) -> list[int]:
    """Five approvals; the second is already approved. Ids in creation order."""
    ids = []
    async with sessions(app)() as session:
        for type_, target_type, target_id, owner in APPROVAL_ROWS:
            row = await create_approval(
                session, type=type_, target_type=target_type, target_id=target_id, owner=owner
            )
            ids.append(row.id)
        await decide_approval(session, approval_id=ids[1], decision="approve", lab=lab)
        await session.commit()
    return ids


class TestListApprovals:
    async def test_shape(self, client: httpx.AsyncClient, approvals: list[int]) -> None:
        response = await client.get("/api/approvals")
        assert response.status_code == 200
        page = response.json()
        assert set(page) == PAGE_KEYS and page["total"] == 5 and page["next_cursor"] is None
        assert [a["id"] for a in page["items"]] == approvals
        assert all(set(a) == APPROVAL_KEYS for a in page["items"])

    @pytest.mark.parametrize(
        ("params", "rows"),
        [
            ({"status": "pending"}, [0, 2, 3, 4]),
            ({"status": "approved"}, [1]),
            ({"type": "promote"}, [0, 1, 4]),
            ({"target_type": "agent"}, [3]),
            ({"target": "1"}, [0, 2, 4]),
            ({"target": "1", "target_type": "strategy"}, [0, 4]),
            ({"owner": "ops"}, [3, 4]),
            ({"owner": "risk", "status": "pending"}, [0]),
        ],
    )
    async def test_filters(
        self,
        client: httpx.AsyncClient,
        approvals: list[int],
        params: dict[str, str],
        rows: list[int],
    ) -> None:
        assert await get_ids(client, "/api/approvals", **params) == [approvals[i] for i in rows]

    @pytest.mark.parametrize("limit", [2, 5])
    async def test_paging_walks_every_row_once(
        self, client: httpx.AsyncClient, approvals: list[int], limit: int
    ) -> None:
        ids, pages = await walk(client, "/api/approvals", limit)
        assert_walk(ids, pages, approvals, limit)


class TestDecideApproval:
    @pytest.mark.parametrize(("action", "status"), [("approve", "approved"), ("deny", "denied")])
    async def test_decision_persists_and_emits(
        self,
        app: Any,
        client: httpx.AsyncClient,
        approvals: list[int],
        action: str,
        status: str,
    ) -> None:
        approval_id = approvals[0]
        before = await events(app, "approval.decided")
        response = await client.post(f"/api/approvals/{approval_id}/{action}")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == APPROVAL_KEYS
        assert body["status"] == status and body["decided_at"] is not None
        assert approval_id in await get_ids(client, "/api/approvals", status=status)
        assert approval_id not in await get_ids(client, "/api/approvals", status="pending")
        assert await events(app, "approval.decided") == before + 1

    @pytest.mark.parametrize(("first", "second"), [("approve", "deny"), ("deny", "approve")])
    async def test_deciding_twice_conflicts_and_changes_nothing(
        self,
        app: Any,
        client: httpx.AsyncClient,
        approvals: list[int],
        first: str,
        second: str,
    ) -> None:
        approval_id = approvals[0]
        assert (await client.post(f"/api/approvals/{approval_id}/{first}")).status_code == 200
        decided = (await client.get("/api/approvals")).json()
        emitted = await events(app)
        for action in (first, second):
            response = await client.post(f"/api/approvals/{approval_id}/{action}")
            assert_error(response, 409, "APPROVAL_NOT_PENDING")
        assert (await client.get("/api/approvals")).json() == decided
        assert await events(app) == emitted

    @pytest.mark.parametrize("action", ["approve", "deny"])
    async def test_unknown(
        self, app: Any, client: httpx.AsyncClient, approvals: list[int], action: str
    ) -> None:
        emitted = await events(app)
        assert_error(await client.post(f"/api/approvals/999/{action}"), 404, "NOT_FOUND")
        assert await events(app) == emitted


# --- planned routes --------------------------------------------------------------------------


def test_no_documented_route_is_planned() -> None:
    """Every route of both seeds is served (tradegraph routes: 137/137); a planned route's 501
    is the generator's (tests/codegen/test_emit_python.py and its golden router)."""
    assert [f"{r.method} {r.path}" for r in ROUTES if r.state == "planned"] == []
