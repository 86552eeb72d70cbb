"""The operator profile (GET/PUT /api/profile): one row, its defaults until the first update.

Fields: name (0-80 characters, default ""), timezone (an IANA name zoneinfo knows, default
UTC), risk_per_trade (the fraction of equity risked per trade, 0 < r <= 0.1, default 0.01),
rules (the operator's trading rules: up to 50 non-blank strings of at most 500 characters,
replaced whole), preferences (a flat object of up to 50 keys of 1-64 characters, each value a
string of at most 500 characters, a number, a boolean or null; replaced whole).

PUT changes the fields given and keeps the others. 422: NO_CHANGES (no field given),
INVALID_NAME, UNKNOWN_TIMEZONE (details.timezone), INVALID_RISK, INVALID_RULES,
INVALID_PREFERENCES. A change appends `profile.updated` {…profile, changed}.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.views import View, to_payload
from storage.base import utcnow
from storage.outbox import append_event
from storage.profile import PROFILE_ROW_ID, OperatorProfile

DEFAULT_TIMEZONE = "UTC"
DEFAULT_RISK = 0.01
MAX_RISK = 0.1
MAX_NAME = 80
MAX_RULES = 50
MAX_TEXT = 500
MAX_PREFERENCES = 50
MAX_KEY = 64


@dataclass(frozen=True, slots=True)
class Profile(View):
    """The operator's profile: name, timezone, risk per trade, rules and preferences."""

    name: str
    timezone: Annotated[str, "IANA timezone name, e.g. Europe/Berlin"]
    risk_per_trade: Annotated[float, "fraction of equity risked per trade (0 < r <= 0.1)"]
    rules: Annotated[list[str], "the operator's trading rules"]
    preferences: Annotated[
        dict[str, str | float | bool | None], "flat preferences: key -> scalar value"
    ]
    updated_at: Annotated[datetime | None, "null until the first update"]


def _defaults() -> OperatorProfile:
    return OperatorProfile(
        id=PROFILE_ROW_ID, name="", timezone=DEFAULT_TIMEZONE, risk_per_trade=DEFAULT_RISK,
        rules=[], preferences={}, updated_at=None,
    )  # fmt: skip


def _view(row: OperatorProfile) -> Profile:
    return Profile(
        name=row.name,
        timezone=row.timezone,
        risk_per_trade=row.risk_per_trade,
        rules=list(row.rules),
        preferences=dict(row.preferences),
        updated_at=row.updated_at,
    )


async def get_profile(session: AsyncSession) -> Profile:
    """The profile (the defaults before the first update)."""
    row = await session.get(OperatorProfile, PROFILE_ROW_ID)
    return _view(row if row is not None else _defaults())


def _bad(code: str, message: str, **details: Any) -> InvalidInput:
    return InvalidInput(message, code=code, details=details)


def _name(value: Any) -> str:
    if not isinstance(value, str) or len(value.strip()) > MAX_NAME:
        raise _bad("INVALID_NAME", f"name must be a string of at most {MAX_NAME} characters",
                   field="name")  # fmt: skip
    return value.strip()


def _timezone(value: Any) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise _bad("UNKNOWN_TIMEZONE", "timezone must be an IANA name", timezone=value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _bad("UNKNOWN_TIMEZONE", f"unknown IANA timezone {value!r}", timezone=value) from None
    return value


def _risk(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_RISK
    ):
        raise _bad("INVALID_RISK", f"risk_per_trade must be a fraction above 0, at most {MAX_RISK}",
                   field="risk_per_trade", value=value)  # fmt: skip
    return float(value)


def _rules(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_RULES:
        raise _bad("INVALID_RULES", f"rules must be a list of at most {MAX_RULES} strings",
                   field="rules")  # fmt: skip
    rules = []
    for index, rule in enumerate(value):
        if not isinstance(rule, str) or not rule.strip() or len(rule.strip()) > MAX_TEXT:
            raise _bad("INVALID_RULES", f"each rule is a non-blank string of at most {MAX_TEXT} "
                       "characters", field="rules", index=index)  # fmt: skip
        rules.append(rule.strip())
    return rules


def _preferences(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) > MAX_PREFERENCES:
        raise _bad("INVALID_PREFERENCES", f"preferences must be an object of at most "
                   f"{MAX_PREFERENCES} keys", field="preferences")  # fmt: skip
    for key, item in value.items():
        if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY:
            raise _bad("INVALID_PREFERENCES", f"preference keys are 1-{MAX_KEY} characters",
                       field="preferences")  # fmt: skip
        scalar = item is None or isinstance(item, bool | int | float | str)
        if (
            not scalar
            or (isinstance(item, str) and len(item) > MAX_TEXT)
            or (isinstance(item, float) and not math.isfinite(item))
        ):
            raise _bad("INVALID_PREFERENCES", "a preference is a string (at most "
                       f"{MAX_TEXT} characters), a number, a boolean or null",
                       field="preferences", key=key)  # fmt: skip
    return dict(value)


async def update_profile(
    session: AsyncSession,
    *,
    name: str | None = None,
    timezone: str | None = None,
    risk_per_trade: float | None = None,
    rules: list[str] | None = None,
    preferences: dict[str, Any] | None = None,
) -> Profile:
    """Change the fields given (others kept); a change writes `profile.updated`."""
    given = {
        "name": name, "timezone": timezone, "risk_per_trade": risk_per_trade,
        "rules": rules, "preferences": preferences,
    }  # fmt: skip
    checks = {
        "name": _name, "timezone": _timezone, "risk_per_trade": _risk,
        "rules": _rules, "preferences": _preferences,
    }  # fmt: skip
    changes = {key: checks[key](value) for key, value in given.items() if value is not None}
    if not changes:
        raise _bad("NO_CHANGES", "give at least one of " + ", ".join(given))
    row = await session.get(OperatorProfile, PROFILE_ROW_ID)
    if row is None:
        row = _defaults()
        session.add(row)
    changed = sorted(k for k, v in changes.items() if getattr(row, k) != v)
    if not changed and row.updated_at is not None:
        return _view(row)
    for key in changed:
        setattr(row, key, changes[key])
    row.updated_at = utcnow()
    await session.flush()
    view = _view(row)
    await append_event(
        session,
        topic="profile.updated",
        entity_id=str(PROFILE_ROW_ID),
        payload={**to_payload(view), "changed": changed},
    )
    return view
