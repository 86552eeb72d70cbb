"""The offline provider `lab`: a deterministic analyst answering from the lab's own rows.

It needs no network. From the question (the last user message) it picks what to read: the
strategies it names (`strategy 12`, `#12`), else the symbols it names (`BTC`, `ETH-USD`), else
the conversation's subject when a system message declares one (a line `Subject: strategy 12`,
as the deep-dive chat's does), else the whole lab; then it reads their rows (stage, family,
trades and realized pnl, the latest verdict run, the latest gauntlet workflow, the confirmed
regime on the lab feed) and writes a summary of them. The same rows give the same answer; a
changed row changes it. Token counts are whitespace-separated words (there is no tokenizer to
be faithful to).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab
from resolvers.lab.ticker import confirmed_regime
from resolvers.models.providers import LAB, ChatAnswer, ChatChunk, Message, Usage
from storage.research.gauntlet import GauntletWorkflow
from storage.research.verdict import VerdictRun
from storage.strategies import Strategy
from storage.trades import Trade

MODEL = "lab-analyst"
STRATEGY_REF = re.compile(r"(?:strategy\s*#?|#)(\d+)", re.IGNORECASE)
SYMBOL_REF = re.compile(r"\b([A-Z]{2,6})(?:-USD)?\b")
SUBJECT_REF = re.compile(r"^Subject: strategy (\d+)\.?$", re.MULTILINE)
RECENT = 5  # trades and strategies listed per answer


def subject_of(system: str) -> int | None:
    """The strategy a system message declares the conversation is about, if any."""
    found = SUBJECT_REF.search(system)
    return int(found.group(1)) if found else None


class LabProvider:
    """The `lab` provider over one session (it reads; it never writes)."""

    name = LAB

    def __init__(self, session: AsyncSession, lab: Lab) -> None:
        self.session = session
        self.lab = lab

    async def list_models(self) -> list[str]:
        """Its one model."""
        return [MODEL]

    async def chat(
        self, messages: list[Message], *, model: str, stream: bool = False
    ) -> ChatAnswer | AsyncIterator[ChatChunk]:
        """A summary of the rows the question is about; streamed word by word with `stream`."""
        question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        system = "\n".join(m["content"] for m in messages if m["role"] == "system")
        text = await self.answer(question, subject=subject_of(system))
        usage = Usage(
            prompt_tokens=sum(len(m["content"].split()) for m in messages),
            completion_tokens=len(text.split()),
        )
        if not stream:
            return ChatAnswer(text=text, model=MODEL, usage=usage)
        return _words(text, usage)

    async def answer(self, question: str, *, subject: int | None = None) -> str:
        """The analyst's text for `question`; `subject`: the conversation's strategy."""
        ids = [int(i) for i in STRATEGY_REF.findall(question)]
        if ids:
            return "\n".join([await self._strategy(i) for i in dict.fromkeys(ids)])
        symbols = [f"{s}-USD" for s in dict.fromkeys(SYMBOL_REF.findall(question))]
        known = set(await self.session.scalars(select(Strategy.symbol).distinct()))
        named = [s for s in symbols if s in known or s in self.lab.config.tick_symbols]
        if named:
            return "\n".join([await self._symbol(s) for s in named])
        if subject is not None:
            return await self._strategy(subject)
        return await self._overview()

    async def _strategy(self, strategy_id: int) -> str:
        row = await self.session.get(Strategy, strategy_id)
        if row is None:
            return f"Strategy {strategy_id} does not exist."
        lines = [
            f'Strategy {row.id} "{row.name}": {row.family} on {row.symbol} {row.timeframe}, '
            f"stage {row.stage}, status {row.status}.",
            await self._trades(Trade.strategy_id == row.id),
        ]
        verdict = await self.session.scalar(
            select(VerdictRun)
            .where(VerdictRun.strategy_id == row.id)
            .order_by(VerdictRun.id.desc())
            .limit(1)
        )
        if verdict is None:
            lines.append("No verdict run yet.")
        else:
            failed = [t["name"] for t in verdict.tests if not t.get("passed")]
            lines.append(
                f"Latest verdict (run {verdict.id}): {verdict.verdict}"
                + (f", failed {', '.join(failed)}." if failed else ", every test passed.")
            )
        workflow = await self.session.scalar(
            select(GauntletWorkflow)
            .where(GauntletWorkflow.strategy_id == row.id)
            .order_by(GauntletWorkflow.id.desc())
            .limit(1)
        )
        lines.append(
            "No gauntlet workflow yet."
            if workflow is None
            else f"Gauntlet workflow {workflow.id}: {workflow.status}."
        )
        lines.append(self._regime(row.symbol))
        return " ".join(lines)

    async def _symbol(self, symbol: str) -> str:
        stages = Counter(
            await self.session.scalars(select(Strategy.stage).where(Strategy.symbol == symbol))
        )
        by_stage = ", ".join(f"{n} {stage}" for stage, n in sorted(stages.items())) or "none"
        return " ".join(
            [
                f"{symbol}: strategies by stage: {by_stage}.",
                await self._trades(Trade.symbol == symbol),
                self._regime(symbol),
            ]
        )

    async def _overview(self) -> str:
        rows = (
            await self.session.execute(
                select(Strategy.stage, func.count())
                .group_by(Strategy.stage)
                .order_by(Strategy.stage)
            )
        ).all()
        by_stage = ", ".join(f"{n} {stage}" for stage, n in rows) or "no strategies yet"
        best = (
            await self.session.execute(
                select(Strategy.id, Strategy.name, func.sum(Trade.pnl).label("pnl"))
                .join(Trade, Trade.strategy_id == Strategy.id)
                .where(Trade.pnl.is_not(None))
                .group_by(Strategy.id, Strategy.name)
                .order_by(func.sum(Trade.pnl).desc(), Strategy.id)
                .limit(3)
            )
        ).all()
        leaders = "; ".join(f'{i} "{n}" {p:+.2f}' for i, n, p in best) or "none yet"
        verdicts = Counter(await self.session.scalars(select(VerdictRun.verdict)))
        regimes = " ".join(self._regime(s) for s in self.lab.config.tick_symbols)
        return " ".join(
            [
                f"The lab: strategies by stage: {by_stage}.",
                f"Top realized pnl: {leaders}.",
                f"Verdict runs: {verdicts.get('pass', 0)} pass, {verdicts.get('fail', 0)} fail.",
                await self._trades(Trade.id.is_not(None)),
                regimes,
            ]
        )

    async def _trades(self, where: ColumnElement[bool]) -> str:
        # totals in SQL and only the latest rows loaded: the demo lab holds thousands of trades
        total, closed, pnl, wins = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count(Trade.pnl),
                    func.coalesce(func.sum(Trade.pnl), 0.0),
                    func.count(case((Trade.pnl > 0, 1))),
                ).where(where)
            )
        ).one()
        if not total:
            return "No trades."
        latest = await self.session.scalars(
            select(Trade).where(where).order_by(Trade.id.desc()).limit(RECENT)
        )
        recent = "; ".join(
            f"#{t.id} {t.side} {t.symbol} {t.status}"
            + (f" pnl {t.pnl:+.2f}" if t.pnl is not None else "")
            for t in latest
        )
        rate = f", {wins}/{closed} winners" if closed else ""
        return (
            f"{total} trades ({closed} closed, realized pnl {float(pnl or 0.0):+.2f}{rate}); "
            f"latest: {recent}."
        )

    def _regime(self, symbol: str) -> str:
        try:
            confirmed = confirmed_regime(self.lab.feed, symbol, self.lab.clock.now())
        except (KeyError, ValueError):  # a symbol the feed does not carry
            confirmed = None
        if confirmed is None:
            return f"{symbol} regime: not confirmed yet."
        since, regime = confirmed
        return f"{symbol} regime: {regime} since {since:%Y-%m-%d %H:%M}."


async def _words(text: str, usage: Usage) -> AsyncIterator[ChatChunk]:
    words = text.split(" ")
    for i, word in enumerate(words):
        last = i == len(words) - 1
        yield ChatChunk(text=word if last else f"{word} ", usage=usage if last else None)
