"""The settings registry: every section's name, fields (types, defaults, bounds), getter and
updater, and the GET /api/settings and PUT /api/settings/{section} resolvers.

Sections:
- approvals: the approval modes (resolvers/approval_modes.py): mode, deadline_seconds,
  escalation_owner, smart_threshold; read and updated through get_approval_modes /
  update_approval_modes, so its codes (UNKNOWN_APPROVAL_MODE, INVALID_DEADLINE,
  INVALID_OWNER, INVALID_THRESHOLD) and its approval_modes.updated event stay. The per-type
  deadlines map is GraphQL updateApprovalModes' (not a scalar field).
- sandbox: enabled and the run limits (resolvers/settings/sandbox.py get_sandbox_settings).
- verdict: battery threshold overrides (resolvers/settings/verdict.py effective_thresholds).
All take effect without a restart: their readers read the stored values on every use.

PUT answers the updated section. 422: UNKNOWN_SETTINGS_SECTION (details.section),
UNKNOWN_SETTING (details.field), INVALID_SETTINGS (values not an object), NO_CHANGES (empty),
INVALID_SETTING_TYPE, SETTING_OUT_OF_RANGE, INVALID_SETTING (verdict: a combination the
battery refuses); nothing is written on any of them. A change appends `settings.updated`
{section, changed, values}.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import approval_modes
from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.settings import sandbox, verdict
from resolvers.settings.fields import (
    FieldSpec,
    Scalar,
    SettingsSection,
    check_values,
    field_view,
    load_stored,
    save_values,
)
from resolvers.views import View
from storage.approvals import APPROVAL_MODES
from storage.outbox import append_event

APPROVAL_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("mode", "str", approval_modes.DEFAULT_MODE, "how a filed approval is decided",
              choices=APPROVAL_MODES),
    FieldSpec("deadline_seconds", "int", approval_modes.DEFAULT_DEADLINE,
              "seconds from filing to an approval's deadline",
              approval_modes.MIN_DEADLINE, approval_modes.MAX_DEADLINE),
    FieldSpec("escalation_owner", "str", approval_modes.DEFAULT_OWNER,
              "who an approval past its deadline is escalated to (1-80 characters)"),
    FieldSpec("smart_threshold", "float", approval_modes.DEFAULT_THRESHOLD,
              "smart mode approves risk scores below this", 0, 1),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    description: str
    fields: Callable[[Lab], tuple[FieldSpec, ...]]
    read: Callable[[AsyncSession, Lab], Awaitable[SettingsSection]]
    write: Callable[[AsyncSession, Lab, dict[str, Scalar]], Awaitable[list[str]]]


def _view(section: Section, lab: Lab, values: dict[str, Scalar], updated: Any) -> SettingsSection:
    return SettingsSection(
        name=section.name,
        description=section.description,
        values=values,
        fields=[field_view(spec) for spec in section.fields(lab)],
        updated_at=updated,
    )


async def _read_approvals(session: AsyncSession, lab: Lab) -> SettingsSection:
    modes = await approval_modes.get_approval_modes(session)
    values: dict[str, Scalar] = {spec.name: getattr(modes, spec.name) for spec in APPROVAL_FIELDS}
    return _view(SECTIONS["approvals"], lab, values, modes.updated_at)


async def _write_approvals(session: AsyncSession, lab: Lab, values: dict[str, Scalar]) -> list[str]:
    before = await approval_modes.get_approval_modes(session)
    after = await approval_modes.update_approval_modes(session, **values)  # type: ignore[arg-type]
    return [name for name in values if getattr(before, name) != getattr(after, name)]


def _stored_section(
    name: str, fields: Callable[[Lab], tuple[FieldSpec, ...]]
) -> tuple[
    Callable[[AsyncSession, Lab], Awaitable[SettingsSection]],
    Callable[[AsyncSession, Lab, dict[str, Scalar]], Awaitable[list[str]]],
]:
    async def read(session: AsyncSession, lab: Lab) -> SettingsSection:
        stored = await load_stored(session, name, fields(lab))
        return _view(SECTIONS[name], lab, stored.values, stored.updated_at)

    async def write(session: AsyncSession, lab: Lab, values: dict[str, Scalar]) -> list[str]:
        if name == verdict.SECTION:
            current = (await load_stored(session, name, fields(lab))).values
            verdict.apply(lab.config.verdict, {**current, **values})
        return await save_values(session, name, values)

    return read, write


def _sandbox_fields(_lab: Lab) -> tuple[FieldSpec, ...]:
    return sandbox.FIELDS


def _verdict_fields(lab: Lab) -> tuple[FieldSpec, ...]:
    return verdict.fields(lab.config.verdict)


def _approval_fields(_lab: Lab) -> tuple[FieldSpec, ...]:
    return APPROVAL_FIELDS


SECTIONS: dict[str, Section] = {
    "approvals": Section(
        "approvals", "Approval modes: how a filed approval is decided, deadlines, escalation.",
        _approval_fields, _read_approvals, _write_approvals,
    ),
    "sandbox": Section(
        "sandbox", "The strategy-code sandbox: enabled (off by default) and each run's limits.",
        _sandbox_fields, *_stored_section("sandbox", _sandbox_fields),
    ),
    "verdict": Section(
        "verdict", "Battery thresholds, stored over the configured ones (LabConfig.verdict).",
        _verdict_fields, *_stored_section("verdict", _verdict_fields),
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Settings(View):
    """Every settings section with its current values and each field's default and bounds."""

    sections: Annotated[list[SettingsSection], "approvals, sandbox, verdict"]


def _section(name: str) -> Section:
    section = SECTIONS.get(name)
    if section is None:
        raise InvalidInput(
            f"no settings section {name!r}; the sections: {', '.join(SECTIONS)}",
            code="UNKNOWN_SETTINGS_SECTION",
            details={"section": name},
        )
    return section


async def get_settings(session: AsyncSession, *, lab: Lab) -> Settings:
    """Every section, its values (defaults until changed) and its fields."""
    return Settings(sections=[await s.read(session, lab) for s in SECTIONS.values()])


async def update_settings_section(
    session: AsyncSession, *, section: str, values: Any, lab: Lab
) -> SettingsSection:
    """Change the fields given of one section (the others kept); the section after."""
    spec = _section(section)
    checked = check_values(section, spec.fields(lab), values)
    changed = await spec.write(session, lab, checked)
    view = await spec.read(session, lab)
    if changed:
        await append_event(
            session,
            topic="settings.updated",
            entity_id=section,
            payload={"section": section, "changed": sorted(changed), "values": view.values},
        )
    return view
