"""Injected exchange failures (per exchange, process-local), for tests and drills."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL = "*"


@dataclass
class Faults:
    """Injected failures; empty means a healthy venue."""

    failing_closes: set[str] = field(default_factory=set)

    def fail_closes(self, symbol: str | None = None) -> None:
        """Make closes of `symbol` (every symbol when None) fail until `clear()`."""
        self.failing_closes.add(ALL if symbol is None else symbol.upper())

    def clear(self) -> None:
        self.failing_closes.clear()

    def close_fails(self, symbol: str) -> bool:
        return ALL in self.failing_closes or symbol.upper() in self.failing_closes
