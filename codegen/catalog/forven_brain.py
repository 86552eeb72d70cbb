"""Forven (seed 000): brain, routines, skills & memory.

Operator-created routines run without an approval; brain-authored routines go through the
approval queue. The skills reads are ungated (frontend contract): API key only.
"""

from __future__ import annotations

from codegen.catalog.forven_system import path_param
from codegen.model import Response, Route
from codegen.route import route
from resolvers import skills

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
        summary="List cron-scheduled routines.",
    ),
    route(
        method="POST", path="/api/routines", api="forven", router="routines", op="create_routine",
        summary="Create a cron-scheduled routine.", body=True, status=201,
        notes=(
            "Operator-created routines run without an approval. "
            "The body fields (cron expression, task) are not documented by name."
        ),
    ),
    route(
        method="POST", path="/api/routines/{id}/run", api="forven", router="routines",
        op="run_routine", summary="Dispatch a routine immediately.",
        params=(path_param(arg="routine_id", what="routine id"),),
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
