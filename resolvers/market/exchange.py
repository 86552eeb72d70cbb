"""The paper exchange: fills market orders at the feed's quote with slippage and a fee, holds
the venue's positions and the account's capital, and accepts injected faults.

Its book (storage/exchange.py) is the venue's side, separate from our trade ledger: a trade is
ours, a position is the venue's, joined by the client reference `trade_id`. Reconciliation
compares the two.

Fills: a buy pays the ask and a sell receives the bid, each moved `slippage_bps` further
against the trader; every fill pays `fee_rate` of its notional. Capital is margin-free (1x):
cash = starting capital + every fill's realized pnl (an open fill realizes minus its fee, a
close the gross pnl minus its fee); an open position reserves its entry notional; an order
whose notional exceeds the cash not reserved is refused with 422 INSUFFICIENT_CAPITAL.

Faults (process-local, for tests and drills): `faults.fail_closes(symbol)` makes every close of
that symbol (or of all, with None) fail with 502 EXCHANGE_CLOSE_FAILED until cleared;
`drop_position` makes the venue lose a position our ledger still holds, and
`add_stray_position` gives it one our ledger does not know (both "stale position" faults).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError, InvalidInput
from resolvers.market.faults import Faults
from resolvers.market.feed import MarketFeed
from resolvers.validation import require_choice, require_positive
from storage.exchange import ExchangeFill, ExchangePosition

FEE_RATE = 0.0005  # 5 bps of notional per fill
SLIPPAGE_BPS = 2.0


class ExchangeError(DomainError):
    """The venue did not do what was asked; the seed's 502 (the position may still be open)."""

    code = "EXCHANGE_ERROR"
    status = 502


class CloseFailed(ExchangeError):
    code = "EXCHANGE_CLOSE_FAILED"


class PositionMissing(ExchangeError):
    code = "EXCHANGE_POSITION_MISSING"


class InsufficientCapital(InvalidInput):
    code = "INSUFFICIENT_CAPITAL"


@dataclass(frozen=True)
class Account:
    """The paper account: capital, cash after realized pnl, reserved margin, marked equity."""

    capital: float
    realized_pnl: float
    fees: float
    cash: float
    margin_used: float
    available: float
    unrealized_pnl: float
    equity: float
    positions: int


def _direction(side: str) -> int:
    return 1 if side == "buy" else -1


class PaperExchange:
    def __init__(
        self,
        feed: MarketFeed,
        *,
        capital: float = 100_000.0,
        fee_rate: float = FEE_RATE,
        slippage_bps: float = SLIPPAGE_BPS,
        interval_seconds: int = 3600,
    ) -> None:
        self.feed = feed
        self.capital = capital
        self.fee_rate = fee_rate
        self.slippage_bps = slippage_bps
        self.interval_seconds = interval_seconds
        self.faults = Faults()

    def fill_price(self, symbol: str, side: str, now: datetime) -> float:
        """What a market order of `side` would fill at now: the touch plus slippage."""
        quote = self.feed.quote(symbol, now, interval_seconds=self.interval_seconds)
        slip = self.slippage_bps / 10_000
        return quote.ask * (1 + slip) if side == "buy" else quote.bid * (1 - slip)

    def mark_price(self, symbol: str, now: datetime) -> float:
        quote = self.feed.quote(symbol, now, interval_seconds=self.interval_seconds)
        return quote.venue_mid

    async def open(
        self,
        session: AsyncSession,
        *,
        trade_id: int,
        symbol: str,
        side: str,
        size: float,
        now: datetime,
    ) -> ExchangeFill:
        """Open a position for our trade `trade_id` with a market order."""
        require_choice("side", side, ("buy", "sell"))
        require_positive("size", size)
        price = self.fill_price(symbol, side, now)
        notional = price * size
        account = await self.account(session, now=None)
        if notional > account.available:
            raise InsufficientCapital(
                f"an order of {notional:.2f} exceeds the {account.available:.2f} available",
                details={"notional": notional, "available": account.available},
            )
        fee = notional * self.fee_rate
        session.add(
            ExchangePosition(
                trade_id=trade_id,
                symbol=symbol.upper(),
                side=side,
                size=size,
                entry_price=price,
                opened_at=now,
            )
        )
        fill = ExchangeFill(
            trade_id=trade_id,
            kind="open",
            symbol=symbol.upper(),
            side=side,
            size=size,
            price=price,
            fee=fee,
            realized_pnl=-fee,
            ts=now,
        )
        session.add(fill)
        await session.flush()
        return fill

    async def close(self, session: AsyncSession, *, trade_id: int, now: datetime) -> ExchangeFill:
        """Close the venue's position for `trade_id` with an opposite market order."""
        position = await self.position_for(session, trade_id=trade_id)
        if position is None:
            raise PositionMissing(
                f"the exchange holds no position for trade {trade_id}",
                details={"trade_id": trade_id},
            )
        if self.faults.close_fails(position.symbol):
            raise CloseFailed(
                f"the exchange did not close the {position.symbol} position of trade {trade_id};"
                " it may still be open",
                details={"trade_id": trade_id, "symbol": position.symbol},
            )
        return await self._close(session, position, now)

    async def _close(
        self, session: AsyncSession, position: ExchangePosition, now: datetime
    ) -> ExchangeFill:
        exit_side = "sell" if position.side == "buy" else "buy"
        price = self.fill_price(position.symbol, exit_side, now)
        fee = price * position.size * self.fee_rate
        gross = (price - position.entry_price) * position.size * _direction(position.side)
        fill = ExchangeFill(
            trade_id=position.trade_id,
            kind="close",
            symbol=position.symbol,
            side=exit_side,
            size=position.size,
            price=price,
            fee=fee,
            realized_pnl=gross - fee,
            ts=now,
        )
        session.add(fill)
        await session.delete(position)
        await session.flush()
        return fill

    async def position_for(
        self, session: AsyncSession, *, trade_id: int
    ) -> ExchangePosition | None:
        stmt = select(ExchangePosition).where(ExchangePosition.trade_id == trade_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def positions(self, session: AsyncSession) -> list[ExchangePosition]:
        """Every position the venue holds, oldest first."""
        stmt = select(ExchangePosition).order_by(ExchangePosition.id)
        return list((await session.execute(stmt)).scalars())

    async def fills(self, session: AsyncSession, *, trade_id: int) -> list[ExchangeFill]:
        stmt = select(ExchangeFill).where(ExchangeFill.trade_id == trade_id)
        return list((await session.execute(stmt.order_by(ExchangeFill.id))).scalars())

    async def account(self, session: AsyncSession, *, now: datetime | None) -> Account:
        """The account; with `now`, open positions are marked at the venue mid (else at entry)."""
        realized, fees = (
            await session.execute(
                select(
                    func.coalesce(func.sum(ExchangeFill.realized_pnl), 0.0),
                    func.coalesce(func.sum(ExchangeFill.fee), 0.0),
                )
            )
        ).one()
        positions = await self.positions(session)
        margin = sum(p.entry_price * p.size for p in positions)
        unrealized = 0.0
        if now is not None:
            for p in positions:
                mark = self.mark_price(p.symbol, now)
                unrealized += (mark - p.entry_price) * p.size * _direction(p.side)
        cash = self.capital + float(realized)
        return Account(
            capital=self.capital,
            realized_pnl=float(realized),
            fees=float(fees),
            cash=cash,
            margin_used=margin,
            available=cash - margin,
            unrealized_pnl=unrealized,
            equity=cash + unrealized,
            positions=len(positions),
        )

    async def drop_position(self, session: AsyncSession, *, trade_id: int) -> bool:
        """Fault: the venue forgets the position of `trade_id` (no fill is recorded)."""
        result = await session.execute(
            delete(ExchangePosition).where(ExchangePosition.trade_id == trade_id)
        )
        await session.flush()
        return bool(getattr(result, "rowcount", 0))

    async def add_stray_position(
        self,
        session: AsyncSession,
        *,
        symbol: str,
        side: str,
        size: float,
        now: datetime,
        trade_id: int | None = None,
    ) -> ExchangePosition:
        """Fault: the venue holds a position our ledger does not know (filled at the touch)."""
        require_choice("side", side, ("buy", "sell"))
        position = ExchangePosition(
            trade_id=trade_id,
            symbol=symbol.upper(),
            side=side,
            size=require_positive("size", size),
            entry_price=self.fill_price(symbol, side, now),
            opened_at=now,
        )
        session.add(position)
        await session.flush()
        return position

    async def close_stray(
        self, session: AsyncSession, *, position_id: int, now: datetime
    ) -> ExchangeFill:
        """Close a venue position by its own id (reconciliation of one our ledger lacks)."""
        position = await session.get(ExchangePosition, position_id)
        if position is None:
            raise PositionMissing(
                f"the exchange holds no position {position_id}",
                details={"position_id": position_id},
            )
        if self.faults.close_fails(position.symbol):
            raise CloseFailed(
                f"the exchange did not close position {position_id}",
                details={"position_id": position_id, "symbol": position.symbol},
            )
        return await self._close(session, position, now)
