"""The agent's configuration history (a tree of versions) and its watchlist candidates: the
generated types, ConfigVersion keeping its Int id."""

from __future__ import annotations

from schema.extend import extends
from schema.generated import halyrd_config_versions, halyrd_watchlist


@extends
class ConfigVersion(halyrd_config_versions.ConfigVersion):
    id: int  # type: ignore[assignment]  # an Int here before versions became views; kept so


Candidate = halyrd_watchlist.Candidate
Preset = halyrd_watchlist.Preset
WatchlistCandidates = halyrd_watchlist.WatchlistCandidates
