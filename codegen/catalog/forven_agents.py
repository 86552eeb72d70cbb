"""Forven (seed 000): agents, model policy & approvals.

Agents never place trades or task each other directly. Operation ids carry `lab_` where the
Halyrd catalog already uses the plain name (list_agents, get_agent): OpenAPI needs them unique.
Static paths come before `{id}` ones so that /api/agents/model-options is not taken for an id.
"""

from __future__ import annotations

from codegen.catalog.forven_system import PAGING, path_param
from codegen.model import Param, Response, Route
from codegen.route import route
from resolvers import (
    agents,
    approval_classifier,
    approval_decisions,
    approval_modes,
    approvals,
    tools,
)
from resolvers.approvals import ActionParams
from resolvers.choices import TOOLSET_CONTEXT
from resolvers.models import options, policy

AGENT_ID = path_param(kind="str", arg="agent_id", what="agent id")
APPROVAL_ID = path_param(arg="approval_id", what="approval id")

ROUTES: tuple[Route, ...] = (
    route(
        method="GET", path="/api/agents", api="forven", router="agents", op="list_lab_agents",
        summary="List agents.", state="implemented", resolver=agents.list_agents,
        response=Response("list", "ResearchAgent"), graphql="agents",
    ),
    route(
        method="GET", path="/api/agents/model-options", api="forven", router="agents",
        op="list_model_options", summary="Available models per provider.",
        state="implemented", resolver=options.list_model_options,
        params=(
            Param("refresh", "query", "bool", default=False,
                  description="re-fetch the model lists from the providers"),
        ),
        response=Response("one", "ModelOptions"), graphql="modelOptions", graphql_generated=True,
        notes=(
            "Registered before /api/agents/{id} so the static path wins. Providers: `lab` "
            "(offline, always: model lab-analyst) and `openai` (an OpenAI-compatible server at "
            "TRADEGRAPH_OPENAI_BASE_URL; configured false without it). An HTTP provider's list "
            "is cached in memory per process for TRADEGRAPH_MODEL_LIST_TTL seconds (default "
            "300, ttl_seconds in the answer); refresh=true fetches it again. A provider that "
            "fails is listed with error_code (PROVIDER_UNREACHABLE, PROVIDER_TIMEOUT, "
            "PROVIDER_ERROR, PROVIDER_BAD_RESPONSE) and its last good list, and the answer is "
            "still 200."
        ),
    ),
    route(
        method="GET", path="/api/agents/{id}", api="forven", router="agents", op="get_lab_agent",
        summary="Read agent detail.", state="implemented", resolver=agents.get_agent,
        params=(AGENT_ID,), response=Response("one", "ResearchAgent"), graphql="agent",
    ),
    route(
        method="PATCH", path="/api/agents/{id}", api="forven", router="agents",
        op="update_lab_agent", summary="Update an agent's model/description.", state="implemented",
        resolver=agents.update_agent,
        params=(AGENT_ID, Param("model", "body"), Param("description", "body")),
        response=Response("one", "ResearchAgent"), graphql="agent",
        mutation="updateAgent",
        notes="Give model, description or both; 422 when neither is given.",
    ),
    route(
        method="DELETE", path="/api/agents/{id}", api="forven", router="agents",
        op="delete_lab_agent", summary="Delete an agent.", state="implemented",
        resolver=agents.delete_agent, params=(AGENT_ID,), response=Response("one", "ResearchAgent"),
        graphql="agent", notes="Answers with the deleted agent; its toolset overrides go with it.",
    ),
    route(
        method="GET", path="/api/agents/{id}/toolsets", api="forven", router="agents",
        op="list_agent_toolsets", summary="Read all per-context toolset overrides.",
        state="implemented", resolver=tools.list_agent_toolsets, params=(AGENT_ID,),
        response=Response("list", "AgentToolsetOverride"), graphql="agentToolsets",
        graphql_generated=True,
        notes=(
            "One entry per context (scheduled, interactive, recovery, research): the tools the "
            "agent's runs there may call, `overridden` false when it is the context's default "
            "(resolvers/tools.py DEFAULT_TOOLSETS). Tools are the lab's real read tools and "
            "propose_approval, which only files an approval."
        ),
    ),
    route(
        method="PUT", path="/api/agents/{id}/toolsets/{context}", api="forven", router="agents",
        op="set_agent_toolset", summary="Replace the toolset overrides for one context.",
        state="implemented", resolver=tools.replace_agent_toolset,
        params=(
            AGENT_ID,
            Param("context", "path", "ToolsetContext", required=True,
                  enum=TOOLSET_CONTEXT.values),
            Param("tools", "body", "json", required=True, schema=list[str],
                  description="tool names (GET .../toolsets lists the granted ones)"),
        ),
        response=Response("one", "AgentToolsetOverride"), graphql="agentToolsets",
        mutation="setAgentToolset", graphql_generated=True,
        notes=(
            "Replaces the context's grant with `tools` (duplicates dropped; [] grants none). "
            "422 UNKNOWN_CONTEXT for another context, UNKNOWN_TOOL naming the unknown tools, "
            "INVALID_TOOLS when `tools` is no list. DELETE of the agent removes its overrides."
        ),
    ),
    route(
        method="GET", path="/api/model-policy", api="forven", router="model_policy",
        op="get_model_policy", summary="Read the global model-routing policy.",
        state="implemented", resolver=policy.get_model_policy,
        response=Response("one", "ModelPolicy"), graphql="modelPolicy", graphql_generated=True,
        notes=(
            "One route per task kind (chat, research, classification, routine): provider, "
            "model and a fallback chain tried in order when a call fails with a provider "
            "error. Before the first PUT every kind is served by lab / lab-analyst with no "
            "fallback (updated_at null). Every call is recorded with its tokens, cost and "
            "latency (the model_calls table)."
        ),
    ),
    route(
        method="PUT", path="/api/model-policy", api="forven", router="model_policy",
        op="update_model_policy", summary="Update the global model-routing policy.",
        state="implemented", resolver=policy.update_model_policy,
        params=(
            Param("tasks", "body", "json", required=True,
                  schema=dict[str, policy.TaskRouteInput],
                  description="task kind -> {provider, model, fallback: [{provider, model}]}"),
        ),
        response=Response("one", "ModelPolicy"), graphql="modelPolicy",
        mutation="updateModelPolicy", graphql_generated=True,
        notes=(
            "The seed does not document the body: `tasks` maps task kinds to routes; the "
            "kinds named are replaced, the others kept. 422 (details.field names the entry, "
            "nothing is written): UNKNOWN_TASK_KIND, UNKNOWN_PROVIDER (openai without "
            "TRADEGRAPH_OPENAI_BASE_URL is unknown), UNKNOWN_MODEL (not in the provider's "
            "list, cached or fetched), MODEL_UNVERIFIED (the HTTP provider could not list its "
            "models and none are cached: details.provider_error), INVALID_POLICY (a malformed "
            "entry). Writes a model_policy.updated event."
        ),
    ),
    route(
        method="GET", path="/api/approvals", api="forven", router="approvals", op="list_approvals",
        summary="List approvals (filter by status/type/target/owner).", state="implemented",
        resolver=approvals.list_approvals,
        params=(
            Param("status", "query", "ApprovalStatus"),
            Param("type", "query"),
            Param("target", "query", arg="target_id", description="the target's id"),
            Param("target_type", "query", description="strategy, hypothesis, agent, trading_agent"),
            Param("owner", "query"),
            Param("revision_of", "query", "int",
                  description="only the revisions of this approval"),
            *PAGING,
        ),
        response=Response("page", "Approval"), graphql="approvals",
        notes=(
            "Paged oldest first: `limit` (default 50, max 500) and `cursor`. An approval "
            "carries its classification (classification = the recommended decision, "
            "risk_score, reasons), its deadline and escalated_at, and revision_of."
        ),
    ),
    route(
        method="GET", path="/api/approvals/modes", api="forven", router="approvals",
        op="get_approval_modes",
        summary="Approval modes (manual/smart/off), deadlines, escalation owner.",
        state="implemented", resolver=approval_modes.get_approval_modes,
        response=Response("one", "ApprovalModes"), graphql="approvalModes",
        graphql_generated=True,
        notes=(
            "Registered before /api/approvals/{id}/... (static path). One settings row; "
            "before the first update the defaults: mode manual, deadline_seconds 86400, "
            "type_deadlines {}, escalation_owner operator, smart_threshold 0.3, updated_at "
            "null. manual: every approval waits for an operator. smart: the classifier scores "
            "each new approval and approves it (actor smart-classifier, its reasons in the "
            "note) when the risk score is below smart_threshold; otherwise it waits, never "
            "denied automatically. off: approved when filed (actor approvals-off, kept for "
            "audit). In every mode a promotion into live waits for an operator. The autonomy "
            "mode (POST /api/system/mode) decides which pipeline promotions are filed as "
            "approvals at all; the approval mode how a filed one is decided. The deciding "
            "and escalating is done by the scheduler job approvals_triage (every 5 s; halts "
            "while the system is paused): an automatic approval whose action refuses stays "
            "pending (history entry auto_refused) and waits; a waiting approval raises an "
            "info notification; one pending past its deadline (filed_at + its type's "
            "deadline, else deadline_seconds) is escalated once: owner -> escalation_owner, "
            "history entry escalate, event approval.escalated, warning notification. "
            "Changing the settings is the GraphQL mutation updateApprovalModes (issue 17's "
            "PUT /api/settings/approvals will call the same resolver, "
            "resolvers/approval_modes.py update_approval_modes): 422 NO_CHANGES, "
            "UNKNOWN_APPROVAL_MODE, INVALID_DEADLINE (whole seconds 60..2592000), "
            "INVALID_OWNER, INVALID_THRESHOLD (0..1); event approval_modes.updated."
        ),
    ),
    route(
        method="POST", path="/api/approvals/{id}/approve", api="forven", router="approvals",
        op="approve_approval", summary="Approve a pending approval.", state="implemented",
        resolver=approval_decisions.decide_approval, params=(APPROVAL_ID,),
        fixed=(("decision", "approve"),),
        response=Response("one", "Approval"), errors=(409,), graphql="approval",
        mutation="approveApproval",
        notes=(
            "409 APPROVAL_NOT_PENDING once it is decided. Approving a `promotion` "
            "approval (filed by the pipeline job) executes the stage move: 409 NOT_READY "
            "when its readiness gates fail now (it stays pending), 409 APPROVAL_STALE "
            "when the strategy has moved since."
        ),
    ),
    route(
        method="POST", path="/api/approvals/{id}/deny", api="forven", router="approvals",
        op="deny_approval", summary="Deny a pending approval.", state="implemented",
        resolver=approval_decisions.decide_approval, params=(APPROVAL_ID,),
        fixed=(("decision", "deny"),),
        response=Response("one", "Approval"), errors=(409,), graphql="approval",
        mutation="denyApproval",
        notes="409 APPROVAL_NOT_PENDING once it is decided.",
    ),
    route(
        method="POST", path="/api/approvals/{id}/revise", api="forven", router="approvals",
        op="revise_approval", summary="Send an approval back for revision.",
        state="implemented", resolver=approval_decisions.revise_approval,
        params=(
            APPROVAL_ID,
            Param("summary", "body", description="the revised summary"),
            Param("payload", "body", "json", schema=ActionParams,
                  description="the revised action parameters (replaces the whole map)"),
            Param("note", "body", default="", description="why it was revised"),
        ),
        response=Response("one", "Approval"), errors=(409,), graphql="approval",
        mutation="reviseApproval", graphql_generated=True,
        notes=(
            "The seed does not document the body: `summary` and/or `payload` are the edits "
            "(422 NO_EDITS without either; unknown fields 422; payload is checked like a "
            "filing's: INVALID_PAYLOAD), `note` is kept in the history. A promotion's summary "
            "records its stage move, so a revised one must name the same move (422 "
            "PROMOTION_MOVE_CHANGED). 409 APPROVAL_NOT_PENDING once decided. The original "
            "becomes `revised` (history entry revise naming the new id; event "
            "approval.revised); answers the new pending approval: same type, target and "
            "owner, revision_of the original, a fresh deadline, classified at once (events "
            "approval.created, approval.classified), then triaged like any new approval. "
            "GET /api/approvals?revision_of=<id> (GraphQL Approval.revisionChain) reads "
            "the chain."
        ),
    ),
    route(
        method="POST", path="/api/approvals/{id}/classify", api="forven", router="approvals",
        op="classify_approval", summary="Re-run the smart-approval classifier on an approval.",
        state="implemented", resolver=approval_classifier.classify_approval,
        params=(APPROVAL_ID,),
        response=Response("one", "ApprovalClassification"), graphql="approvalClassification",
        mutation="classifyApproval", graphql_generated=True,
        notes=(
            "Answers risk_score (0..1), reasons [{rule, points, detail}], recommended "
            "(approve below the smart threshold, deny from 0.8, review between), "
            "classifier_version (rules-1) and classified_at. The classifier is a "
            "deterministic rule set over the target's rows (resolvers/approval_classifier.py "
            "lists every rule): a promotion's target stage (live high), the strategy's "
            "latest verdict and gauntlet gate; a strategy transition's direction; a "
            "routine's tools; other types medium (0.5). A pending approval keeps the result "
            "(event approval.classified; stored true); a decided one is re-scored and "
            "answered only (stored false): the score it was decided on stays. No model is "
            "called, so no provider failure can block it."
        ),
    ),
)  # fmt: skip
