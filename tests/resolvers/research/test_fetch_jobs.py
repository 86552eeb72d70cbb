"""Whether a fetch runs inline or as a job, decided up front from the bars its range spans,
and the job's payload: the validated request, its range fixed at the request."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.lab.services import Lab
from resolvers.research.datasets import OhlcvDataset
from resolvers.research.fetch import HISTORY_BARS, FetchRequest, plan_fetch
from resolvers.research.fetch_jobs import JOB_KIND, JobAccepted, request_fetch
from storage.jobs import Job
from storage.research.datasets import Dataset
from tests.resolvers.research.hyperliquid_stub import HOUR_MS, ORIGIN_MS, HyperliquidStub, history

NOW = datetime(2026, 1, 10, tzinfo=UTC)
START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, 23, tzinfo=UTC)


def _lab(lab: Lab, url: str, inline_bars: int) -> Lab:
    config = replace(lab.config, hyperliquid_url=url, fetch_inline_bars=inline_bars)
    return replace(lab, config=config)


class TestPlan:
    def test_the_bars_a_range_spans(self) -> None:
        assert plan_fetch(symbol="BTC", start=START, end=END, now=NOW).bars == 72
        assert plan_fetch(symbol="BTC", timeframe="1d", start=START, end=END, now=NOW).bars == 3
        # the default range asks for all the exchange keeps; a longer one counts no more
        assert plan_fetch(symbol="BTC", end=END, now=NOW).bars == HISTORY_BARS
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        assert plan_fetch(symbol="BTC", start=long_ago, end=END, now=NOW).bars == HISTORY_BARS

    def test_the_payload_is_the_request_and_reads_back(self) -> None:
        request = plan_fetch(symbol="BTC-USD", start=START, end=datetime(2027, 1, 1), now=NOW)
        payload = request.payload()
        assert payload == {"symbol": "BTC-USD", "timeframe": "1h", "exchange": "hyperliquid",
                           "start_ms": ORIGIN_MS, "end_ms": int(NOW.timestamp() * 1000),
                           "now_ms": int(NOW.timestamp() * 1000)}  # fmt: skip
        assert FetchRequest.of_payload(payload) == request and request.coin == "BTC"


class TestRequest:
    async def test_within_the_budget_the_dataset_is_fetched_now(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with HyperliquidStub() as stub:
            stub.script.candles = history(72)
            answer = await request_fetch(session, symbol="BTC", start=START, end=END,
                                         lab=_lab(lab, stub.url, 72), now=NOW)  # fmt: skip
        assert isinstance(answer, OhlcvDataset) and answer.rows == 72
        assert not hasattr(answer, "http_status")  # the route's 200
        assert await session.scalar(select(func.count()).select_from(Job)) == 0

    async def test_beyond_it_a_job_is_queued_and_nothing_fetched(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        with HyperliquidStub() as stub:
            answer = await request_fetch(session, symbol="BTC", start=START, end=END,
                                         lab=_lab(lab, stub.url, 71), now=NOW)  # fmt: skip
            assert stub.script.requests == []
        assert isinstance(answer, JobAccepted) and answer.http_status == 202
        job = await session.get(Job, answer.job_id)
        assert job is not None and (job.kind, job.status) == (JOB_KIND, "queued")
        assert job.payload["start_ms"] == ORIGIN_MS
        assert job.payload["end_ms"] == ORIGIN_MS + 71 * HOUR_MS
        assert f'job(id: "{job.id}")' in answer.poll
        assert await session.scalar(select(func.count()).select_from(Dataset)) == 0

    @pytest.mark.parametrize("inline_bars", [0, 10])
    async def test_a_budget_below_the_range_always_queues(
        self, session: AsyncSession, lab: Lab, inline_bars: int
    ) -> None:
        unreachable = _lab(lab, "http://127.0.0.1:9", inline_bars)  # nothing is fetched
        answer = await request_fetch(
            session, symbol="BTC", start=START, end=END, lab=unreachable, now=NOW
        )
        assert isinstance(answer, JobAccepted)

    async def test_bad_input_is_refused_before_any_job(
        self, session: AsyncSession, lab: Lab
    ) -> None:
        from resolvers.errors import InvalidInput

        with pytest.raises(InvalidInput) as refused:
            await request_fetch(session, symbol="BTC", start=END, end=START, lab=lab, now=NOW)
        assert refused.value.code == "INVALID_RANGE"
        assert await session.scalar(select(func.count()).select_from(Job)) == 0
