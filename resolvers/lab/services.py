"""What the Forven resolvers trade against: one Lab per server, carried by its services.

Resolvers that trade or price anything take a keyword-only `lab: Lab`. Nothing here is
process-wide: the server builds its Lab at start-up (server/lab.py) and puts it on its
services; the REST and GraphQL boundaries pass it to every resolver that takes `lab`
(resolvers/lab/inject.py), background jobs get it from their JobContext, tests build their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from resolvers.market.clock import MarketClock
from resolvers.market.exchange import PaperExchange
from resolvers.market.feed import MarketFeed, default_feed
from resolvers.models.cache import ModelListCache
from resolvers.quant.battery_setup import BatteryThresholds
from resolvers.sandbox.process import SandboxRuns
from resolvers.secrets import SecretStore, build_store


@dataclass(frozen=True)
class LabConfig:
    """The lab's limits and defaults; the server fills them from TRADEGRAPH_* settings."""

    paper_capital: float = 100_000.0  # the paper account's starting capital (USD)
    paper_locked: bool = True  # beta/default builds hard-lock execution to paper
    spawn_per_run: int = 6  # strategies one spawn request may create
    spawn_window_limit: int = 20  # strategies one hypothesis may spawn per rolling window
    spawn_window_hours: float = 24.0
    fetch_timeout_seconds: float = 5.0  # hypotheses from a URL
    fetch_max_bytes: int = 1_000_000
    hyperliquid_url: str = "https://api.hyperliquid.xyz"  # candles for POST /api/fetch
    hyperliquid_timeout_seconds: float = 10.0
    fetch_inline_bars: int = 1_000  # a longer POST /api/fetch range runs as a job (202)
    tick_symbols: tuple[str, ...] = ("BTC-USD", "ETH-USD")  # always on the live feed
    verdict: BatteryThresholds = field(default_factory=BatteryThresholds)  # the battery's gates
    openai_base_url: str | None = None  # the OpenAI-compatible provider; None: not configured
    openai_api_key: str | None = None
    openai_timeout_seconds: float = 30.0
    model_list_ttl_seconds: float = 300.0  # how long a provider's model list is cached
    openai_prices: dict[str, tuple[float, float]] = field(default_factory=dict)  # USD / 1M tokens
    mcp_timeout_seconds: float = 10.0  # the whole of one MCP discovery: start, initialize, list
    secret_keys: tuple[str, ...] = ()  # TRADEGRAPH_SECRET_KEYS, newest first (resolvers/secrets)
    secret_key_file: str | None = None  # else this key file; neither: a key per lab (tests)


@dataclass
class Lab:
    feed: MarketFeed
    exchange: PaperExchange
    clock: MarketClock = field(default_factory=MarketClock)
    config: LabConfig = field(default_factory=LabConfig)
    model_lists: ModelListCache = field(default_factory=ModelListCache)  # HTTP providers' lists
    sandbox: SandboxRuns = field(default_factory=SandboxRuns)  # this process's sandbox runs
    _secrets: SecretStore | None = field(default=None, repr=False)
    # whether each in-process service runs, by component name (scheduler, job_workers, bots,
    # event_bus): the server registers them at start (server/lifespan.py), resolvers/health.py
    # reads them; a component with no entry is reported disabled
    running: dict[str, Callable[[], bool]] = field(default_factory=dict, repr=False)

    @property
    def secrets(self) -> SecretStore:
        """The key ring for stored secrets, built from the config on first use."""
        if self._secrets is None:
            self._secrets = build_store(self.config.secret_keys, self.config.secret_key_file)
        return self._secrets


def build_lab(
    feed: MarketFeed | None = None,
    *,
    clock: MarketClock | None = None,
    config: LabConfig | None = None,
) -> Lab:
    """A lab over `feed` (the process feed by default) with a fresh paper exchange."""
    config = config or LabConfig()
    market = feed or default_feed()
    return Lab(
        feed=market,
        exchange=PaperExchange(market, capital=config.paper_capital),
        clock=clock or MarketClock(),
        config=config,
    )
