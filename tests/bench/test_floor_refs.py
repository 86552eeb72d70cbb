"""The per-request floor's reference apps (bench/ref_*.py) answer what Tradegraph answers, and
are served by uvicorn as `tradegraph serve` serves, so bench/floor.py compares like for like."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from bench import floor, refkit
from bench.wrk import BENCH_KEYS
from server import cli
from server.settings import load_settings
from tests.conftest import POSTGRES_URL, requires_postgres
from tests.e2e.server import free_port

# the same reads with other pages than the measured ones: the cursor, the default limit
MORE_PAGES = ("/api/strategies?limit=7", "/api/strategies")


def _comparable(config: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(config).items() if k != "app"}


def test_reference_apps_get_the_uvicorn_config_of_tradegraph_serve(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[Any] = []

    class Captured:
        def __init__(self, config: Any, _shutdown: Any, **_hooks: Any) -> None:
            built.append(config)

        def run(self) -> None:
            pass

    app = SimpleNamespace(state=SimpleNamespace(shutdown=SimpleNamespace(exit_hook=None)))
    monkeypatch.setattr("server.shutdown.GracefulServer", Captured)
    monkeypatch.setattr("server.app.create_app", lambda _settings: app)
    settings = load_settings(port=free_port(), data_dir=tmp_path, log_level="error")
    assert cli.serve(settings) == 0
    ours = refkit.uvicorn_config(app, port=settings.port, log_level="error")
    assert _comparable(ours) == _comparable(built[0])


def _same_more_pages(bases: dict[str, str], ours: str, references: tuple[str, ...]) -> None:
    with httpx.Client(timeout=30, headers=BENCH_KEYS) as client:
        first = client.get(bases[ours] + MORE_PAGES[0]).raise_for_status().json()
        paths = [*MORE_PAGES, f"{MORE_PAGES[0]}&cursor={first['next_cursor']}"]
        for path in paths:
            expected = client.get(bases[ours] + path).raise_for_status().content
            for reference in references:
                answered = client.get(bases[reference] + path).raise_for_status().content
                assert answered == expected, (path, reference)


@pytest.mark.e2e
def test_sqlite_reference_apps_answer_tradegraphs_bytes(tmp_path: Path) -> None:
    with floor.servers(tmp_path, demo_days=1) as bases:
        sizes = floor.check_answers(bases)  # raises on any difference
        _same_more_pages(bases, "tradegraph", ("sqlite", "fastapi_sa"))
    assert sizes["tg_page"] == sizes["sqlite_page"] > 10_000
    assert sizes["position_first"] == sizes["position_last"] == sizes["tg_health"]


@pytest.mark.e2e
@pytest.mark.postgres
@requires_postgres
def test_psycopg_reference_app_answers_tradegraphs_bytes(tmp_path: Path) -> None:
    assert POSTGRES_URL
    with floor.servers(tmp_path, postgres=POSTGRES_URL, sqlite=False, demo_days=1) as bases:
        sizes = floor.check_answers(bases)
        _same_more_pages(bases, "tradegraph_pg", ("psycopg",))
    assert sizes["pg_tg_page"] == sizes["pg_raw_page"] > 10_000
