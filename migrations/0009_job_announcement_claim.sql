-- The announcement of a finished job is claimed for a while before it is marked done (announced_at), so
-- that a failure alert goes out at least once: a claim whose holder died, or whose alert could not be
-- delivered (the claim is then released), is taken again by the next delivery of one of the job's messages.
ALTER TABLE job_runs ADD COLUMN announce_claimed_at timestamptz;
