"""The control plane's state: the system pause and the pipeline and execution modes.

One row (id 1) holds it, created with its defaults on first read.

- Pause (POST /api/system/stop, /start): while paused the scheduler skips every job that trades
  or moves strategies (market ticks, the paper service, the Halyrd agents' steps, the
  pipeline); reporting and housekeeping jobs keep running. Stop and start are idempotent: a
  second stop keeps the first one's time and reason and writes no event.
- Autonomy mode (manual / semi_auto / auto) decides which automatic promotions need an
  operator's approval; `approval_needed` is the one rule (the pipeline job applies it).
- Execution mode (paper / live): live is refused while the build is paper-locked (the default
  build: TRADEGRAPH_LIVE_TRADING off) with 503 EXECUTION_MODE_LOCKED; the lock also wins over a
  stored `live` (the effective mode reported is paper).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict, Unavailable
from resolvers.lab.services import Lab
from resolvers.validation import require_choice, require_text
from resolvers.views import Choices, View, to_payload
from storage.base import utcnow
from storage.control import EXECUTION_MODES, MODES
from storage.control import SystemControl as SystemControlRow
from storage.outbox import append_event

CONTROL_ID = 1
PROMOTION_STAGES = ("research_only", "paper", "live")
# the stages each mode promotes into without an operator; live is never automatic
AUTOMATIC: dict[str, frozenset[str]] = {
    "manual": frozenset(),
    "semi_auto": frozenset({"research_only"}),
    "auto": frozenset({"research_only", "paper"}),
}


class ExecutionModeLocked(Unavailable):
    code = "EXECUTION_MODE_LOCKED"


class SystemPaused(Conflict):
    """New exposure refused while the system is stopped (exits and emergency controls pass)."""

    code = "SYSTEM_PAUSED"


AUTONOMY_MODE = Choices(
    "AutonomyMode", MODES, "Pipeline autonomy: which promotions wait for an operator."
)
EXECUTION_MODE = Choices("ExecutionMode", EXECUTION_MODES)


@dataclass(frozen=True, slots=True)
class SystemControl(View):
    """The system pause and both modes."""

    paused: bool
    paused_at: datetime | None
    pause_reason: str
    mode: Annotated[str, AUTONOMY_MODE]
    execution_mode: Annotated[str, EXECUTION_MODE, "paper whenever the build is locked"]
    paper_locked: Annotated[bool, "the build refuses live execution"]


@dataclass(frozen=True, slots=True)
class StageApprovals(View):
    """Per target stage: whether an automatic promotion waits for an operator's approval."""

    research_only: bool
    paper: bool
    live: bool


@dataclass(frozen=True, slots=True)
class SystemMode(View):
    """The pipeline autonomy mode and its effect."""

    mode: Annotated[str, AUTONOMY_MODE]
    approval_required: StageApprovals


def approval_needed(mode: str, target_stage: str) -> bool:
    """Whether an automatic promotion into `target_stage` needs an operator's approval.

    manual: every promotion does; semi_auto: research_only is automatic, paper and live need
    approval; auto: research_only and paper are automatic, live always needs approval.
    """
    require_choice("mode", mode, MODES)
    require_choice("target_stage", target_stage, PROMOTION_STAGES)
    return target_stage not in AUTOMATIC[mode]


def autonomy(mode: str) -> SystemMode:
    needs = {stage: approval_needed(mode, stage) for stage in PROMOTION_STAGES}
    return SystemMode(mode=mode, approval_required=StageApprovals(**needs))


async def load_control(session: AsyncSession) -> SystemControlRow:
    """The control row, created (not paused, semi_auto, paper) when missing."""
    row = await session.get(SystemControlRow, CONTROL_ID)
    if row is None:
        row = SystemControlRow(
            id=CONTROL_ID, paused=False, pause_reason="", mode="semi_auto", execution_mode="paper"
        )
        session.add(row)
        await session.flush()
    return row


async def is_paused(session: AsyncSession) -> bool:
    """Whether trading and agents are halted (POST /api/system/stop)."""
    row = await session.get(SystemControlRow, CONTROL_ID)
    return row is not None and row.paused


def control_state(row: SystemControlRow, lab: Lab) -> SystemControl:
    """The row as the API reports it: the build's paper lock wins over a stored live mode."""
    locked = lab.config.paper_locked
    return SystemControl(
        paused=row.paused,
        paused_at=row.paused_at,
        pause_reason=row.pause_reason,
        mode=row.mode,
        execution_mode="paper" if locked else row.execution_mode,
        paper_locked=locked,
    )


async def _changed(session: AsyncSession, topic: str, state: SystemControl) -> SystemControl:
    await append_event(session, topic=topic, entity_id=str(CONTROL_ID), payload=to_payload(state))
    return state


async def get_control(session: AsyncSession, *, lab: Lab) -> SystemControl:
    """The pause and both modes as they stand."""
    return control_state(await load_control(session), lab)


async def stop_system(
    session: AsyncSession, *, reason: str | None = None, lab: Lab
) -> SystemControl:
    """Halt trading and agents; already stopped: nothing changes (the first stop's reason stays)."""
    text = require_text("reason", reason or "", max_length=500, allow_empty=True)
    row = await load_control(session)
    if row.paused:
        return control_state(row, lab)
    row.paused, row.paused_at, row.pause_reason = True, utcnow(), text
    await session.flush()
    return await _changed(session, "system.paused", control_state(row, lab))


async def start_system(session: AsyncSession, *, lab: Lab) -> SystemControl:
    """Resume after a stop; already running: nothing changes."""
    row = await load_control(session)
    if not row.paused:
        return control_state(row, lab)
    row.paused, row.paused_at, row.pause_reason = False, None, ""
    await session.flush()
    return await _changed(session, "system.resumed", control_state(row, lab))


async def get_system_mode(session: AsyncSession) -> SystemMode:
    """The pipeline autonomy mode and which promotions it leaves to an operator."""
    return autonomy((await load_control(session)).mode)


async def set_system_mode(session: AsyncSession, *, mode: str) -> SystemMode:
    """Change the autonomy mode (an unchanged mode writes no event)."""
    require_choice("mode", mode, MODES)
    row = await load_control(session)
    if row.mode != mode:
        previous, row.mode = row.mode, mode
        await session.flush()
        payload = {"mode": mode, "previous": previous}
        await append_event(
            session, topic="system.mode_changed", entity_id=str(CONTROL_ID), payload=payload
        )
    return autonomy(mode)


async def set_execution_mode(session: AsyncSession, *, mode: str, lab: Lab) -> SystemControl:
    """Paper is always accepted; live only when the build is not paper-locked (else 503)."""
    require_choice("mode", mode, EXECUTION_MODES)
    if mode == "live" and lab.config.paper_locked:
        raise ExecutionModeLocked(
            "this build is locked to paper execution; live routing needs "
            "TRADEGRAPH_LIVE_TRADING=true",
            details={"mode": mode},
        )
    row = await load_control(session)
    if row.execution_mode == mode:
        return control_state(row, lab)
    row.execution_mode = mode
    await session.flush()
    return await _changed(session, "system.execution_mode_changed", control_state(row, lab))
