"""What the order layers look at: the order being proposed and the account it would change."""

from __future__ import annotations

from dataclasses import dataclass, field

SIDES = ("buy", "sell")
INTENTS = ("entry", "exit", "manual")


@dataclass(frozen=True)
class ProposedOrder:
    """One order before any layer has seen it; `mark_price` is the reference mid at proposal."""

    symbol: str
    side: str
    size: float  # base units, positive
    mark_price: float
    intent: str  # entry opens or grows exposure, exit only reduces it, manual is an operator's
    market_mode: str  # the StrategySpec's mode (spot or perp)
    phase: str  # paper or live

    @property
    def notional(self) -> float:
        return self.size * self.mark_price

    @property
    def reduces_exposure(self) -> bool:
        return self.intent == "exit"


@dataclass(frozen=True)
class AccountState:
    """The agent's book at one moment, marked to current prices."""

    equity: float
    peak: float  # running max of equity, this moment included
    day_start_equity: float  # equity at the start of the current UTC day
    gross_exposure: float  # sum of |open size| x mark, quote currency
    open_by_symbol: dict[str, float] = field(default_factory=dict)  # signed base size

    @property
    def drawdown(self) -> float:
        return max(0.0, 1.0 - self.equity / self.peak) if self.peak > 0 else 0.0

    @property
    def daily_loss(self) -> float:
        if self.day_start_equity <= 0:
            return 0.0
        return max(0.0, 1.0 - self.equity / self.day_start_equity)
