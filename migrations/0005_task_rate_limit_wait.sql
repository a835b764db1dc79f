-- How long a task has been waiting out a provider's rate limit. Ingest re-sends a throttled task's
-- message with a delay (so SQS's receive count measures crashes, not throttling) and gives up only when
-- the wait since throttled_since exceeds PipelineSettings.rateLimitBudgetMinutes. rate_limited_until and
-- waiting_reason let the CLI's progress line say which provider it waits for and when it resumes.
ALTER TABLE job_tasks
  ADD COLUMN throttled_since timestamptz,
  ADD COLUMN rate_limited_until timestamptz,
  ADD COLUMN waiting_reason text;
