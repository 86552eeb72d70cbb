"""The checked-in SDL matches the schema, and --check notices drift."""

from __future__ import annotations

from pathlib import Path

from codegen.__main__ import ROOT, main, run


def test_checked_in_files_are_current() -> None:
    assert run(ROOT, check=True) == [], "run `python -m codegen` and commit the result"


def test_check_fails_on_drift_and_write_repairs(tmp_path: Path) -> None:
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    sdl = tmp_path / "schema.graphql"
    sdl.write_text(sdl.read_text().replace("type Strategy", "type Strat"))
    assert main(["--check", "--root", str(tmp_path)]) == 1


def test_sdl_has_the_core_types() -> None:
    text = (ROOT / "schema.graphql").read_text()
    for name in (
        "type Hypothesis",
        "type Strategy",
        "type TradingAgent",
        "type Trade",
        "type Approval",
        "type LifecycleTransition",
        "type Agent",
        "type Subscription",
    ):
        assert name in text
