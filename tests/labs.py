"""Giving an in-process app the lab a test wants (the app's services carry it)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from resolvers.lab.services import Lab


def app_lab(app: Any) -> Lab:
    """The lab the app's boundaries hand to resolvers."""
    lab: Lab = app.state.services.lab
    return lab


def use_lab(app: Any, lab: Lab) -> Lab:
    """Override the app's lab for the following requests (a dependency override)."""
    app.state.services = replace(app.state.services, lab=lab)
    return lab
