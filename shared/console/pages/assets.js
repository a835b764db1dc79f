import { el, every, getJson, setRows, when } from '/common.js';

// Freshness (latest stored vs expected session, as `freshness` reports it) and the quality findings,
// refreshed every 10 s; neither changes faster than a job ends.
const REFRESH_MS = 10000;
let renders = 0;

function chartLink(symbol) {
  return el('a', { href: `/chart.html?asset=${encodeURIComponent(symbol)}` }, symbol);
}

function freshnessRow(a) {
  return el(
    'tr',
    { 'data-asset': a.symbol },
    el('td', {}, chartLink(a.symbol)),
    el('td', {}, a.calendar),
    el('td', { 'data-field': 'latest' }, a.latest ?? 'nothing stored'),
    el('td', { 'data-field': 'expected' }, a.expected),
    el('td', { 'data-field': 'status', class: `status-${a.status}` }, a.status),
    el('td', { class: 'num' }, a.missingSessions ?? '–'),
  );
}

function flagRow(f) {
  return el(
    'tr',
    {},
    el('td', {}, f.sessionDate),
    el('td', {}, chartLink(f.symbol)),
    el('td', {}, f.kind),
    el('td', { class: 'error-text' }, f.reason),
    el('td', { class: 'num' }, f.jobId ?? '–'),
    el('td', {}, when(f.updatedAt)),
  );
}

function flagQuery() {
  const form = new FormData(document.getElementById('flag-filter'));
  const params = new URLSearchParams();
  for (const name of ['asset', 'kind']) {
    const value = String(form.get(name) ?? '').trim();
    if (value) params.set(name, value);
  }
  return params.toString();
}

async function refresh() {
  const [freshness, { flags }] = await Promise.all([
    getJson('/api/freshness'),
    getJson(`/api/flags?${flagQuery()}`),
  ]);
  const count = (status) => freshness.assets.filter((a) => a.status === status).length;
  document.getElementById('checked').textContent = `checked ${when(freshness.checkedAt)}`;
  document.getElementById('summary').textContent =
    `${count('OK')} OK, ${count('STALE')} STALE, ${count('SUSPECTED_DELISTED')} suspected delisted`;
  setRows(document.querySelector('#freshness tbody'), freshness.assets.map(freshnessRow));
  setRows(
    document.querySelector('#flags tbody'),
    flags.length ? flags.map(flagRow) : [el('tr', {}, el('td', { colspan: 6 }, 'no findings'))],
  );
  renders += 1;
  document.body.dataset.renders = String(renders);
}

document.getElementById('flag-filter').addEventListener('change', () => refresh().catch(() => {}));
document.getElementById('flag-filter').addEventListener('submit', (event) => event.preventDefault());
every(REFRESH_MS, refresh);
