"""Forven (seed 000): brain, routines, skills & memory.

Operator-created routines run without an approval; brain-authored routines go through the
approval queue. The skills reads are ungated (frontend contract): API key only.
"""

from __future__ import annotations

from codegen.catalog.forven_system import forven, path_param
from codegen.model import Route

ROUTES: tuple[Route, ...] = (
    forven(
        "GET", "/api/brain/overview", "brain", "get_brain_overview",
        "Brain state, activity and attention.",
    ),
    forven("GET", "/api/brain/memory", "brain", "get_brain_memory", "Persistent brain memory."),
    forven(
        "POST", "/api/brain/chat", "brain", "queue_brain_chat",
        "Queue a brain prompt; returns 202 with a task_id.",
        status=202,
        body=True,
        notes=(
            "202 Accepted means queued work: poll GET /api/brain/chat/{task_id}. "
            "The prompt's body field name is not documented."
        ),
    ),
    forven(
        "POST", "/api/brain/chat/direct", "brain", "run_brain_chat",
        "Run a brain prompt synchronously (not queued).",
        body=True,
        notes="The prompt's body field name is not documented.",
    ),
    forven(
        "GET", "/api/brain/chat/{task_id}", "brain", "get_brain_chat_task",
        "Poll a queued brain prompt.",
        path_param("task_id", "str", what="task_id returned by POST /api/brain/chat"),
        status=202,
        notes="Keeps returning 202 while the task runs; 200 with the result once it is done.",
    ),
    forven("GET", "/api/routines", "routines", "list_routines",
           "List cron-scheduled routines."),
    forven(
        "POST", "/api/routines", "routines", "create_routine",
        "Create a cron-scheduled routine.",
        status=201,
        body=True,
        notes=(
            "Operator-created routines run without an approval. "
            "The body fields (cron expression, task) are not documented by name."
        ),
    ),
    forven(
        "POST", "/api/routines/{id}/run", "routines", "run_routine",
        "Dispatch a routine immediately.",
        path_param(arg="routine_id", what="routine id"),
    ),
    forven("GET", "/api/skills", "skills", "list_skills", "Quant-skills catalog.", auth="api"),
    forven(
        "GET", "/api/skills/declining", "skills", "list_declining_skills", "Declining skills.",
        auth="api",
        notes="Registered before /api/skills/{name} so the static path wins.",
    ),
    forven(
        "GET", "/api/skills/{name}", "skills", "get_skill", "Skill detail.",
        path_param("name", "str", arg="skill_name", what="skill name"),
        auth="api",
    ),
)  # fmt: skip
