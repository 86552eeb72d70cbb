"""One brain run, in three steps each its own transaction in a job (server/brain_jobs.py):

1. `gather` (reads only): recall the memories the prompt's words match (resolvers/brain/
   memory.py), pick read tools from the prompt by the intent table below and call them,
   recording each call (name, arguments, rows read, the ids of the first rows).
2. `answer`: one `complete(task_kind="chat")` (the policy's model with its fallbacks, each
   attempt a model_calls row): a system message holding the tool results and the memories,
   then the prompt. Its only writes are the call rows, flushed after the model answered, so
   no write transaction is open while a model thinks (SQLite has one writer).
3. `finish`: file the proposals as approvals (never the action itself), write the task's
   memory, stamp the recalled memories' last_used_at.

The offline `lab` model cannot call functions, so the tools are chosen before it answers, by
a deterministic intent table over the tools the `interactive` context grants the brain
(resolvers/tools.py; the research agent with id `brain`, when one exists, may override that
grant through PUT /api/agents/brain/toolsets/interactive). `run_verdict` is granted there but
never picked: it writes a verdict run, and the brain only reads. Intent table (in order; a
prompt may match several, each tool runs once, at most MAX_TOOL_CALLS calls):

    `strategy 12` / `#12`                     get_strategy, get_strategy_readiness (each id)
    `workflow 7`                              get_gauntlet_workflow
    strateg / promot / pipeline / stage       list_strategies (first 20)
    approv / pending / proposal / decision    list_approvals (status pending, first 20)
    declin / underperform / decay / worse     list_declining_skills
    skill / indicator / family                list_skills
    trade / pnl / position / profit           list_trades (first 20)
    dataset / data / ohlcv / candle           list_datasets (first 20)
    agent / researcher                        list_agents
    (nothing matched)                         list_strategies, list_approvals

A tool that refuses (a strategy id that does not exist: 404) is recorded with its error code
and the run goes on. Proposals come from the request's `propose` object and from a fenced JSON
block `{"propose": {...}}` in the model's answer (an HTTP model can write one). Each kind:

    hypothesis  {kind, title, thesis?, mechanism?, lane?}   approval type brain.hypothesis
                approving creates the hypothesis (resolvers/approval_actions.py)
    transition  {kind, strategy_id, target}                 approval type brain.transition
                approving runs the lifecycle transition, its gates checked then
    routine     {kind, name, cron, timezone?, prompt | tool}    resolvers/routines.py
                propose_routine: a pending_approval routine and its approval of type
                routine (approving activates it); the routine's own checks apply (422
                INVALID_CRON, UNKNOWN_TIMEZONE, INVALID_ROUTINE_ACTION, UNKNOWN_TOOL up front
                for a request's propose; 409 ROUTINE_NAME_TAKEN when it is filed). A tool
                routine proposed here takes no arguments (a proposal holds scalars only).

A proposal the model wrote that does not hold up (unknown kind, missing fields, a strategy
that does not exist) is skipped with its reason; one in the request is checked before the
task is queued (422 INVALID_PROPOSAL).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import approvals
from resolvers.brain.memory import (
    BrainMemory,
    ToolRead,
    mark_used,
    provenance_of,
    recall,
    task_memories,
    write_memory,
)
from resolvers.errors import DomainError, InvalidInput
from resolvers.lab.inject import with_lab
from resolvers.lab.services import Lab
from resolvers.models.complete import complete
from resolvers.models.providers import Message
from resolvers.pagination import Page
from resolvers.routines import (
    DEFAULT_TIMEZONE,
    check_action,
    check_cron,
    check_timezone,
    propose_routine,
)
from resolvers.tools import DEFAULT_TOOLSETS, TOOLS_BY_NAME, Tool, granted
from resolvers.views import OneOf, View, jsonable
from storage.agents import Agent, AgentToolset
from storage.strategies import STAGES
from storage.strategies import Strategy as StrategyRow

BRAIN_AGENT_ID = "brain"  # the research agent whose interactive toolset, if any, overrides
CONTEXT = "interactive"
OWNER = "brain"  # the approvals' owner
MAX_PROMPT = 4000
MAX_TOOL_CALLS = 8
MAX_RESULT_CHARS = 3000  # of one tool result in the system message
LIST_SIZE = 20
PROPOSAL_KINDS = ("hypothesis", "transition", "routine")
HYPOTHESIS_APPROVAL = "brain.hypothesis"
TRANSITION_APPROVAL = "brain.transition"

STRATEGY_REF = re.compile(r"(?:strategy\s*#?|#)(\d+)", re.IGNORECASE)
WORKFLOW_REF = re.compile(r"workflow\s*#?(\d+)", re.IGNORECASE)
PROPOSE_BLOCK = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)
INTENTS: tuple[tuple[tuple[str, ...], str, dict[str, Any]], ...] = (
    (("strateg", "promot", "pipeline", "stage"), "list_strategies", {"first": LIST_SIZE}),
    (
        ("approv", "pending", "proposal", "decision"),
        "list_approvals",
        {"status": "pending", "first": LIST_SIZE},
    ),
    (("declin", "underperform", "decay", "worse"), "list_declining_skills", {}),
    (("skill", "indicator", "family"), "list_skills", {}),
    (("trade", "pnl", "position", "profit"), "list_trades", {"first": LIST_SIZE}),
    (("dataset", "data", "ohlcv", "candle"), "list_datasets", {"first": LIST_SIZE}),
    (("agent", "researcher"), "list_agents", {}),
)
FALLBACK = (
    ("list_strategies", {"first": LIST_SIZE}),
    ("list_approvals", {"status": "pending", "first": LIST_SIZE}),
)

Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class BrainToolCall(View):
    """One read tool the brain called for a task."""

    name: str
    arguments: dict[str, Scalar]
    rows: Annotated[int, "rows the answer held (items of a list or page; 1 for one object)"]
    ids: Annotated[list[str], "the ids of the first rows read (at most 20)"]
    error_code: Annotated[str | None, "the tool's refusal, when it refused (e.g. NOT_FOUND)"]


@dataclass(frozen=True, slots=True)
class BrainProposal(View):
    """An action the brain proposed: filed as an approval, or skipped with the reason."""

    kind: Annotated[str, OneOf(PROPOSAL_KINDS)]
    origin: Annotated[str, OneOf(("request", "model")), "the request's propose or the answer's"]
    status: Annotated[str, OneOf(("filed", "skipped"))]
    approval_id: Annotated[int | None, "the approval filed (owner brain in GET /api/approvals)"]
    reason: Annotated[str, "why it was skipped (a code and its text); empty when filed"]


@dataclass(slots=True)
class Gathered:
    """What step 1 read, handed to steps 2 and 3 (kept in memory, never stored)."""

    prompt: str
    memories: list[BrainMemory]
    calls: list[BrainToolCall]
    results: list[str]  # one text per call, for the system message


@dataclass(slots=True)
class Answered:
    text: str
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(slots=True)
class Finished:
    proposals: list[BrainProposal] = field(default_factory=list)
    memories_written: list[int] = field(default_factory=list)


def require_prompt(prompt: object) -> str:
    """The prompt, stripped: 1 to MAX_PROMPT characters (422 INVALID_PROMPT)."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidInput(
            "prompt must be a non-empty string", code="INVALID_PROMPT", details={"field": "prompt"}
        )
    if len(prompt.strip()) > MAX_PROMPT:
        raise InvalidInput(
            f"prompt must be at most {MAX_PROMPT} characters",
            code="INVALID_PROMPT",
            details={"field": "prompt"},
        )
    return prompt.strip()


def pick_prompt(prompt: str | None, message: str | None) -> str:
    """`prompt`, or its alias `message` (422 INVALID_PROMPT when neither or both differ)."""
    if prompt is not None and message is not None and prompt != message:
        raise InvalidInput(
            "send prompt or its alias message, not both",
            code="INVALID_PROMPT",
            details={"field": "message"},
        )
    return require_prompt(prompt if prompt is not None else message)


def check_proposal(propose: object) -> dict[str, Scalar] | None:
    """A request's `propose`, checked before anything is queued (422 INVALID_PROPOSAL, or a
    routine's own codes: INVALID_CRON, UNKNOWN_TIMEZONE, INVALID_ROUTINE_ACTION, UNKNOWN_TOOL)."""
    if propose is None:
        return None
    problem = proposal_problem(propose)
    if problem is not None:
        code, text = problem
        raise InvalidInput(text, code=code, details={"field": "propose"})
    assert isinstance(propose, dict)
    return dict(propose)


def proposal_problem(propose: object) -> tuple[str, str] | None:
    """(code, text) of what is wrong with a proposal, None when it can be filed."""
    if not isinstance(propose, dict) or not all(
        isinstance(k, str) and isinstance(v, Scalar) for k, v in propose.items()
    ):
        return "INVALID_PROPOSAL", "propose must be an object of JSON scalars with a kind"
    kind = propose.get("kind")
    if kind not in PROPOSAL_KINDS:
        return "INVALID_PROPOSAL", f"propose.kind must be one of {', '.join(PROPOSAL_KINDS)}"
    if kind == "routine":
        return routine_problem(propose)
    if kind == "hypothesis":
        title = propose.get("title")
        if not isinstance(title, str) or not title.strip():
            return "INVALID_PROPOSAL", "a hypothesis proposal needs a title"
    if kind == "transition":
        sid, target = propose.get("strategy_id"), propose.get("target")
        if not isinstance(sid, int) or isinstance(sid, bool) or target not in STAGES:
            return "INVALID_PROPOSAL", (
                "a transition proposal needs strategy_id (an integer) and target "
                f"(one of {', '.join(STAGES)})"
            )
    return None


def routine_problem(propose: dict[str, Any]) -> tuple[str, str] | None:
    """(code, text) of what is wrong with a routine proposal, by the routines' own checks."""
    name = propose.get("name")
    if not isinstance(name, str) or not name.strip():
        return "INVALID_PROPOSAL", "a routine proposal needs a name"
    prompt, tool = propose.get("prompt"), propose.get("tool")
    try:
        check_cron(propose.get("cron"))
        check_timezone(propose.get("timezone", DEFAULT_TIMEZONE))
        check_action(
            prompt if isinstance(prompt, str) else None,
            tool if isinstance(tool, str) else None,
            None,
        )
    except InvalidInput as refused:
        return refused.code, refused.message
    return None


async def brain_tools(session: AsyncSession) -> dict[str, Tool]:
    """The tools the brain's interactive context grants, by name (tools_for's rule without
    requiring the agent: the `brain` agent's override when it exists, else the default)."""
    if await session.get(Agent, BRAIN_AGENT_ID) is None:
        names = list(DEFAULT_TOOLSETS[CONTEXT])
    else:
        names = granted(await session.get(AgentToolset, (BRAIN_AGENT_ID, CONTEXT)), CONTEXT)
    return {name: TOOLS_BY_NAME[name] for name in names}


def plan_tools(prompt: str, grant: dict[str, Tool]) -> list[tuple[str, dict[str, Any]]]:
    """The intent table's calls for `prompt`, limited to the granted read tools."""
    wanted: list[tuple[str, dict[str, Any]]] = []
    for sid in dict.fromkeys(int(i) for i in STRATEGY_REF.findall(prompt)):
        wanted += [
            ("get_strategy", {"strategy_id": sid}),
            ("get_strategy_readiness", {"strategy_id": sid}),
        ]
    for wid in dict.fromkeys(int(i) for i in WORKFLOW_REF.findall(prompt)):
        wanted.append(("get_gauntlet_workflow", {"workflow_id": wid}))
    lowered = prompt.lower()
    for words, name, arguments in INTENTS:
        if any(w in lowered for w in words):
            wanted.append((name, dict(arguments)))
    if not wanted:
        wanted = [(name, dict(arguments)) for name, arguments in FALLBACK]
    usable = [(n, a) for n, a in wanted if n in grant and not grant[n].mutates]
    return usable[:MAX_TOOL_CALLS]


def _rows(value: Any) -> list[Any]:
    if isinstance(value, Page):
        return list(value.items)
    if isinstance(value, list):
        return value
    for name in ("skills", "items"):  # DecliningSkills.skills
        inner = getattr(value, name, None)
        if isinstance(inner, list):
            return inner
    return [value]


def _ids(rows: list[Any]) -> list[str]:
    out = []
    for row in rows[:LIST_SIZE]:
        key = getattr(row, "id", None)
        if key is None:
            key = getattr(row, "name", None)
        if key is not None:
            out.append(str(key))
    return out


async def gather(session: AsyncSession, *, prompt: str, lab: Lab) -> Gathered:
    """Step 1: recall memories and call the read tools the prompt asks for."""
    memories = await recall(session, prompt=prompt)
    calls: list[BrainToolCall] = []
    results: list[str] = []
    for name, arguments in plan_tools(prompt, await brain_tools(session)):
        tool = TOOLS_BY_NAME[name]
        try:
            value = await tool.resolver(session, **with_lab(tool.resolver, dict(arguments), lab))
        except DomainError as refusal:
            calls.append(BrainToolCall(name, arguments, 0, [], refusal.code))
            results.append(f"{name}({_args(arguments)}) refused: {refusal.code}: {refusal}")
            continue
        rows = _rows(value)
        calls.append(BrainToolCall(name, arguments, len(rows), _ids(rows), None))
        text = orjson.dumps(jsonable(rows if isinstance(value, Page) else value)).decode()
        if len(text) > MAX_RESULT_CHARS:
            text = text[:MAX_RESULT_CHARS] + " ...(truncated)"
        results.append(f"{name}({_args(arguments)}) -> {len(rows)} rows: {text}")
    return Gathered(prompt, memories, calls, results)


def _args(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())


def system_message(gathered: Gathered) -> str:
    """The system message: the brain's role, its memories, then the tool results."""
    lines = [
        "You are the Tradegraph brain. You read the lab through tools and propose actions; "
        "you never act: a proposal waits for an operator's approval. To propose, end your "
        'answer with a fenced JSON block {"propose": {"kind": "hypothesis", "title": ...}} '
        'or {"propose": {"kind": "transition", "strategy_id": N, "target": STAGE}}.',
    ]
    if gathered.memories:
        lines.append("Memories:")
        lines += [f"- [{m.id}] ({m.kind}) {m.content}" for m in gathered.memories]
    if gathered.results:
        lines.append("Tool results:")
        lines += [f"- {text}" for text in gathered.results]
    return "\n".join(lines)


async def answer(session: AsyncSession, *, gathered: Gathered, lab: Lab) -> Answered:
    """Step 2: the model's answer (its call rows are this step's only writes)."""
    messages: list[Message] = [
        {"role": "system", "content": system_message(gathered)},
        {"role": "user", "content": gathered.prompt},
    ]
    done = await complete(session, task_kind="chat", messages=messages, lab=lab)
    return Answered(
        done.text, done.provider, done.model, done.usage.prompt_tokens, done.usage.completion_tokens
    )


def proposals_in(text: str) -> list[object]:
    """The `propose` objects of the answer's fenced JSON blocks (other blocks ignored)."""
    found: list[object] = []
    for block in PROPOSE_BLOCK.findall(text):
        try:
            parsed = json.loads(block)
        except ValueError:
            continue
        if isinstance(parsed, dict) and "propose" in parsed:
            found.append(parsed["propose"])
    return found


async def file_proposal(
    session: AsyncSession, *, propose: object, origin: str, task_id: int | None
) -> BrainProposal:
    """One proposal filed as an approval, or skipped with its reason."""
    kind = propose.get("kind") if isinstance(propose, dict) else None
    shown = kind if kind in PROPOSAL_KINDS else "hypothesis" if kind is None else str(kind)
    shown = shown if shown in PROPOSAL_KINDS else "hypothesis"
    problem = proposal_problem(propose)
    if problem is not None:
        return BrainProposal(shown, origin, "skipped", None, f"{problem[0]}: {problem[1]}")
    assert isinstance(propose, dict)
    tag: dict[str, Scalar] = {} if task_id is None else {"brain_task_id": task_id}
    if kind == "hypothesis":
        title = str(propose["title"]).strip()
        payload: dict[str, Scalar] = {"title": title[:300], **tag}
        for key in ("thesis", "mechanism", "lane"):
            if isinstance(propose.get(key), str):
                payload[key] = str(propose[key])
        filed = await approvals.create_approval(
            session,
            type=HYPOTHESIS_APPROVAL,
            target_type="hypothesis",
            target_id="new",
            owner=OWNER,
            summary=f"The brain proposes the hypothesis: {title[:300]}",
            payload=payload,
        )
        return BrainProposal("hypothesis", origin, "filed", filed.id, "")
    if kind == "transition":
        sid, target = int(propose["strategy_id"]), str(propose["target"])
        strategy = await session.get(StrategyRow, sid)
        if strategy is None:
            return BrainProposal(
                "transition", origin, "skipped", None, f"NOT_FOUND: strategy {sid} not found"
            )
        filed = await approvals.create_approval(
            session,
            type=TRANSITION_APPROVAL,
            target_type="strategy",
            target_id=str(sid),
            owner=OWNER,
            summary=f"The brain proposes moving strategy {sid} from {strategy.stage} to {target}",
            payload={"strategy_id": sid, "from_stage": strategy.stage, "target": target, **tag},
        )
        return BrainProposal("transition", origin, "filed", filed.id, "")
    prompt, tool = propose.get("prompt"), propose.get("tool")
    try:
        routine = await propose_routine(
            session,
            name=str(propose["name"]),
            cron=str(propose["cron"]),
            timezone=str(propose.get("timezone", DEFAULT_TIMEZONE)),
            prompt=prompt if isinstance(prompt, str) else None,
            tool=tool if isinstance(tool, str) else None,
            summary=f"The brain proposes the routine {propose['name']!r} ({propose['cron']})",
        )
    except DomainError as refused:  # a name already taken: nothing was written
        return BrainProposal("routine", origin, "skipped", None, f"{refused.code}: {refused}")
    return BrainProposal("routine", origin, "filed", routine.approval_id, "")


async def finish(
    session: AsyncSession,
    *,
    gathered: Gathered,
    answered: Answered,
    propose: dict[str, Scalar] | None,
    task_id: int | None,
) -> Finished:
    """Step 3: file the proposals, write the task's memory, stamp the recalled memories.

    A task run again after a crash that had already committed this step finds its memory
    (source task, source id its id) and answers what it recorded there, so nothing is filed
    twice."""
    if task_id is not None:
        earlier = await task_memories(session, task_id=task_id)
        if earlier:
            return _recorded(earlier[0].provenance, [row.id for row in earlier])
    proposals = []
    if propose is not None:
        proposals.append(
            await file_proposal(session, propose=propose, origin="request", task_id=task_id)
        )
    for found in proposals_in(answered.text):
        proposals.append(
            await file_proposal(session, propose=found, origin="model", task_id=task_id)
        )
    filed = [p.approval_id for p in proposals if p.approval_id is not None]
    reads = [ToolRead(name=c.name, rows=c.rows, ids=c.ids) for c in gathered.calls]
    used = [m.id for m in gathered.memories]
    memory = await write_memory(
        session,
        kind="observation",
        content=_memory_text(gathered, answered, proposals),
        source="task",
        source_id=None if task_id is None else str(task_id),
        provenance=provenance_of(reads, filed, used),
        # the proposals as answered, kept in the row beside the provenance for a re-run
        extra={"proposals": [jsonable(p) for p in proposals]},
        **_entity(gathered),
    )
    await mark_used(session, memory_ids=used)
    return Finished(proposals, [memory.id])


def _memory_text(gathered: Gathered, answered: Answered, proposals: list[BrainProposal]) -> str:
    asked = gathered.prompt if len(gathered.prompt) <= 300 else gathered.prompt[:300] + "..."
    said = answered.text if len(answered.text) <= 1500 else answered.text[:1500] + "..."
    filed = [f"{p.kind} approval {p.approval_id}" for p in proposals if p.status == "filed"]
    tail = f" Proposed: {', '.join(filed)}." if filed else ""
    return f"Asked: {asked}\nAnswered ({answered.provider}/{answered.model}): {said}{tail}"


def _entity(gathered: Gathered) -> dict[str, str | None]:
    """The memory's entity: the first strategy the task read by id, if any."""
    for call in gathered.calls:
        if call.name == "get_strategy" and call.error_code is None:
            return {"entity_type": "strategy", "entity_id": str(call.arguments["strategy_id"])}
    return {"entity_type": None, "entity_id": None}


def _recorded(provenance: dict[str, Any], memory_ids: list[int]) -> Finished:
    filed = [
        BrainProposal(
            str(p["kind"]),
            str(p["origin"]),
            str(p["status"]),
            p.get("approval_id"),
            str(p.get("reason", "")),
        )
        for p in provenance.get("proposals", [])
    ]
    return Finished(filed, memory_ids)
