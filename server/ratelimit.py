"""The rate limit from the settings (rest_compat/ratelimit.py); a bad one stops start-up."""

from __future__ import annotations

from fastapi import FastAPI

from rest_compat.ratelimit import InvalidRateLimit, install_rate_limit
from server.settings import Settings, SettingsError


def install_limiter(app: FastAPI, settings: Settings) -> None:
    """TRADEGRAPH_RATE_LIMIT on `app`; an invalid value is a SettingsError like any other."""
    try:
        install_rate_limit(app, settings.rate_limit)
    except InvalidRateLimit as exc:
        raise SettingsError(str(exc)) from None
