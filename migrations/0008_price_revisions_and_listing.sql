-- Revisions of stored bars, listing and delisting dates, and the quality findings that go with them.

-- Every change to an already-stored bar, old and new values side by side: a provider's correction, a
-- late volume revision, a restatement after a re-based history. A redelivery that changes nothing adds
-- nothing. Written by the same statement that changes the bar (upsertDailyBars, restateBars).
CREATE TABLE price_revisions (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  asset_id       integer NOT NULL,
  session_date   date NOT NULL,
  source         text NOT NULL,
  old_open       numeric NOT NULL,
  old_high       numeric NOT NULL,
  old_low        numeric NOT NULL,
  old_close      numeric NOT NULL,
  old_adj_close  numeric,
  old_volume     numeric NOT NULL,
  new_open       numeric NOT NULL,
  new_high       numeric NOT NULL,
  new_low        numeric NOT NULL,
  new_close      numeric NOT NULL,
  new_adj_close  numeric,
  new_volume     numeric NOT NULL,
  -- 'revision': the provider sent different values; 'rebase': restated after a re-based history.
  cause          text NOT NULL CHECK (cause IN ('revision', 'rebase')),
  job_id         bigint REFERENCES job_runs (id) ON DELETE SET NULL,
  task_id        bigint REFERENCES job_tasks (id) ON DELETE SET NULL,
  revised_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX price_revisions_revised_at_idx ON price_revisions (revised_at DESC);
CREATE INDEX price_revisions_asset_idx ON price_revisions (asset_id, session_date);
CREATE INDEX price_revisions_task_idx ON price_revisions (task_id) WHERE task_id IS NOT NULL;

-- listed_on: the first session the provider has (Yahoo meta.firstTradeDate, Upbit's oldest candle),
-- learned by ingest; no gap is flagged and no backfill chunk is planned before it.
-- delisted_on: from the universe; nothing is expected or planned after it.
-- delisting_suspected_at: a long-known symbol the provider now calls unknown ("No data found, symbol
-- may be delisted"); cleared by the next fetch that returns bars.
ALTER TABLE assets
  ADD COLUMN listed_on date,
  ADD COLUMN delisted_on date,
  ADD COLUMN delisting_suspected_at timestamptz;

-- rebased: re-fetched bars off the stored ones by a split-like ratio no known split explains.
-- closed_day_bar: a provider bar dated on a day the calendar says is closed (kept here, not stored).
-- suspected_delisted: see assets.delisting_suspected_at.
ALTER TABLE quality_flags DROP CONSTRAINT quality_flags_kind_check;
ALTER TABLE quality_flags ADD CONSTRAINT quality_flags_kind_check CHECK (
  kind IN ('rejected_bar', 'large_move', 'gap', 'rebased', 'closed_day_bar', 'suspected_delisted')
);
