"""The model lists an HTTP provider answered, kept per lab (resolvers/models/options.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ListedModels:
    """One fetch of a provider's models: when (monotonic, for the TTL; and wall clock)."""

    at_monotonic: float
    at: datetime
    models: list[str]


@dataclass
class ModelListCache:
    """The last good model list of each HTTP provider, by base URL; the Lab holds one, so
    every lab (a server, a test) starts empty and nothing is shared between them."""

    lists: dict[str, ListedModels] = field(default_factory=dict)

    def get(self, base_url: str) -> ListedModels | None:
        return self.lists.get(base_url)

    def put(self, base_url: str, listed: ListedModels) -> ListedModels:
        self.lists[base_url] = listed
        return listed
