"""The TypeScript package (clients/api-types) type-checks against real answers: answers of a
running `tradegraph serve` (both seeds, nested objects, pages, errors) are written into a .ts
file as constants typed by the package's `Routes` map, and strict tsc must accept them (issue 13,
item 3). Object literals get TypeScript's excess-property check, so a key the types do not
declare fails as much as a wrong type; the `@ts-expect-error` lines prove nested values are
typed (not `unknown`).

Skipped, saying so, where npx is missing or the npm registry is unreachable.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.codegen.test_emitters import tsc_ok
from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"x-api-key": "ts-api-key", "x-operator-key": "ts-operator-key"}
ENV = {
    "FORVEN_API_KEY": KEYS["x-api-key"],
    "FORVEN_OPERATOR_KEY": KEYS["x-operator-key"],
    "TRADEGRAPH_RATE_LIMIT": "",
}


def _fill_ids_as_text(page: Any) -> Any:
    fill = next(e for e in page["entries"] if e["kind"] == "fill")
    data = {**fill["data"], "trade_ids": [str(i) for i in fill["data"]["trade_ids"]]}
    return {**page, "entries": [{**fill, "data": data}]}


# broken copies of answers that strict tsc must refuse: (route, what is broken, how)
BROKEN: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("GET /backtests/{id}", "spec is a StrategySpec", lambda b: {**b, "spec": "ma_cross"}),
    (
        "GET /backtests/{id}",
        "a gate's rule is one of the objectives",
        lambda b: {**b, "gates": [{**b["gates"][0], "rule": "max_everything"}]},
    ),
    ("GET /agents/{id}/journal", "a fill's trade_ids are numbers", _fill_ids_as_text),
    (
        "GET /agents/{id}/config/versions",
        "a version's params is an AgentConfig",
        lambda versions: [{**versions[-1], "params": {"strategy": "ma_cross"}}],
    ),
)


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Real answers by route key (and `error <status>` for envelopes) from a demo server."""
    data = tmp_path_factory.mktemp("server")
    with (
        running_server(data, "--demo-days", "2", env=ENV) as base,
        httpx.Client(base_url=base, headers=KEYS, timeout=60) as http,
    ):
        yield record(http)


def record(http: httpx.Client) -> dict[str, Any]:
    def ok(method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = http.request(method, path, **kwargs)
        assert response.status_code == status, (path, response.text)
        return response.json()

    strategies = ok("GET", "/api/strategies", params={"limit": 3})
    paper = ok("GET", "/api/strategies", params={"stage": "paper", "limit": 1})["items"][0]
    hypotheses = ok("GET", "/api/hypotheses", params={"limit": 2})
    spec = {"family": "ma_cross", "params": {"fast": 5}}
    created = ok("POST", "/backtests", 201, json={"spec": spec, "dataset": {"bars": 300}})
    got = {
        "GET /api/health": ok("GET", "/api/health"),
        "GET /api/strategies": strategies,
        "GET /api/hypotheses": hypotheses,
        "GET /api/lifecycle/strategies/{id}/readiness": ok(
            "GET", f"/api/lifecycle/strategies/{paper['id']}/readiness"
        ),
        "GET /agents/current": ok("GET", "/agents/current"),
        "GET /agents/{id}/journal": ok("GET", "/agents/seed/journal", params={"limit": 100}),
        "GET /agents/{id}/evaluation": ok("GET", "/agents/seed/evaluation"),
        "GET /agents/{id}/watchlist/candidates": ok("GET", "/agents/seed/watchlist/candidates"),
        "GET /agents/{id}/risk/blocks": ok("GET", "/agents/seed/risk/blocks"),
        "GET /indicators": ok("GET", "/indicators"),
        "POST /backtests": created,
        "GET /backtests/{id}": ok("GET", f"/backtests/{created['backtest_id']}"),
    }
    patch = {"evaluation_config_patch": {"risk": {"max_drawdown": 0.2}}}
    got["PATCH /agents/{id}/config"] = ok("PATCH", "/agents/seed/config", json=patch)
    got["GET /agents/{id}/config/versions"] = ok("GET", "/agents/seed/config/versions")
    bad = http.patch("/agents/seed/config", json={"evaluation_config_patch": {"risk": 1}})
    wrong = http.get("/api/strategies", params={"limit": "many"})
    got["error 422 refusal"], got["error 422 validation"] = bad.json(), wrong.json()
    return got


def typescript(answers: dict[str, Any]) -> str:
    """answers.ts: one typed constant per answer, then the broken copies tsc must refuse."""
    lines = ['import type { ApiError, Routes } from "./api-types";', ""]
    names = []
    for i, (key, value) in enumerate(answers.items()):
        kind = "ApiError" if key.startswith("error ") else f'Routes["{key}"]["response"]'
        names.append(f"answer{i}")
        lines += [f"// {key}", f"const answer{i}: {kind} = {json.dumps(value, indent=2)};", ""]
    for i, (key, why, broken) in enumerate(BROKEN):
        value = broken(answers[key])
        names.append(f"broken{i}")
        kind = f'Routes["{key}"]["response"]'
        lines += [f"// @ts-expect-error {why}", f"const broken{i}: {kind} = {json.dumps(value)};"]
    lines += ["", f"export {{ {', '.join(names)} }};"]
    return "\n".join(lines) + "\n"


def test_the_answers_cover_nested_objects(answers: dict[str, Any]) -> None:
    # guards the type check from passing on answers too thin to mean anything
    kinds = {entry["kind"] for entry in answers["GET /agents/{id}/journal"]["entries"]}
    assert {"decision", "fill"} <= kinds
    assert answers["GET /backtests/{id}"]["result"]["bars"] == 300
    assert answers["GET /api/strategies"]["items"][0]["params"]
    versions = answers["GET /agents/{id}/config/versions"]
    assert versions[-2]["outcome"] is not None and versions[-1]["outcome"] is None
    assert isinstance(answers["error 422 refusal"]["detail"], dict)
    assert isinstance(answers["error 422 validation"]["detail"], list)


def test_the_package_types_real_answers(answers: dict[str, Any], tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx not on PATH: the strict tsc check of real answers did not run")
    shutil.copytree(ROOT / "clients" / "api-types", tmp_path / "api-types")
    (tmp_path / "answers.ts").write_text(typescript(answers))
    tsc = [npx, "-y", "-p", "typescript@5", "tsc", "--noEmit", "--strict", "answers.ts"]
    tsc_ok(tsc, tmp_path)
