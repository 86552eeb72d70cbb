"""What a trading agent runs with: its StrategySpec, risk objectives, evaluation rules, quote
checks, signing caps and identity. Stored as JSON on the agent row and on every ConfigVersion.

`parse_config` fills defaults and validates; a bad value is a 422 naming the dotted field.
`apply_patch` deep-merges a patch (PATCH /config's `evaluation_config_patch`) onto a config.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Annotated, Any

from resolvers.choices import MARKET_MODE
from resolvers.errors import InvalidInput
from resolvers.quant.strategies import FAMILIES, Params, validate_params
from resolvers.views import OneOf

MARKET_MODES = MARKET_MODE.values
DEFAULT_WATCHLIST = ("BTC-USD", "ETH-USD", "SOL-USD")
FAMILY_NAMES = tuple(FAMILIES)


@dataclass(frozen=True)
class StrategySpec:
    """Which built-in family trades the watchlist, on which bars, in which market mode."""

    family: Annotated[str, OneOf(FAMILY_NAMES), "a built-in strategy family"] = "ma_cross"
    params: Annotated[
        Params, "the family's parameters by name (GET /indicators lists them); defaults fill gaps"
    ] = field(default_factory=dict)
    market_mode: Annotated[str, MARKET_MODE] = "spot"
    interval_seconds: Annotated[int, "bar length, 60 to 86,400"] = 3600
    lookback_bars: Annotated[int, "closed bars read per step, 20 to 5,000"] = 200
    position_pct: Annotated[float, "order notional as a fraction of equity"] = 0.10


@dataclass(frozen=True)
class RiskLimits:
    """The policy layer's objectives; each is a ceiling (see resolvers/halyrd/risk.py)."""

    max_drawdown: Annotated[float, "fraction below the running equity peak"] = 0.15
    daily_loss: Annotated[float, "fraction of the day's opening equity"] = 0.05
    max_trade_pct: Annotated[float, "one order's notional as a fraction of equity"] = 0.25
    max_gross_exposure: Annotated[float, "open notional over equity"] = 1.0


@dataclass(frozen=True)
class EvaluationConfig:
    """When a PAPER agent becomes ELIGIBLE, and how long a demotion lasts."""

    window_days: Annotated[float, "how long every objective must hold"] = 3.0
    trade_floor: Annotated[int, "closed trades needed in the window"] = 10
    demotion_cooldown_days: Annotated[float, "how long DEMOTED lasts"] = 2.0


@dataclass(frozen=True)
class QuoteConfig:
    """The quote layer's thresholds."""

    max_divergence_bps: Annotated[float, "venue mid against the reference mid"] = 50.0
    max_quote_age_seconds: Annotated[float, "a quote or block older than this is stale"] = 120.0
    max_book_participation: Annotated[float, "order size over visible depth"] = 0.5


@dataclass(frozen=True)
class SigningConfig:
    """The signing layer (live only): which symbols, how much per trade and per UTC day."""

    allowlist: Annotated[tuple[str, ...], "symbols a live order may trade"] = DEFAULT_WATCHLIST
    per_trade_cap: Annotated[float, "quote-currency notional of one order"] = 5_000.0
    daily_cap: Annotated[float, "quote-currency notional per UTC day"] = 20_000.0


@dataclass(frozen=True)
class IdentityConfig:
    """ERC-8004 registration facts; the agent address comes from the signer."""

    # a local development chain: nothing here touches a real network
    chain_id: int = 31337
    registry: Annotated[str, "the identity registry's address"] = (
        "0x0000000000000000000000000000000000008004"
    )
    domain: str = "localhost"


@dataclass(frozen=True)
class AgentConfig:
    """Everything a trading agent runs with (stored whole on every ConfigVersion)."""

    strategy: StrategySpec = field(default_factory=StrategySpec)
    watchlist: Annotated[tuple[str, ...], "the symbols it trades (at least one)"] = (
        DEFAULT_WATCHLIST
    )
    executor_mode: Annotated[str, MARKET_MODE, "what the execution venue trades"] = "spot"
    starting_capital: Annotated[float, "the paper account's capital"] = 10_000.0
    risk: RiskLimits = field(default_factory=RiskLimits)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    quotes: QuoteConfig = field(default_factory=QuoteConfig)
    signing: SigningConfig = field(default_factory=SigningConfig)
    identity: IdentityConfig = field(default_factory=IdentityConfig)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


SECTIONS: dict[str, type] = {
    "strategy": StrategySpec,
    "risk": RiskLimits,
    "evaluation": EvaluationConfig,
    "quotes": QuoteConfig,
    "signing": SigningConfig,
    "identity": IdentityConfig,
}
# Bounds for numeric fields: (low, high), inclusive.
BOUNDS: dict[str, tuple[float, float]] = {
    "strategy.interval_seconds": (60, 86_400),
    "strategy.lookback_bars": (20, 5_000),
    "strategy.position_pct": (0.0001, 10.0),
    "starting_capital": (1.0, 1e12),
    "risk.max_drawdown": (0.001, 1.0),
    "risk.daily_loss": (0.001, 1.0),
    "risk.max_trade_pct": (0.001, 10.0),
    "risk.max_gross_exposure": (0.01, 20.0),
    "evaluation.window_days": (0.0, 365.0),
    "evaluation.trade_floor": (0, 1_000_000),
    "evaluation.demotion_cooldown_days": (0.0, 365.0),
    "quotes.max_divergence_bps": (0.1, 10_000.0),
    "quotes.max_quote_age_seconds": (1.0, 86_400.0),
    "quotes.max_book_participation": (0.0001, 1.0),
    "signing.per_trade_cap": (0.0, 1e12),
    "signing.daily_cap": (0.0, 1e12),
    "identity.chain_id": (1, 2**53),
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _bad(path: str, message: str) -> InvalidInput:
    return InvalidInput(f"{path} {message}", details={"field": path})


def _number(path: str, value: Any, *, integer: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(path, "must be a number")
    if integer and not (isinstance(value, int) or float(value).is_integer()):
        raise _bad(path, "must be a whole number")
    if not math.isfinite(value):
        raise _bad(path, "must be finite")
    low, high = BOUNDS.get(path, (-math.inf, math.inf))
    if not low <= value <= high:
        raise _bad(path, f"must be between {low:g} and {high:g}")
    return int(value) if integer else float(value)


def _symbols(path: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
        raise _bad(path, "must be a list of symbols")
    cleaned = tuple(dict.fromkeys(s.strip().upper() for s in value))
    if path == "watchlist" and not cleaned:
        raise _bad(path, "must name at least one symbol")
    if any(not s or len(s) > 40 for s in cleaned):
        raise _bad(path, "entries must be 1 to 40 characters")
    return cleaned


def _field_value(path: str, default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _bad(path, "must be true or false")
        return value
    if isinstance(default, int | float):
        return _number(path, value, integer=isinstance(default, int))
    if isinstance(default, tuple):
        return _symbols(path, value)
    if isinstance(default, str):
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise _bad(path, "must be a non-empty string of at most 200 characters")
        return value.strip()
    return value


def _section(name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        raise _bad(name, "must be an object")
    defaults = cls()
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _bad(f"{name}.{unknown[0]}", "is not a known setting")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"{name}.{key}"
        if cls is StrategySpec and key == "params":
            if not isinstance(value, Mapping):
                raise _bad(path, "must be an object")
            values[key] = dict(value)
        else:
            values[key] = _field_value(path, getattr(defaults, key), value)
    return replace(defaults, **values)


def _check_strategy(spec: StrategySpec) -> StrategySpec:
    if spec.family not in FAMILIES:
        raise _bad("strategy.family", f"must be one of {', '.join(FAMILIES)}")
    if spec.market_mode not in MARKET_MODES:
        raise _bad("strategy.market_mode", "must be spot or perp")
    try:
        params = validate_params(spec.family, spec.params)
    except ValueError as exc:
        raise _bad("strategy.params", str(exc)) from exc
    return replace(spec, params=params)


def parse_config(raw: Mapping[str, Any] | None) -> AgentConfig:
    """A validated config from stored or submitted JSON; missing keys take defaults."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise _bad("config", "must be an object")
    top = {f.name for f in fields(AgentConfig)}
    unknown = sorted(set(raw) - top)
    if unknown:
        raise _bad(unknown[0], "is not a known setting")
    base = AgentConfig()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in SECTIONS:
            values[key] = _section(key, SECTIONS[key], value)
        else:
            values[key] = _field_value(key, getattr(base, key), value)
    config = replace(base, **values)
    if config.executor_mode not in MARKET_MODES:
        raise _bad("executor_mode", "must be spot or perp")
    return replace(config, strategy=_check_strategy(config.strategy))


def apply_patch(config: AgentConfig, patch: Any) -> AgentConfig:
    """`config` with `patch` deep-merged in (objects merge, anything else replaces)."""
    if not isinstance(patch, Mapping) or not patch:
        raise _bad("evaluation_config_patch", "must be a non-empty object")
    return parse_config(_merge(config.to_dict(), patch))


def _merge(base: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict) and key != "params":
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def summarize(config: AgentConfig) -> str:
    """One line a person can scan in a version list."""
    spec = config.strategy
    params = ", ".join(f"{k}={v}" for k, v in spec.params.items())
    hours = spec.interval_seconds / 3600
    return (
        f"{spec.family}({params}) {spec.market_mode} {hours:g}h on {', '.join(config.watchlist)}; "
        f"max dd {config.risk.max_drawdown:.0%}, daily loss {config.risk.daily_loss:.0%}, "
        f"window {config.evaluation.window_days:g}d / {config.evaluation.trade_floor} trades"
    )
