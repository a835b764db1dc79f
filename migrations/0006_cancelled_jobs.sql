-- A job or task a person ended (`jobs cancel`): status cancelled, ended like any other status.
-- Interrupted (Ctrl-C) and reaped (past their deadline) tasks are failed with a reason instead, so the
-- job ends partial_failure or failure, alerts, and `backfill --retry-failed` picks them up.
ALTER TABLE job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_status_check
  CHECK (status IN ('pending', 'running', 'success', 'partial_failure', 'failure', 'cancelled'));
ALTER TABLE job_runs DROP CONSTRAINT job_runs_check2;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_finished_check
  CHECK ((finished_at IS NOT NULL) = (status IN ('success', 'partial_failure', 'failure', 'cancelled')));

ALTER TABLE job_tasks DROP CONSTRAINT job_tasks_status_check;
ALTER TABLE job_tasks ADD CONSTRAINT job_tasks_status_check
  CHECK (status IN ('pending', 'running', 'success', 'failed', 'cancelled'));
ALTER TABLE job_tasks DROP CONSTRAINT job_tasks_check1;
ALTER TABLE job_tasks ADD CONSTRAINT job_tasks_finished_check
  CHECK ((finished_at IS NOT NULL) = (status IN ('success', 'failed', 'cancelled')));

-- The reaper looks for unfinished tasks by age; only a few are ever unfinished.
CREATE INDEX job_tasks_unfinished_idx ON job_tasks (updated_at) WHERE status IN ('pending', 'running');
