// The operator's dashboard: every account's key state at a glance (filter to those that need
// attention), fallback and revocation, running jobs, this node's KMS calls over time; account
// creation. Polls every 10 s while shown; a failed poll marks the page stale and goes on.
import { api, request, session } from './api.js';
import { $, el, text, say, guarded, human, fieldError, clearFieldErrors, ListView } from './dom.js';
import { stackedBars } from './chart.js';

const POLL_MS = 10000;
const MAX_SAMPLES = 60;
let timer = null;
let active = false;
let list;
const samples = []; // {at, calls, errors}: cumulative counters read from /metrics

function attention(a) {
  const s = a.status;
  return !!s && (s.revoked || s.state === 'UNAVAILABLE' || s.state === 'DEGRADED');
}

function stateCell(a) {
  if (a.error) return el('td', {}, el('span', { class: 'badge state-unknown' }, 'not read'));
  const s = a.status;
  if (!s || s.state === 'UNKNOWN') return el('td', {}, el('span', { class: 'badge state-unknown' }, s && s.customerKeyId ? 'UNKNOWN' : 'no key yet'));
  return el('td', {}, el('span', { class: 'badge state-' + s.state.toLowerCase() }, s.state));
}

function open(account, page) {
  session.setAccount(account.id);
  document.dispatchEvent(new CustomEvent('cmk:accounts-changed', { detail: { select: account.id } }));
  location.hash = '#' + page;
}

function accountRow(a) {
  const s = a.status || {};
  const go = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Key state of ' + a.name }, 'Key state');
  go.addEventListener('click', () => open(a, 'state'));
  const running = a.jobs ? a.jobs.filter((j) => j.status === 'RUNNING') : [];
  return el('tr', { data: { account: a.id }, class: attention(a) ? 'attention' : '' },
    el('td', {}, a.name), el('td', { class: 'mono' }, a.id), stateCell(a),
    el('td', {}, a.error ? human(a.error) : s.reason || ''),
    el('td', {}, a.fallbackEnabled ? 'on' : 'off'),
    el('td', { class: 'dash-revoked' }, s.revoked ? 'yes' : 'no'),
    el('td', {}, running.length ? running.map((j) => j.kind.toLowerCase() + ' ' + j.done + '/' + j.total).join(', ') : '—'),
    el('td', {}, go));
}

/** Runs fn over items, a few at a time. */
async function each(items, n, fn) {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    while (queue.length) await fn(queue.shift());
  }));
}

async function readAccounts() {
  const accounts = await api('GET', '/v1/accounts');
  await each(accounts, 4, async (a) => {
    try {
      const [status, jobs] = await Promise.all([
        api('GET', '/v1/accounts/' + encodeURIComponent(a.id) + '/key-status'),
        api('GET', '/v1/accounts/' + encodeURIComponent(a.id) + '/jobs'),
      ]);
      a.status = status;
      a.jobs = jobs;
    } catch (e) {
      if (e.status === 401) throw e;
      a.error = e;
    }
  });
  return accounts;
}

/** Sums cmk_provider_calls_total from the node's Prometheus text: all calls, and failed ones. */
function kmsCalls(metrics) {
  let calls = 0;
  let errors = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('cmk_provider_calls_total')) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (isNaN(v)) continue;
    calls += v;
    if (!line.includes('outcome="ok"')) errors += v;
  }
  return { calls, errors };
}

async function sample() {
  const res = await request('GET', '/metrics', { accept: 'text/plain' });
  const k = kmsCalls(await res.text());
  samples.push({ at: Date.now(), ...k });
  if (samples.length > MAX_SAMPLES) samples.shift();
  text('dash-kms', k.calls);
  text('dash-kms-errors', k.errors);
  const buckets = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const errs = Math.max(0, b.errors - a.errors);
    buckets.push({ label: new Date(b.at).toLocaleTimeString(), values: [Math.max(0, b.calls - a.calls - errs), errs] });
  }
  if (buckets.length === 0) {
    $('kms-chart').replaceChildren(el('p', { class: 'muted' }, 'The first interval is drawn after the next sample.'));
    return;
  }
  stackedBars($('kms-chart'), {
    title: 'KMS calls per interval on this node', unit: 'calls',
    series: [{ name: 'successful calls', cls: 'p-cmk' }, { name: 'errors', cls: 'p-errors' }],
    buckets,
  });
}

function tiles(accounts) {
  text('dash-accounts', accounts.length);
  text('dash-unhealthy', accounts.filter((a) => a.status && (a.status.state === 'UNAVAILABLE' || a.status.state === 'DEGRADED')).length);
  text('dash-revoked', accounts.filter((a) => a.status && a.status.revoked).length);
  text('dash-fallback', accounts.filter((a) => a.fallbackEnabled).length);
  text('dash-running', accounts.reduce((n, a) => n + (a.jobs ? a.jobs.filter((j) => j.status === 'RUNNING').length : 0), 0));
}

async function refresh() {
  clearTimeout(timer);
  try {
    const accounts = await readAccounts();
    tiles(accounts);
    list.set(accounts, true);
    await sample();
    if (accounts.length === 0) say('dash-status', 'No account yet: create the first one below.', 'info');
    else say('dash-status', 'Updated ' + new Date().toLocaleTimeString() + '.', 'info');
  } catch (e) {
    if (!active) return;
    say('dash-status', 'Not current: the dashboard could not be refreshed. ' + human(e) + ' Retrying every 10 s.', 'warn');
  } finally {
    // the second sample soon, so the KMS chart has its first interval without a long wait
    if (active) timer = setTimeout(refresh, samples.length < 2 ? 3000 : POLL_MS);
  }
}

export function stop() {
  active = false;
  clearTimeout(timer);
  timer = null;
}

export async function load() {
  stop();
  active = true;
  clearFieldErrors('dashboard');
  say('account-status', '');
  $('new-account-name').value = '';
  $('new-account-region').value = '';
  await refresh();
}

async function create(ev) {
  ev.preventDefault();
  clearFieldErrors('account-form');
  const name = $('new-account-name').value.trim();
  if (!name) {
    fieldError('new-account-name', 'Enter the organization\'s name.');
    return;
  }
  const body = { name };
  const region = $('new-account-region').value.trim();
  if (region) body.region = region;
  const a = await guarded(ev.submitter, async () => {
    try {
      return await api('POST', '/v1/accounts', body);
    } catch (e) {
      if (e.status === 400) fieldError(/region/i.test(e.message) ? 'new-account-region' : 'new-account-name', e.message);
      throw e;
    }
  });
  if (!a) return;
  $('new-account-name').value = '';
  $('new-account-region').value = '';
  session.setAccount(a.id);
  document.dispatchEvent(new CustomEvent('cmk:accounts-changed', { detail: { select: a.id } }));
  say('account-status', 'Account ' + a.name + ' (' + a.id + ') created and selected. Next: register its key on the Key page.', 'ok');
  await refresh();
}

export function init() {
  list = new ListView({
    body: 'dash-rows', count: 'dash-count', pager: 'dash-pager', noun: 'accounts', empty: 'no account yet',
    row: accountRow,
    match: (a) => {
      const q = $('dash-search').value.trim().toLowerCase();
      return (!q || (a.name + ' ' + a.id).toLowerCase().includes(q)) && (!$('dash-unhealthy-only').checked || attention(a));
    },
    summary: (all) => all.filter(attention).length + ' need attention',
  });
  $('dash-search').addEventListener('input', () => list.refilter());
  $('dash-unhealthy-only').addEventListener('change', () => list.refilter());
  $('account-form').addEventListener('submit', create);
}
