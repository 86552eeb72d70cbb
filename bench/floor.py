"""The per-request floor (issue 13): Tradegraph against minimal reference apps, one run.

Usage: .venv/bin/python bench/floor.py [--seconds 5] [--connections 16] [--threads 1]
       [--rounds 3] [--postgres postgresql://USER@HOST:PORT/DB] [--json FILE]
       [--demo-days 5] [--scheduler]
Needs wrk (apt-get install -y wrk). Starts, each on a free port:

- Tradegraph: `tradegraph serve` (SQLite in a temp data dir, 5 days of demo data, the keys and
  no rate limit of bench/wrk.py KEYED, background jobs off unless --scheduler), then adds
  strategies through its write routes until a 100-item page is full (120, like
  bench/generated_vs_handwritten.py);
- the reference apps of bench/ on Tradegraph's own SQLite file (`<data dir>/tradegraph.db`):
  plain FastAPI (bench/ref_fastapi.py), FastAPI + SQLAlchemy async + aiosqlite
  (bench/ref_fastapi_sa.py), Starlette + stdlib sqlite3 + orjson (bench/ref_sqlite.py), all
  served by uvicorn as `tradegraph serve` serves (bench/refkit.py);
- Tradegraph with two probe routes at the two ends of its route table (bench/position_app.py,
  its own empty database, no demo data), for the route-position check;
- with --postgres: a second Tradegraph on a fresh schema of that database (demo data, 120
  strategies) and raw psycopg (bench/ref_psycopg.py) on the same schema; the schema is
  dropped afterwards.

Before measuring it checks that each reference route answers the same bytes as Tradegraph's
(`check_answers`, also run by tests/bench/test_floor_refs.py), that the pages hold 100 items
and that the GraphQL answers carry data. The GraphQL page, `strategies(first: 100)`, selects
`totalCount`, `pageInfo { hasNextPage endCursor }` and `nodes` with every field of the REST
page's items; the small query is `{ health { status } }`; both are JSON POSTs.

Then every scenario runs under `wrk -t1 -c16` for --seconds, in --rounds rounds; the order is
reversed every other round and the members of a comparison run next to each other, so drift
hits both alike. It prints each scenario's median and rounds, then the ratios issue 13 asks
for (of the medians) with their goals and their spread (the pair's ratio within each round),
as markdown tables ready for BENCHMARKS.md; --json FILE also writes them as JSON.

Background jobs are off by default (`TRADEGRAPH_SCHEDULER=false`): they would take CPU from
Tradegraph alone and rewrite rows (the agent's heartbeat) between the answer check and the
runs; the request path is the same either way.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generated_vs_handwritten import seed_strategies  # noqa: E402
from bench.position_app import FIRST, LAST  # noqa: E402
from bench.wrk import BENCH_KEYS, KEYED, Scenario, require_wrk, run  # noqa: E402
from tests.e2e.server import free_port, running_process  # noqa: E402

PAGE = 100
HEALTH_BODY = b'{"status":"ok"}'
AGENT_PATH = "/agents/seed"
PAGE_PATH = f"/api/strategies?limit={PAGE}"
STRATEGY_FIELDS = (
    "id hypothesisId name family symbol timeframe params stage status source createdAt updatedAt"
)
GRAPHQL_PAGE = (
    f"{{ strategies(first: {PAGE}) {{ totalCount pageInfo {{ hasNextPage endCursor }} "
    f"nodes {{ {STRATEGY_FIELDS} }} }} }}"
)
GRAPHQL_HEALTH = "{ health { status } }"
# Every server process imports this tree first, wherever the runner is started from (the
# virtualenv's editable install may point at another checkout).
TREE = {"PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
# what the Tradegraph servers need beside the keys: the strategies they seed share one
# hypothesis, past the default spawn window
SERVER_ENV = {
    **TREE,
    **KEYED,
    "TRADEGRAPH_SPAWN_WINDOW_LIMIT": "1000",
    "TRADEGRAPH_SPAWN_PER_RUN": "1000",
}


SERVER_NAMES = {
    "tradegraph": "Tradegraph (SQLite)",
    "fastapi": "plain FastAPI",
    "fastapi_sa": "FastAPI + SQLAlchemy + aiosqlite",
    "sqlite": "Starlette + sqlite3 + orjson",
    "position": "Tradegraph + position probes",
    "tradegraph_pg": "Tradegraph (PostgreSQL)",
    "psycopg": "Starlette + psycopg + orjson",
}


@dataclass(frozen=True)
class Case:
    """One wrk scenario against one of the servers; `request` is how tables show it."""

    key: str
    server: str
    scenario: Scenario
    request: str


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator, with the goal issue 13 sets for it (None: reported only)."""

    label: str
    numerator: str
    denominator: str
    goal: str
    met: Callable[[float], bool] | None


def _case(
    key: str, server: str, path: str, query: str | None = None, shown: str | None = None
) -> Case:
    """A GET of `path`, or with `query` a GraphQL POST to it (`shown` in tables, if given)."""
    request = f"POST {path} {shown or query}" if query else f"GET {path}"
    body: dict[str, object] | None = {"query": query} if query else None
    return Case(key, server, Scenario(f"{server} {request}", path, body), request)


SQLITE_CASES = (
    _case("fastapi_health", "fastapi", "/api/health"),
    _case("tg_health", "tradegraph", "/api/health"),
    _case("tg_graphql_health", "tradegraph", "/graphql", GRAPHQL_HEALTH),
    _case("tg_agent", "tradegraph", AGENT_PATH),
    _case("sqlite_agent", "sqlite", AGENT_PATH),
    _case("sa_agent", "fastapi_sa", AGENT_PATH),
    _case("tg_page", "tradegraph", PAGE_PATH),
    _case("sqlite_page", "sqlite", PAGE_PATH),
    _case("sa_page", "fastapi_sa", PAGE_PATH),
    _case("tg_graphql_page", "tradegraph", "/graphql", GRAPHQL_PAGE, f"strategies(first: {PAGE})"),
    _case("position_first", "position", FIRST),
    _case("position_last", "position", LAST),
)
POSTGRES_CASES = (
    _case("pg_tg_agent", "tradegraph_pg", AGENT_PATH),
    _case("pg_raw_agent", "psycopg", AGENT_PATH),
    _case("pg_tg_page", "tradegraph_pg", PAGE_PATH),
    _case("pg_raw_page", "psycopg", PAGE_PATH),
)


def _at_least(goal: float) -> Callable[[float], bool]:
    return lambda ratio: ratio >= goal


RATIOS = (
    Ratio(
        "`GET /api/health`: Tradegraph / plain FastAPI",
        "tg_health",
        "fastapi_health",
        ">= 0.85",
        _at_least(0.85),
    ),
    Ratio(
        "`GET /agents/seed` (one row): Tradegraph / Starlette + sqlite3",
        "tg_agent",
        "sqlite_agent",
        ">= 0.5 (stretch 0.75)",
        _at_least(0.5),
    ),
    Ratio(
        "`GET /agents/seed` (one row): Tradegraph / FastAPI + SQLAlchemy + aiosqlite",
        "tg_agent",
        "sa_agent",
        "-",
        None,
    ),
    Ratio(
        f"`GET /api/strategies?limit={PAGE}`: Tradegraph / Starlette + sqlite3",
        "tg_page",
        "sqlite_page",
        ">= 0.5 (stretch 0.75)",
        _at_least(0.5),
    ),
    Ratio(
        f"`GET /api/strategies?limit={PAGE}`: Tradegraph / FastAPI + SQLAlchemy + aiosqlite",
        "tg_page",
        "sa_page",
        "-",
        None,
    ),
    Ratio(
        f"`POST /graphql` strategies(first: {PAGE}) / REST page",
        "tg_graphql_page",
        "tg_page",
        ">= 0.7",
        _at_least(0.7),
    ),
    Ratio(
        "`POST /graphql { health { status } }` / REST health",
        "tg_graphql_health",
        "tg_health",
        ">= 0.6",
        _at_least(0.6),
    ),
    Ratio(
        "route position: last route / first route (same handler)",
        "position_last",
        "position_first",
        "0.95 to 1.05",
        lambda ratio: abs(ratio - 1) < 0.05,
    ),
    Ratio(
        "PostgreSQL `GET /agents/seed`: Tradegraph / raw psycopg",
        "pg_tg_agent",
        "pg_raw_agent",
        "-",
        None,
    ),
    Ratio(
        f"PostgreSQL `GET /api/strategies?limit={PAGE}`: Tradegraph / raw psycopg",
        "pg_tg_page",
        "pg_raw_page",
        "-",
        None,
    ),
)
# the bodies that must be equal before anything is measured: (path, Tradegraph, reference)
SAME_ANSWERS = (
    ("/api/health", "tradegraph", "fastapi"),
    (AGENT_PATH, "tradegraph", "sqlite"),
    (AGENT_PATH, "tradegraph", "fastapi_sa"),
    (PAGE_PATH, "tradegraph", "sqlite"),
    (PAGE_PATH, "tradegraph", "fastapi_sa"),
    (AGENT_PATH, "tradegraph_pg", "psycopg"),
    (PAGE_PATH, "tradegraph_pg", "psycopg"),
)


def postgres_schema_url(base: str, schema: str) -> str:
    """`base` as a psycopg SQLAlchemy URL whose search_path is `schema` (as tests do)."""
    url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A fresh schema in the database at `base`, dropped afterwards; yields its URL."""
    import psycopg

    schema = f"floor_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_schema_url(base, schema)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _start(stack: ExitStack, module: str, *args: str, env: dict[str, str] = TREE) -> str:
    """`python -m <module> ... --port P` from this tree, healthy; its base URL."""
    port = free_port()
    command = [sys.executable, "-m", module, *args, "--port", str(port)]
    return stack.enter_context(running_process(command, port, env=env, cwd=ROOT))


def _tradegraph(
    stack: ExitStack, data_dir: Path, demo_days: int, env: dict[str, str], *extra: str
) -> str:
    """`tradegraph serve` with demo data, filled up to a full page of strategies."""
    base = _start(
        stack, "server.cli", "serve", "--data-dir", str(data_dir), "--demo-days", str(demo_days),
        "--log-level", "error", *extra, env=env,
    )  # fmt: skip
    with httpx.Client(base_url=base, timeout=60, headers=BENCH_KEYS) as client:
        seed_strategies(client)
    return base


@contextmanager
def servers(
    folder: Path,
    *,
    postgres: str | None = None,
    sqlite: bool = True,
    demo_days: int = 5,
    scheduler: bool = False,
) -> Iterator[dict[str, str]]:
    """The servers of a run, started and healthy, by name (base URLs): the SQLite set unless
    `sqlite` is false, the PostgreSQL pair on a fresh schema of `postgres` when it is given."""
    env = {**SERVER_ENV, "TRADEGRAPH_SCHEDULER": "true" if scheduler else "false"}
    bases: dict[str, str] = {}
    with ExitStack() as stack:
        if sqlite:
            data_dir = folder / "tradegraph"
            bases["tradegraph"] = _tradegraph(stack, data_dir, demo_days, env)
            db = str(data_dir / "tradegraph.db")
            bases["fastapi"] = _start(stack, "bench.ref_fastapi")
            bases["fastapi_sa"] = _start(stack, "bench.ref_fastapi_sa", "--db", db)
            bases["sqlite"] = _start(stack, "bench.ref_sqlite", "--db", db)
            bases["position"] = _start(
                stack, "bench.position_app", "serve", "--data-dir", str(folder / "position"),
                "--no-demo", "--log-level", "error", env=env,
            )  # fmt: skip
        if postgres:
            url = stack.enter_context(postgres_schema(postgres))
            pg_dir = folder / "tradegraph_pg"
            bases["tradegraph_pg"] = _tradegraph(
                stack, pg_dir, demo_days, env, "--database-url", url
            )
            bases["psycopg"] = _start(stack, "bench.ref_psycopg", "--db", url)
        yield bases


class WrongAnswer(RuntimeError):
    """A server answered something other than what the comparison needs."""


def _get(client: httpx.Client, base: str, path: str) -> bytes:
    response = client.get(base + path)
    if response.status_code != 200:
        raise WrongAnswer(f"GET {base}{path}: {response.status_code} {response.text[:300]}")
    return response.content


def _graphql(client: httpx.Client, base: str, query: str) -> tuple[dict[str, Any], int]:
    response = client.post(base + "/graphql", json={"query": query})
    answer = response.json()
    if response.status_code != 200 or answer.get("errors") or not answer.get("data"):
        raise WrongAnswer(f"POST /graphql {query}: {response.status_code} {response.text[:300]}")
    return answer["data"], len(response.content)


def check_answers(bases: dict[str, str]) -> dict[str, int]:
    """Raise unless every reference route answers Tradegraph's bytes and each measured answer
    is what it should be; returns the body size of each case."""
    sizes: dict[str, int] = {}
    with httpx.Client(timeout=60, headers=BENCH_KEYS) as client:
        for path, ours, reference in SAME_ANSWERS:
            if ours not in bases or reference not in bases:
                continue
            expected = _get(client, bases[ours], path)
            answered = _get(client, bases[reference], path)
            if answered != expected:
                raise WrongAnswer(
                    f"GET {path}: {reference} answers differently from {ours}\n"
                    f"{ours}: {expected[:400]!r}\n{reference}: {answered[:400]!r}"
                )
            if path == PAGE_PATH and len(orjson.loads(expected)["items"]) != PAGE:
                raise WrongAnswer(f"GET {path} ({ours}): the page does not hold {PAGE} items")
        for probe in (FIRST, LAST):
            if "position" in bases and _get(client, bases["position"], probe) != HEALTH_BODY:
                raise WrongAnswer(f"GET {probe}: not the health body")
        if "tradegraph" in bases:
            data, sizes["tg_graphql_page"] = _graphql(client, bases["tradegraph"], GRAPHQL_PAGE)
            if len(data["strategies"]["nodes"]) != PAGE:
                raise WrongAnswer(f"GraphQL strategies(first: {PAGE}): not {PAGE} nodes")
            data, sizes["tg_graphql_health"] = _graphql(client, bases["tradegraph"], GRAPHQL_HEALTH)
            if data != {"health": {"status": "ok"}}:
                raise WrongAnswer(f"GraphQL {GRAPHQL_HEALTH}: {data}")
        for case in (*SQLITE_CASES, *POSTGRES_CASES):
            if case.server in bases and not case.scenario.json_body:
                sizes[case.key] = len(_get(client, bases[case.server], case.scenario.path))
    return sizes


def measure(
    bases: dict[str, str], cases: list[Case], *, seconds: float, connections: int, threads: int,
    rounds: int,
) -> dict[str, list[float]]:  # fmt: skip
    """Requests per second of every case, one value per round."""
    for case in cases:  # warm-up (psycopg prepares its statements after five runs)
        run(bases[case.server], case.scenario, seconds=1, connections=4)
    rates: dict[str, list[float]] = {case.key: [] for case in cases}
    for n in range(rounds):
        for case in cases if n % 2 == 0 else cases[::-1]:
            rps = run(
                bases[case.server],
                case.scenario,
                seconds=seconds,
                connections=connections,
                threads=threads,
            )
            rates[case.key].append(rps)
            print(f"  round {n + 1}: {case.scenario.name:62} {rps:9.0f} req/s", flush=True)
    return rates


def summarize(
    rates: dict[str, list[float]], cases: list[Case], sizes: dict[str, int]
) -> dict[str, Any]:
    scenarios = {
        case.key: {
            "server": case.server,
            "request": case.request,
            "query": (case.scenario.json_body or {}).get("query"),
            "bytes": sizes.get(case.key),
            "rounds": [round(v, 1) for v in rates[case.key]],
            "median": round(statistics.median(rates[case.key]), 1),
        }
        for case in cases
    }
    ratios = []
    for ratio in RATIOS:
        if ratio.numerator not in rates or ratio.denominator not in rates:
            continue
        value = statistics.median(rates[ratio.numerator]) / statistics.median(
            rates[ratio.denominator]
        )
        per_round = [
            a / b for a, b in zip(rates[ratio.numerator], rates[ratio.denominator], strict=True)
        ]
        ratios.append(
            {
                "label": ratio.label,
                "numerator": ratio.numerator,
                "denominator": ratio.denominator,
                "numerator_rps": scenarios[ratio.numerator]["median"],
                "denominator_rps": scenarios[ratio.denominator]["median"],
                "ratio": round(value, 3),
                "round_ratios": [round(r, 3) for r in per_round],
                "goal": ratio.goal,
                "met": None if ratio.met is None else ratio.met(value),
            }
        )
    return {"scenarios": scenarios, "ratios": ratios}


def markdown(summary: dict[str, Any]) -> str:
    lines = [
        "| measure | numerator req/s | denominator req/s | ratio (rounds) | goal | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in summary["ratios"]:
        spread = f"{min(r['round_ratios']):.2f}-{max(r['round_ratios']):.2f}"
        met = "-" if r["met"] is None else ("**yes**" if r["met"] else "no")
        lines.append(
            f"| {r['label']} | {r['numerator_rps']:,.0f} | {r['denominator_rps']:,.0f} "
            f"| **{r['ratio']:.2f}** ({spread}) | {r['goal']} | {met} |"
        )
    lines += [
        "",
        "| server | request | body bytes | req/s (median) | rounds |",
        "|---|---|---:|---:|---|",
    ]
    for s in summary["scenarios"].values():
        rounds = " / ".join(f"{v:,.0f}" for v in s["rounds"])
        size = "" if s["bytes"] is None else f"{s['bytes']:,}"
        lines.append(
            f"| {SERVER_NAMES[s['server']]} | `{s['request']}` | {size} | {s['median']:,.0f} "
            f"| {rounds} |"
        )
    return "\n".join(lines)


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = " (modified)" if git("status", "--porcelain", "--untracked-files=no") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="base URL of a PostgreSQL database for the pair")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--demo-days", type=int, default=5)
    parser.add_argument("--scheduler", action="store_true", help="keep background jobs on")
    args = parser.parse_args()
    require_wrk()
    cases = [*SQLITE_CASES, *(POSTGRES_CASES if args.postgres else ())]
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, servers(
        Path(tmp), postgres=args.postgres, demo_days=args.demo_days, scheduler=args.scheduler
    ) as bases:  # fmt: skip
        try:
            sizes = check_answers(bases)
        except WrongAnswer as exc:
            raise SystemExit(f"not measured: {exc}") from None
        print("every reference route answers Tradegraph's bytes; measuring", flush=True)
        rates = measure(
            bases,
            cases,
            seconds=args.seconds,
            connections=args.connections,
            threads=args.threads,
            rounds=args.rounds,
        )
    summary = {
        "date": started.isoformat(timespec="seconds"),
        "commit": _commit(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "wrk": f"-t{args.threads} -c{args.connections} -d{max(1, round(args.seconds))}s",
        "rounds": args.rounds,
        **summarize(rates, cases, sizes),
    }
    print()
    print(
        f"{summary['date']}, commit {summary['commit']}, wrk {summary['wrk']}, "
        f"{args.rounds} rounds, load average {summary['load_average_before']} -> "
        f"{summary['load_average_after']}"
    )
    print()
    print(markdown(summary))
    if args.json:
        args.json.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
