"""The scheduler's job on GraphQL: the generated type, with the id it has always had."""

from __future__ import annotations

from schema.extend import extends
from schema.generated import scheduler as generated


@extends
class SchedulerJob(generated.SchedulerJob):
    # the catalog's job name, a String since before views (a view's `id` is generated as an ID)
    id: str  # type: ignore[assignment]
