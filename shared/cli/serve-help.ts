/** What `db serve` prints for people: where the server is, both logins, and how to connect. */
export function serveHelp(s: { adminUrl: string; readerUrl: string; dataDir: string }): string {
  const query =
    'SELECT a.symbol, count(*), max(p.session_date) FROM assets a JOIN prices_daily p ON p.asset_id = a.id GROUP BY 1';
  return [
    `${s.dataDir} is up until Ctrl-C (other commands may run meanwhile)`,
    '',
    `  read-only: ${s.readerUrl}`,
    `  admin:     ${s.adminUrl}`,
    '',
    'Connect with:',
    `  psql "${s.readerUrl}" -c "${query}"`,
    `  duckdb -c "INSTALL postgres; ATTACH '${s.readerUrl}' AS market (TYPE postgres, READ_ONLY); SELECT count(*) FROM market.public.prices_daily"`,
    `  python: pandas.read_sql("SELECT * FROM assets", sqlalchemy.create_engine("${s.readerUrl.replace(/^postgres(ql)?:/, 'postgresql+psycopg:')}"))`,
    '',
    'Tables, price bases and more examples: docs/DATA.md',
  ].join('\n');
}
