"""The MCP settings reach the lab: the discovery deadline, the key ring and its key file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from server.lab import lab_config
from server.settings import SettingsError, load_settings


def test_defaults_put_the_key_file_in_the_data_dir(tmp_path: Path) -> None:
    config = lab_config(load_settings(data_dir=tmp_path))
    assert (config.mcp_timeout_seconds, config.secret_keys) == (10.0, ())
    assert config.secret_key_file == str(tmp_path / "secret.key")


def test_env_keys_and_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("TRADEGRAPH_SECRET_KEYS", f"{new}, {old}")
    monkeypatch.setenv("TRADEGRAPH_MCP_TIMEOUT", "2.5")
    config = lab_config(load_settings(data_dir=tmp_path))
    assert (config.secret_keys, config.mcp_timeout_seconds) == ((new, old), 2.5)


def test_a_malformed_key_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEGRAPH_SECRET_KEYS", "not-a-key")
    with pytest.raises(SettingsError, match="TRADEGRAPH_SECRET_KEYS"):
        load_settings()
