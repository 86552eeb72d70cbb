"""Parity cases of the notification routes (collected by test_parity.py): the list with the
`notifications` connection, acknowledge with the GraphQL read of what it wrote, acknowledge-all
with the count of acknowledged notifications GraphQL reads afterwards (none was acknowledged
before: each case starts on a fresh database)."""

from __future__ import annotations

from typing import Any

import httpx

from resolvers.notifications import raise_notification
from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    normalize,
    paged,
    rest_get,
    rest_send,
    selection,
)


def _acknowledged(ids: Ids, rest: Any) -> tuple[str, Any]:
    fields = selection("Notification")
    query = f'{{ x: notifications(type: "parity.note") {{ nodes {{ {fields} }} }} }}'

    def pick(data: Any) -> Any:
        [node] = [n for n in data["x"]["nodes"] if str(n["id"]) == str(rest["id"])]
        return normalize("Notification", node)

    return query, pick


def _count(ids: Ids, rest: Any) -> tuple[str, Any]:
    query = "{ x: notifications(status: ACKNOWLEDGED) { totalCount } }"
    return query, lambda data: {"acknowledged": data["x"]["totalCount"]}


CASES: list[Case] = [
    Case("list_notifications", rest_get("/api/notifications", source="parity", limit=2),
         paged("Notification", "notifications", '(source: "parity", first: 2)')),
    Case("acknowledge_notification",
         rest_send("POST", "/api/notifications/{notification}/acknowledge"), _acknowledged),
    Case("acknowledge_all_notifications",
         rest_send("POST", "/api/notifications/acknowledge-all"), _count),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """Three unread notifications from a parity source."""
    async with ids["sessions"]() as session:
        made = [
            await raise_notification(
                session,
                type="parity.note",
                source="parity",
                title=f"Parity {n}",
                severity=severity,
            )  # fmt: skip
            for n, severity in enumerate(("info", "warning", "critical"))
        ]
        await session.commit()
    return {"notification": made[0].id}
