"""The model settings reach the lab config the providers are built from."""

from __future__ import annotations

import pytest

from server.lab import lab_config
from server.settings import SettingsError, load_settings


def test_env_configures_the_openai_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEGRAPH_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TRADEGRAPH_OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("TRADEGRAPH_OPENAI_TIMEOUT", "2.5")
    monkeypatch.setenv("TRADEGRAPH_MODEL_LIST_TTL", "60")
    monkeypatch.setenv("TRADEGRAPH_OPENAI_PRICES", '{"m": [0.15, 0.6]}')
    config = lab_config(load_settings())
    assert (config.openai_base_url, config.openai_api_key) == ("http://127.0.0.1:9/v1", "sk-test")
    assert (config.openai_timeout_seconds, config.model_list_ttl_seconds) == (2.5, 60)
    assert config.openai_prices == {"m": (0.15, 0.6)}


def test_defaults_and_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRADEGRAPH_OPENAI_BASE_URL", "TRADEGRAPH_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert lab_config(load_settings()).openai_base_url is None
    assert load_settings(openai_base_url="  ").openai_base_url is None  # blank is unset
    with pytest.raises(SettingsError):
        load_settings(openai_base_url="ftp://example.com")
    with pytest.raises(SettingsError):
        load_settings(openai_prices={"m": [1.0]})
