import { el, getJson, setRows, showError } from '/common.js';
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
} from '/vendor/lightweight-charts.mjs';

// One asset's stored bars on the chosen basis and range, its corporate actions as markers, and its
// coverage per year. The state lives in the query string (?asset=&start=&end=&basis=), so a view can be
// linked to. After each draw, window.consoleChart holds what the chart was given (the browser tests
// compare it with the database).
const BASIS_NAMES = { none: 'as traded', splits: 'split-adjusted', total: 'total return' };
const form = document.getElementById('controls');
const chart = createChart(document.getElementById('chart'), {
  autoSize: true,
  layout: { background: { color: '#ffffff' }, textColor: '#1d2433' },
  grid: { vertLines: { color: '#eef1f5' }, horzLines: { color: '#eef1f5' } },
  rightPriceScale: { scaleMargins: { top: 0.05, bottom: 0.25 } },
});
const candles = chart.addSeries(CandlestickSeries, {});
const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'volume' });
volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
const markers = createSeriesMarkers(candles, []);
let drawing = 0;

function state() {
  const data = new FormData(form);
  return {
    asset: String(data.get('asset') ?? ''),
    start: String(data.get('start') ?? ''),
    end: String(data.get('end') ?? ''),
    basis: String(data.get('basis') ?? 'none'),
  };
}

function describeAction(a) {
  return a.kind === 'split' ? `${a.numerator}:${a.denominator}` : `${a.amount} ${a.currency ?? ''}`.trim();
}

function marker(a) {
  const split = a.kind === 'split';
  return {
    time: a.exDate,
    position: split ? 'aboveBar' : 'belowBar',
    shape: split ? 'arrowDown' : 'circle',
    color: split ? '#7c3aed' : '#0f766e',
    text: split ? `split ${describeAction(a)}` : `div ${a.amount}`,
  };
}

function coverageRow(y) {
  const pct = y.expected ? `${Math.round((y.stored / y.expected) * 1000) / 10} %` : '–';
  return el(
    'tr',
    { 'data-year': y.year },
    el('td', {}, y.year),
    el('td', { class: 'num', 'data-field': 'stored' }, y.stored),
    el('td', { class: 'num', 'data-field': 'expected' }, y.expected),
    el('td', { class: `num ${y.stored < y.expected ? 'status-STALE' : 'status-OK'}` }, pct),
    el('td', {}, y.first ?? '–'),
    el('td', {}, y.last ?? '–'),
  );
}

async function draw() {
  const wanted = state();
  const mine = ++drawing;
  const query = new URLSearchParams(wanted);
  history.replaceState(null, '', `?${query}`);
  const data = await getJson(`/api/chart?${query}`);
  if (mine !== drawing) return; // a newer choice is on its way
  candles.setData(data.bars.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
  volume.setData(
    data.bars.map((b) => ({
      time: b.time,
      value: b.volume,
      color: b.close >= b.open ? '#26a69a80' : '#ef535080',
    })),
  );
  const inRange = data.actions.filter((a) => a.exDate >= wanted.start && a.exDate <= wanted.end);
  markers.setMarkers(inRange.map(marker));
  chart.timeScale().fitContent();
  document.getElementById('title').textContent =
    `${data.asset} · ${BASIS_NAMES[data.basis]} · ${data.start} .. ${data.end} (${data.currency})`;
  document.getElementById('chart-note').textContent = data.bars.length
    ? `${data.bars.length} sessions stored in this range`
    : 'no bars stored in this range';
  setRows(
    document.querySelector('#actions tbody'),
    data.actions.length
      ? data.actions.map((a) =>
          el(
            'tr',
            {},
            el('td', {}, a.exDate),
            el('td', {}, a.kind),
            el('td', {}, describeAction(a)),
            el('td', {}, a.source),
          ),
        )
      : [el('tr', {}, el('td', { colspan: 4 }, 'none stored'))],
  );
  window.consoleChart = {
    ...wanted,
    candles: candles.data(),
    volumes: volume.data(),
    markers: markers.markers(),
  };
  document.body.dataset.chart = [wanted.asset, wanted.basis, wanted.start, wanted.end].join('|');
}

/** Coverage of the chosen asset; its last stored year sets the default range when the URL names none. */
async function loadCoverage(asset) {
  const { years } = await getJson(`/api/coverage?asset=${encodeURIComponent(asset)}`);
  setRows(
    document.querySelector('#coverage tbody'),
    years.length ? years.map(coverageRow) : [el('tr', {}, el('td', { colspan: 6 }, 'nothing stored'))],
  );
  return years.findLast((y) => y.last)?.last;
}

function setDefaultRange(last) {
  const end = last ?? new Date().toISOString().slice(0, 10);
  const start = new Date(`${end}T00:00:00Z`);
  start.setUTCFullYear(start.getUTCFullYear() - 1);
  form.elements.end.value = end;
  form.elements.start.value = start.toISOString().slice(0, 10);
}

async function start() {
  const asked = new URLSearchParams(location.search);
  const { assets } = await getJson('/api/assets');
  const select = document.getElementById('asset');
  select.replaceChildren(...assets.map((a) => el('option', { value: a.symbol }, `${a.symbol} · ${a.name}`)));
  if (assets.length === 0) throw new Error('no assets stored yet: run a backfill first');
  select.value = assets.some((a) => a.symbol === asked.get('asset')) ? asked.get('asset') : assets[0].symbol;
  const last = await loadCoverage(select.value);
  setDefaultRange(last);
  if (asked.get('start')) form.elements.start.value = asked.get('start');
  if (asked.get('end')) form.elements.end.value = asked.get('end');
  if (BASIS_NAMES[asked.get('basis')]) form.elements.basis.value = asked.get('basis');
  await draw();
}

form.addEventListener('submit', (event) => event.preventDefault());
form.addEventListener('change', async (event) => {
  try {
    if (event.target.name === 'asset') setDefaultRange(await loadCoverage(state().asset));
    await draw();
    showError(undefined);
  } catch (error) {
    showError(error);
  }
});
start().catch(showError);
