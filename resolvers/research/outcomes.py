"""One verdict test's outcome as every surface answers it (the verdict and gauntlet steps).

`details` are the figures behind the verdict, flat: a nested figure is named by its path
(`folds.0.oos_return`, `regimes.trend_up.trades`), so each value is a number, a string, a
boolean, a list of numbers or null, and a client can read any of them without a schema per
test. GET /verdict/guide says what each test reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict

Detail = float | str | bool | list[float] | None


class TestOutcome(TypedDict):
    """One robustness test: its figure against its threshold, and why it passed or not."""

    name: Annotated[str, "the test (GET /verdict/guide lists them)"]
    value: Annotated[float | None, "the figure the test judges; null when it is undefined"]
    threshold: Annotated[float | None, "what the figure is held against"]
    passed: bool
    reason: Annotated[str, "one line a person can read"]
    details: Annotated[dict[str, Detail], "the figures behind it, by dotted path"]


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def flatten(details: Mapping[str, Any], prefix: str = "") -> dict[str, Detail]:
    """Nested figures as one flat map of JSON-safe values (non-finite numbers become null)."""
    out: dict[str, Detail] = {}
    for key, value in details.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            numbers = [_scalar(v) for v in value]
            if all(isinstance(n, float) for n in numbers):
                out[name] = [float(n) for n in numbers if isinstance(n, float)]
            else:  # objects, strings or undefined figures inside: one entry per item
                for index, item in enumerate(value):
                    if isinstance(item, Mapping):
                        out.update(flatten(item, f"{name}.{index}."))
                    else:
                        out[f"{name}.{index}"] = _scalar(item)
        else:
            out[name] = _scalar(value)
    return out


def _scalar(value: Any) -> Detail:
    if value is None or isinstance(value, bool | str):
        return value
    if getattr(getattr(value, "dtype", None), "kind", "") == "b":  # a numpy boolean
        return bool(value)
    if isinstance(value, int | float) or hasattr(value, "__float__"):
        return _number(float(value))
    return str(value)
