"""`tradegraph serve` start-up guards: a taken port stops it before anything starts."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from server.cli import main


def test_a_port_in_use_stops_start_up_naming_port_and_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--port", str(port), "--data-dir", str(tmp_path), "--no-demo"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"port {port}" in err and "FORVEN_PORT" in err and err.count("\n") == 1
    # nothing started: no database was created or migrated
    assert not (tmp_path / "tradegraph.db").exists()


def test_the_default_bind_is_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.settings import load_settings

    monkeypatch.delenv("FORVEN_BIND_HOST", raising=False)
    settings = load_settings()
    assert settings.bind_host == "127.0.0.1" and settings.loopback_bound
