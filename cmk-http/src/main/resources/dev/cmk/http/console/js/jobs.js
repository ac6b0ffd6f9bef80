// Rotation, recovery and backfill jobs with live progress (polled while any job runs), recovery
// depth, starting a rotation (confirmed; a bad key shows its validation report) or a backfill.
import { api, accountPath, ApiError } from './api.js';
import { $, el, text, say, guarded, showError, human, confirmDialog, fieldError, clearFieldErrors, ListView } from './dom.js';
import { hideReport, reportOf } from './report.js';
import { fillProviders } from './providers.js';

const POLL_MS = 1000;
/** No progress for this long: the node working on the job may be gone (its lease then expires). */
const QUIET_MS = 15000;
let timer = null;
let active = false;
let lastSig = '';
const seen = new Map(); // job id -> { done, at }: when this page last saw its progress move
let list;

function eta(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return seconds + ' s';
  const m = Math.floor(seconds / 60);
  return m < 60 ? m + ' min ' + (seconds % 60) + ' s' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

/** When this page last saw the job's done count move (its first sighting counts as a move). */
function movedAt(j) {
  const s = seen.get(j.id);
  if (!s || s.done !== j.done) seen.set(j.id, { done: j.done, at: Date.now() });
  return seen.get(j.id).at;
}

/**
 * A running job that does not move: either its items fail and wait to be retried (lastError,
 * and no progress seen for a while), or nothing touched it for a while (its node stopped; the
 * lease on its items has to expire before another node takes them).
 */
function stall(j) {
  if (j.status !== 'RUNNING' || j.pending === 0) return null;
  const local = movedAt(j);
  const server = j.updatedAt ? Date.parse(j.updatedAt) : NaN;
  if (!isNaN(server) && Date.now() - server > QUIET_MS) return { since: server, why: 'node' };
  if (j.lastError && Date.now() - local > QUIET_MS) return { since: local, why: 'retry' };
  return null;
}

function statusText(j) {
  const s = stall(j);
  return s ? 'RUNNING, no progress since ' + new Date(s.since).toLocaleTimeString() : j.status;
}

function timeLeft(j) {
  if (j.status !== 'RUNNING') return '';
  const s = stall(j);
  if (!s) return eta(j.etaSeconds);
  return s.why === 'retry'
    ? 'unknown: its items fail and are retried until the key answers (last error: ' + j.lastError + ')'
    : 'unknown: the node working on it stopped responding; another node resumes it after the lease expires';
}

function scope(j) {
  if (j.kind !== 'BACKFILL') return '';
  const parts = [j.userId ? 'user ' + j.userId : '', j.assetType ? j.assetType : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'all';
}

function jobRow(j) {
  const done = j.status === 'SUCCEEDED' && j.total === 0 ? 1 : j.done;
  const bar = el('progress', { max: Math.max(j.total, 1), value: done, 'aria-label': 'Progress of ' + j.kind.toLowerCase() + ' job ' + j.id });
  const cls = 'job job-' + (stall(j) ? 'stalled' : j.status.toLowerCase());
  return el('tr', { class: cls, data: { job: j.id } },
    el('td', { class: 'mono' }, j.id), el('td', {}, j.kind), el('td', {}, j.mode),
    el('td', { class: 'job-scope' }, scope(j)), el('td', { class: 'mono job-target' }, j.targetKey),
    el('td', { class: 'job-status' }, statusText(j)),
    el('td', {}, bar), el('td', { class: 'job-done' }, j.done + ' / ' + j.total),
    el('td', {}, j.failed), el('td', {}, j.itemsPerSecond + ' /s'),
    el('td', { class: 'job-eta' }, timeLeft(j)), el('td', {}, j.lastError || ''));
}

async function refresh() {
  clearTimeout(timer);
  let again = true;
  try {
    const jobs = await api('GET', accountPath('jobs'));
    list.set(jobs, true);
    say('jobs-stale', '');
    again = jobs.some((j) => j.status === 'RUNNING');
    const sig = jobs.map((j) => j.id + ':' + j.status).join(',');
    if (sig !== lastSig) { // a job started or ended: the registered keys may have changed
      lastSig = sig;
      await fillKeys();
    }
  } catch (e) {
    if (!active) return;
    say('jobs-stale', 'Not current: the jobs could not be read. ' + human(e) + ' Retrying.', 'warn');
  } finally {
    if (again && active) timer = setTimeout(refresh, POLL_MS);
  }
}

export function stop() {
  active = false;
  clearTimeout(timer);
  timer = null;
}

async function rotate(ev) {
  ev.preventDefault();
  clearFieldErrors('rotate-form');
  hideReport('rot-report');
  const registered = $('rot-registered').value;
  const keyId = $('rot-key').value.trim();
  if (!registered && !keyId) {
    fieldError('rot-key', 'Pick a registered key or enter the new key id.');
    return;
  }
  const body = registered ? { customerKeyId: registered } : { provider: $('rot-provider').value, keyId };
  const target = registered ? $('rot-registered').selectedOptions[0].textContent : body.provider + ' ' + keyId;
  const ok = await confirmDialog({
    title: 'Rotate to another key?',
    body: 'Every key-encryption key of this account will be re-wrapped under ' + target
      + '. The current key keeps serving reads until the job ends; afterwards content depends on the new key.',
    action: 'Start rotation',
  });
  if (!ok) return;
  const job = await guarded(ev.submitter, async () => {
    try {
      return await api('POST', accountPath('rotate'), body);
    } catch (e) {
      showError(e);
      if (!reportOf('rot-report', e) && e.status === 400) fieldError('rot-key', e.message);
      return undefined;
    }
  });
  if (job) {
    $('rot-key').value = '';
    await refresh();
  }
}

async function backfill(ev) {
  ev.preventDefault();
  say('backfill-status', '');
  const body = { mode: $('backfill-mode').value };
  const user = $('backfill-user').value.trim();
  const asset = $('backfill-asset').value.trim();
  if (user) body.userId = user;
  if (asset) body.assetType = asset;
  const job = await guarded(ev.submitter, async () => {
    try {
      return await api('POST', accountPath('backfill'), body);
    } catch (e) {
      // nothing left to move is an answer, not a failure
      if (e instanceof ApiError && e.code === 'nothing_to_backfill') {
        say('backfill-status', e.message, 'info');
        return undefined;
      }
      throw e;
    }
  });
  if (job) {
    say('backfill-status', 'Backfill ' + job.id + ' started: ' + job.total + ' object(s).', 'ok');
    await refresh();
  }
}

async function fillKeys() {
  const keys = await api('GET', accountPath('keys'));
  const select = $('rot-registered');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, '— a new key —'),
    ...keys.filter((k) => k.status !== 'ACTIVE').map((k) =>
      el('option', { value: k.id }, k.provider + ' ' + k.keyId + ' (' + k.status + ')')));
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

export async function load() {
  stop();
  active = true;
  hideReport('rot-report');
  clearFieldErrors('jobs');
  for (const id of ['mode-status', 'backfill-status', 'jobs-stale']) say(id, '');
  for (const id of ['rot-key', 'backfill-user', 'backfill-asset']) $(id).value = '';
  $('job-filter').value = '';
  $('job-kind').value = '';
  list.set([]);
  lastSig = '';
  await fillProviders($('rot-provider'));
  $('recovery-mode').value = (await api('GET', accountPath('recovery-mode'))).mode;
  await fillKeys();
  await refresh();
}

export function init() {
  list = new ListView({
    body: 'job-rows', count: 'job-count', pager: 'job-pager', noun: 'jobs', pageSize: 10, empty: 'no jobs yet',
    row: jobRow,
    match: (j) => (!$('job-filter').value || j.status === $('job-filter').value)
      && (!$('job-kind').value || j.kind === $('job-kind').value),
    summary: (all) => all.filter((j) => j.status === 'RUNNING').length + ' running',
  });
  $('job-filter').addEventListener('change', () => list.refilter());
  $('job-kind').addEventListener('change', () => list.refilter());
  $('rotate-form').addEventListener('submit', rotate);
  $('backfill-form').addEventListener('submit', backfill);
  $('mode-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await guarded(ev.submitter, () =>
      api('PUT', accountPath('recovery-mode'), { mode: $('recovery-mode').value }));
    if (r) say('mode-status', 'Saved: ' + r.mode + '.', 'ok');
  });
}
