"""The quote layer and the mode check: is the venue's price fresh, sane and deep enough, and
does the order fit the market the executor trades?

The quote layer checks, in this order, and stops at the first failure:
1. QUOTE_STALE (`quote_age`, then `block_age`): the quote or the block it rests on is older
   than `max_quote_age_seconds`.
2. QUOTE_DIVERGENCE (`mid_divergence`): the venue mid is more than `max_divergence_bps` from
   the reference (CMC) mid.
3. INSUFFICIENT_LIQUIDITY (`book_depth`): the order is larger than `max_book_participation` of
   the visible depth.
Every message states the measured value and the limit.
"""

from __future__ import annotations

from datetime import datetime

from resolvers.halyrd.config import QuoteConfig
from resolvers.halyrd.proposal import ProposedOrder
from resolvers.halyrd.refusals import (
    InsufficientLiquidity,
    MarketModeMismatch,
    QuoteDivergence,
    QuoteStale,
)
from resolvers.market.feed import Quote

# Sizes are floats: a spot sell of exactly the position must not read as a tiny short.
POSITION_TOLERANCE = 1e-9


def _num(value: float) -> str:
    return f"{value:.6g}"


def divergence_bps(quote: Quote) -> float:
    """|venue mid / reference mid - 1| in basis points."""
    return abs(quote.venue_mid / quote.reference_mid - 1) * 10_000


def check_quote(config: QuoteConfig, quote: Quote, order: ProposedOrder, now: datetime) -> None:
    """Raise the first quote-layer refusal that applies to `order`, if any."""
    limit = config.max_quote_age_seconds
    for rule, what, moment in (
        ("quote_age", "quote", quote.ts),
        ("block_age", "block", quote.block_ts),
    ):
        age = (now - moment).total_seconds()
        if age > limit:
            raise QuoteStale(
                f"{quote.symbol} {what} is {age:.1f} s old (from {moment.isoformat()}); "
                f"limit {limit:g} s",
                rule=rule,
                details={"symbol": quote.symbol, "age_seconds": age, "limit": limit},
            )
    bps = divergence_bps(quote)
    if bps > config.max_divergence_bps:
        raise QuoteDivergence(
            f"{quote.symbol} venue mid {_num(quote.venue_mid)} is {bps:.1f} bps from reference "
            f"{_num(quote.reference_mid)}; limit {config.max_divergence_bps:g} bps",
            rule="mid_divergence",
            details={
                "symbol": quote.symbol,
                "venue_mid": quote.venue_mid,
                "reference_mid": quote.reference_mid,
                "divergence_bps": bps,
                "limit": config.max_divergence_bps,
            },
        )
    share = config.max_book_participation
    allowed = quote.depth * share
    if order.size > allowed:
        raise InsufficientLiquidity(
            f"{order.side} {_num(order.size)} {quote.symbol} exceeds {share:.0%} of the visible "
            f"depth {_num(quote.depth)} (at most {_num(allowed)})",
            rule="book_depth",
            details={
                "symbol": quote.symbol,
                "size": order.size,
                "depth": quote.depth,
                "max_size": allowed,
            },
        )


def check_mode(executor_mode: str, order: ProposedOrder, position: float) -> None:
    """Raise MARKET_MODE_MISMATCH when the spec's mode is not the executor's (`spec_mode`), or
    when a spot order would leave `position` (signed base units) short (`spot_short`)."""
    if order.market_mode != executor_mode:
        raise MarketModeMismatch(
            f"the strategy trades {order.market_mode} but the executor trades {executor_mode}; "
            "set the spec's market_mode to match",
            rule="spec_mode",
            details={"spec_mode": order.market_mode, "executor_mode": executor_mode},
        )
    after = position + (order.size if order.side == "buy" else -order.size)
    if order.market_mode == "spot" and after < -POSITION_TOLERANCE * max(1.0, order.size):
        raise MarketModeMismatch(
            f"a spot {order.side} of {_num(order.size)} {order.symbol} against a position of "
            f"{_num(position)} would leave {_num(after)}: spot cannot go short",
            rule="spot_short",
            details={"symbol": order.symbol, "position": position, "position_after": after},
        )
