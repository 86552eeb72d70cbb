"""The smart-approval classifier: a documented, deterministic rule set over the target's rows.

`score_approval` adds up the points of the rules that apply to an approval and clamps the sum
to 0..1 (its `risk_score`); every rule that applied is a reason `{rule, points, detail}`. The
recommended decision is `approve` below the approval settings' smart threshold (default 0.3),
`deny` from 0.8, `review` between. Version `rules-1`:

- promotion (the pipeline's `promotion` type; the move read from its summary):
  target_stage research_only 0.10, paper 0.30, live 0.70 (move_unreadable 0.50 when the
  summary names none); target_missing 0.50 (no such strategy, or not active);
  stage_moved 0.30 (the strategy is no longer at the stage the move starts from);
  the latest verdict on the strategy (resolvers/research/verdict.py): verdict_passed -0.10,
  verdict_failed 0.35, no_verdict 0.15; for paper and live the gauntlet gate
  (resolvers/research/gauntlet_gate.py): gauntlet_passed -0.05, gauntlet_not_passed 0.20.
- another approval on a strategy whose payload names a `target` stage (a transition):
  direction_forward 0.30 (0.70 into live), direction_back 0.10 (a demotion or a retirement
  is conservative); target_missing 0.50.
- a routine (target_type `routine`): routine_base 0.10, then per tool named in
  payload.tools (names separated by commas or spaces) mutating_tool 0.20 for one that writes
  (resolvers/tools.py: propose_approval) and unknown_tool 0.25 for one the lab does not have;
  tools_unlisted 0.20 when payload.tools is missing.
- any other type: unknown_type 0.50.

No model is asked: the score is the rule set's alone, so a provider failure can never block
classifying (a model-written rationale beside it is left for later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approval_modes import load_settings
from resolvers.approvals import RiskReason, approval_payload, approval_row
from resolvers.errors import NotFound
from resolvers.lifecycle import PROMOTION, promotion_move
from resolvers.research.gauntlet_gate import latest_gauntlet
from resolvers.tools import TOOLS_BY_NAME
from resolvers.views import Choices, View, to_payload
from storage.approvals import Approval as ApprovalRow
from storage.base import utcnow
from storage.outbox import append_event
from storage.research.verdict import VerdictRun
from storage.strategies import STAGES, Strategy

VERSION = "rules-1"
DENY_AT = 0.8
STAGE_POINTS = {"research_only": 0.10, "paper": 0.30, "live": 0.70}
RECOMMENDATION = Choices(
    "ApprovalRecommendation",
    ("approve", "review", "deny"),
    "The classifier's recommended decision.",
)
_TOOL_SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True, slots=True)
class ApprovalClassification(View):
    """The smart classifier's reading of an approval."""

    approval_id: int
    risk_score: Annotated[float, "0 (no risk) to 1"]
    reasons: list[RiskReason]
    recommended: Annotated[str, RECOMMENDATION]
    classifier_version: str
    classified_at: datetime
    stored: Annotated[bool, "kept on the approval (pending ones); a decided one is only re-scored"]


@dataclass(frozen=True, slots=True)
class Score:
    risk_score: float
    reasons: list[RiskReason]


def _reason(rule: str, points: float, detail: str) -> RiskReason:
    return RiskReason(rule=rule, points=points, detail=detail)


async def _strategy(session: AsyncSession, target_id: str) -> Strategy | None:
    return await session.get(Strategy, int(target_id)) if target_id.isdigit() else None


async def _promotion(session: AsyncSession, row: ApprovalRow) -> list[RiskReason]:
    reasons = []
    move = promotion_move(row.summary)
    if move is None:
        reasons.append(_reason("move_unreadable", 0.5, "the summary names no stage move"))
    else:
        target = move[1]
        points = STAGE_POINTS.get(target, 0.5)
        reasons.append(_reason("target_stage", points, f"promotes into {target}"))
    strategy = await _strategy(session, row.target_id) if row.target_type == "strategy" else None
    if strategy is None or strategy.status != "active":
        reasons.append(_reason("target_missing", 0.5, "no active strategy is its target"))
        return reasons
    if move is not None and strategy.stage != move[0]:
        reasons.append(
            _reason("stage_moved", 0.3, f"the strategy is at {strategy.stage}, not {move[0]}")
        )
    verdict = (
        await session.execute(
            select(VerdictRun)
            .where(VerdictRun.strategy_id == strategy.id)
            .order_by(VerdictRun.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if verdict is None:
        reasons.append(_reason("no_verdict", 0.15, "no verdict has been recorded"))
    elif verdict.verdict == "pass":
        reasons.append(_reason("verdict_passed", -0.1, f"verdict run {verdict.id} passed"))
    else:
        reasons.append(_reason("verdict_failed", 0.35, f"verdict run {verdict.id} failed"))
    if move is not None and move[1] in ("paper", "live"):
        gauntlet = await latest_gauntlet(session, strategy=strategy)
        if gauntlet is not None and gauntlet.status == "passed":
            reasons.append(_reason("gauntlet_passed", -0.05, f"gauntlet {gauntlet.id} passed"))
        else:
            state = "none run" if gauntlet is None else f"gauntlet {gauntlet.id} {gauntlet.status}"
            reasons.append(_reason("gauntlet_not_passed", 0.2, f"no passed gauntlet ({state})"))
    return reasons


async def _transition(session: AsyncSession, row: ApprovalRow, target: str) -> list[RiskReason]:
    strategy = await _strategy(session, row.target_id)
    if strategy is None:
        return [_reason("target_missing", 0.5, "no such strategy")]
    if target in STAGES and STAGES.index(target) > STAGES.index(strategy.stage):
        points = 0.7 if target == "live" else 0.3
        return [_reason("direction_forward", points, f"{strategy.stage} -> {target}")]
    return [_reason("direction_back", 0.1, f"{strategy.stage} -> {target} is conservative")]


def _routine(row: ApprovalRow) -> list[RiskReason]:
    reasons = [_reason("routine_base", 0.1, "a routine runs unattended")]
    listed = row.payload.get("tools")
    if not isinstance(listed, str):
        reasons.append(_reason("tools_unlisted", 0.2, "the routine does not list its tools"))
        return reasons
    for name in sorted({n for n in _TOOL_SPLIT.split(listed) if n}):
        tool = TOOLS_BY_NAME.get(name)
        if tool is None:
            reasons.append(_reason("unknown_tool", 0.25, f"{name} is no tool of the lab"))
        elif tool.mutates:
            reasons.append(_reason("mutating_tool", 0.2, f"{name} writes"))
    return reasons


async def score_approval(session: AsyncSession, row: ApprovalRow) -> Score:
    """The rule set's score of an approval as its target's rows stand now."""
    if row.type == PROMOTION:
        reasons = await _promotion(session, row)
    elif row.target_type == "strategy" and isinstance(row.payload.get("target"), str):
        reasons = await _transition(session, row, str(row.payload["target"]))
    elif row.target_type == "routine":
        reasons = _routine(row)
    else:
        reasons = [_reason("unknown_type", 0.5, f"no rules for type {row.type}")]
    total = round(sum(r["points"] for r in reasons), 4)
    return Score(risk_score=min(1.0, max(0.0, total)), reasons=reasons)


def recommend(risk_score: float, threshold: float) -> str:
    if risk_score < threshold:
        return "approve"
    return "deny" if risk_score >= DENY_AT else "review"


def is_live_promotion(row: ApprovalRow) -> bool:
    """A promotion into live: never decided automatically, in any approval mode."""
    move = promotion_move(row.summary) if row.type == PROMOTION else None
    target = row.payload.get("target") if row.target_type == "strategy" else None
    return (move is not None and move[1] == "live") or target == "live"


async def classify_row(
    session: AsyncSession, row: ApprovalRow, *, now: datetime | None = None
) -> ApprovalClassification:
    """Score the approval; a pending one keeps the result (event `approval.classified`)."""
    score = await score_approval(session, row)
    threshold = (await load_settings(session)).smart_threshold
    when = now or utcnow()
    recommended = recommend(score.risk_score, threshold)
    stored = row.status == "pending"
    if stored:
        row.risk_score, row.reasons = score.risk_score, list(score.reasons)
        row.classification, row.classifier_version = recommended, VERSION
        row.classified_at = when
        await session.flush()
    view = ApprovalClassification(
        approval_id=row.id,
        risk_score=score.risk_score,
        reasons=score.reasons,
        recommended=recommended,
        classifier_version=VERSION,
        classified_at=when,
        stored=stored,
    )
    if stored:
        await append_event(
            session,
            topic="approval.classified",
            entity_id=str(row.id),
            payload={**to_payload(view), "approval": approval_payload(row)},
        )
    return view


async def classify_approval(
    session: AsyncSession, *, approval_id: int, now: datetime | None = None
) -> ApprovalClassification:
    """Re-run the classifier on an approval (404 when unknown).

    A pending approval keeps the new score; a decided one is re-scored and answered only
    (`stored` false): the score it was decided on stays on it.
    """
    row = await approval_row(session, approval_id=approval_id)
    return await classify_row(session, row, now=now)


async def get_approval_classification(
    session: AsyncSession, *, approval_id: int
) -> ApprovalClassification:
    """The classification stored on an approval (404 when unknown or never classified)."""
    row = await approval_row(session, approval_id=approval_id)
    if row.risk_score is None or row.classified_at is None:
        raise NotFound(
            f"approval {approval_id} has not been classified",
            code="NOT_CLASSIFIED",
            details={"id": approval_id},
        )
    return ApprovalClassification(
        approval_id=row.id,
        risk_score=row.risk_score,
        reasons=[
            _reason(str(r["rule"]), float(r["points"]), str(r["detail"])) for r in row.reasons
        ],
        recommended=row.classification or "review",
        classifier_version=row.classifier_version or VERSION,
        classified_at=row.classified_at,
        stored=True,
    )
