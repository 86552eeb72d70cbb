"""The HyperLiquid settings reach the lab that POST /api/fetch reads them from."""

from __future__ import annotations

import pytest

from server.lab import lab_config
from server.settings import SettingsError, load_settings


def test_env_sets_url_and_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEGRAPH_HYPERLIQUID_URL", "http://127.0.0.1:9/stub")
    monkeypatch.setenv("TRADEGRAPH_HYPERLIQUID_TIMEOUT", "2.5")
    config = lab_config(load_settings())
    assert config.hyperliquid_url == "http://127.0.0.1:9/stub"
    assert config.hyperliquid_timeout_seconds == 2.5


def test_defaults_and_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEGRAPH_HYPERLIQUID_URL", raising=False)
    assert load_settings().hyperliquid_url == "https://api.hyperliquid.xyz"
    with pytest.raises(SettingsError):
        load_settings(hyperliquid_url="ftp://example.com")
    with pytest.raises(SettingsError):
        load_settings(hyperliquid_timeout_seconds=0)
