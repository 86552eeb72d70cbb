"""The job queue: enqueue, claim under a lease, heartbeat, finish, cancel, retry, sweep.

Every write is one conditional UPDATE (the row's id plus the state it must still be in),
so two workers, a worker and the sweeper, or two instances on PostgreSQL cannot both win a
transition; the loser gets 0 rows and a refusal with a code. Claiming is the only place that
picks a row: PostgreSQL locks it with SELECT ... FOR UPDATE SKIP LOCKED (concurrent claimers
skip it), SQLite runs one `UPDATE ... WHERE id = (SELECT ... LIMIT 1) ... RETURNING` (SQLite
serializes writers). The status transitions are listed in storage/jobs.py.

Time is the callers' wall clock (`now`): instances sharing a database need synchronized
clocks, well within a lease (seconds), which NTP gives.

Events (topic `job.<what>`, entity id the job id, payload `job_event`): job.queued (enqueued,
retried, or re-queued after a failure with attempts left), job.running, job.progress,
job.succeeded, job.failed, job.cancelled, job.recovered (the sweeper took it back), job.released
(a stopping worker gave it back). A heartbeat that only extends the lease writes no event.
Progress events are throttled: at most one per job per PROGRESS_EVENT_SECONDS; progress reported
meanwhile stays in the row (`progress_unreported`) and goes out with the next heartbeat after
the interval, or with the job's final event, so the feed never misses the last value.

Resumable jobs (`list_resumable`, for diagnostics): queued jobs that the sweeper recovered
from an owner that stopped heartbeating (a crash, a kill, a lost network); a worker will run
them again. Jobs queued for the first time, or re-queued after an ordinary failure, are not.
"""

from resolvers.jobs.lease import (
    PROGRESS_EVENT_SECONDS,
    backoff_seconds,
    claim_job,
    complete_job,
    enqueue_job,
    fail_job,
    heartbeat_job,
    release_job,
)
from resolvers.jobs.manage import (
    cancel_job,
    get_job,
    list_jobs,
    list_resumable,
    retry_job,
    sweep_jobs,
)
from resolvers.jobs.rows import JobCancelled, JobView, LeaseLost, job_event, job_view

__all__ = [
    "PROGRESS_EVENT_SECONDS",
    "JobCancelled",
    "JobView",
    "LeaseLost",
    "backoff_seconds",
    "cancel_job",
    "claim_job",
    "complete_job",
    "enqueue_job",
    "fail_job",
    "get_job",
    "heartbeat_job",
    "job_event",
    "job_view",
    "list_jobs",
    "list_resumable",
    "release_job",
    "retry_job",
    "sweep_jobs",
]
