"""The `lab` a test here passes to resolvers is the in-process app's own."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.lab.services import Lab
from tests.labs import app_lab


@pytest.fixture
def lab(app: Any) -> Lab:
    return app_lab(app)
