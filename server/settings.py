"""Process settings, read once from the environment (the seed's FORVEN_* plus TRADEGRAPH_*)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from resolvers.access import KeyConfig
from resolvers.quant.battery_setup import battery_thresholds
from resolvers.secrets import parse_keys

DEFAULT_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
DEFAULT_CORS_ORIGINS = ["http://127.0.0.1:5173", "http://localhost:5173"]
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every knob the server reads; field aliases are the environment variable names."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    port: int = Field(8003, ge=1, le=65535, alias="FORVEN_PORT")
    bind_host: str = Field("127.0.0.1", min_length=1, alias="FORVEN_BIND_HOST")
    allowed_hosts: CommaList = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS), alias="FORVEN_ALLOWED_HOSTS"
    )
    cors_origins: CommaList = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS), alias="FORVEN_CORS_ORIGINS"
    )
    api_key: str | None = Field(None, alias="FORVEN_API_KEY")
    operator_key: str | None = Field(None, alias="FORVEN_OPERATOR_KEY")
    auth_required: bool = Field(False, alias="FORVEN_AUTH_REQUIRED")
    webhook_secret: str | None = Field(None, alias="FORVEN_WEBHOOK_SECRET")

    # "packaged" is the desktop build: webhooks are off there, as the seed documents.
    build: Literal["dev", "packaged"] = Field("dev", alias="TRADEGRAPH_BUILD")
    legacy_rewrite: bool = Field(True, alias="TRADEGRAPH_LEGACY_REWRITE")
    # SlowAPI limit string per client address; empty switches the limiter off.
    rate_limit: str = Field("600/second", alias="TRADEGRAPH_RATE_LIMIT")
    webhook_tolerance_seconds: int = Field(300, ge=1, le=3600, alias="TRADEGRAPH_WEBHOOK_TOLERANCE")
    max_subscriptions_per_connection: int = Field(
        20, ge=1, le=1000, alias="TRADEGRAPH_MAX_SUBSCRIPTIONS"
    )
    # requests whose body is larger are refused (413) before anything reads them
    max_body_bytes: int = Field(1_048_576, ge=1024, alias="TRADEGRAPH_MAX_BODY_BYTES")
    shutdown_grace_seconds: float = Field(10.0, gt=0, le=600, alias="TRADEGRAPH_SHUTDOWN_GRACE")
    # seconds between keep-alive pings (SSE comments) on a deep-dive chat stream
    deepdive_ping_seconds: float = Field(15.0, gt=0, le=600, alias="TRADEGRAPH_DEEPDIVE_PING")

    data_dir: Path = Field(Path("data"), alias="TRADEGRAPH_DATA_DIR")
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("TRADEGRAPH_DATABASE_URL", "database_url"),
    )
    broadcast_url: str = Field("memory://", alias="TRADEGRAPH_BROADCAST_URL")
    demo: bool = Field(True, alias="TRADEGRAPH_DEMO")
    demo_seed: int = Field(7, alias="TRADEGRAPH_DEMO_SEED")
    demo_days: int = Field(30, ge=1, le=3650, alias="TRADEGRAPH_DEMO_DAYS")
    # The background scheduler (server/scheduler.py): off, no job runs in this process (tests
    # that drive jobs themselves; an instance that only serves requests).
    scheduler: bool = Field(True, alias="TRADEGRAPH_SCHEDULER")
    # The Halyrd agents' runtime (the scheduler's agent_tick job): one step per agent every
    # tick, on the seeded synthetic market or on <SYMBOL>.csv files from TRADEGRAPH_OHLCV_DIR.
    # The job's first interval; 0 creates it disabled (PATCH /api/scheduler/agent_tick).
    agent_tick_seconds: float = Field(60.0, ge=0, le=86_400, alias="TRADEGRAPH_AGENT_TICK_SECONDS")
    # The job runner (server/workers.py): worker tasks claiming queued jobs (gauntlet steps,
    # fetches, brain tasks) and a sweeper. Off, this process runs and recovers no job (an
    # instance that only serves requests; tests that run jobs themselves). A lease lasts
    # TRADEGRAPH_JOB_LEASE_SECONDS, renewed every third of it; a running job whose lease expired
    # or whose heartbeat is older than TRADEGRAPH_JOB_STALE_SECONDS is stale and re-queued by the
    # sweeper (at start and every TRADEGRAPH_JOB_SWEEP_SECONDS). CPU-bound bodies run in a pool
    # of TRADEGRAPH_JOB_POOL_SIZE spawned processes (unset: one per CPU), started on first use.
    jobs: bool = Field(True, alias="TRADEGRAPH_JOBS")
    job_workers: int = Field(2, ge=1, le=64, alias="TRADEGRAPH_JOB_WORKERS")
    job_lease_seconds: float = Field(30.0, ge=1, le=3600, alias="TRADEGRAPH_JOB_LEASE_SECONDS")
    job_stale_seconds: float = Field(60.0, ge=1, le=86_400, alias="TRADEGRAPH_JOB_STALE_SECONDS")
    job_sweep_seconds: float = Field(15.0, ge=0.1, le=3600, alias="TRADEGRAPH_JOB_SWEEP_SECONDS")
    job_pool_size: int | None = Field(None, ge=1, le=256, alias="TRADEGRAPH_JOB_POOL_SIZE")
    # The bot supervisor (server/bot_supervisor.py): runs the bot factory's running bots where
    # the scheduler runs (TRADEGRAPH_SCHEDULER and TRADEGRAPH_BOTS): a pass every
    # BOT_PASS_SECONDS, each bot stepped every BOT_STEP_SECONDS; a dead task is restarted after
    # BOT_BACKOFF_SECONDS x 2^(n-1) (at most BOT_BACKOFF_MAX_SECONDS); the BOT_MAX_FAILURES-th
    # death within BOT_FAILURE_WINDOW_SECONDS marks the bot failed; a task silent for
    # BOT_STALE_SECONDS is dead.
    bots: bool = Field(True, alias="TRADEGRAPH_BOTS")
    bot_pass_seconds: float = Field(1.0, gt=0, le=3600, alias="TRADEGRAPH_BOT_PASS_SECONDS")
    bot_step_seconds: float = Field(5.0, gt=0, le=86_400, alias="TRADEGRAPH_BOT_STEP_SECONDS")
    bot_stale_seconds: float = Field(60.0, gt=0, le=86_400, alias="TRADEGRAPH_BOT_STALE_SECONDS")
    bot_backoff_seconds: float = Field(1.0, ge=0, le=3600, alias="TRADEGRAPH_BOT_BACKOFF_SECONDS")
    bot_backoff_max_seconds: float = Field(
        60.0, ge=0, le=86_400, alias="TRADEGRAPH_BOT_BACKOFF_MAX_SECONDS"
    )
    bot_max_failures: int = Field(5, ge=1, le=1000, alias="TRADEGRAPH_BOT_MAX_FAILURES")
    bot_failure_window_seconds: float = Field(
        600.0, gt=0, le=86_400 * 7, alias="TRADEGRAPH_BOT_FAILURE_WINDOW_SECONDS"
    )
    market_seed: int = Field(7, alias="TRADEGRAPH_MARKET_SEED")
    ohlcv_dir: Path | None = Field(None, alias="TRADEGRAPH_OHLCV_DIR")
    log_level: str = Field("info", alias="TRADEGRAPH_LOG_LEVEL")
    # The Forven lab (server/lab.py): market clock speed (1 = wall clock), paper account,
    # live routing (off: the build is paper-locked and POST /api/execution-mode refuses live),
    # hypothesis spawn limits, URL fetching for hypotheses, symbols always on the live feed.
    market_speed: float = Field(1.0, gt=0, le=1_000_000, alias="TRADEGRAPH_MARKET_SPEED")
    paper_capital: float = Field(100_000.0, gt=0, le=1e12, alias="TRADEGRAPH_PAPER_CAPITAL")
    live_trading: bool = Field(False, alias="TRADEGRAPH_LIVE_TRADING")
    spawn_per_run: int = Field(6, ge=1, le=1000, alias="TRADEGRAPH_SPAWN_PER_RUN")
    spawn_window_limit: int = Field(20, ge=1, le=100_000, alias="TRADEGRAPH_SPAWN_WINDOW_LIMIT")
    spawn_window_hours: float = Field(24.0, gt=0, le=8760, alias="TRADEGRAPH_SPAWN_WINDOW_HOURS")
    fetch_timeout_seconds: float = Field(5.0, gt=0, le=120, alias="TRADEGRAPH_FETCH_TIMEOUT")
    fetch_max_bytes: int = Field(
        1_000_000, ge=1024, le=50_000_000, alias="TRADEGRAPH_FETCH_MAX_BYTES"
    )
    tick_symbols: CommaList = Field(
        default_factory=lambda: ["BTC-USD", "ETH-USD"], alias="TRADEGRAPH_TICK_SYMBOLS"
    )
    # POST /api/fetch: HyperLiquid's public API (an http(s) base URL, /info is appended) and
    # the timeout of each of its requests (a fetch pages through up to ten).
    hyperliquid_url: str = Field(
        "https://api.hyperliquid.xyz", pattern=r"^https?://\S+$", alias="TRADEGRAPH_HYPERLIQUID_URL"
    )
    hyperliquid_timeout_seconds: float = Field(
        10.0, gt=0, le=120, alias="TRADEGRAPH_HYPERLIQUID_TIMEOUT"
    )
    # POST /api/fetch answers the dataset itself for a range of at most this many bars (two
    # pages of HyperLiquid's 500, a few seconds); a longer range becomes a `fetch` job and the
    # answer a 202 with its id. 0 sends every fetch to a job.
    fetch_inline_bars: int = Field(1_000, ge=0, le=5_000, alias="TRADEGRAPH_FETCH_INLINE_BARS")
    # The verdict battery's gates and parameters (resolvers/quant/battery_setup.py
    # BatteryThresholds): a JSON object overriding any of its fields, e.g.
    # TRADEGRAPH_VERDICT_THRESHOLDS='{"min_trades": 50, "significance": 0.99}'. An unknown
    # field or a value out of range refuses to start, naming it. GET /verdict/guide shows them.
    verdict_thresholds: dict[str, Any] = Field(
        default_factory=dict, alias="TRADEGRAPH_VERDICT_THRESHOLDS"
    )

    # Models (resolvers/models/): an OpenAI-compatible provider (`openai` in the model policy)
    # when a base URL is set (its /v1/models and /v1/chat/completions), its bearer key, the
    # timeout of each request, how long its model list is cached, and per-model prices in USD
    # per million tokens, e.g. TRADEGRAPH_OPENAI_PRICES='{"gpt-4o-mini": [0.15, 0.6]}'
    # ([prompt, completion]); an unpriced model's calls are recorded with cost 0, priced false.
    openai_base_url: str | None = Field(
        None, pattern=r"^https?://\S+$", alias="TRADEGRAPH_OPENAI_BASE_URL"
    )
    openai_api_key: str | None = Field(None, alias="TRADEGRAPH_OPENAI_API_KEY")
    openai_timeout_seconds: float = Field(30.0, gt=0, le=600, alias="TRADEGRAPH_OPENAI_TIMEOUT")
    model_list_ttl_seconds: float = Field(300.0, ge=0, le=86_400, alias="TRADEGRAPH_MODEL_LIST_TTL")
    openai_prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict, alias="TRADEGRAPH_OPENAI_PRICES"
    )

    # MCP (resolvers/mcp/): the deadline of one live tool discovery (start or connect,
    # initialize, list), and the key ring sealing stored secrets (MCP env and headers):
    # comma-separated Fernet keys, newest first; unset, a key file <data dir>/secret.key is
    # created on first use with mode 0600 (resolvers/secrets.py says how to rotate).
    mcp_timeout_seconds: float = Field(10.0, gt=0, le=300, alias="TRADEGRAPH_MCP_TIMEOUT")
    secret_keys: CommaList = Field(default_factory=list, alias="TRADEGRAPH_SECRET_KEYS")

    @field_validator("agent_tick_seconds")
    @classmethod
    def _tick_interval(cls, value: float) -> float:
        if 0 < value < 0.1:
            raise ValueError("expected 0 (agent_tick disabled) or at least 0.1 seconds")
        return value

    @field_validator("allowed_hosts", "cors_origins", "tick_symbols", "secret_keys", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator(
        "api_key",
        "operator_key",
        "webhook_secret",
        "openai_base_url",
        "openai_api_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith(("postgresql+asyncpg", "asyncpg")):
            raise ValueError("asyncpg is not supported; use postgresql+psycopg://")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("expected sqlite+aiosqlite:// or postgresql+psycopg://")
        return value

    @field_validator("broadcast_url")
    @classmethod
    def _supported_broadcast(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("expected memory:// or redis://")
        return value

    @field_validator("verdict_thresholds")
    @classmethod
    def _thresholds(cls, value: dict[str, Any]) -> dict[str, Any]:
        battery_thresholds(value)  # refuses what BatteryThresholds would
        return value

    @field_validator("secret_keys")
    @classmethod
    def _fernet_keys(cls, value: list[str]) -> list[str]:
        try:
            parse_keys(",".join(value))
        except ValueError:
            raise ValueError(
                "expected comma-separated Fernet keys (32 url-safe base64-encoded bytes each)"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("expected one of critical, error, warning, info, debug")
        return value.lower()

    @model_validator(mode="after")
    def _stale_after_heartbeats(self) -> Settings:
        # a running job heartbeats every third of its lease: a shorter staleness would take
        # live jobs from their owners between two beats
        if self.job_stale_seconds < self.job_lease_seconds * 2 / 3:
            raise ValueError(
                "TRADEGRAPH_JOB_STALE_SECONDS must be at least two heartbeats "
                "(2/3 of TRADEGRAPH_JOB_LEASE_SECONDS)"
            )
        return self

    @model_validator(mode="after")
    def _keys_when_required(self) -> Settings:
        if self.auth_required and not (self.api_key and self.operator_key):
            missing = [
                name
                for name, value in (
                    ("FORVEN_API_KEY", self.api_key),
                    ("FORVEN_OPERATOR_KEY", self.operator_key),
                )
                if not value
            ]
            raise ValueError(
                "FORVEN_AUTH_REQUIRED=true needs FORVEN_API_KEY and FORVEN_OPERATOR_KEY; "
                f"missing {' and '.join(missing)}"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under the data dir."""
        if self.database_url:
            if self.database_url.startswith("postgresql://"):
                return "postgresql+psycopg://" + self.database_url.removeprefix("postgresql://")
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tradegraph.db').resolve()}"

    @property
    def loopback_bound(self) -> bool:
        return self.bind_host in LOOPBACK_HOSTS

    @property
    def halyrd_open(self) -> bool:
        """Halyrd routes are open, as their seed documents, only on loopback without
        FORVEN_AUTH_REQUIRED (DESIGN.md, Auth); otherwise they take the Forven keys."""
        return self.loopback_bound and not self.auth_required

    @property
    def keys(self) -> KeyConfig:
        return KeyConfig(self.api_key, self.operator_key, self.halyrd_open)


class SettingsError(Exception):
    """A bad environment value, worded as the one line start-up prints."""


def load_settings(**overrides: object) -> Settings:
    """Read the environment (plus explicit overrides) and turn validation errors into one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if not first["loc"]:  # a whole-model rule: its message names the variables itself
        return str(first["msg"]).removeprefix("Value error, ")
    field = str(first["loc"][0]) if first["loc"] else "?"
    info = Settings.model_fields.get(field)
    name = (info.alias if info and info.alias else field) if info else field
    if field == "database_url":
        name = "TRADEGRAPH_DATABASE_URL"
    value = first.get("input")
    secret = {"FORVEN_API_KEY", "FORVEN_OPERATOR_KEY", "FORVEN_WEBHOOK_SECRET"}
    shown = "" if name in secret else f" (got {value!r})"
    return f"invalid {name}{shown}: {first['msg']}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
