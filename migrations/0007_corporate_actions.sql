-- Corporate actions (splits and cash dividends) as data, the as-traded price basis, and adjusted series
-- derived from both on read, so that no stored value goes stale when a provider re-bases its history.

CREATE TABLE corporate_actions (
  asset_id     integer NOT NULL,
  ex_date      date NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('split', 'dividend')),
  source       text NOT NULL,
  numerator    numeric,
  denominator  numeric,
  amount       numeric,
  currency     text CHECK (currency ~ '^[A-Z]{3}$'),
  first_seen   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  -- What the provider sent, for audits; bounded so a hostile payload cannot bloat the table.
  provider_record jsonb NOT NULL DEFAULT '{}' CHECK (octet_length(provider_record::text) <= 4096),
  PRIMARY KEY (asset_id, ex_date, kind, source),
  CHECK (
    (kind = 'split' AND numerator > 0 AND denominator > 0 AND amount IS NULL)
    OR (kind = 'dividend' AND amount > 0 AND numerator IS NULL AND denominator IS NULL)
  )
);

COMMENT ON TABLE corporate_actions IS
  'Splits and cash dividends per asset and ex-date (the first session trading without the right). '
  'Stored as announced, as traded: a dividend amount is per share held on its ex-date, never re-scaled by later splits.';
COMMENT ON COLUMN corporate_actions.numerator IS 'Split: new shares received for `denominator` old ones (4:1 = 4/1).';
COMMENT ON COLUMN corporate_actions.amount IS
  'Dividend per share as paid on the ex-date (Yahoo''s split-adjusted amount times every later split ratio).';
COMMENT ON COLUMN corporate_actions.first_seen IS 'When a fetch first reported this action.';

-- The last fetch of each asset's complete action history (one coarse request over its listed range):
-- when it was tried, when it last succeeded, and why the last try failed (NULL when it did not).
CREATE TABLE corporate_action_refreshes (
  asset_id     integer PRIMARY KEY,
  source       text NOT NULL,
  attempted_at timestamptz NOT NULL,
  refreshed_at timestamptz,
  actions      integer NOT NULL DEFAULT 0 CHECK (actions >= 0),
  last_error   text
);

COMMENT ON TABLE prices_daily IS
  'Daily bars AS TRADED: each price is what the asset traded at on that session, volume in shares traded that day. '
  'Later splits are un-applied on ingest (price times, volume divided by, the ratio of every split after the session), '
  'so re-fetching a bar after a split stores the same values. Adjusted series: adjusted_prices(asset_id, start, end, basis).';
COMMENT ON COLUMN prices_daily.close IS
  'As-traded close. Yahoo prices are rounded to 7 significant digits (at least 2 decimals) after un-applying splits, '
  'which removes the float32 noise of its feed, so the same session stores the same value before and after a split.';
COMMENT ON COLUMN prices_daily.adj_close IS
  'Not written for Yahoo bars since migration 0007 (Yahoo''s adjclose is a fetch-time figure that changes with every '
  'dividend and split); use adjusted_prices(..., ''total'') instead.';

-- The cumulative CRSP-style factor of every action after a session. A split n:d divides earlier prices
-- by n/d; a dividend D on ex-date t multiplies earlier prices by 1 - D / C, C the as-traded close of the
-- session before t expressed in t's share basis (divided by the ratio of a split on t itself, if any).
CREATE FUNCTION corporate_action_factors(p_asset_id integer, p_source text)
RETURNS TABLE (ex_date date, split_factor numeric, total_factor numeric)
LANGUAGE sql STABLE AS $$
  WITH per_day AS (
    SELECT a.ex_date,
           COALESCE(exp(sum(ln(a.numerator / a.denominator)) FILTER (WHERE a.kind = 'split')), 1) AS split_ratio,
           sum(a.amount) FILTER (WHERE a.kind = 'dividend') AS dividend
    FROM corporate_actions a
    WHERE a.asset_id = p_asset_id AND a.source = p_source
    GROUP BY a.ex_date
  ),
  factored AS (
    SELECT d.ex_date, d.split_ratio,
           CASE WHEN d.dividend IS NULL OR prev.close IS NULL THEN 1
                ELSE GREATEST(1 - d.dividend / (prev.close / d.split_ratio), 1e-9) END AS dividend_factor
    FROM per_day d
    LEFT JOIN LATERAL (
      SELECT p.close FROM prices_daily p
      WHERE p.asset_id = p_asset_id AND p.source = p_source AND p.session_date < d.ex_date
      ORDER BY p.session_date DESC LIMIT 1
    ) prev ON true
  )
  -- Running products from the newest action back: the factor that applies to sessions before ex_date.
  SELECT f.ex_date,
         exp(sum(-ln(f.split_ratio)) OVER later) AS split_factor,
         exp(sum(ln(f.dividend_factor) - ln(f.split_ratio)) OVER later) AS total_factor
  FROM factored f
  WINDOW later AS (ORDER BY f.ex_date DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
$$;

COMMENT ON FUNCTION corporate_action_factors(integer, text) IS
  'Per ex-date: the product of the factors of that action and every later one (multiply prices of earlier sessions by it).';

-- Stored bars of one asset in [p_start, p_end], as traded (basis none), split-adjusted (splits) or
-- split- and dividend-adjusted (total), as of every stored action. Volume is split-adjusted only.
CREATE FUNCTION adjusted_prices(p_asset_id integer, p_start date, p_end date, p_basis text DEFAULT 'total')
RETURNS TABLE (asset_id integer, session_date date, source text, open numeric, high numeric, low numeric,
               close numeric, volume numeric, factor numeric)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_basis NOT IN ('none', 'splits', 'total') THEN
    RAISE EXCEPTION 'adjusted_prices: basis must be none, splits or total, not %', p_basis
      USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
  WITH sources AS (
    SELECT DISTINCT p.source FROM prices_daily p
    WHERE p.asset_id = p_asset_id AND p.session_date BETWEEN p_start AND p_end
  ),
  -- Once per query, not once per bar: each factor holds for the sessions from the previous ex-date
  -- (inclusive) up to its own (exclusive).
  factors AS MATERIALIZED (
    SELECT s.source, f.split_factor, f.total_factor,
           COALESCE(lag(f.ex_date) OVER (PARTITION BY s.source ORDER BY f.ex_date), '-infinity'::date) AS valid_from,
           f.ex_date AS valid_to
    FROM sources s CROSS JOIN LATERAL corporate_action_factors(p_asset_id, s.source) f
  ),
  bars AS (
    SELECT p.*,
           CASE p_basis WHEN 'none' THEN 1::numeric
                        WHEN 'splits' THEN COALESCE(f.split_factor, 1)
                        ELSE COALESCE(f.total_factor, 1) END AS price_factor,
           CASE p_basis WHEN 'none' THEN 1::numeric ELSE COALESCE(f.split_factor, 1) END AS split_factor
    FROM prices_daily p
    LEFT JOIN factors f
      ON p_basis <> 'none' AND f.source = p.source
     AND p.session_date >= f.valid_from AND p.session_date < f.valid_to
    WHERE p.asset_id = p_asset_id AND p.session_date BETWEEN p_start AND p_end
  )
  SELECT b.asset_id, b.session_date, b.source,
         b.open * b.price_factor, b.high * b.price_factor, b.low * b.price_factor, b.close * b.price_factor,
         b.volume / b.split_factor, b.price_factor
  FROM bars b
  ORDER BY b.session_date, b.source;
END $$;

COMMENT ON FUNCTION adjusted_prices(integer, date, date, text) IS
  'Stored bars adjusted as of every stored corporate action: basis none (as traded), splits, or total (splits and dividends, CRSP-style).';
