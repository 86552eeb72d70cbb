"""Turn target positions into round-trip trades, equity and drawdown, filling at next opens."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

from resolvers.quant.market import Candles


@dataclass(frozen=True)
class SimTrade:
    """One round trip filled at bar opens; exit fields and pnl stay None while it is open."""

    # Indexes name the bars whose open filled each leg. `fees` covers both legs once closed and
    # the entry leg alone while open; `entry_fee` is kept apart so equity can be marked before
    # the exit. pnl is net of all fees.
    side: Literal["buy", "sell"]
    entry_index: int
    exit_index: int | None
    entry_ts: datetime
    exit_ts: datetime | None
    entry_price: float
    exit_price: float | None
    size: float
    fees: float
    pnl: float | None
    entry_fee: float

    @property
    def direction(self) -> int:
        """+1 for a long, -1 for a short."""
        return 1 if self.side == "buy" else -1

    @property
    def is_open(self) -> bool:
        """True while the trade has no exit."""
        return self.exit_index is None


def _checked_positions(candles: Candles, positions: npt.ArrayLike) -> npt.NDArray[np.int8]:
    raw = np.asarray(positions, dtype=np.float64)
    if raw.shape != (len(candles),):
        raise ValueError(f"positions must have one value per candle ({len(candles)})")
    if not np.isin(raw, (-1.0, 0.0, 1.0)).all():
        raise ValueError("positions must only hold -1, 0 or 1")
    return raw.astype(np.int8)


def simulate_trades(
    candles: Candles,
    positions: npt.ArrayLike,
    *,
    size: float,
    fee_rate: float,
    slippage_bps: float,
) -> list[SimTrade]:
    """Round trips from target positions, each change filled at the next bar's open."""
    # `size` is in base units. Slippage moves every fill against the trader (buys higher,
    # sells lower by slippage_bps of the open); each fill pays fee_rate on its notional. A
    # target set on the last bar has no next open, so it is not filled.
    for name, value in (("size", size), ("fee_rate", fee_rate), ("slippage_bps", slippage_bps)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite non-negative number")
    if size == 0:
        raise ValueError("size must be positive")
    target = _checked_positions(candles, positions)
    # held[i] is the exposure during bar i: the target decided at the previous close.
    held = np.concatenate(([0], target[:-1])).astype(np.int8)
    changed = np.flatnonzero(np.diff(held, prepend=np.int8(0)))
    slip = slippage_bps / 10_000
    trades: list[SimTrade] = []
    current: SimTrade | None = None
    for index in changed.tolist():
        opening = float(candles.open[index])
        if current is not None:
            # Closing a long sells, closing a short buys.
            price = opening * (1 - slip * current.direction)
            exit_fee = price * size * fee_rate
            fees = current.entry_fee + exit_fee
            gross = (price - current.entry_price) * size * current.direction
            trades.append(
                SimTrade(
                    side=current.side,
                    entry_index=current.entry_index,
                    exit_index=index,
                    entry_ts=current.entry_ts,
                    exit_ts=candles.time_at(index),
                    entry_price=current.entry_price,
                    exit_price=price,
                    size=size,
                    fees=fees,
                    pnl=gross - fees,
                    entry_fee=current.entry_fee,
                )
            )
            current = None
        direction = int(held[index])
        if direction != 0:
            price = opening * (1 + slip * direction)
            fee = price * size * fee_rate
            current = SimTrade(
                side="buy" if direction > 0 else "sell",
                entry_index=index,
                exit_index=None,
                entry_ts=candles.time_at(index),
                exit_ts=None,
                entry_price=price,
                exit_price=None,
                size=size,
                fees=fee,
                pnl=None,
                entry_fee=fee,
            )
    if current is not None:
        trades.append(current)
    return trades


def equity_curve(
    trades: list[SimTrade], candles: Candles, starting_capital: float
) -> npt.NDArray[np.float64]:
    """Equity at each bar's close: capital plus realized pnl plus open trades marked to close."""
    n = len(candles)
    realized = np.zeros(n)
    quantity = np.zeros(n)
    basis = np.zeros(n)
    # Difference arrays keep this linear in bars plus trades, however long trades last.
    for trade in trades:
        if not 0 <= trade.entry_index < n or (
            trade.exit_index is not None and not trade.entry_index <= trade.exit_index < n
        ):
            raise ValueError("trade indexes fall outside the candles")
        signed = trade.direction * trade.size
        cost = -signed * trade.entry_price - trade.entry_fee
        quantity[trade.entry_index] += signed
        basis[trade.entry_index] += cost
        if trade.exit_index is not None:
            quantity[trade.exit_index] -= signed
            basis[trade.exit_index] -= cost
            realized[trade.exit_index] += trade.pnl or 0.0
    marked = np.cumsum(quantity) * candles.close + np.cumsum(basis)
    return np.asarray(starting_capital + np.cumsum(realized) + marked, dtype=np.float64)


def max_drawdown(equity: npt.ArrayLike) -> float:
    """Largest fall from a running peak as a fraction: max of 1 - equity / running max."""
    values = np.asarray(equity, dtype=np.float64)
    if len(values) == 0:
        return 0.0
    peaks = np.maximum.accumulate(values)
    if (peaks <= 0).any():
        raise ValueError("drawdown is only defined while the running peak is positive")
    return float(max(0.0, float(np.max(1.0 - values / peaks))))
