"""What a journal entry's `data` holds, by entry kind: one TypedDict per record the runtime and
the order pipeline write (`append_entry` takes nothing else, so mypy keeps this list true).

The JSON is stored as written, and entries of several kinds share the `data` field, so REST
describes it as a union of these shapes (anyOf: the entry's `kind` says which one it is) and
GraphQL keeps its JSON scalar. A config version's `VersionOutcome` lives here too: a config
entry carries the outcome of the version it closed, and config_versions.py imports this
module.
"""

from __future__ import annotations

from typing import Annotated, TypedDict

from resolvers.choices import AGENT_STATUS, PHASE, TRADE_SIDE
from resolvers.halyrd.blocks import ORDER_INTENT, RISK_LAYER
from resolvers.quant.strategies import Params
from resolvers.views import OneOf

CHANGES = ("initial", "watchlist", "config", "spawn")  # what made a config version
VERDICTS = ("no_trades", "baseline", "better", "worse", "same")


class VersionOutcome(TypedDict):
    """How a superseded config version did over its run period [from, to)."""

    trades: Annotated[int, "trades closed in the period"]
    net_pnl: float
    return_pct: Annotated[float | None, "percent of the equity at the period start"]
    max_drawdown: Annotated[float | None, "a fraction; null without a positive equity peak"]
    verdict: Annotated[str, OneOf(VERDICTS), "return_pct against the parent's outcome"]


class JournalDecision(TypedDict):
    """decision: the strategy's target changed for a symbol, with the facts it saw."""

    symbol: str
    family: str
    params: Params
    target: Annotated[int, "-1 short, 0 flat, 1 long"]
    position: Annotated[float, "base units held before the orders"]
    close: Annotated[float, "the last closed bar's close"]
    bar_ts: Annotated[str, "that bar's time, ISO 8601"]
    reference_mid: float


class OrderFacts(TypedDict):
    """What was ordered (orders.py's ORDER_KEYS), in a fill's and a refusal's data."""

    order_ref: str
    symbol: str
    side: Annotated[str, TRADE_SIDE]
    size: float
    intent: Annotated[str, ORDER_INTENT]
    phase: Annotated[str, PHASE]


class JournalFill(OrderFacts):
    """fill: an order filled on the paper (or signed live) venue."""

    price: float
    fee: float
    tx_hash: Annotated[str | None, "the signed transaction, live only"]
    trade_ids: Annotated[list[int], "the trades it opened, grew, reduced or closed"]


class JournalBlock(OrderFacts):
    """block and skip: an order a layer refused (the /risk/blocks row and what was ordered)."""

    ts: Annotated[str, "ISO 8601"]
    layer: Annotated[str, RISK_LAYER]
    rule: str
    reason: str
    code: str


class JournalStatus(TypedDict):
    """status: the agent's status moved."""

    id: Annotated[str, "the agent"]
    status: Annotated[str, AGENT_STATUS]
    phase: Annotated[str, PHASE]
    previous: Annotated[str, AGENT_STATUS]
    reason: str


class JournalWindowRestart(TypedDict):
    """status: a fresh evaluation window started."""

    id: Annotated[str, "the agent"]
    window_started_at: Annotated[str, "ISO 8601"]
    reason: str


class JournalSessionOpened(TypedDict):
    """status: promotion opened a signing session."""

    tx_hash: str
    signer: Annotated[str, "the simulated signer's address"]
    forced: Annotated[bool, "promoted without being ELIGIBLE"]


class JournalSessionRevoked(TypedDict):
    """status: the kill switch revoked the signing session."""

    id: Annotated[str, "the agent"]
    twak_session: Annotated[str, OneOf(("revoked",))]
    previous: Annotated[str, "the session state before: none, active or revoked"]


class JournalConfigChange(TypedDict):
    """config: a new config version became active."""

    version_id: int
    parent_id: int | None
    change: Annotated[str, OneOf(CHANGES)]
    previous_id: Annotated[int | None, "the version it closed"]
    previous_outcome: Annotated[VersionOutcome | None, "how the closed version did"]


class JournalNote(TypedDict):
    """An entry that carries no data (notes): an empty object."""


JournalData = (
    JournalDecision
    | JournalFill
    | JournalBlock
    | JournalStatus
    | JournalWindowRestart
    | JournalSessionOpened
    | JournalSessionRevoked
    | JournalConfigChange
    | JournalNote
)
