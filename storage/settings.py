"""Stored settings values and stored API keys (resolvers/settings/).

`settings_values` holds one row per (section, field) changed from its default: the sandbox
limits, the verdict threshold overrides. A field with no row answers its default.
`api_keys` holds exchange and data-source credentials, the value sealed with the key ring
(resolvers/secrets.py): `token` is the Fernet token, never the plaintext.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

API_KEY_KINDS = ("exchange", "data_source")


class SettingValue(Base):
    """One field of one settings section, changed from its default."""

    __tablename__ = "settings_values"

    section: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    # {"value": <scalar>}
    value: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A stored credential: its value sealed, never stored in plaintext."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("kind IN ('exchange', 'data_source')", name="kind"),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(Text, default="")
    token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
