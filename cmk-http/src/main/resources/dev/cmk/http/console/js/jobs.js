// Rotation, recovery and backfill jobs with live progress (polled while any job runs), recovery
// depth, starting a rotation or a backfill.
import { api, accountPath, ApiError } from './api.js';
import { $, el, rows, text, guarded, showError } from './dom.js';

const POLL_MS = 1000;
let timer = null;
let active = false;

function eta(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return seconds + ' s';
  const m = Math.floor(seconds / 60);
  return m < 60 ? m + ' min ' + (seconds % 60) + ' s' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

function jobRow(j) {
  const bar = el('progress', { max: Math.max(j.total, 1), value: j.status === 'SUCCEEDED' && j.total === 0 ? 1 : j.done });
  return el('tr', { class: 'job job-' + j.status.toLowerCase(), data: { job: j.id } },
    el('td', { class: 'mono' }, j.id), el('td', {}, j.kind), el('td', {}, j.mode),
    el('td', { class: 'job-scope' }, scope(j)), el('td', { class: 'mono' }, j.targetKey), el('td', { class: 'job-status' }, j.status),
    el('td', {}, bar), el('td', { class: 'job-done' }, j.done + ' / ' + j.total),
    el('td', {}, j.failed), el('td', {}, j.itemsPerSecond + ' /s'),
    el('td', {}, j.status === 'RUNNING' ? eta(j.etaSeconds) : ''), el('td', {}, j.lastError || ''));
}

function scope(j) {
  if (j.kind !== 'BACKFILL') return '';
  const parts = [j.userId ? 'user ' + j.userId : '', j.assetType ? j.assetType : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'all';
}

async function refresh() {
  const jobs = await api('GET', accountPath('jobs'));
  rows('job-rows', jobs, jobRow, 'no jobs yet');
  schedule(jobs.some((j) => j.status === 'RUNNING'));
}

function schedule(again) {
  clearTimeout(timer);
  if (again && active) {
    timer = setTimeout(() => refresh().catch((e) => showError(e)), POLL_MS);
  }
}

export function stop() {
  active = false;
  clearTimeout(timer);
  timer = null;
}

async function rotate(ev) {
  ev.preventDefault();
  const registered = $('rot-registered').value;
  const body = registered
    ? { customerKeyId: registered }
    : { provider: $('rot-provider').value, keyId: $('rot-key').value.trim() };
  const job = await guarded(ev.submitter, () => api('POST', accountPath('rotate'), body));
  if (job) {
    $('rot-key').value = '';
    await refresh();
  }
}

async function backfill(ev) {
  ev.preventDefault();
  text('backfill-status', '');
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
        text('backfill-status', e.message);
        return undefined;
      }
      throw e;
    }
  });
  if (job) {
    text('backfill-status', 'Backfill ' + job.id + ' started: ' + job.total + ' object(s).');
    await refresh();
  }
}

async function fillKeys() {
  const keys = await api('GET', accountPath('keys'));
  const select = $('rot-registered');
  select.replaceChildren(el('option', { value: '' }, '— a new key —'),
    ...keys.filter((k) => k.status !== 'ACTIVE').map((k) =>
      el('option', { value: k.id }, k.provider + ' ' + k.keyId + ' (' + k.status + ')')));
}

export async function load() {
  active = true;
  text('mode-status', '');
  $('recovery-mode').value = (await api('GET', accountPath('recovery-mode'))).mode;
  await fillKeys();
  await refresh();
}

export function init() {
  $('rotate-form').addEventListener('submit', rotate);
  $('backfill-form').addEventListener('submit', backfill);
  $('mode-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await guarded(ev.submitter, () =>
      api('PUT', accountPath('recovery-mode'), { mode: $('recovery-mode').value }));
    if (r) text('mode-status', 'Saved: ' + r.mode + '.');
  });
}
