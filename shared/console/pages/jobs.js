import { el, every, getJson, setRows, when } from '/common.js';

// The job list and the chosen job (#job=ID), refreshed every 2 s: the same numbers as `jobs ID`.
const REFRESH_MS = 2000;
let renders = 0;

function chosenJob() {
  const match = /^#job=(\d+)$/.exec(location.hash);
  return match ? Number(match[1]) : undefined;
}

function cell(field, value, className) {
  return el('td', { 'data-field': field, class: className }, value);
}

function jobRow(job, chosen) {
  const done = job.tasksSucceeded + job.tasksFailed;
  const row = el(
    'tr',
    { 'data-job-id': job.id, class: job.id === chosen ? 'selected' : undefined },
    cell('id', job.id, 'num'),
    cell('kind', job.kind),
    cell('status', job.status, `status-${job.status}`),
    el('td', {}, el('progress', { max: 100, value: job.progressPct }), ` ${job.progressPct} %`),
    cell('done', `${done} / ${job.tasksTotal}`, 'num'),
    cell('failed', job.tasksFailed, 'num'),
    cell('rows', job.rowsUpserted, 'num'),
    cell('range', `${job.rangeStart} .. ${job.rangeEnd}`),
    cell('created', when(job.createdAt)),
    cell('finished', when(job.finishedAt)),
  );
  row.addEventListener('click', () => {
    location.hash = `job=${job.id}`;
  });
  return row;
}

function taskRow(task) {
  const note = task.error ?? task.warnings.join('; ');
  return el(
    'tr',
    { 'data-task-id': task.id },
    cell('asset', task.symbol),
    cell('range', `${task.rangeStart} .. ${task.rangeEnd}`),
    cell('status', task.status, `status-${task.status}`),
    cell('attempts', task.attempts, 'num'),
    cell('rows', task.rowsUpserted, 'num'),
    cell('error', note, 'error-text'),
  );
}

async function showJob(id) {
  const section = document.getElementById('job');
  if (id === undefined) {
    section.hidden = true;
    return;
  }
  const { job, counts, tasks, retryHint } = await getJson(`/api/jobs/${id}`);
  document.getElementById('job-id').textContent = String(job.id);
  const status = document.getElementById('job-status');
  status.textContent = job.status;
  status.className = `status-${job.status}`;
  const parts = Object.entries(counts).map(([s, n]) => `${n} ${s}`);
  document.getElementById('job-counts').textContent =
    `${job.kind}, ${job.rangeStart} .. ${job.rangeEnd}, tasks: ${parts.join(', ') || 'none'}`;
  document.getElementById('retry').hidden = retryHint === null;
  document.getElementById('retry-command').textContent = retryHint ?? '';
  setRows(document.querySelector('#tasks tbody'), tasks.map(taskRow));
  document.getElementById('tasks-note').textContent =
    tasks.length < job.tasksTotal ? `showing ${tasks.length} of ${job.tasksTotal} tasks, failed first` : '';
  section.hidden = false;
}

async function refresh() {
  const chosen = chosenJob();
  const { jobs } = await getJson('/api/jobs');
  setRows(
    document.querySelector('#jobs tbody'),
    jobs.length
      ? jobs.map((job) => jobRow(job, chosen))
      : [el('tr', {}, el('td', { colspan: 10 }, 'no jobs yet'))],
  );
  await showJob(chosen);
  document.getElementById('refreshed').textContent = `refreshed ${when(new Date().toISOString())}`;
  renders += 1;
  document.body.dataset.renders = String(renders);
}

window.addEventListener('hashchange', () => refresh().catch(() => {}));
every(REFRESH_MS, refresh);
