"""Routines: cron-scheduled work, run unattended in the `scheduled` tool context.

A routine is a name (unique: a second one is 409 ROUTINE_NAME_TAKEN), a five-field cron
expression (minute hour day-of-month month day-of-week; 422 INVALID_CRON naming the field
and the problem) read in an IANA time zone (422 UNKNOWN_TIMEZONE; default UTC), and what it
does, exactly one of (422 INVALID_ROUTINE_ACTION otherwise):

- `prompt`: one model call of task kind `routine` (resolvers/models/complete.py: the model
  policy's route and fallbacks, every attempt a model_calls row). The system message names the
  routine and the read tools the `scheduled` context grants (resolvers/tools.py), the user
  message is the prompt; the run keeps the answer's text, provider, model and tokens.
- `tool`: one call of a tool the `scheduled` context grants (422 UNKNOWN_TOOL for another),
  with `arguments` (keywords of that tool's resolver; 422 INVALID_ARGUMENTS for others); the
  run keeps its answer as JSON text.

Who authored it decides whether it runs: an operator's routine (POST /api/routines) is active
at once; a brain-authored one (`propose_routine`, no REST route) is `pending_approval` and
files an approval of type `routine` (target_type routine, target_id the routine's id, payload
its fields). Approving it runs ACTIONS["routine"] (`activate_routine`): active, next_run_at
set. Denial (or expiry, or revision) is observed by the scheduler's `routines` pass, which
marks the routine `denied` (event routine.denied); until that pass, reads already report it
denied (the view reads its approval's status), so GET never shows a denied routine as
pending. `enabled: false` at creation makes an operator's routine `disabled`: never scheduled,
though POST /api/routines/{id}/run still runs it.

Scheduling: next_run_at is the next occurrence, computed in the routine's zone with croniter
and stored in UTC. Daylight saving time (verified, tests/resolvers/test_routines.py):
- a wall time that does not exist (02:30 on America/New_York's spring-forward day) runs once,
  at the first valid instant after the gap (03:00 EDT, 07:00 UTC);
- a wall time that happens twice (01:30 on the fall-back day) runs once, at its first pass
  (01:30 EDT, 05:30 UTC), unless the hour field is `*`: then the routine follows elapsed
  hours and runs at both passes (an hourly routine runs 25 times that day). croniter yields
  both passes; the repeat (fold 1) is skipped here.

The scheduler's `routines` job (resolvers/scheduler.py JOBS) calls `dispatch_due_routines`:
every active routine whose next_run_at has passed moves on to its next occurrence after now
by a compare-and-set UPDATE (WHERE next_run_at = the occurrence it read), and only the pass
whose UPDATE changed the row queues the run, in the same transaction: two instances (or two
passes) never dispatch one occurrence twice; the job key `routine:<id>:<occurrence>` makes
the queue refuse a twin as well. The job halts while the system is paused (POST
/api/system/stop). Missed occurrences are skipped, not caught up: an occurrence found more
than MISSED_AFTER (60 s) late (the system was paused, or no instance was running) is dropped
(event routine.skipped) and next_run_at moves to the next future occurrence; several missed
occurrences collapse into that one skip.

A run is a job of kind `routine.run` (server/routine_jobs.py) over a routine_runs row:
queued (event routine.run_queued), running (routine.run_started), then succeeded or failed
(routine.run_finished, with output or error). POST /api/routines/{id}/run queues one now and
answers 202 RoutineDispatch (queued work, per the seed's convention); 409 ROUTINE_NOT_ACTIVE
while the routine waits for its approval or was denied.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approvals import create_approval
from resolvers.control import is_paused
from resolvers.errors import Conflict, DomainError, InvalidInput, NotFound
from resolvers.jobs import enqueue_job
from resolvers.lab.services import Lab
from resolvers.models.complete import complete
from resolvers.models.providers import Message
from resolvers.pagination import Page
from resolvers.tools import DEFAULT_TOOLSETS, TOOLS_BY_NAME
from resolvers.validation import require_text
from resolvers.views import Choices, View, from_row, jsonable, to_payload
from storage.approvals import Approval as ApprovalRow
from storage.base import utcnow
from storage.outbox import append_event
from storage.routines import (
    ROUTINE_ACTIONS,
    ROUTINE_AUTHORS,
    ROUTINE_STATUSES,
    RUN_ORIGINS,
    RUN_STATUSES,
)
from storage.routines import Routine as RoutineRow
from storage.routines import RoutineRun as RunRow

JOB_KIND = "routine.run"
ToolArguments = dict[str, str | float | bool]
APPROVAL_TYPE = "routine"
CONTEXT = "scheduled"  # the tool context routines run in
MISSED_AFTER = timedelta(seconds=60)
OUTPUT_LENGTH = 20_000
MAX_ATTEMPTS = 2  # a crashed worker's run is tried once more; a refusal fails it for good
CRON_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
DEFAULT_TIMEZONE = "UTC"
# approval outcomes that leave a brain-authored routine inactive; a revised approval is not
# one: its revision (the newest approval on the routine) is what the routine waits for
REFUSED = ("denied", "expired")
JOB_TOPICS = ("job.running", "job.succeeded", "job.failed")
RUN_TOPICS = ("routine.run_queued", "routine.run_started", "routine.run_finished")

ROUTINE_STATUS = Choices("RoutineStatus", ROUTINE_STATUSES)
ROUTINE_AUTHOR = Choices("RoutineAuthor", ROUTINE_AUTHORS)
ROUTINE_ACTION = Choices("RoutineAction", ROUTINE_ACTIONS)
RUN_STATUS = Choices("RoutineRunStatus", RUN_STATUSES)
RUN_ORIGIN = Choices("RoutineRunOrigin", RUN_ORIGINS)


class InvalidCron(InvalidInput):
    code = "INVALID_CRON"


class UnknownTimezone(InvalidInput):
    code = "UNKNOWN_TIMEZONE"


class RoutineNameTaken(Conflict):
    code = "ROUTINE_NAME_TAKEN"


class RoutineNotActive(Conflict):
    code = "ROUTINE_NOT_ACTIVE"


class RoutineNotFound(NotFound):
    code = "ROUTINE_NOT_FOUND"


class RoutineRunFailed(DomainError):
    """A run that failed (its routine_runs row says why): the job fails for good with it."""

    code = "ROUTINE_RUN_FAILED"


@dataclass(frozen=True, slots=True)
class RoutineRun(View):
    """One run of a routine: scheduled or run-now, its job, its output or error."""

    id: int
    routine_id: int
    origin: Annotated[str, RUN_ORIGIN, "schedule (an occurrence) or manual (run-now)"]
    status: Annotated[str, RUN_STATUS]
    job_id: Annotated[int | None, "the routine.run job: GraphQL job(id)"]
    scheduled_for: Annotated[datetime | None, "the occurrence it runs (null for run-now)"]
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    output: Annotated[str, "the model's answer, or the tool's answer as JSON"]
    error: str | None
    provider: Annotated[str | None, "the provider that answered a prompt"]
    model: str | None
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class Routine(View):
    """A cron-scheduled prompt or tool call, its approval state and its last run."""

    id: int
    name: str
    cron: Annotated[str, "five fields: minute hour day-of-month month day-of-week"]
    timezone: Annotated[str, "the IANA zone the cron is read in"]
    action: Annotated[str, ROUTINE_ACTION, "prompt (a model call) or tool (one tool call)"]
    prompt: str
    tool: Annotated[str | None, "the tool a `tool` routine calls"]
    arguments: Annotated[ToolArguments, "the tool's arguments (JSON scalars)"]
    enabled: Annotated[bool, "false: never scheduled (status disabled)"]
    author: Annotated[str, ROUTINE_AUTHOR]
    status: Annotated[str, ROUTINE_STATUS]
    approval_id: Annotated[int | None, "a brain-authored routine's approval"]
    next_run_at: Annotated[datetime | None, "the next occurrence (UTC); null unless active"]
    created_at: datetime
    updated_at: datetime
    last_run: RoutineRun | None


@dataclass(frozen=True, slots=True)
class RoutineDispatch(View):
    """A routine run queued now (HTTP 202): its run, its job and where to follow them."""

    http_status: ClassVar[int] = 202  # rest_compat/runtime.py respond() answers with it

    routine_id: int
    run_id: int
    job_id: Annotated[int, "the routine.run job: GraphQL job(id) and the job events' entity id"]
    status: Annotated[str, RUN_STATUS, "queued, when accepted"]
    poll: Annotated[str, "a GraphQL query answering the routine's last run"]
    events: Annotated[list[str], "the events subscription's topics that follow the run"]


# -- validation and occurrences ---------------------------------------------------------------


def check_cron(cron: object) -> str:
    """The expression with single spaces, or 422 INVALID_CRON naming the problem."""
    if not isinstance(cron, str) or not cron.strip():
        raise InvalidCron("cron must be a five-field cron expression", details={"field": "cron"})
    fields = cron.split()
    if len(fields) != len(CRON_FIELDS):
        raise InvalidCron(
            f"cron needs 5 fields ({' '.join(CRON_FIELDS)}), got {len(fields)}",
            details={"field": "cron", "value": cron},
        )
    for i, (name, value) in enumerate(zip(CRON_FIELDS, fields, strict=True)):
        alone = ["*"] * len(CRON_FIELDS)
        alone[i] = value
        try:
            croniter(" ".join(alone))
        except (CroniterError, ValueError, KeyError) as exc:
            raise InvalidCron(
                f"cron's {name} field {value!r} is invalid: {exc}",
                details={"field": "cron", "value": cron, "cron_field": name},
            ) from exc
    expression = " ".join(fields)
    try:
        next_occurrence(expression, ZoneInfo("UTC"), datetime(2000, 1, 1, tzinfo=UTC))
    except (CroniterError, ValueError, KeyError) as exc:
        raise InvalidCron(
            f"cron {expression!r} never occurs: {exc}",
            details={"field": "cron", "value": cron},
        ) from exc
    return expression


def check_timezone(name: object) -> ZoneInfo:
    """The zone, or 422 UNKNOWN_TIMEZONE."""
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise UnknownTimezone(
        f"unknown time zone {name!r}: an IANA name such as Europe/Paris or UTC",
        details={"field": "timezone", "value": name},
    )


def next_occurrence(cron: str, zone: ZoneInfo, after: datetime) -> datetime:
    """The first occurrence strictly after `after`, in UTC (the module docstring gives the
    DST rules: a missing wall time runs at the first valid instant; a repeated one once,
    unless the hour field is `*`)."""
    every_hour = cron.split()[1] == "*"
    found = croniter(cron, after.astimezone(zone))
    for _ in range(5):
        at: datetime = found.get_next(datetime)
        if at.fold == 1 and not every_hour:
            continue  # the repeat of a wall time this routine already ran at
        return at.astimezone(UTC)
    raise CroniterBadDateError(f"no occurrence of {cron!r} found")


def check_action(
    prompt: str | None, tool: str | None, arguments: object
) -> tuple[str, str, str | None, ToolArguments]:
    """(action, prompt, tool, arguments) of a routine's body: exactly one of prompt and tool."""
    has_prompt = prompt is not None and prompt.strip() != ""
    if has_prompt == (tool is not None):
        raise InvalidInput(
            "give exactly one of prompt (a model call) and tool (one tool call)",
            code="INVALID_ROUTINE_ACTION",
            details={"fields": ["prompt", "tool"]},
        )
    if prompt is not None and has_prompt:
        if arguments:
            raise InvalidInput(
                "arguments go with a tool, not a prompt",
                code="INVALID_ARGUMENTS",
                details={"field": "arguments"},
            )
        return "prompt", require_text("prompt", prompt, max_length=10_000), None, {}
    assert tool is not None
    granted = DEFAULT_TOOLSETS[CONTEXT]
    if tool not in granted:
        raise InvalidInput(
            f"tool {tool!r} is not granted to the {CONTEXT} context",
            code="UNKNOWN_TOOL",
            details={"field": "tool", "granted": list(granted)},
        )
    given = {} if arguments is None else arguments
    if not isinstance(given, dict) or not all(
        isinstance(v, str | int | float | bool) for v in given.values()
    ):
        raise InvalidInput(
            "arguments must be an object of JSON scalars (strings, numbers, booleans)",
            code="INVALID_ARGUMENTS",
            details={"field": "arguments"},
        )
    accepted = _keywords(tool)
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise InvalidInput(
            f"{tool} takes no argument {', '.join(unknown)}",
            code="INVALID_ARGUMENTS",
            details={"field": "arguments", "unknown": unknown, "accepted": accepted},
        )
    return "tool", "", tool, dict(given)


def _keywords(tool: str) -> list[str]:
    """The arguments a tool takes: its resolver's keywords but the session, lab and clock."""
    parameters = inspect.signature(TOOLS_BY_NAME[tool].resolver).parameters
    return [
        name
        for name, p in parameters.items()
        if p.kind == inspect.Parameter.KEYWORD_ONLY and name not in ("lab", "now", "at")
    ]


# -- views --------------------------------------------------------------------------------------


def run_view(row: RunRow) -> RoutineRun:
    return from_row(RoutineRun, row)


async def _views(session: AsyncSession, rows: list[RoutineRow]) -> list[Routine]:
    ids = [row.id for row in rows]
    last: dict[int, RunRow] = {}
    if ids:
        runs = await session.scalars(
            select(RunRow).where(RunRow.routine_id.in_(ids)).order_by(RunRow.id)
        )
        last = {run.routine_id: run for run in runs}
    decided = await _newest_approvals(
        session, [row.id for row in rows if row.status == "pending_approval"]
    )
    views = []
    for row in rows:
        status = row.status
        newest = decided.get(row.id)
        if status == "pending_approval" and newest is not None and newest.status in REFUSED:
            status = "denied"
        run = last.get(row.id)
        views.append(
            from_row(
                Routine,
                row,
                status=status,
                enabled=row.status != "disabled",
                last_run=None if run is None else run_view(run),
            )
        )
    return views


async def routine_view(session: AsyncSession, row: RoutineRow) -> Routine:
    return (await _views(session, [row]))[0]


async def list_routines(session: AsyncSession) -> list[Routine]:
    """Every routine, oldest first, each with its last run."""
    rows = list(await session.scalars(select(RoutineRow).order_by(RoutineRow.id)))
    return await _views(session, rows)


async def routine_row(session: AsyncSession, *, routine_id: int) -> RoutineRow:
    row = await session.get(RoutineRow, routine_id)
    if row is None:
        raise RoutineNotFound(f"routine {routine_id} not found", details={"id": routine_id})
    return row


# -- creating -----------------------------------------------------------------------------------


async def _insert(
    session: AsyncSession,
    *,
    name: str,
    cron: str,
    timezone: str,
    prompt: str | None,
    tool: str | None,
    arguments: object,
    author: str,
    status: str,
    now: datetime,
) -> RoutineRow:
    name = require_text("name", name, max_length=80)
    expression = check_cron(cron)
    zone = check_timezone(timezone)
    action, text, tool_name, args = check_action(prompt, tool, arguments)
    taken = await session.scalar(select(RoutineRow.id).where(RoutineRow.name == name))
    if taken is not None:
        raise RoutineNameTaken(
            f"a routine named {name!r} exists", details={"field": "name", "id": taken}
        )
    row = RoutineRow(
        name=name,
        cron=expression,
        timezone=zone.key,
        action=action,
        prompt=text,
        tool=tool_name,
        arguments=args,
        author=author,
        status=status,
        next_run_at=next_occurrence(expression, zone, now) if status == "active" else None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def create_routine(
    session: AsyncSession,
    *,
    name: str,
    cron: str,
    timezone: str = DEFAULT_TIMEZONE,
    prompt: str | None = None,
    tool: str | None = None,
    arguments: ToolArguments | None = None,
    enabled: bool = True,
    now: datetime | None = None,
) -> Routine:
    """An operator's routine: active at once (disabled with `enabled: false`), no approval."""
    row = await _insert(
        session,
        name=name,
        cron=cron,
        timezone=timezone,
        prompt=prompt,
        tool=tool,
        arguments=arguments,
        author="operator",
        status="active" if enabled else "disabled",
        now=now or utcnow(),
    )
    view = await routine_view(session, row)
    await append_event(
        session, topic="routine.created", entity_id=str(row.id), payload=to_payload(view)
    )
    return view


async def propose_routine(
    session: AsyncSession,
    *,
    name: str,
    cron: str,
    timezone: str = DEFAULT_TIMEZONE,
    prompt: str | None = None,
    tool: str | None = None,
    arguments: ToolArguments | None = None,
    summary: str = "",
    now: datetime | None = None,
) -> Routine:
    """A brain-authored routine: pending_approval, with an approval of type `routine` filed.

    Nothing runs until an operator approves it (ACTIONS["routine"] activates it)."""
    row = await _insert(
        session,
        name=name,
        cron=cron,
        timezone=timezone,
        prompt=prompt,
        tool=tool,
        arguments=arguments,
        author="brain",
        status="pending_approval",
        now=now or utcnow(),
    )
    approval = await create_approval(
        session,
        type=APPROVAL_TYPE,
        target_type="routine",
        target_id=str(row.id),
        owner="brain",
        summary=summary or f"Routine {row.name!r} ({row.cron}, {row.timezone})",
        payload={
            "name": row.name,
            "cron": row.cron,
            "timezone": row.timezone,
            "action": row.action,
            "prompt": row.prompt,
            "tool": row.tool or "",
            "arguments": json.dumps(row.arguments, sort_keys=True),
            # what its runs may call, for the approval classifier's tool rules
            "tools": row.tool or " ".join(DEFAULT_TOOLSETS[CONTEXT]),
        },
        now=now,
    )
    row.approval_id = approval.id
    await session.flush()
    view = await routine_view(session, row)
    await append_event(
        session, topic="routine.created", entity_id=str(row.id), payload=to_payload(view)
    )
    return view


async def _newest_approvals(
    session: AsyncSession, routine_ids: Sequence[int]
) -> dict[int, ApprovalRow]:
    """Each routine's newest approval (its proposal's, or that one's latest revision)."""
    if not routine_ids:
        return {}
    stmt = (
        select(ApprovalRow)
        .where(
            ApprovalRow.type == APPROVAL_TYPE,
            ApprovalRow.target_type == "routine",
            ApprovalRow.target_id.in_([str(i) for i in routine_ids]),
        )
        .order_by(ApprovalRow.id)
    )
    return {int(a.target_id): a for a in await session.scalars(stmt)}


async def activate_routine(
    session: AsyncSession, *, approval: ApprovalRow, actor: str, lab: Lab
) -> Routine:
    """ACTIONS["routine"]: an approved proposal's routine becomes active from now on, as the
    approval states it: a revision's edited cron, zone, prompt or tool apply (checked again,
    422 with the field's code when they do not hold). 409 APPROVAL_STALE when the approval
    names no routine waiting for it (an older revision, a routine already decided)."""
    del actor, lab
    named = approval.target_id.isdigit()
    row = await session.get(RoutineRow, int(approval.target_id)) if named else None
    newest = (await _newest_approvals(session, [row.id])).get(row.id) if row else None
    if row is None or row.status != "pending_approval" or newest is not approval:
        raise Conflict(
            f"routine {approval.target_id} is not waiting for approval {approval.id}",
            code="APPROVAL_STALE",
            details={"routine_id": approval.target_id},
        )
    stated = approval.payload
    row.cron = check_cron(stated.get("cron", row.cron))
    zone = check_timezone(stated.get("timezone", row.timezone))
    row.timezone = zone.key
    if "action" in stated:
        prompt = str(stated.get("prompt", "")) if stated["action"] == "prompt" else None
        tool = str(stated.get("tool", "")) if stated["action"] == "tool" else None
        row.action, row.prompt, row.tool, row.arguments = check_action(
            prompt, tool, _arguments_of(stated.get("arguments"))
        )
    now = utcnow()
    row.status = "active"
    row.approval_id = approval.id
    row.next_run_at = next_occurrence(row.cron, zone, now)
    row.updated_at = now
    await session.flush()
    view = await routine_view(session, row)
    await append_event(
        session, topic="routine.activated", entity_id=str(row.id), payload=to_payload(view)
    )
    return view


def _arguments_of(stated: object) -> object:
    """A proposal's tool arguments, carried in its payload as a JSON string."""
    if not isinstance(stated, str) or not stated:
        return {}
    try:
        return json.loads(stated)
    except ValueError:
        raise InvalidInput(
            "payload.arguments must be a JSON object",
            code="INVALID_ARGUMENTS",
            details={"field": "payload.arguments"},
        ) from None


async def settle_refusals(session: AsyncSession, *, now: datetime) -> list[int]:
    """Mark denied the pending routines whose newest approval was denied or expired."""
    stmt = select(RoutineRow).where(RoutineRow.status == "pending_approval")
    rows = list(await session.scalars(stmt))
    newest = await _newest_approvals(session, [row.id for row in rows])
    denied = []
    for row in rows:
        approval = newest.get(row.id)
        if approval is None or approval.status not in REFUSED:
            continue
        row.status = "denied"
        row.updated_at = now
        await session.flush()
        view = await routine_view(session, row)
        await append_event(
            session, topic="routine.denied", entity_id=str(row.id), payload=to_payload(view)
        )
        denied.append(row.id)
    return denied


# -- dispatching --------------------------------------------------------------------------------


async def _dispatch(
    session: AsyncSession, row: RoutineRow, *, origin: str, at: datetime | None, now: datetime
) -> RunRow:
    run = RunRow(routine_id=row.id, origin=origin, status="queued", scheduled_for=at)
    run.queued_at = now
    session.add(run)
    await session.flush()
    key = None if at is None else f"routine:{row.id}:{at.isoformat()}"
    job = await enqueue_job(
        session, kind=JOB_KIND, payload={"run_id": run.id}, key=key, max_attempts=MAX_ATTEMPTS
    )
    run.job_id = job.id
    await session.flush()
    await append_event(
        session,
        topic="routine.run_queued",
        entity_id=str(row.id),
        payload=to_payload(run_view(run)),
    )
    return run


async def run_routine(
    session: AsyncSession, *, routine_id: int, now: datetime | None = None
) -> RoutineDispatch:
    """Queue a run of the routine now (202); 409 ROUTINE_NOT_ACTIVE while it waits for its
    approval or was denied. A disabled routine runs too: an operator asked for it."""
    row = await routine_row(session, routine_id=routine_id)
    status = (await routine_view(session, row)).status
    if status in ("pending_approval", "denied"):
        raise RoutineNotActive(
            f"routine {routine_id} is {status}: it runs once an operator approves it",
            details={"id": routine_id, "status": status},
        )
    run = await _dispatch(session, row, origin="manual", at=None, now=now or utcnow())
    assert run.job_id is not None
    return RoutineDispatch(
        routine_id=row.id,
        run_id=run.id,
        job_id=run.job_id,
        status=run.status,
        poll="query { routines { id lastRun { id status output error } } }",
        events=[*RUN_TOPICS, *JOB_TOPICS],
    )


async def dispatch_due_routines(session: AsyncSession, *, now: datetime) -> list[int]:
    """The scheduler's `routines` pass: queue each due occurrence once; returns the run ids.

    While the system is paused nothing is dispatched (the scheduler skips the job too); an
    occurrence more than MISSED_AFTER late is skipped, and every due routine's next_run_at
    moves to its next occurrence after `now` by compare-and-set."""
    if await is_paused(session):
        return []
    await settle_refusals(session, now=now)
    due = await session.execute(
        select(RoutineRow.id, RoutineRow.next_run_at, RoutineRow.cron, RoutineRow.timezone)
        .where(RoutineRow.status == "active", RoutineRow.next_run_at <= now)
        .order_by(RoutineRow.next_run_at, RoutineRow.id)
    )
    runs = []
    for routine_id, occurrence, cron, timezone in due.all():
        following = next_occurrence(cron, ZoneInfo(timezone), now)
        claimed = await session.execute(
            update(RoutineRow)
            .where(
                RoutineRow.id == routine_id,
                RoutineRow.next_run_at == occurrence,
                RoutineRow.status == "active",
            )
            .values(next_run_at=following, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if occurrence is None or getattr(claimed, "rowcount", 0) != 1:
            continue  # another pass or instance took this occurrence
        row = await session.get(RoutineRow, routine_id, populate_existing=True)
        assert row is not None
        if now - occurrence > MISSED_AFTER:
            await append_event(
                session,
                topic="routine.skipped",
                entity_id=str(routine_id),
                payload={
                    "id": routine_id,
                    "missed": occurrence.isoformat(),
                    "next_run_at": following.isoformat(),
                },
            )
            continue
        runs.append((await _dispatch(session, row, origin="schedule", at=occurrence, now=now)).id)
    return runs


def _plain(result: object) -> object:
    """A tool's answer as JSON values (a page as its items and total)."""
    if isinstance(result, Page):
        return {"items": jsonable(list(result.items)), "total": result.total_count}
    return jsonable(result)


# -- running (the routine.run job, server/routine_jobs.py) ------------------------------------


async def begin_routine_run(
    session: AsyncSession, *, run_id: int, now: datetime | None = None
) -> RoutineRun | None:
    """Mark a run running (again, after a crashed attempt); None when it already finished."""
    run = await session.get(RunRow, run_id)
    if run is None:
        raise NotFound(f"routine run {run_id} not found", details={"run_id": run_id})
    if run.status in ("succeeded", "failed"):
        return None
    run.status = "running"
    run.started_at = now or utcnow()
    await session.flush()
    view = run_view(run)
    await append_event(
        session,
        topic="routine.run_started",
        entity_id=str(run.routine_id),
        payload=to_payload(view),
    )
    return view


async def execute_routine_run(
    session: AsyncSession, *, run_id: int, lab: Lab, now: datetime | None = None
) -> RoutineRun:
    """Run the routine's prompt or tool and record the outcome (its model_calls rows commit
    with it, a failed call's too). A refusal (a DomainError: every provider failing, a tool
    refusing its arguments) is the run's error; anything else propagates and the job retries."""
    run = await session.get(RunRow, run_id)
    if run is None:
        raise NotFound(f"routine run {run_id} not found", details={"run_id": run_id})
    row = await routine_row(session, routine_id=run.routine_id)
    try:
        if row.action == "prompt":
            reads = [name for name in DEFAULT_TOOLSETS[CONTEXT] if not TOOLS_BY_NAME[name].mutates]
            messages: list[Message] = [
                {
                    "role": "system",
                    "content": f"Routine {row.name!r}, run unattended ({CONTEXT} context). "
                    f"Tools this context reads: {', '.join(reads)}.",
                },
                {"role": "user", "content": row.prompt},
            ]
            answer = await complete(session, task_kind="routine", messages=messages, lab=lab)
            run.output = answer.text[:OUTPUT_LENGTH]
            run.provider, run.model = answer.provider, answer.model
            run.prompt_tokens = answer.usage.prompt_tokens
            run.completion_tokens = answer.usage.completion_tokens
        else:
            assert row.tool is not None
            resolver = TOOLS_BY_NAME[row.tool].resolver
            kwargs = dict(row.arguments)
            if "lab" in inspect.signature(resolver).parameters:
                kwargs["lab"] = lab
            result = await resolver(session, **kwargs)
            run.output = json.dumps(_plain(result), default=str)[:OUTPUT_LENGTH]
        run.status = "succeeded"
    except DomainError as exc:
        run.status = "failed"
        run.error = f"{exc.code}: {exc}"[:OUTPUT_LENGTH]
    run.finished_at = now or utcnow()
    await session.flush()
    view = run_view(run)
    await append_event(
        session, topic="routine.run_finished", entity_id=str(row.id), payload=to_payload(view)
    )
    return view
