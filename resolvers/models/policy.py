"""GET/PUT /api/model-policy: which provider and model serve each task kind, with fallbacks.

The policy is one row; before the first PUT every task kind is served by `lab`'s
`lab-analyst` with no fallback. PUT takes `tasks`, an object from task kind to
`{provider, model, fallback: [{provider, model}, ...]}`; the kinds it names are replaced, the
others kept. Refusals (422, `details.field` naming the offending entry, nothing written):
UNKNOWN_TASK_KIND (not chat, research, classification, routine), UNKNOWN_PROVIDER (not a
provider this server has: `openai` without TRADEGRAPH_OPENAI_BASE_URL is unknown), UNKNOWN_MODEL
(a model the provider does not list), MODEL_UNVERIFIED (the HTTP provider could not be asked
for its list and none is cached: a policy naming an unchecked model is not accepted, so the
error in details says what to fix), INVALID_POLICY (a malformed entry). A change writes a
`model_policy.updated` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.lab.services import Lab
from resolvers.models.lab_analyst import MODEL as LAB_MODEL
from resolvers.models.options import provider_models
from resolvers.models.providers import LAB, TASK_KINDS
from resolvers.models.registry import Providers, providers_for
from resolvers.views import OneOf, View, to_payload
from storage.base import utcnow
from storage.outbox import append_event
from storage.providers import POLICY_ROW_ID
from storage.providers import ModelPolicy as PolicyRow


class ModelRef(TypedDict):
    """A provider and one of its models."""

    provider: str
    model: str


class TaskRouteInput(TypedDict):
    """What serves one task kind: a provider's model, then the fallbacks in order."""

    provider: str
    model: str
    fallback: list[ModelRef]


@dataclass(frozen=True, slots=True)
class ModelChoice(View):
    """A provider and one of its models."""

    provider: str
    model: str


@dataclass(frozen=True, slots=True)
class TaskRoute(View):
    """The model serving one task kind and the chain tried when it fails."""

    task_kind: Annotated[str, OneOf(TASK_KINDS)]
    provider: str
    model: str
    fallback: Annotated[list[ModelChoice], "tried in order when the one before fails"]


@dataclass(frozen=True, slots=True)
class ModelPolicyView(View):
    """The global model-routing policy: one route per task kind."""

    rest_name = "ModelPolicy"
    graphql_name = "ModelPolicy"

    tasks: list[TaskRoute]
    updated_at: Annotated[datetime | None, "null until the first PUT"]


def default_route() -> dict[str, Any]:
    """Every task kind's route before a PUT: the offline analyst, no fallback."""
    return {"provider": LAB, "model": LAB_MODEL, "fallback": []}


def routes_of(row: PolicyRow | None) -> dict[str, dict[str, Any]]:
    """Each task kind's stored route, defaults filling the gaps."""
    stored = row.tasks if row is not None else {}
    return {kind: stored.get(kind) or default_route() for kind in TASK_KINDS}


def policy_view(row: PolicyRow | None) -> ModelPolicyView:
    """The policy row (or the default) as its view."""
    tasks = [
        TaskRoute(
            kind,
            r["provider"],
            r["model"],
            [ModelChoice(f["provider"], f["model"]) for f in r["fallback"]],
        )
        for kind, r in routes_of(row).items()
    ]
    return ModelPolicyView(tasks=tasks, updated_at=row.updated_at if row is not None else None)


async def get_model_policy(session: AsyncSession) -> ModelPolicyView:
    """GET /api/model-policy: the provider, model and fallbacks of every task kind."""
    return policy_view(await session.get(PolicyRow, POLICY_ROW_ID))


async def update_model_policy(
    session: AsyncSession, *, lab: Lab, tasks: Any = None
) -> ModelPolicyView:
    """PUT /api/model-policy: replace the routes of the task kinds `tasks` names."""
    if not isinstance(tasks, dict) or not tasks:
        raise InvalidInput(
            "tasks must be an object from task kind to route",
            code="INVALID_POLICY",
            details={"field": "tasks"},
        )
    providers = providers_for(session, lab)
    checked = {kind: await _checked(providers, lab, kind, route) for kind, route in tasks.items()}
    row = await session.get(PolicyRow, POLICY_ROW_ID)
    if row is None:
        row = PolicyRow(id=POLICY_ROW_ID, tasks={})
        session.add(row)
    row.tasks = {**routes_of(row), **checked}
    row.updated_at = utcnow()
    await session.flush()
    view = policy_view(row)
    await append_event(
        session, topic="model_policy.updated", entity_id=None, payload=to_payload(view)
    )
    return view


async def _checked(providers: Providers, lab: Lab, kind: str, route: Any) -> dict[str, Any]:
    if kind not in TASK_KINDS:
        raise InvalidInput(
            f"unknown task kind {kind!r} (one of {', '.join(TASK_KINDS)})",
            code="UNKNOWN_TASK_KIND",
            details={"field": f"tasks.{kind}"},
        )
    where = f"tasks.{kind}"
    if not isinstance(route, dict):
        raise _malformed(where)
    fallback = route.get("fallback", [])
    if not isinstance(fallback, list):
        raise _malformed(f"{where}.fallback")
    chain = [_ref(route, where)] + [
        _ref(f, f"{where}.fallback[{i}]") for i, f in enumerate(fallback)
    ]
    for (provider, model), field in chain:
        await _known(providers, lab, provider, model, field)
    (provider, model), _ = chain[0]
    return {
        "provider": provider,
        "model": model,
        "fallback": [{"provider": p, "model": m} for (p, m), _ in chain[1:]],
    }


def _ref(value: Any, where: str) -> tuple[tuple[str, str], str]:
    if not isinstance(value, dict):
        raise _malformed(where)
    provider, model = value.get("provider"), value.get("model")
    if not (isinstance(provider, str) and provider and isinstance(model, str) and model):
        raise _malformed(where)
    return (provider, model), where


async def _known(providers: Providers, lab: Lab, provider: str, model: str, where: str) -> None:
    if provider not in providers:
        raise InvalidInput(
            f"unknown provider {provider!r} (configured: {', '.join(providers)})",
            code="UNKNOWN_PROVIDER",
            details={"field": f"{where}.provider"},
        )
    listed = await provider_models(
        providers, provider, cache=lab.model_lists, ttl=lab.config.model_list_ttl_seconds
    )
    if listed.error_code and not listed.models:
        raise InvalidInput(
            f"cannot check model {model!r}: provider {provider!r} did not list its models",
            code="MODEL_UNVERIFIED",
            details={
                "field": f"{where}.model",
                "provider_error": listed.error_code,
                "error": listed.error,
            },
        )
    if model not in listed.models:
        raise InvalidInput(
            f"provider {provider!r} has no model {model!r}",
            code="UNKNOWN_MODEL",
            details={"field": f"{where}.model", "models": listed.models},
        )


def _malformed(where: str) -> InvalidInput:
    return InvalidInput(
        f"{where} must be {{provider, model, fallback?: [{{provider, model}}]}}",
        code="INVALID_POLICY",
        details={"field": where},
    )
