-- When a finished job's JobFinished event and alert went out. Claimed once, after the job's last task
-- committed; a job finished but not announced (the process died in between) is announced by the next
-- delivery of any of its messages.
ALTER TABLE job_runs ADD COLUMN announced_at timestamptz;
CREATE INDEX job_runs_unannounced_idx ON job_runs (id) WHERE finished_at IS NOT NULL AND announced_at IS NULL;
