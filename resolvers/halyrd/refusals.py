"""The seed's Halyrd error codes, one class each (status and code as its error table states).

A refused order is itself a fact worth keeping: the order, its block and the journal entry are
written before the refusal is raised, and `persist = True` tells the request boundary to commit
them and still answer with the error (rest_compat/runtime.py, schema/context.py).
"""

from __future__ import annotations

from resolvers.errors import Conflict, InvalidInput


class OrderRefused(InvalidInput):
    """An order stopped by one of the layers; `layer` and `rule` say which check fired."""

    persist = True
    layer = "policy"

    def __init__(self, message: str, *, rule: str, details: dict[str, object] | None = None):
        super().__init__(message, details={"layer": self.layer, "rule": rule, **(details or {})})
        self.rule = rule


class RiskVeto(OrderRefused):
    code = "RISK_VETO"
    layer = "policy"


class QuoteDivergence(OrderRefused):
    code = "QUOTE_DIVERGENCE"
    layer = "quote"


class QuoteStale(OrderRefused):
    code = "QUOTE_STALE"
    layer = "quote"


class InsufficientLiquidity(OrderRefused):
    code = "INSUFFICIENT_LIQUIDITY"
    layer = "quote"


class MarketModeMismatch(OrderRefused):
    code = "MARKET_MODE_MISMATCH"
    layer = "mode"


class TwakBlock(OrderRefused):
    code = "TWAK_BLOCK"
    layer = "signing"


class NotEligible(Conflict):
    code = "NOT_ELIGIBLE"


class Demoted(Conflict):
    code = "DEMOTED"
