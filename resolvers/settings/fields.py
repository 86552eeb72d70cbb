"""The vocabulary of a settings section: typed fields with defaults and bounds, checked values
and the views answering them (resolvers/settings/registry.py composes the sections)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.views import View
from storage.base import utcnow
from storage.settings import SettingValue

Scalar = float | bool | str | None
FieldType = Literal["bool", "int", "float", "str"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a section: its type, default and (numbers) inclusive bounds."""

    name: str
    type: FieldType
    default: Scalar
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SettingField(View):
    """One field of a settings section: its type, default and bounds."""

    name: str
    type: Annotated[str, "bool, int, float or str"]
    default: Annotated[float | bool | str | None, "the value before any update"]
    minimum: Annotated[float | None, "smallest value allowed (numbers)"]
    maximum: Annotated[float | None, "largest value allowed (numbers)"]
    choices: Annotated[list[str], "the values allowed (strings with a fixed set; else empty)"]
    description: str


@dataclass(frozen=True, slots=True)
class SettingsSection(View):
    """One settings section: its current values, and each field's type, default and bounds."""

    name: str
    description: str
    values: Annotated[dict[str, float | bool | str | None], "field -> its current value"]
    fields: list[SettingField]
    updated_at: Annotated[datetime | None, "the last change; null while every field is default"]


def field_view(spec: FieldSpec) -> SettingField:
    return SettingField(
        name=spec.name,
        type=spec.type,
        default=spec.default,
        minimum=spec.minimum,
        maximum=spec.maximum,
        choices=list(spec.choices),
        description=spec.description,
    )


def invalid(section: str, spec: FieldSpec, value: Any, code: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"{section}.{spec.name} {why}",
        code=code,
        details={"section": section, "field": spec.name, "value": value},
    )


def check_value(section: str, spec: FieldSpec, value: Any) -> Scalar:
    """`value` checked against the field: 422 INVALID_SETTING_TYPE (wrong JSON type),
    SETTING_OUT_OF_RANGE (outside the bounds or choices)."""
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise invalid(section, spec, value, "INVALID_SETTING_TYPE", "must be a boolean")
        return value
    if spec.type == "str":
        if not isinstance(value, str):
            raise invalid(section, spec, value, "INVALID_SETTING_TYPE", "must be a string")
        if spec.choices and value not in spec.choices:
            raise invalid(
                section, spec, value, "SETTING_OUT_OF_RANGE",
                f"must be one of {', '.join(spec.choices)}",
            )  # fmt: skip
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(section, spec, value, "INVALID_SETTING_TYPE", f"must be a {spec.type}")
    if spec.type == "int":
        if value != int(value):
            raise invalid(section, spec, value, "INVALID_SETTING_TYPE", "must be a whole number")
        value = int(value)
    else:
        value = float(value)
    low, high = spec.minimum, spec.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(section, spec, value, "SETTING_OUT_OF_RANGE", f"must be from {low} to {high}")
    return value


def check_values(section: str, specs: tuple[FieldSpec, ...], values: Any) -> dict[str, Scalar]:
    """Every given field checked: 422 INVALID_SETTINGS (not an object), NO_CHANGES (empty),
    UNKNOWN_SETTING (a field the section does not have, named in details.field)."""
    if not isinstance(values, dict):
        raise InvalidInput(
            "values must be an object of field -> value",
            code="INVALID_SETTINGS",
            details={"section": section},
        )
    if not values:
        raise InvalidInput(
            f"give at least one field of {section}", code="NO_CHANGES", details={"section": section}
        )
    by_name = {spec.name: spec for spec in specs}
    for name in values:
        if name not in by_name:
            raise InvalidInput(
                f"{section} has no setting {name!r}; its fields: {', '.join(by_name)}",
                code="UNKNOWN_SETTING",
                details={"section": section, "field": name},
            )
    return {name: check_value(section, by_name[name], value) for name, value in values.items()}


@dataclass(frozen=True, slots=True)
class Stored:
    """A section's stored values (settings_values rows) over its defaults."""

    values: dict[str, Scalar] = field(default_factory=dict)
    updated_at: datetime | None = None


async def load_stored(session: AsyncSession, section: str, specs: tuple[FieldSpec, ...]) -> Stored:
    rows = (
        await session.scalars(select(SettingValue).where(SettingValue.section == section))
    ).all()
    names = {spec.name for spec in specs}
    stored = {row.name: row.value.get("value") for row in rows if row.name in names}
    values = {spec.name: stored.get(spec.name, spec.default) for spec in specs}
    latest = max((row.updated_at for row in rows if row.name in names), default=None)
    return Stored(values=values, updated_at=latest)


async def save_values(session: AsyncSession, section: str, values: dict[str, Scalar]) -> list[str]:
    """Store the values given; the names whose value changed."""
    now = utcnow()
    changed = []
    for name, value in values.items():
        row = await session.get(SettingValue, (section, name))
        if row is None:
            session.add(
                SettingValue(section=section, name=name, value={"value": value}, updated_at=now)
            )
            changed.append(name)
        elif row.value.get("value") != value or type(row.value.get("value")) is not type(value):
            row.value = {"value": value}
            row.updated_at = now
            changed.append(name)
    await session.flush()
    return changed
