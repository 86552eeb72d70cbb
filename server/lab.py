"""The server's Forven lab, built once from the settings and carried by its services."""

from __future__ import annotations

from resolvers.lab.services import Lab, LabConfig, build_lab
from resolvers.market.clock import MarketClock
from resolvers.market.feed import MarketFeed
from resolvers.quant.battery_setup import battery_thresholds
from server.settings import Settings


def lab_config(settings: Settings) -> LabConfig:
    return LabConfig(
        paper_capital=settings.paper_capital,
        paper_locked=not settings.live_trading,
        spawn_per_run=settings.spawn_per_run,
        spawn_window_limit=settings.spawn_window_limit,
        spawn_window_hours=settings.spawn_window_hours,
        fetch_timeout_seconds=settings.fetch_timeout_seconds,
        fetch_max_bytes=settings.fetch_max_bytes,
        hyperliquid_url=settings.hyperliquid_url,
        hyperliquid_timeout_seconds=settings.hyperliquid_timeout_seconds,
        fetch_inline_bars=settings.fetch_inline_bars,
        tick_symbols=tuple(s.upper() for s in settings.tick_symbols),
        verdict=battery_thresholds(settings.verdict_thresholds),
        openai_base_url=settings.openai_base_url,
        openai_api_key=settings.openai_api_key,
        openai_timeout_seconds=settings.openai_timeout_seconds,
        model_list_ttl_seconds=settings.model_list_ttl_seconds,
        openai_prices=dict(settings.openai_prices),
        mcp_timeout_seconds=settings.mcp_timeout_seconds,
        secret_keys=tuple(settings.secret_keys),
        secret_key_file=str(settings.data_dir / "secret.key"),
    )


def server_lab(settings: Settings, feed: MarketFeed) -> Lab:
    """The lab on the process feed; the lifespan puts it on the services (schema/context.py)."""
    return build_lab(feed, clock=MarketClock(settings.market_speed), config=lab_config(settings))
