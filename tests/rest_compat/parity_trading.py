"""Parity cases of the Forven trading routes (collected by test_parity.py).

The demo leaves a running paper session with open trades the paper exchange holds, and
research trades it does not hold; force-close takes a held one, mark-failed any open one.
"""

from __future__ import annotations

import httpx

from tests.rest_compat.parity_kit import Case, Ids, many, one, paged, rest_get, rest_send

SESSION = '(id: "{rest[id]}")'

CASES: list[Case] = [
    Case("list_open_trades", rest_get("/api/trades/open", verify="true"),
         many("OpenTrade", "openTrades", "(verify: true)")),
    Case("list_recent_trades", rest_get("/api/trades/recent", limit=10),
         many("Trade", "recentTrades", "(limit: 10)")),
    Case("force_close_trade", rest_send("POST", "/api/trades/{held_trade}/force-close"),
         one("Trade", "trade", '(id: "{held_trade}")')),
    Case("mark_trade_failed",
         rest_send("POST", "/api/trades/{unheld_trade}/mark-failed",
                   lambda ids: {"reason": "parity"}),
         one("Trade", "trade", '(id: "{unheld_trade}")')),
    Case("list_paper_sessions", rest_get("/api/paper/sessions", deployed="true", limit=5),
         paged("PaperSession", "paperSessions", "(deployed: true, first: 5)")),
    Case("start_paper_service", rest_send("POST", "/api/paper/service/start"),
         one("PaperSession", "paperSession", SESSION)),
    Case("stop_paper_service",
         rest_send("POST", "/api/paper/service/stop", lambda ids: {"reason": "parity"}),
         one("PaperSession", "paperSession", SESSION)),
    Case("list_paper_session_trades",
         rest_get("/api/paper/sessions/{paper_session}/trades", limit=5),
         paged("Trade", "trades", '(paperSessionId: "{paper_session}", first: 5)')),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """The demo's running paper session, an open trade the venue holds and one it does not."""
    running = (await client.get("/api/paper/sessions", params={"deployed": True})).json()
    [session] = running["items"]
    assert session["trade_count"] > 0, "the demo's paper session should have traded"
    book = (await client.get("/api/trades/open", params={"verify": True})).json()
    held = [t["id"] for t in book if t["exchange_verified"]]
    unheld = [t["id"] for t in book if t["exchange_verified"] is False]
    assert held and unheld, "the demo should leave both kinds of open trade"
    return {"paper_session": session["id"], "held_trade": held[0], "unheld_trade": unheld[0]}
