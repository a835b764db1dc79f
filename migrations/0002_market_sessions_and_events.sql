-- Sessions for which every active asset of a market has its bar: announced once as MarketSessionComplete.
CREATE TABLE market_sessions (
  market        text NOT NULL CHECK (market IN ('XNYS', 'XKRX', '24/7')),
  session_date  date NOT NULL,
  assets        integer NOT NULL,
  completed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (market, session_date)
);

-- Domain events as published (locally the only sink besides the log; on AWS a record next to EventBridge).
CREATE TABLE domain_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type        text NOT NULL,
  detail      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_events_type_created_idx ON domain_events (type, created_at DESC);
