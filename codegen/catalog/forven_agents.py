"""Forven (seed 000): agents, model policy & approvals.

Agents never place trades or task each other directly. Operation ids carry `lab_` where the
Halyrd catalog already uses the plain name (list_agents, get_agent): OpenAPI needs them unique.
Static paths come before `{id}` ones so that /api/agents/model-options is not taken for an id.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, forven, path_param
from codegen.model import Param, Response, Route

AGENT_ID = path_param(kind="str", arg="agent_id", what="agent id")
APPROVAL_ID = path_param(arg="approval_id", what="approval id")

ROUTES: tuple[Route, ...] = (
    forven("GET", "/api/agents", "agents", "list_lab_agents", "List agents.",
           state="implemented", resolver="agents:list_agents",
           response=Response("list", "ResearchAgent"), graphql="agents"),
    forven(
        "GET", "/api/agents/model-options", "agents", "list_model_options",
        "Available models per provider.",
        Param("refresh", "query", "bool", default=False,
              description="re-fetch the model lists from the providers"),
        notes="Registered before /api/agents/{id} so the static path wins.",
    ),
    forven("GET", "/api/agents/{id}", "agents", "get_lab_agent", "Read agent detail.", AGENT_ID,
           state="implemented", resolver="agents:get_agent",
           response=Response("one", "ResearchAgent"), graphql="agent"),
    forven(
        "PATCH", "/api/agents/{id}", "agents", "update_lab_agent",
        "Update an agent's model/description.",
        AGENT_ID,
        Param("model", "body"),
        Param("description", "body"),
        state="implemented",
        resolver="agents:update_agent",
        response=Response("one", "ResearchAgent"),
        graphql="agent",
        notes="Give model, description or both; 422 when neither is given.",
    ),
    forven("DELETE", "/api/agents/{id}", "agents", "delete_lab_agent", "Delete an agent.",
           AGENT_ID, state="implemented", resolver="agents:delete_agent",
           response=Response("one", "ResearchAgent"), graphql="agent",
           notes="Answers with the deleted agent; its toolset overrides go with it."),
    forven(
        "GET", "/api/agents/{id}/toolsets", "agents", "list_agent_toolsets",
        "Read all per-context toolset overrides.",
        AGENT_ID,
    ),
    forven(
        "PUT", "/api/agents/{id}/toolsets/{context}", "agents", "set_agent_toolset",
        "Replace the toolset overrides for one context.",
        AGENT_ID,
        Param("context", "path", required=True,
              enum=("scheduled", "interactive", "recovery", "research")),
        body=True,
        notes="The body (the override list) is not documented by field name.",
    ),
    forven(
        "GET", "/api/model-policy", "model_policy", "get_model_policy",
        "Read the global model-routing policy.",
    ),
    forven(
        "PUT", "/api/model-policy", "model_policy", "update_model_policy",
        "Update the global model-routing policy.",
        body=True,
        notes="The policy document's fields are not documented (see models & providers).",
    ),
    forven(
        "GET", "/api/approvals", "approvals", "list_approvals",
        "List approvals (filter by status/type/target/owner).",
        Param("status", "query", "ApprovalStatus"),
        Param("type", "query"),
        Param("target", "query", arg="target_id", description="the target's id"),
        Param("target_type", "query", description="strategy, hypothesis, agent, trading_agent"),
        Param("owner", "query"),
        *PAGING,
        state="implemented",
        resolver="approvals:list_approvals",
        response=Response("page", "Approval"),
        graphql="approvals",
        notes="Paged oldest first: `limit` (default 50, max 500) and `cursor`.",
    ),
    forven(
        "GET", "/api/approvals/modes", "approvals", "get_approval_modes",
        "Approval modes (manual/smart/off), deadlines, escalation owner.",
    ),
    forven("POST", "/api/approvals/{id}/approve", "approvals", "approve_approval",
           "Approve a pending approval.", APPROVAL_ID, errors=(409,),
           state="implemented", resolver="approvals:decide_approval",
           fixed=(("decision", "approve"),), response=Response("one", "Approval"),
           graphql="approval",
           notes=("409 APPROVAL_NOT_PENDING once it is decided. Approving a `promotion` "
                  "approval (filed by the pipeline job) executes the stage move: 409 NOT_READY "
                  "when its readiness gates fail now (it stays pending), 409 APPROVAL_STALE "
                  "when the strategy has moved since.")),
    forven("POST", "/api/approvals/{id}/deny", "approvals", "deny_approval",
           "Deny a pending approval.", APPROVAL_ID, errors=(409,),
           state="implemented", resolver="approvals:decide_approval",
           fixed=(("decision", "deny"),), response=Response("one", "Approval"),
           graphql="approval", notes="409 APPROVAL_NOT_PENDING once it is decided."),
    forven(
        "POST", "/api/approvals/{id}/revise", "approvals", "revise_approval",
        "Send an approval back for revision.",
        APPROVAL_ID,
        notes="Any revision text in the body is not documented.",
    ),
    forven("POST", "/api/approvals/{id}/classify", "approvals", "classify_approval",
           "Re-run the smart-approval classifier on an approval.", APPROVAL_ID),
)  # fmt: skip
