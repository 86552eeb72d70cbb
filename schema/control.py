"""The control plane on GraphQL: system status, heartbeat, dashboard, the pause, both modes,
the scheduler's jobs and exchange reconciliation; the same resolvers as /api/system/*."""

from __future__ import annotations

import strawberry

from resolvers.control import (
    get_system_mode,
    set_execution_mode,
    set_system_mode,
    start_system,
    stop_system,
)
from resolvers.dashboard import get_dashboard, get_system_heartbeat, get_system_status
from resolvers.reconcile import get_last_reconciliation, reconcile_exchange
from resolvers.scheduler import list_jobs, update_job
from schema.generated.control import SystemControl, SystemMode
from schema.generated.dashboard import Dashboard, SystemHeartbeat, SystemStatus
from schema.generated.enums import AutonomyMode, ExecutionMode
from schema.generated.reconcile import Reconciliation
from schema.scheduler import SchedulerJob


@strawberry.type
class ControlQuery:
    @strawberry.field(description="System status summary (GET /api/system/status).")
    async def system_status(self, info: strawberry.Info) -> SystemStatus:
        return SystemStatus.of(await info.context.scope.run(get_system_status))

    @strawberry.field(description="Daemon heartbeat with risk and equity (/api/system/heartbeat).")
    async def system_heartbeat(self, info: strawberry.Info) -> SystemHeartbeat:
        return SystemHeartbeat.of(await info.context.scope.run(get_system_heartbeat))

    @strawberry.field(description="Dashboard overview (GET /api/dashboard).")
    async def dashboard(self, info: strawberry.Info) -> Dashboard:
        return Dashboard.of(await info.context.scope.run(get_dashboard))

    @strawberry.field(description="The pipeline autonomy mode (GET /api/system/mode).")
    async def system_mode(self, info: strawberry.Info) -> SystemMode:
        return SystemMode.of(await info.context.scope.run(get_system_mode))

    @strawberry.field(description="The scheduler's jobs (GET /api/scheduler).")
    async def scheduler_jobs(self, info: strawberry.Info) -> list[SchedulerJob]:
        return [SchedulerJob.of(job) for job in await info.context.scope.run(list_jobs)]

    @strawberry.field(description="The newest reconciliation report, scheduled or asked for.")
    async def last_reconciliation(self, info: strawberry.Info) -> Reconciliation | None:
        report = await info.context.scope.run(get_last_reconciliation)
        return None if report is None else Reconciliation.of(report)


@strawberry.type
class ControlMutation:
    @strawberry.mutation(description="Halt trading and agents (POST /api/system/stop).")
    async def stop_system(self, info: strawberry.Info, reason: str | None = None) -> SystemControl:
        return SystemControl.of(await info.context.scope.run(stop_system, reason=reason))

    @strawberry.mutation(description="Resume trading and agents (POST /api/system/start).")
    async def start_system(self, info: strawberry.Info) -> SystemControl:
        return SystemControl.of(await info.context.scope.run(start_system))

    @strawberry.mutation(description="Set the pipeline autonomy mode.")
    async def set_system_mode(self, info: strawberry.Info, mode: AutonomyMode) -> SystemMode:
        return SystemMode.of(await info.context.scope.run(set_system_mode, mode=mode.value))

    @strawberry.mutation(description="Set the execution mode; live is refused while paper-locked.")
    async def set_execution_mode(self, info: strawberry.Info, mode: ExecutionMode) -> SystemControl:
        state = await info.context.scope.run(set_execution_mode, mode=mode.value)
        return SystemControl.of(state)

    @strawberry.mutation(description="Reconcile our open trades with the exchange's positions.")
    async def reconcile_exchange(
        self, info: strawberry.Info, repair: bool = True
    ) -> Reconciliation:
        return Reconciliation.of(await info.context.scope.run(reconcile_exchange, repair=repair))

    @strawberry.mutation(description="Switch a scheduler job on/off or change its interval.")
    async def update_scheduler_job(
        self,
        info: strawberry.Info,
        id: str,
        enabled: bool | None = None,
        interval_seconds: float | None = None,
    ) -> SchedulerJob:
        job = await info.context.scope.run(
            update_job, job_id=id, enabled=enabled, interval_seconds=interval_seconds
        )
        return SchedulerJob.of(job)
