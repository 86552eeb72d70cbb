"""The quote layer (stale, divergent, thin) and the mode check, with the numbers in the message."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from resolvers.halyrd.config import QuoteConfig
from resolvers.halyrd.proposal import ProposedOrder
from resolvers.halyrd.quotes import check_mode, check_quote
from resolvers.halyrd.refusals import (
    InsufficientLiquidity,
    MarketModeMismatch,
    QuoteDivergence,
    QuoteStale,
)
from resolvers.market.feed import Quote
from tests.resolvers.halyrd.h2_helpers import T0

LIMITS = QuoteConfig(max_divergence_bps=50, max_quote_age_seconds=120, max_book_participation=0.5)
QUOTE = Quote(
    symbol="BTC-USD",
    reference_mid=64735.0,
    venue_mid=64740.0,
    bid=64739.0,
    ask=64741.0,
    depth=4.0,
    ts=T0,
    block_ts=T0 - timedelta(seconds=1),
)
ORDER = ProposedOrder(
    symbol="BTC-USD",
    side="buy",
    size=1.0,
    mark_price=64735.0,
    intent="entry",
    market_mode="spot",
    phase="paper",
)


class TestCheckQuote:
    def test_a_fresh_sane_deep_quote_passes(self) -> None:
        check_quote(LIMITS, QUOTE, ORDER, T0 + timedelta(seconds=119))

    def test_an_old_quote_is_stale(self) -> None:
        with pytest.raises(QuoteStale) as caught:
            check_quote(LIMITS, QUOTE, ORDER, T0 + timedelta(seconds=600))
        refusal = caught.value
        assert (refusal.code, refusal.layer, refusal.rule) == ("QUOTE_STALE", "quote", "quote_age")
        assert "600.0 s old" in refusal.message and "limit 120 s" in refusal.message

    def test_an_old_block_is_stale_even_when_the_quote_is_fresh(self) -> None:
        quote = replace(QUOTE, block_ts=T0 - timedelta(seconds=300))
        with pytest.raises(QuoteStale) as caught:
            check_quote(LIMITS, quote, ORDER, T0 + timedelta(seconds=5))
        assert caught.value.rule == "block_age"
        assert "305.0 s old" in caught.value.message

    def test_a_venue_far_from_the_reference_diverges(self) -> None:
        quote = replace(QUOTE, venue_mid=65210.4)
        with pytest.raises(QuoteDivergence) as caught:
            check_quote(LIMITS, quote, ORDER, T0)
        refusal = caught.value
        assert (refusal.code, refusal.rule) == ("QUOTE_DIVERGENCE", "mid_divergence")
        assert refusal.message == (
            "BTC-USD venue mid 65210.4 is 73.4 bps from reference 64735; limit 50 bps"
        )
        assert refusal.details["divergence_bps"] == pytest.approx(73.44, abs=0.01)

    def test_below_the_reference_counts_too(self) -> None:
        with pytest.raises(QuoteDivergence):
            check_quote(LIMITS, replace(QUOTE, venue_mid=64735.0 * 0.994), ORDER, T0)

    def test_an_order_bigger_than_the_book_allows_is_refused(self) -> None:
        check_quote(LIMITS, QUOTE, replace(ORDER, size=2.0), T0)  # exactly half the depth
        with pytest.raises(InsufficientLiquidity) as caught:
            check_quote(LIMITS, QUOTE, replace(ORDER, size=2.5), T0)
        refusal = caught.value
        assert (refusal.code, refusal.rule) == ("INSUFFICIENT_LIQUIDITY", "book_depth")
        assert "visible depth 4 (at most 2)" in refusal.message

    def test_staleness_is_checked_before_divergence_and_depth(self) -> None:
        broken = replace(QUOTE, venue_mid=70000.0, depth=0.001)
        with pytest.raises(QuoteStale):
            check_quote(LIMITS, broken, ORDER, T0 + timedelta(hours=1))
        with pytest.raises(QuoteDivergence):
            check_quote(LIMITS, broken, ORDER, T0)


class TestCheckMode:
    def test_a_spec_in_another_mode_than_the_executor_is_refused(self) -> None:
        with pytest.raises(MarketModeMismatch) as caught:
            check_mode("spot", replace(ORDER, market_mode="perp"), 0.0)
        refusal = caught.value
        assert (refusal.code, refusal.layer, refusal.rule) == (
            "MARKET_MODE_MISMATCH",
            "mode",
            "spec_mode",
        )
        assert "perp" in refusal.message and "spot" in refusal.message

    def test_spot_cannot_go_short(self) -> None:
        sell = replace(ORDER, side="sell", size=1.5)
        with pytest.raises(MarketModeMismatch) as caught:
            check_mode("spot", sell, 1.0)
        assert caught.value.rule == "spot_short"
        assert "would leave -0.5" in caught.value.message

    def test_selling_exactly_the_position_is_fine(self) -> None:
        check_mode("spot", replace(ORDER, side="sell", size=0.3), 0.1 + 0.2)

    def test_perp_may_go_short(self) -> None:
        check_mode("perp", replace(ORDER, side="sell", market_mode="perp"), 0.0)
