"""`tradegraph routes` lists every catalog route with its state and the coverage figure."""

from __future__ import annotations

import pytest

from codegen.catalog import ROUTES, coverage
from server.cli import main


def test_routes_lists_every_route_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(ROUTES) + 1
    for route, line in zip(ROUTES, lines, strict=False):
        assert line.split()[:3] == [route.method, route.path, route.state]
    served, documented = coverage()
    assert lines[-1].startswith(f"coverage: {served}/{documented} documented routes served")
    assert 0 < served <= documented
