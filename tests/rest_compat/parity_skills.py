"""Parity cases of the skills routes (collected by test_parity.py)."""

from __future__ import annotations

from typing import Any

from tests.rest_compat.parity_kit import Case, Ids, many, one, rest_get

CASES: list[Case] = [
    Case("list_skills", rest_get("/api/skills"), many("Skill", "skills")),
    Case("get_skill", rest_get("/api/skills/bollinger"),
         one("Skill", "skill", '(name: "bollinger")')),
    Case("list_declining_skills", rest_get("/api/skills/declining"),
         one("DecliningSkills", "decliningSkills", "")),
]  # fmt: skip


async def prepare(client: Any, ids: Ids) -> Ids:
    """The demo's rows are enough: every skill is listed, with or without figures."""
    return {}
