// The key-usage report (who used the key for which asset, when, with which key) with filters,
// and a chart of key uses per hour by service: reads and writes.
import { api, accountPath, jsonl } from './api.js';
import { $, el, when, say, guarded, fieldError, clearFieldErrors, ListView } from './dom.js';
import { stackedBars, palette, hourLabel } from './chart.js';

const HOUR = 3600000;
let list;
let services = new Map(); // asset type -> service

function iso(id) {
  const v = $(id).value;
  return v ? new Date(v).toISOString() : '';
}

function kind(op) {
  if (op === 'content.read' || op === 'search.query') return 'reads';
  if (op === 'session.open') return 'sessions';
  return 'writes';
}

function serviceOf(u) {
  if (u.operation.startsWith('search.')) return 'search';
  if (u.operation === 'session.open') return 'live calls';
  return services.get(u.asset) || u.asset || 'other';
}

/** Hour buckets from the first use to the last, one series per service and kind. */
function chart(uses) {
  if (uses.length === 0) {
    stackedBars($('usage-chart'), { title: 'Key uses per hour', unit: 'uses', series: [], buckets: [] });
    return;
  }
  const names = [...new Set(uses.map((u) => serviceOf(u) + ' ' + kind(u.operation)))].sort();
  // at least the last 24 hours up to now, at most 72 hours up to the last use
  const hour = (ms) => Math.floor(ms / HOUR) * HOUR;
  const end = Math.max(hour(Date.parse(uses[uses.length - 1].at)), hour(Date.now()));
  const start = Math.min(hour(Date.parse(uses[0].at)), end - 23 * HOUR);
  const hours = Math.min(72, (end - start) / HOUR + 1);
  const first = end - (hours - 1) * HOUR;
  const buckets = Array.from({ length: hours }, (_, i) => ({ label: hourLabel(first + i * HOUR), values: names.map(() => 0) }));
  for (const u of uses) {
    const i = (Math.floor(Date.parse(u.at) / HOUR) * HOUR - first) / HOUR;
    if (i >= 0 && i < hours) buckets[i].values[names.indexOf(serviceOf(u) + ' ' + kind(u.operation))] += 1;
  }
  stackedBars($('usage-chart'), {
    title: 'Key uses per hour by service', unit: 'uses',
    series: names.map((n, i) => ({ name: n, cls: palette(i) })), buckets,
  });
}

function useRow(u) {
  return el('tr', { data: { seq: u.seq } },
    el('td', {}, when(u.at)), el('td', {}, u.user), el('td', {}, u.asset), el('td', { class: 'usage-op' }, u.operation),
    el('td', {}, u.protection), el('td', { class: 'mono' }, u.keyId ? u.keyProvider + ' ' + u.keyId : ''),
    el('td', {}, u.result), el('td', {}, u.actorKind + ' ' + u.actorId));
}

async function show(ev) {
  if (ev) ev.preventDefault();
  clearFieldErrors('usage-form');
  const q = new URLSearchParams({ format: 'jsonl', limit: '10000' });
  for (const [id, key] of [['usage-user', 'user'], ['usage-asset', 'asset'], ['usage-operation', 'operation']]) {
    const v = $(id).value.trim();
    if (v) q.set(key, v);
  }
  const from = iso('usage-from');
  const to = iso('usage-to');
  if (from && to && from >= to) {
    fieldError('usage-to', '"To" must be after "From".');
    return;
  }
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  const uses = await guarded(ev && ev.submitter, () => jsonl(accountPath('key-usage') + '?' + q));
  if (!uses) return;
  list.set(uses);
  chart(uses);
  say('usage-status', uses.length === 10000 ? 'Showing the first 10000 uses: narrow the filters.' : '', 'info');
}

export async function load() {
  clearFieldErrors('usage');
  for (const id of ['usage-user', 'usage-asset', 'usage-from', 'usage-to']) $(id).value = '';
  $('usage-operation').value = '';
  say('usage-status', '');
  list.set([]);
  const catalog = await api('GET', '/v1/catalog');
  services = new Map(catalog.map((t) => [t.name, t.service]));
  await show();
}

export function init() {
  list = new ListView({
    body: 'usage-rows', count: 'usage-count', pager: 'usage-pager', noun: 'key uses', empty: 'no key use in this period',
    row: useRow,
    summary: (all) => all.filter((u) => kind(u.operation) === 'reads').length + ' reads, '
      + all.filter((u) => kind(u.operation) === 'writes').length + ' writes',
  });
  $('usage-form').addEventListener('submit', show);
}
