"""Settings: documented defaults, env parsing, one clear line for a bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from server.settings import Settings, SettingsError, get_settings, load_settings

ENV = (
    "FORVEN_PORT",
    "FORVEN_BIND_HOST",
    "FORVEN_ALLOWED_HOSTS",
    "FORVEN_CORS_ORIGINS",
    "FORVEN_API_KEY",
    "FORVEN_OPERATOR_KEY",
    "FORVEN_AUTH_REQUIRED",
    "TRADEGRAPH_DATABASE_URL",
    "TRADEGRAPH_BROADCAST_URL",
    "TRADEGRAPH_DATA_DIR",
    "TRADEGRAPH_DEMO",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_documented_defaults() -> None:
    s = Settings()
    assert s.port == 8003
    assert s.bind_host == "127.0.0.1"
    assert s.allowed_hosts == ["127.0.0.1", "localhost", "[::1]", "testserver"]
    assert s.cors_origins == ["http://127.0.0.1:5173", "http://localhost:5173"]
    assert s.api_key is None and s.operator_key is None and s.auth_required is False
    assert s.broadcast_url == "memory://" and s.demo is True
    assert s.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert s.resolved_database_url.endswith("data/tradegraph.db")


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORVEN_PORT", "9100")
    monkeypatch.setenv("FORVEN_ALLOWED_HOSTS", "a.local, b.local")
    monkeypatch.setenv("FORVEN_AUTH_REQUIRED", "true")
    monkeypatch.setenv("FORVEN_API_KEY", "k1")
    monkeypatch.setenv("FORVEN_OPERATOR_KEY", "k2")
    monkeypatch.setenv("TRADEGRAPH_DEMO", "0")
    monkeypatch.setenv("TRADEGRAPH_DATABASE_URL", "postgresql://u@h/db")
    s = Settings()
    assert (s.port, s.allowed_hosts, s.auth_required, s.demo) == (
        9100,
        ["a.local", "b.local"],
        True,
        False,
    )
    assert s.resolved_database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FORVEN_PORT", "eighty"),
        ("FORVEN_PORT", "70000"),
        ("FORVEN_AUTH_REQUIRED", "maybe"),
        ("TRADEGRAPH_DATABASE_URL", "postgresql+asyncpg://x/y"),
        ("TRADEGRAPH_BROADCAST_URL", "kafka://x"),
        ("TRADEGRAPH_DEMO", "sometimes"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert name in message and "\n" not in message


def test_keys_are_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(api_key=["not", "a", "string"])
    assert "not" not in str(caught.value)


def test_get_settings_is_cached_and_import_has_no_side_effect() -> None:
    get_settings.cache_clear()
    assert get_settings() is get_settings()
    get_settings.cache_clear()


def test_cli_exits_with_one_line(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"],
        env={"FORVEN_PORT": "nope", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "FORVEN_PORT" in lines[0], result.stderr


def test_serve_help_lists_every_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--database-url",
        "--broadcast-url",
        "--data-dir",
        "--demo",
        "--no-demo",
        "--demo-seed",
        "--demo-days",
        "--log-level",
    ):
        assert option in result.stdout


class TestAuthRequired:
    """FORVEN_AUTH_REQUIRED=true refuses to start unless both keys are set."""

    @pytest.mark.parametrize(
        ("keys", "missing"),
        [
            ({}, "missing FORVEN_API_KEY and FORVEN_OPERATOR_KEY"),
            ({"FORVEN_API_KEY": "a"}, "missing FORVEN_OPERATOR_KEY"),
            ({"FORVEN_OPERATOR_KEY": "o"}, "missing FORVEN_API_KEY"),
            ({"FORVEN_API_KEY": " ", "FORVEN_OPERATOR_KEY": "o"}, "missing FORVEN_API_KEY"),
        ],
    )
    def test_missing_keys_are_one_line(
        self, monkeypatch: pytest.MonkeyPatch, keys: dict[str, str], missing: str
    ) -> None:
        monkeypatch.setenv("FORVEN_AUTH_REQUIRED", "true")
        for name in ("FORVEN_API_KEY", "FORVEN_OPERATOR_KEY"):
            monkeypatch.delenv(name, raising=False)
        for name, value in keys.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError) as raised:
            load_settings()
        message = str(raised.value)
        assert "\n" not in message and message.endswith(missing)
        assert message.startswith("FORVEN_AUTH_REQUIRED=true needs")

    def test_cli_exits_non_zero_with_one_line(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from server.cli import main

        monkeypatch.setenv("FORVEN_AUTH_REQUIRED", "true")
        monkeypatch.setenv("FORVEN_API_KEY", "secret-api-key")
        monkeypatch.delenv("FORVEN_OPERATOR_KEY", raising=False)
        assert main(["serve", "--port", "1"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "FORVEN_OPERATOR_KEY" in err
        assert "secret-api-key" not in err
