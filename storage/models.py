"""Every model, imported once so that `Base.metadata` is complete (Alembic, tests)."""

from storage.agents import Agent, AgentToolset
from storage.approvals import Approval, ApprovalDecision, ApprovalSettings
from storage.base import Base
from storage.bots import Bot
from storage.brain import BrainMemory
from storage.control import SchedulerJob, SystemControl
from storage.deepdive import DeepdiveMessage, DeepdiveThread
from storage.events import Event
from storage.exchange import ExchangeFill, ExchangePosition
from storage.halyrd import AgentEquity, AgentOrder, Backtest, ConfigVersion, JournalEntry, RiskBlock
from storage.health import HealthAlert
from storage.hypotheses import Hypothesis
from storage.jobs import Job
from storage.mcp import McpGrant, McpServer
from storage.notifications import Notification
from storage.paper import PaperSession
from storage.profile import OperatorProfile
from storage.providers import ModelCall, ModelPolicy
from storage.research.datasets import Dataset, DatasetBlob
from storage.research.gauntlet import GauntletStep, GauntletWorkflow
from storage.research.verdict import BacktestTrial, VerdictRun
from storage.routines import Routine, RoutineRun
from storage.settings import ApiKey, SettingValue
from storage.strategies import LifecycleTransition, Strategy
from storage.trades import Trade
from storage.trading_agents import TradingAgent
from storage.webhooks import WebhookDelivery

__all__ = [
    "AgentEquity",
    "AgentOrder",
    "Backtest",
    "ConfigVersion",
    "JournalEntry",
    "RiskBlock",
    "Agent",
    "AgentToolset",
    "Approval",
    "ApprovalDecision",
    "ApprovalSettings",
    "Base",
    "BacktestTrial",
    "BrainMemory",
    "Bot",
    "Dataset",
    "DatasetBlob",
    "DeepdiveMessage",
    "DeepdiveThread",
    "Event",
    "ExchangeFill",
    "HealthAlert",
    "ExchangePosition",
    "Hypothesis",
    "GauntletStep",
    "GauntletWorkflow",
    "Job",
    "LifecycleTransition",
    "McpGrant",
    "McpServer",
    "ModelCall",
    "ModelPolicy",
    "Notification",
    "PaperSession",
    "OperatorProfile",
    "ApiKey",
    "SettingValue",
    "Routine",
    "RoutineRun",
    "SchedulerJob",
    "Strategy",
    "SystemControl",
    "Trade",
    "TradingAgent",
    "VerdictRun",
    "WebhookDelivery",
]
