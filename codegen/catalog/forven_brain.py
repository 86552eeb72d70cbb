"""Forven (seed 000): brain, routines, skills & memory.

The brain's five routes are built on resolvers/brain/ (its module docstrings hold the rules).

Operator-created routines run without an approval; brain-authored routines go through the
approval queue. The skills reads are ungated (frontend contract): API key only.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import routines, skills
from resolvers.brain import memory, overview, tasks
from resolvers.brain.run import Scalar

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
CHAT_BODY = (
    Param("prompt", "body", description="what the brain is asked (1 to 4,000 characters)"),
    Param("message", "body", description="an alias of prompt"),
    Param("propose", "body", "json", schema=dict[str, Scalar],
          description="an action to propose: {kind: hypothesis, title, thesis?, mechanism?, "
                      "lane?} or {kind: transition, strategy_id, target}"),
)  # fmt: skip
CHAT_RULES = (
    "The brain reads through the tools the interactive context grants it (a deterministic "
    "intent table over the prompt's words: resolvers/brain/run.py) and never acts: "
    '`propose`, and a fenced JSON block {"propose": {...}} in the model\'s answer, become '
    "approvals (types brain.hypothesis and brain.transition; approving one creates the "
    "hypothesis or runs the transition) or, for kind routine ({kind, name, cron, timezone?, "
    "prompt | tool}), a pending_approval routine with its approval of type routine (approving "
    "activates it). A malformed propose is 422 INVALID_PROPOSAL, a routine's the routine "
    "codes (INVALID_CRON, UNKNOWN_TIMEZONE, INVALID_ROUTINE_ACTION, UNKNOWN_TOOL); a model's "
    "is skipped with its reason, as is a routine whose name is taken."
)

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/brain/overview", api="forven", router="brain",
        op="get_brain_overview", summary="Brain state, activity and attention.",
        state="implemented", resolver=overview.get_brain_overview,
        response=Response("one", "BrainOverview"), graphql="brainOverview",
        graphql_generated=True,
        notes=(
            "state: paused while the system is paused, working while a brain task runs, else "
            "idle. activity: the running brain tasks, the queued count, the last finished "
            "task. attention, from rows read now, at most 20 of each kind: approval_overdue "
            "(high: pending past its deadline), approval_pending (medium, oldest first), "
            "gate_failing (medium: an active strategy whose next stage's readiness gates "
            "fail; only the 10 most recently updated active strategies short of live are "
            "checked, each check reruns the screen), skill_declining (medium: GET "
            "/api/skills/declining's rule), demotion (high: a lifecycle transition to an "
            "earlier stage in the last 7 days)."
        ),
    ),
    route(
        method="GET", path="/api/brain/memory", api="forven", router="brain", op="get_brain_memory",
        summary="Persistent brain memory.", state="implemented",
        resolver=memory.list_brain_memory,
        params=(
            Param("kind", "query", enum=memory.MEMORY_KINDS, description="exact kind"),
            Param("source", "query", enum=memory.MEMORY_SOURCES, description="exact source"),
            Param("q", "query", min_length=1,
                  description="case-insensitive substring of the content (at most 200)"),
            *PAGING,
        ),
        response=Response("page", "BrainMemory"), graphql="brainMemory", graphql_generated=True,
        notes=(
            "Paged oldest first like GET /api/strategies; filters combine. A brain task writes "
            "one observation when it finishes (source task, source_id its task_id; null for a "
            "direct run): what it was asked and answered, with provenance naming the tools "
            "and row ids it read, the approvals it filed and the memories it recalled. A task "
            "recalls the at most 5 memories matching the most words of its prompt (words of 3 "
            "or more letters or digits, a few stop words left out) into its system message "
            "and stamps their last_used_at. Operators add and forget memories through the "
            "GraphQL mutations addBrainMemory and forgetBrainMemory (source operator)."
        ),
    ),
    route(
        method="POST", path="/api/brain/chat", api="forven", router="brain", op="queue_brain_chat",
        summary="Queue a brain prompt; returns 202 with a task_id.", body=True, status=202,
        state="implemented", resolver=tasks.queue_brain_chat, params=CHAT_BODY,
        response=Response("one", "BrainTask"), graphql="brainTask", mutation="queueBrainChat",
        graphql_generated=True,
        notes=(
            "202 Accepted means queued work: poll GET /api/brain/chat/{task_id}. The seed names "
            "no body field: it is `prompt` (1 to 4,000 characters after trimming; `message` is "
            "an accepted alias; neither, an empty one, or both differing: 422 INVALID_PROMPT). "
            "task_id is the id of the `brain.chat` job, as a string. " + CHAT_RULES
        ),
    ),
    route(
        method="POST", path="/api/brain/chat/direct", api="forven", router="brain",
        op="run_brain_chat", summary="Run a brain prompt synchronously (not queued).", body=True,
        state="implemented", resolver=tasks.run_brain_chat, params=CHAT_BODY,
        response=Response("one", "BrainChatResult"), graphql="brainChatResult",
        mutation="runBrainChat", graphql_generated=True,
        notes=(
            "The same body and the same run as POST /api/brain/chat, in the request: 200 with "
            "the BrainChatResult (task_id null), no job. A provider chain that fails answers "
            "its PROVIDER_* error. " + CHAT_RULES
        ),
    ),
    route(
        method="GET", path="/api/brain/chat/{task_id}", api="forven", router="brain",
        op="get_brain_chat_task", summary="Poll a queued brain prompt.",
        params=(path_param("task_id", "str", what="task_id returned by POST /api/brain/chat"),),
        state="implemented", resolver=tasks.get_brain_chat_task,
        response=Response("one", "BrainChatResult"), accepted="BrainTask",
        graphql="brainChatResult",
        notes=(
            "Keeps returning 202 BrainTask (status queued or running, progress and its message) "
            "while the task runs; 200 BrainChatResult once it is done: succeeded with the "
            "answer, or failed (error_code BRAIN_TASK_FAILED, error_message the job's last "
            "error) or cancelled (BRAIN_TASK_CANCELLED), which are 200 too: the poll is over. "
            "404 TASK_NOT_FOUND for an id that is no brain task. A task whose worker died is "
            "queued again by the sweeper and listed as resumable until a worker reruns it. "
            "GraphQL: brainTask(taskId) reads the state in any status, brainChatResult(taskId) "
            "the result (null until finished)."
        ),
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
