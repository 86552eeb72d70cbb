"""Forven (seed 000): brain, routines, skills & memory.

Operator-created routines run without an approval; brain-authored routines go through the
approval queue. The skills reads are ungated (frontend contract): API key only.
"""

from __future__ import annotations

from codegen.catalog.forven_system import path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import routines, skills

ROUTINE_RULES = (
    "Schedules are computed in the routine's zone and stored in UTC; on DST days a wall time "
    "that does not exist runs once at the first valid instant (02:30 on a spring-forward "
    "night runs at 03:00), one that happens twice runs once at its first pass (unless the "
    "hour field is *: hourly routines follow elapsed hours). The scheduler's routines job "
    "(every 5 s, GET /api/scheduler lists the routines on its row) queues each occurrence "
    "once (compare-and-set on next_run_at: safe with several instances); it halts while the "
    "system is stopped, and an occurrence found more than 60 s late is skipped, not caught "
    "up (next_run_at moves to the next future occurrence). A prompt runs through the model "
    "policy's routine task kind (model_calls rows recorded); a tool routine calls its tool "
    "with its arguments."
)

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/brain/overview", api="forven", router="brain",
        op="get_brain_overview", summary="Brain state, activity and attention.",
    ),
    route(
        method="GET", path="/api/brain/memory", api="forven", router="brain", op="get_brain_memory",
        summary="Persistent brain memory.",
    ),
    route(
        method="POST", path="/api/brain/chat", api="forven", router="brain", op="queue_brain_chat",
        summary="Queue a brain prompt; returns 202 with a task_id.", body=True, status=202,
        notes=(
            "202 Accepted means queued work: poll GET /api/brain/chat/{task_id}. "
            "The prompt's body field name is not documented."
        ),
    ),
    route(
        method="POST", path="/api/brain/chat/direct", api="forven", router="brain",
        op="run_brain_chat", summary="Run a brain prompt synchronously (not queued).", body=True,
        notes="The prompt's body field name is not documented.",
    ),
    route(
        method="GET", path="/api/brain/chat/{task_id}", api="forven", router="brain",
        op="get_brain_chat_task", summary="Poll a queued brain prompt.",
        params=(path_param("task_id", "str", what="task_id returned by POST /api/brain/chat"),),
        status=202,
        notes="Keeps returning 202 while the task runs; 200 with the result once it is done.",
    ),
    route(
        method="GET", path="/api/routines", api="forven", router="routines", op="list_routines",
        summary="List cron-scheduled routines.", state="implemented",
        resolver=routines.list_routines, response=Response("list", "Routine"),
        graphql="routines", graphql_generated=True,
        notes=(
            "Every routine, oldest first (not paged: routines are few), each with its schedule "
            "(cron, timezone, next_run_at in UTC), author (operator or brain), status (active, "
            "pending_approval, denied, disabled) and last_run (status queued, running, "
            "succeeded or failed; started_at, finished_at, output, error, job_id, the model "
            "and tokens of a prompt). A brain-authored routine whose approval was denied, "
            "expired or revised reads denied at once; the scheduler's routines pass also "
            "stores it (event routine.denied). "
            + ROUTINE_RULES
        ),
    ),
    route(
        method="POST", path="/api/routines", api="forven", router="routines", op="create_routine",
        summary="Create a cron-scheduled routine.", status=201, state="implemented",
        resolver=routines.create_routine,
        params=(
            Param("name", "body", required=True, min_length=1, description="unique, 80 chars"),
            Param("cron", "body", required=True, min_length=1,
                  description="five fields: minute hour day-of-month month day-of-week"),
            Param("timezone", "body", default="UTC",
                  description="IANA zone the cron is read in, e.g. America/New_York"),
            Param("prompt", "body", description="a model call (task kind routine)"),
            Param("tool", "body", description="one tool the scheduled context grants"),
            Param("arguments", "body", "json", schema=dict[str, str | float | bool],
                  description="the tool's arguments (keywords of its resolver)"),
            Param("enabled", "body", "bool", default=True,
                  description="false: created disabled (never scheduled)"),
        ),
        response=Response("one", "Routine"), errors=(409,),
        graphql="routines", mutation="createRoutine", graphql_generated=True,
        notes=(
            "The seed names no body fields: name (required, unique: 409 ROUTINE_NAME_TAKEN), "
            "cron (required: 422 INVALID_CRON naming the field and the problem; 5 fields only, "
            "no seconds field, no @daily macros), timezone (default UTC; 422 "
            "UNKNOWN_TIMEZONE), and exactly one of prompt and tool (422 "
            "INVALID_ROUTINE_ACTION); arguments only with tool (422 INVALID_ARGUMENTS: not an "
            "object, or a keyword the tool does not take), tool one the scheduled context "
            "grants (422 UNKNOWN_TOOL); enabled (default true). Operator-created routines run "
            "without an approval: active at once, next_run_at the next occurrence after now. "
            "Brain-authored routines are proposed by the brain (no REST route): "
            "pending_approval, with an approval of type routine (target_type routine, "
            "target_id the routine id, payload its fields) that activates it when approved. "
            + ROUTINE_RULES
        ),
    ),
    route(
        method="POST", path="/api/routines/{id}/run", api="forven", router="routines",
        op="run_routine", summary="Dispatch a routine immediately.", status=202,
        state="implemented", resolver=routines.run_routine,
        params=(path_param(arg="routine_id", what="routine id"),),
        response=Response("one", "RoutineDispatch"), errors=(409,),
        graphql="routines", mutation="runRoutine", graphql_generated=True,
        notes=(
            "202 Accepted means queued work: a run (origin manual) queued now as a job of kind "
            "routine.run; the answer names routine_id, run_id, job_id (GraphQL job(id)) and "
            "the topics following it (routine.run_queued, routine.run_started, "
            "routine.run_finished; job.*). The run shows as the routine's last_run. 404 "
            "ROUTINE_NOT_FOUND; 409 ROUTINE_NOT_ACTIVE while a brain-authored routine waits "
            "for its approval or was denied. A disabled routine runs (an operator asked); "
            "run-now ignores the system pause (it is an operator's explicit action; the "
            "scheduled occurrences halt). The routine's schedule is unchanged."
        ),
    ),
    route(
        method="GET", path="/api/skills", api="forven", router="skills", op="list_skills",
        summary="Quant-skills catalog.", auth="api", state="implemented",
        resolver=skills.list_skills, response=Response("list", "Skill"), graphql="skills",
        graphql_generated=True,
        notes=(
            "The strategy families, then the indicators (an indicator's figures are those of "
            "the families using it). backtest: the trial register's parameter sets and their "
            "median and best annualized Sharpe; paper and live: closed trades, wins, win rate, "
            "pnl and the annualized Sharpe of the last `window` trades' returns (pnl / notional)."
        ),
    ),
    route(
        method="GET", path="/api/skills/declining", api="forven", router="skills",
        op="list_declining_skills", summary="Declining skills.", auth="api",
        state="implemented", resolver=skills.list_declining_skills,
        response=Response("one", "DecliningSkills"), graphql="decliningSkills",
        graphql_generated=True,
        notes=(
            "Registered before /api/skills/{name} so the static path wins. The answer states the "
            "rule and its numbers: at least min_trades (20) closed trades in a phase and the "
            "rolling Sharpe of the last window (30) below the median backtest Sharpe by more "
            "than margin (1.0); one entry per skill and phase."
        ),
    ),
    route(
        method="GET", path="/api/skills/{name}", api="forven", router="skills", op="get_skill",
        summary="Skill detail.", auth="api", state="implemented", resolver=skills.get_skill,
        params=(path_param("name", "str", arg="skill_name", what="skill name"),),
        response=Response("one", "Skill"), graphql="skill", graphql_generated=True,
        notes="404 UNKNOWN_SKILL for a name that is no family or indicator.",
    ),
)  # fmt: skip
