"""The operator profile: one row (id 1), read with its defaults until the first update
(resolvers/profile.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType

PROFILE_ROW_ID = 1


class OperatorProfile(Base):
    __tablename__ = "operator_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    risk_per_trade: Mapped[float] = mapped_column(default=0.01)
    rules: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
