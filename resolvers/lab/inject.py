"""How a boundary hands its Lab to a resolver: to exactly those whose signature takes `lab`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

from resolvers.lab.services import Lab


@cache
def takes_lab(fn: Callable[..., Any]) -> bool:
    """Whether `fn` has a `lab` keyword (looked up once per resolver, not per request)."""
    parameter = inspect.signature(fn).parameters.get("lab")
    return parameter is not None and parameter.kind is not inspect.Parameter.POSITIONAL_ONLY


def with_lab(fn: Callable[..., Any], kwargs: dict[str, Any], lab: Lab) -> dict[str, Any]:
    """`kwargs` plus `lab=` when `fn` takes it and the caller did not pass one."""
    if "lab" in kwargs or not takes_lab(fn):
        return kwargs
    return {**kwargs, "lab": lab}
