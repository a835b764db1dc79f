-- Symbols sort by their bytes in every database: the local clusters are initialised without a locale
-- (C), but RDS creates databases in en_US.UTF-8, where punctuation is ignored at first and ^KS11 sorts
-- before 005930.KS instead of after KS200. Every listing ordered by symbol (assets, tasks, flags,
-- exports, adjusted prices) then came out in another order in production than on a laptop, and than
-- the freshness check's (which sorts in the application, by code unit). Equality and the unique index
-- are unchanged; the index is rebuilt with the column's new collation.
-- The ALTER locks assets exclusively (a few rows, milliseconds) but waits for every open transaction
-- that read it, and every query of assets queues behind it meanwhile: give up after 10 s instead (the
-- migration rolls back, the deploy rolls back with the lock error, and the next deploy tries again).
SET LOCAL lock_timeout = '10s';
ALTER TABLE assets ALTER COLUMN symbol TYPE text COLLATE "C";
