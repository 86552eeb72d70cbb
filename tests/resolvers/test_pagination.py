"""Cursors: opaque, validated, stable while rows are appended."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.hypotheses import create_hypothesis, list_hypotheses
from resolvers.pagination import MAX_PAGE, decode_cursor, encode_cursor


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(42)) == "42"


@pytest.mark.parametrize("bad", ["", "!!!", "djI6NDI", encode_cursor("x")[:-2] + "@@"])
def test_foreign_cursor_is_rejected(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(bad)
    assert caught.value.code == "INVALID_CURSOR"


async def test_paging_while_appending_has_no_gap_or_duplicate(session: AsyncSession) -> None:
    for i in range(5):
        await create_hypothesis(session, title=f"h{i}")
    seen: list[int] = []
    after = None
    while True:
        page = await list_hypotheses(session, first=2, after=after)
        seen.extend(h.id for h in page.items)
        await create_hypothesis(session, title=f"late {len(seen)}")
        if not page.has_next_page:
            break
        after = page.end_cursor
    assert seen == sorted(set(seen))
    assert seen == list(range(seen[0], seen[-1] + 1))


async def test_page_size_is_bounded(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput):
        await list_hypotheses(session, first=MAX_PAGE + 1)
    with pytest.raises(InvalidInput):
        await list_hypotheses(session, first=-1)
