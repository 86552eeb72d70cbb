"""`tradegraph datasets import FILE --symbol S --timeframe T`: a CSV file into the database.

Reads with a progress bar (bytes of the file), validates, stores in one transaction; a bad
file prints its report (the code and every problem with its first rows, numbered from 1
after the header; `missing` names the row after which bars are absent) to stderr, stores
nothing and exits 1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from resolvers.errors import DomainError
from resolvers.research.csv_import import import_csv_dataset
from resolvers.research.datasets import OhlcvDataset
from server.settings import Settings
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.outbox import commit_and_publish


async def _import(settings: Settings, path: Path, symbol: str, timeframe: str,
                  progress: Progress) -> OhlcvDataset:  # fmt: skip
    url = settings.resolved_database_url
    await upgrade(url)
    engine = create_engine(url)
    task = progress.add_task(f"reading {path.name}", total=None)

    def advance(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    try:
        async with create_session_factory(engine)() as session:
            view = await import_csv_dataset(
                session, path=path, symbol=symbol, timeframe=timeframe, progress=advance
            )
            progress.update(task, description="stored")
            # no bus in this process: a running server reads the events from the table
            await commit_and_publish(session, None)
            return view
    finally:
        await engine.dispose()


def report_lines(details: dict[str, Any]) -> list[str]:
    """A refusal's details for a terminal: one line per problem with its first rows."""
    problems = details.get("problems")
    if not isinstance(problems, dict):
        return [f"  {json.dumps(details)}"] if details else []
    lines = []
    for name, found in problems.items():
        rows = ", ".join(str(r) for r in found["rows"])
        more = " ..." if found["count"] > len(found["rows"]) else ""
        bars = f"; {found['bars']} bars absent" if "bars" in found else ""
        lines.append(f"  {name}: {found['count']} (rows {rows}{more}{bars})")
    return lines


def import_dataset(
    settings: Settings, *, path: Path, symbol: str, timeframe: str, console: Console | None = None
) -> int:
    """Run the import; 0 when stored, 1 with the report on stderr when refused."""
    out = console or Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TimeRemainingColumn())  # fmt: skip
    try:
        with Progress(*columns, console=out, transient=False) as progress:
            view = asyncio.run(_import(settings, path, symbol, timeframe, progress))
    except DomainError as exc:
        out.print(f"[bold red]refused[/] ({exc.code}): {exc.message}", highlight=False)
        for line in report_lines(exc.details):
            out.print(line, highlight=False, markup=False)
        return 1
    out.print(
        f"dataset {view.id}: {view.symbol} {view.timeframe}, {view.rows:,} bars "
        f"{view.first_bar.isoformat()} .. {view.last_bar.isoformat()}, sha256 {view.sha256}",
        highlight=False,
    )
    return 0
