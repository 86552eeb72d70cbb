"""Approval modes: how a filed approval gets decided, its deadline and who it escalates to.

One settings row (id 1), read with its defaults until the first update: mode `manual`, a
deadline of 86,400 s (24 h) after filing, no per-type deadlines, escalation owner `operator`,
smart threshold 0.3.

- manual: every approval waits for an operator's decision.
- smart: the classifier (resolvers/approval_classifier.py) scores each new approval; one whose
  risk score is below `smart_threshold` is approved automatically by actor `smart-classifier`,
  the classifier's reasons in the decision's note. Any other waits; smart never denies.
- off: approvals are approved as soon as the triage job sees them, by actor `approvals-off`
  (recorded in the decision history for audit).
In every mode a promotion into `live` waits for an operator, as the control plane says: live is
never automatic. An automatic approval whose action refuses (a promotion's NOT_READY) leaves
the approval pending, the refusal recorded in its history (`auto_refused`).

The autonomy mode (resolvers/control.py: manual / semi_auto / auto) decides which pipeline
promotions become approvals at all; the approval mode decides how a filed approval is decided.
So `auto` + `smart` moves research_only and paper without approvals and lets the classifier
approve low-risk filings of any other kind; `manual` + `off` files every promotion and approves
all but live ones at once, with the audit trail of a decision.

Every approval gets a deadline when filed (created_at + the type's deadline, else
`deadline_seconds`); the triage job (resolvers/approval_triage.py) escalates one still pending
past it: its owner becomes `escalation_owner`, an `escalate` entry joins its history, an
`approval.escalated` event and a warning notification are written, once.

Set with `update_approval_modes` (GraphQL `updateApprovalModes`; issue 17's
PUT /api/settings/approvals will call the same resolver). Fields not given are kept. 422:
NO_CHANGES (no field given), UNKNOWN_APPROVAL_MODE, INVALID_DEADLINE (deadlines are whole
seconds from 60 to 2,592,000 = 30 days; `type_deadlines` maps approval types of 1 to 40
characters to such deadlines, and replaces the stored map), INVALID_OWNER (1 to 80
characters), INVALID_THRESHOLD (0 to 1). A change writes an `approval_modes.updated` event.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.views import Choices, View, to_payload
from storage.approvals import APPROVAL_MODES, SETTINGS_ROW_ID
from storage.approvals import ApprovalSettings as SettingsRow
from storage.base import utcnow
from storage.outbox import append_event

APPROVAL_MODE = Choices(
    "ApprovalMode", APPROVAL_MODES, "How a filed approval is decided: manual, smart or off."
)
DEFAULT_MODE = "manual"
DEFAULT_DEADLINE = 86_400
DEFAULT_OWNER = "operator"
DEFAULT_THRESHOLD = 0.3
MIN_DEADLINE = 60
MAX_DEADLINE = 30 * 86_400
MAX_TYPE_DEADLINES = 40
SMART_ACTOR = "smart-classifier"
OFF_ACTOR = "approvals-off"

MODE_DESCRIPTIONS = {
    "manual": "Every approval waits for an operator's decision.",
    "smart": (
        "The classifier scores each new approval; below smart_threshold it is approved "
        f"automatically by {SMART_ACTOR} with its reasons in the decision note, otherwise it "
        "waits (never denied automatically)."
    ),
    "off": f"Approvals are approved when filed, by {OFF_ACTOR} (kept in the history for audit).",
}
AUTONOMY_NOTE = (
    "The autonomy mode (manual/semi_auto/auto, POST /api/system/mode) decides which pipeline "
    "promotions are filed as approvals; the approval mode decides how a filed approval is "
    "decided. A promotion into live is never decided automatically, in any mode."
)


@dataclass(frozen=True, slots=True)
class ApprovalModeInfo(View):
    """One approval mode and what it does."""

    mode: Annotated[str, APPROVAL_MODE]
    description: str


@dataclass(frozen=True, slots=True)
class ApprovalModes(View):
    """The approval settings: mode, deadlines, escalation owner, smart threshold."""

    mode: Annotated[str, APPROVAL_MODE]
    deadline_seconds: Annotated[int, "seconds from filing to an approval's deadline"]
    type_deadlines: Annotated[dict[str, int], "approval type -> its own deadline in seconds"]
    escalation_owner: Annotated[str, "who an approval past its deadline is escalated to"]
    smart_threshold: Annotated[float, "smart mode approves risk scores below this (0..1)"]
    updated_at: Annotated[datetime | None, "null until the first update"]
    modes: list[ApprovalModeInfo]
    autonomy: Annotated[str, "how the approval mode and the autonomy mode interact"]


def _defaults() -> SettingsRow:
    return SettingsRow(
        id=SETTINGS_ROW_ID,
        mode=DEFAULT_MODE,
        deadline_seconds=DEFAULT_DEADLINE,
        type_deadlines={},
        escalation_owner=DEFAULT_OWNER,
        smart_threshold=DEFAULT_THRESHOLD,
        updated_at=None,
    )


async def load_settings(session: AsyncSession) -> SettingsRow:
    """The stored row, or (not added) the defaults before the first update."""
    row = await session.get(SettingsRow, SETTINGS_ROW_ID)
    return row if row is not None else _defaults()


def modes_view(row: SettingsRow) -> ApprovalModes:
    return ApprovalModes(
        mode=row.mode,
        deadline_seconds=row.deadline_seconds,
        type_deadlines=dict(row.type_deadlines),
        escalation_owner=row.escalation_owner,
        smart_threshold=row.smart_threshold,
        updated_at=row.updated_at,
        modes=[ApprovalModeInfo(mode=m, description=MODE_DESCRIPTIONS[m]) for m in APPROVAL_MODES],
        autonomy=AUTONOMY_NOTE,
    )


def deadline_for(row: SettingsRow, approval_type: str, filed_at: datetime) -> datetime:
    """When an approval of `approval_type` filed at `filed_at` is due."""
    seconds = row.type_deadlines.get(approval_type, row.deadline_seconds)
    return filed_at + timedelta(seconds=int(seconds))


async def get_approval_modes(session: AsyncSession) -> ApprovalModes:
    """The approval settings (the defaults before the first update) and what each mode does."""
    return modes_view(await load_settings(session))


def _deadline(field: str, value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
        or not MIN_DEADLINE <= value <= MAX_DEADLINE
    ):
        raise InvalidInput(
            f"{field} must be whole seconds from {MIN_DEADLINE} to {MAX_DEADLINE:,}",
            code="INVALID_DEADLINE",
            details={"field": field, "value": value},
        )
    return int(value)


def _type_deadlines(value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or len(value) > MAX_TYPE_DEADLINES:
        raise InvalidInput(
            f"type_deadlines must be an object of at most {MAX_TYPE_DEADLINES} entries",
            code="INVALID_DEADLINE",
            details={"field": "type_deadlines"},
        )
    checked = {}
    for key, seconds in value.items():
        if not isinstance(key, str) or not 0 < len(key) <= 40:
            raise InvalidInput(
                "type_deadlines keys are approval types of 1 to 40 characters",
                code="INVALID_DEADLINE",
                details={"field": "type_deadlines"},
            )
        checked[key] = _deadline(f"type_deadlines.{key}", seconds)
    return checked


def _checked(
    mode: str | None,
    deadline_seconds: Any,
    type_deadlines: Any,
    escalation_owner: Any,
    smart_threshold: Any,
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if mode is not None:
        if mode not in APPROVAL_MODES:
            raise InvalidInput(
                f"mode must be one of {', '.join(APPROVAL_MODES)}",
                code="UNKNOWN_APPROVAL_MODE",
                details={"field": "mode", "value": mode},
            )
        changes["mode"] = mode
    if deadline_seconds is not None:
        changes["deadline_seconds"] = _deadline("deadline_seconds", deadline_seconds)
    if type_deadlines is not None:
        changes["type_deadlines"] = _type_deadlines(type_deadlines)
    if escalation_owner is not None:
        owner = escalation_owner.strip() if isinstance(escalation_owner, str) else ""
        if not 0 < len(owner) <= 80:
            raise InvalidInput(
                "escalation_owner must be a name of 1 to 80 characters",
                code="INVALID_OWNER",
                details={"field": "escalation_owner"},
            )
        changes["escalation_owner"] = owner
    if smart_threshold is not None:
        if (
            isinstance(smart_threshold, bool)
            or not isinstance(smart_threshold, int | float)
            or not 0 <= smart_threshold <= 1
        ):
            raise InvalidInput(
                "smart_threshold must be a number from 0 to 1",
                code="INVALID_THRESHOLD",
                details={"field": "smart_threshold", "value": smart_threshold},
            )
        changes["smart_threshold"] = float(smart_threshold)
    return changes


async def update_approval_modes(
    session: AsyncSession,
    *,
    mode: str | None = None,
    deadline_seconds: int | None = None,
    type_deadlines: dict[str, int] | None = None,
    escalation_owner: str | None = None,
    smart_threshold: float | None = None,
    now: datetime | None = None,
) -> ApprovalModes:
    """Change the fields given (others kept); a change writes `approval_modes.updated`."""
    if all(
        value is None
        for value in (mode, deadline_seconds, type_deadlines, escalation_owner, smart_threshold)
    ):
        raise InvalidInput(
            "give at least one of mode, deadline_seconds, type_deadlines, escalation_owner, "
            "smart_threshold",
            code="NO_CHANGES",
        )
    changes = _checked(mode, deadline_seconds, type_deadlines, escalation_owner, smart_threshold)
    row = await session.get(SettingsRow, SETTINGS_ROW_ID)
    if row is None:
        row = _defaults()
        session.add(row)
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changed and row.updated_at is not None:
        return modes_view(row)
    for key, value in changed.items():
        setattr(row, key, value)
    row.updated_at = now or utcnow()
    await session.flush()
    view = modes_view(row)
    await append_event(
        session,
        topic="approval_modes.updated",
        entity_id=str(SETTINGS_ROW_ID),
        payload={**to_payload(view), "changed": sorted(changed)},
    )
    return view
