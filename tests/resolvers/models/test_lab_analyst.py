"""The offline `lab` provider answers from the rows, so its answer follows the data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab
from resolvers.models.lab_analyst import MODEL, LabProvider
from resolvers.models.providers import ChatAnswer, chat_once, chat_stream
from storage.research.verdict import VerdictRun
from storage.trades import Trade
from tests.resolvers.factories import make_strategy


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "you are the analyst"}, {"role": "user", "content": text}]


async def answer(session: AsyncSession, lab: Lab, question: str) -> ChatAnswer:
    return await chat_once(LabProvider(session, lab), ask(question), model=MODEL)  # type: ignore[arg-type]


class TestLabProvider:
    async def test_lists_its_model(self, session: AsyncSession, lab: Lab) -> None:
        assert await LabProvider(session, lab).list_models() == [MODEL]

    async def test_strategy_answer_follows_stage_and_trades(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        strategy = await make_strategy(session, name="Breakout ETH")
        first = await answer(session, lab, f"How is strategy {strategy.id} doing?")
        assert f'Strategy {strategy.id} "Breakout ETH"' in first.text
        assert "stage quick_screen" in first.text and "No trades." in first.text

        strategy.stage = "paper"
        session.add(
            Trade(
                strategy_id=strategy.id,
                symbol=strategy.symbol,
                side="buy",
                size=1.0,
                entry_price=100.0,
                exit_price=112.5,
                pnl=12.5,
                status="closed",
            )
        )
        await session.flush()
        second = await answer(session, lab, f"How is strategy {strategy.id} doing?")
        assert second.text != first.text
        assert "stage paper" in second.text
        assert "realized pnl +12.50" in second.text and "1/1 winners" in second.text

    async def test_strategy_answer_reads_the_latest_verdict(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        strategy = await make_strategy(session)
        session.add(
            VerdictRun(
                strategy_id=strategy.id,
                family="ma_cross",
                params={},
                dataset={},
                verdict="fail",
                trials=1,
                tests=[
                    {"name": "walk_forward", "passed": False},
                    {"name": "monte_carlo", "passed": True},
                ],
            )
        )
        await session.flush()
        text = (await answer(session, lab, f"#{strategy.id}")).text
        assert "fail, failed walk_forward." in text

    async def test_symbol_and_overview_answers(self, session: AsyncSession, lab: Lab) -> None:
        strategy = await make_strategy(session)
        by_symbol = (await answer(session, lab, "What about BTC?")).text
        assert by_symbol.startswith(f"{strategy.symbol}: strategies by stage: 1 quick_screen.")
        assert "BTC-USD regime:" in by_symbol
        overview = (await answer(session, lab, "give me the big picture")).text
        assert "strategies by stage: 1 quick_screen" in overview
        assert "Verdict runs: 0 pass, 0 fail." in overview

    async def test_missing_strategy_and_usage(self, session: AsyncSession, lab: Lab) -> None:
        reply = await answer(session, lab, "strategy 999")
        assert reply.text == "Strategy 999 does not exist."
        assert reply.usage.prompt_tokens == 6  # words of both messages
        assert reply.usage.completion_tokens == 5

    async def test_streams_the_same_text(self, session: AsyncSession, lab: Lab) -> None:
        provider = LabProvider(session, lab)
        whole = await chat_once(provider, ask("overview"), model=MODEL)  # type: ignore[arg-type]
        chunks = [c async for c in await chat_stream(provider, ask("overview"), model=MODEL)]  # type: ignore[arg-type]
        assert "".join(c.text for c in chunks) == whole.text
        assert chunks[-1].usage == whole.usage and len(chunks) > 5


async def test_a_declared_subject_answers_a_question_naming_nothing(
    session: AsyncSession, lab: Lab
) -> None:
    subject = await make_strategy(session, name="Subject strategy")
    await make_strategy(session, name="Another strategy")
    provider = LabProvider(session, lab)
    messages = [
        {"role": "system", "content": f"The deep-dive brief.\nSubject: strategy {subject.id}."},
        {"role": "user", "content": "how is it doing?"},
    ]
    about = await chat_once(provider, messages, model=MODEL)  # type: ignore[arg-type]
    assert f'Strategy {subject.id} "Subject strategy"' in about.text
    assert "Another strategy" not in about.text
    # without the declaration the same question is about the whole lab
    whole = await answer(session, lab, "how is it doing?")
    assert f'Strategy {subject.id} "Subject strategy"' not in whole.text
