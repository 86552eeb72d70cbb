"""Which keys a GraphQL operation needs: the same areas, and the same policy, as REST.

Every root field has a level, and every object type that carries an area's data has one;
a selection set takes the level of the type it selects on, so nesting cannot reach gated
data through an open field (a Halyrd agent's trade still needs the operator key for its
strategy). Connection, edge and page types inherit the level of the field that returned them.
Unknown root fields and unclassified types count as operator: new fields fail closed.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
)

from resolvers.access import Level
from schema.generated.access import ROOT_LEVELS as CATALOG_LEVELS

# Root fields no route names; every other root field takes its level from the route catalog
# (schema/generated/access.py: a route's `graphql=` query and `mutation=` field get its level).
HAND_LEVELS: dict[str, dict[str, Level]] = {
    "Query": {
        # GET /api/health is exempt for liveness probes; GraphQL always takes the API key
        "health": "api",
        # read by GraphQL only: REST answers a reconciliation from its POST, not a GET
        "lastReconciliation": "operator",
        # where a 202 JobAccepted is followed (schema/jobs.py): no route reads a job
        "job": "operator",
        # introspection: the schema itself, readable with the API key like GraphiQL's queries
        "__schema": "api",
        "__type": "api",
        # the seed leaves the deepdive reads ungated (API key only); no route reads a thread
        "deepdiveThread": "api",
    },
    "Mutation": {
        # the approval settings: GraphQL only until issue 17's PUT /api/settings/approvals
        "updateApprovalModes": "operator",
        # the operator's writes to the brain's memory bank (schema/brain.py): no route has them
        "addBrainMemory": "operator",
        "forgetBrainMemory": "operator",
    },
    # the WebSocket feeds' GraphQL faces (their routes are hand-written transports): the event
    # feed and the live feed are operator-gated like /ws/live, agentEvents is the Halyrd socket's
    "Subscription": {
        "events": "operator",
        "agentEvents": "halyrd_read",
        "liveFeed": "operator",
        "gauntletWorkflow": "operator",  # the gauntlet routes' live face
        "deepdiveSend": "operator",  # POST /api/deepdive/threads/{id}/send, an SSE transport
    },
}
ROOT_LEVELS: dict[str, dict[str, Level]] = {
    root: {**CATALOG_LEVELS.get(root, {}), **fields} for root, fields in HAND_LEVELS.items()
}

TYPE_LEVELS: dict[str, Level] = {
    "Health": "api",
    # the sandbox scan is ungated (API key only), a frontend contract of the seed
    **dict.fromkeys(("SandboxScan", "SandboxFinding"), "api"),
    **dict.fromkeys(("SandboxRun", "SandboxResult"), "operator"),
    # the skills reads are ungated (API key only), a frontend contract of the seed
    **dict.fromkeys(
        (
            "Skill",
            "SkillBacktest",
            "SkillTrades",
            "DecliningSkills",
            "DecliningRule",
            "SkillDecline",
        ),
        "api",
    ),  # fmt: skip
    # the diagnostics and health reads are ungated (API key only), a frontend contract of the
    # seed; resumeTask answers a ResumableTask but is operator-gated at its root field
    **dict.fromkeys(
        (
            "DiagnosticsSnapshot",
            "CostRollup",
            "TruncationSummary",
            "TruncatedDataset",
            "AnswerCap",
            "HealthComponent",
            "ResumableTask",
            "HealthStatus",
            "HealthAlert",
        ),
        "api",
    ),  # fmt: skip
    # the control plane's status, heartbeat, dashboard, modes, jobs and reconciliation
    **dict.fromkeys(
        (
            "SystemControl",
            "SystemStatus",
            "SystemMode",
            "StageApprovals",
            "StageCounts",
            "PaperServiceState",
            "SchedulerJob",
            "SystemHeartbeat",
            "PaperAccount",
            "HeartbeatRisk",
            "Dashboard",
            "TradeSummary",
            "Reconciliation",
            "ReconcileDifference",
        ),
        "operator",
    ),
    # a deep-dive thread is an ungated read; its answer's events come only from the send
    **dict.fromkeys(("DeepdiveThread", "DeepdiveMessage"), "api"),
    **dict.fromkeys(("DeepdiveToken", "DeepdiveError", "DeepdiveEvent"), "operator"),
    "Hypothesis": "operator",
    "OhlcvDataset": "operator",
    "GauntletWorkflow": "operator",
    "GauntletStep": "operator",
    "Job": "operator",
    "Verdict": "operator",
    "VerdictGuide": "operator",
    # models and providers (resolvers/models/)
    **dict.fromkeys(
        ("ModelOptions", "ProviderModels", "ModelPolicy", "TaskRoute", "ModelChoice"), "operator"
    ),
    "HypothesisPreview": "operator",
    "GeneratedStrategies": "operator",
    "Strategy": "operator",
    "LifecycleTransition": "operator",
    # a strategy's readiness checklist and live chart series
    **dict.fromkeys(
        (
            "StrategyReadiness",
            "ReadinessGate",
            "StrategySignals",
            "StrategySignalPoint",
            "StrategyIndicators",
            "StrategyIndicatorLine",
            "StrategyIndicatorPoint",
            "StrategyMarkers",
            "StrategyMarker",
        ),
        "operator",
    ),  # fmt: skip
    "Trade": "operator",
    "OpenTrade": "operator",
    "PaperSession": "operator",
    # the bot factory (resolvers/bots/): operator, like every Forven trading read
    "Bot": "operator",
    "BotPosition": "operator",
    "BotTemplate": "operator",
    "BotTemplateParam": "operator",
    "Agent": "operator",
    "Toolset": "operator",
    "AgentToolsetOverride": "operator",
    # MCP servers, their live tools and the agents' grants (resolvers/mcp/)
    **dict.fromkeys(("McpServer", "McpTool", "McpGrant"), "operator"),
    # notifications are operator-gated like every Forven route without a frontend caveat
    **dict.fromkeys(("Notification", "NotificationsAcknowledged"), "operator"),
    "Approval": "operator",
    "ApprovalDecision": "operator",
    "ApprovalModes": "operator",
    "ApprovalModeInfo": "operator",
    "ApprovalClassification": "operator",
    # settings sections, stored API keys (masked) and the operator profile (resolvers/settings/)
    **dict.fromkeys(
        ("Settings", "SettingsSection", "SettingField", "StoredApiKey", "Profile"), "operator"
    ),
    # routines (resolvers/routines.py) and the scheduler's view of them
    **dict.fromkeys(("Routine", "RoutineRun", "RoutineDispatch", "ScheduledRoutine"), "operator"),
    # the brain (resolvers/brain/): its overview, memory bank and chat tasks
    **dict.fromkeys(
        (
            "BrainOverview",
            "BrainActivity",
            "AttentionItem",
            "BrainMemory",
            "MemoryProvenance",
            "ToolRead",
            "BrainTask",
            "BrainChatResult",
            "BrainToolCall",
            "BrainProposal",
        ),
        "operator",
    ),  # fmt: skip
    "Event": "operator",
    "LiveEvent": "operator",
    "TradingAgent": "halyrd_read",
    "AgentEvent": "halyrd_read",
    # the Halyrd agent's records, evaluation, configuration, actions, backtests and indicators
    **dict.fromkeys(
        (
            "EquitySnapshot",
            "JournalPage",
            "JournalEntry",
            "RiskBlock",
            "Evaluation",
            "Objective",
            "Identity",
            "IdentityEndpoint",
            "IdentityRegistration",
            "ConfigVersion",
            "RunPeriod",
            "WatchlistCandidates",
            "Candidate",
            "Preset",
            "Promotion",
            "Demotion",
            "KillSwitch",
            "AgentOrder",
            "Backtest",
            "Indicator",
            "IndicatorParam",
        ),
        "halyrd_read",
    ),  # fmt: skip
}

# a Halyrd agent's own trades are Halyrd data (GET /agents/{id}/trades)
FIELD_LEVELS: dict[tuple[str, str], Level] = {("TradingAgent", "trades"): "halyrd_read"}

# wrappers that inherit the level of the field that returned them
NEUTRAL_TYPES = frozenset({"PageInfo"})
NEUTRAL_SUFFIXES = ("Connection", "Edge")


def type_level(name: str) -> Level | None:
    """A type's own level; None for wrappers that inherit."""
    if name in TYPE_LEVELS:
        return TYPE_LEVELS[name]
    if name in NEUTRAL_TYPES or name.endswith(NEUTRAL_SUFFIXES) or name.startswith("__"):
        return None
    return "operator"


def required_levels(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> frozenset[Level]:
    """Every level the selected operation touches (empty when it touches only __typename)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return frozenset()
    return _levels(schema, document, operation)


def _levels(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> frozenset[Level]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    found: set[Level] = set()
    if root is None:
        return frozenset({"operator"})
    roots = ROOT_LEVELS.get(root.name, {})
    seen: set[tuple[str, str, Level | None]] = set()

    def walk(selection_set: SelectionSetNode, owner: GraphQLNamedType, level: Level | None) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name == "__typename":
                    continue
                if level is None:  # a root field
                    field_level: Level = roots.get(name, "operator")
                else:
                    field_level = level
                found.add(field_level)
                if selection.selection_set is None:
                    continue
                definition = getattr(owner, "fields", {}).get(name)
                if name == "__schema" or name == "__type" or definition is None:
                    continue
                child = get_named_type(definition.type)
                child_level = (
                    FIELD_LEVELS.get((owner.name, name)) or type_level(child.name) or field_level
                )
                walk(selection.selection_set, child, child_level)
            elif isinstance(selection, InlineFragmentNode):
                target = owner
                if selection.type_condition is not None:
                    target = schema.get_type(selection.type_condition.name.value) or owner
                walk(selection.selection_set, target, level)
            elif isinstance(selection, FragmentSpreadNode):
                key = (selection.name.value, owner.name, level)
                fragment = fragments.get(selection.name.value)
                if fragment is None or key in seen:
                    continue
                seen.add(key)
                target = schema.get_type(fragment.type_condition.name.value) or owner
                walk(fragment.selection_set, target, level)

    walk(operation.selection_set, root, None)
    return frozenset(found)


class LevelCache:
    """`required_levels` per parsed document object; the parse caches hand out the same
    document for the same text, and graphql-core nodes hash deeply, so the key is identity."""

    def __init__(self, schema: GraphQLSchema, maxsize: int = 512) -> None:
        self._schema = schema
        self._maxsize = maxsize
        self._entries: dict[tuple[int, str | None], tuple[DocumentNode, frozenset[Level]]] = {}

    def levels(self, document: DocumentNode, operation_name: str | None) -> frozenset[Level]:
        key = (id(document), operation_name)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is document:
            return entry[1]
        levels = required_levels(self._schema, document, operation_name)
        if len(self._entries) >= self._maxsize:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (document, levels)
        return levels
