"""The `tradegraph` command: serve, migrate, schema, routes, codegen, datasets."""

from __future__ import annotations

import argparse
import errno
import logging
import math
import socket
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from server import devkeys
from server.settings import Settings, SettingsError, load_settings


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="run the server",
        description="Run Tradegraph. Every option defaults to its environment variable.",
    )
    p.add_argument("--host", dest="bind_host", help="bind address [FORVEN_BIND_HOST, 127.0.0.1]")
    p.add_argument("--port", type=int, help="listen port [FORVEN_PORT, 8003]")
    p.add_argument(
        "--database-url",
        help="sqlite+aiosqlite:///FILE or postgresql+psycopg://... "
        "[TRADEGRAPH_DATABASE_URL, SQLite under the data dir]",
    )
    p.add_argument(
        "--broadcast-url",
        help="memory:// or redis://HOST:PORT [TRADEGRAPH_BROADCAST_URL, memory://]",
    )
    p.add_argument("--data-dir", type=Path, help="data directory [TRADEGRAPH_DATA_DIR, ./data]")
    p.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="seed demo data on an empty database [TRADEGRAPH_DEMO, on]",
    )
    p.add_argument("--demo-seed", type=int, help="demo market seed [TRADEGRAPH_DEMO_SEED, 7]")
    p.add_argument("--demo-days", type=int, help="demo history span [TRADEGRAPH_DEMO_DAYS, 30]")
    p.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="log level [TRADEGRAPH_LOG_LEVEL, info]",
    )
    p.add_argument(
        "--dev",
        action="store_true",
        help="development start (what `make serve` runs): serve with a key pair kept in "
        f"<data dir>/{devkeys.FILE_NAME} (made 0600 on first run, reused after; "
        "FORVEN_API_KEY and FORVEN_OPERATOR_KEY still win), and print the keys, a curl line "
        "and the GraphiQL URL once the server listens",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tradegraph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    m = sub.add_parser("migrate", help="apply database migrations and exit")
    m.add_argument("--database-url", help="database to migrate [TRADEGRAPH_DATABASE_URL]")
    m.add_argument("--data-dir", type=Path, help="data directory [TRADEGRAPH_DATA_DIR]")
    sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    sub.add_parser("routes", help="list every documented REST route with its state and coverage")
    c = sub.add_parser(
        "codegen", help="regenerate files from the route catalog (same as python -m codegen)"
    )
    c.add_argument("--check", action="store_true", help="exit 1 if any generated file is stale")
    _datasets_parser(sub)
    return parser


def _datasets_parser(sub: Any) -> None:
    from resolvers.research.timeframes import TIMEFRAMES

    d = sub.add_parser("datasets", help="OHLCV datasets in the database")
    verbs = d.add_subparsers(dest="verb", required=True)
    i = verbs.add_parser(
        "import",
        help="import an OHLCV CSV file (replaces the symbol's csv dataset of that timeframe)",
        description="Columns ts (or time, timestamp: epoch s, epoch ms or ISO 8601), open, "
        "high, low, close, volume. A file with any defect is refused with a report naming "
        "its rows, and nothing is stored.",
    )
    i.add_argument("file", type=Path, help="the CSV file")
    i.add_argument("--symbol", required=True, help="the market, e.g. BTC-USD")
    i.add_argument("--timeframe", required=True, choices=TIMEFRAMES, help="the bar interval")
    i.add_argument("--database-url", help="database to import into [TRADEGRAPH_DATABASE_URL]")
    i.add_argument("--data-dir", type=Path, help="data directory [TRADEGRAPH_DATA_DIR]")


def print_routes() -> int:
    from codegen.catalog import ROUTES, coverage

    width = max(len(r.path) for r in ROUTES)
    for route in ROUTES:
        print(
            f"{route.method:6} {route.path:{width}}  {route.state:11}  {route.auth:8}  {route.api}"
        )
    served, documented = coverage()
    implemented = sum(1 for r in ROUTES if r.state == "implemented")
    transport = served - implemented
    print(
        f"coverage: {served}/{documented} documented routes served "
        f"({implemented} generated and implemented, {transport} transport), "
        f"{documented - served} planned (answer 501 NOT_IMPLEMENTED)"
    )
    return 0


def _settings(args: argparse.Namespace, **fixed: object) -> Settings:
    keys = (
        "bind_host",
        "port",
        "database_url",
        "broadcast_url",
        "data_dir",
        "demo",
        "demo_seed",
        "demo_days",
        "log_level",
    )
    overrides = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    return load_settings(**overrides, **fixed)


def dev_settings(args: argparse.Namespace) -> tuple[Settings, devkeys.DevKeys]:
    """`serve --dev`: the settings with the data dir's key pair filling each key the
    environment leaves unset. A first read finds the data dir and the environment's keys
    (FORVEN_AUTH_REQUIRED waits for the second, which has both keys)."""
    probe = _settings(args, auth_required=False)
    dev = devkeys.resolve(
        probe.data_dir, env_api_key=probe.api_key, env_operator_key=probe.operator_key
    )
    keys = {"api_key": dev.keys.api_key, "operator_key": dev.keys.operator_key}
    return _settings(args, **keys), dev


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def serve(settings: Settings, dev: devkeys.DevKeys | None = None) -> int:
    import uvicorn

    from server.app import create_app
    from server.shutdown import GracefulServer

    if port_in_use(settings.bind_host, settings.port):
        print(
            f"tradegraph: port {settings.port} on {settings.bind_host} is already in use "
            "(set FORVEN_PORT or --port to another port)",
            file=sys.stderr,
        )
        return 1
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.bind_host,
        port=settings.port,
        log_level=settings.log_level,
        lifespan="on",
        ws="websockets-sansio",
        # No permessage-deflate: feed frames are ~200 bytes, so compression saves little and
        # costs ~20 us per frame per client and ~44 KB per socket (BENCHMARKS.md, live feed:
        # p99 68 -> 49 ms at 1,000 clients). Clients that offer it simply do without.
        ws_per_message_deflate=False,
        # uvicorn takes whole seconds here; round up so that a short grace never becomes 0
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_seconds),
    )
    on_started: Callable[[], None] | None = None
    if dev is not None:
        text = devkeys.banner(dev, devkeys.base_url(settings.bind_host, settings.port))
        on_started = partial(print, text, flush=True)

    # POST /api/shutdown ends here through the exit hook GracefulServer sets on the coordinator
    GracefulServer(config, app.state.shutdown, on_started=on_started).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "routes":
        return print_routes()
    if args.command == "codegen":
        from codegen.__main__ import main as codegen_main

        return codegen_main(["--check"] if args.check else [])
    if args.command == "schema":
        from schema.root import build_schema

        print(build_schema().as_str())
        return 0
    dev: devkeys.DevKeys | None = None
    try:
        if getattr(args, "dev", False):
            settings, dev = dev_settings(args)
        else:
            settings = _settings(args)
    except (SettingsError, devkeys.DevKeysError) as exc:
        print(f"tradegraph: {exc}", file=sys.stderr)
        return 2
    if args.command == "datasets":
        from server.cli_datasets import import_dataset

        return import_dataset(
            settings, path=args.file, symbol=args.symbol, timeframe=args.timeframe
        )
    if args.command == "migrate":
        from storage.migrate import upgrade_sync

        upgrade_sync(settings.resolved_database_url)
        print(f"migrated {settings.resolved_database_url}")
        return 0
    return serve(settings, dev)


if __name__ == "__main__":
    sys.exit(main())
