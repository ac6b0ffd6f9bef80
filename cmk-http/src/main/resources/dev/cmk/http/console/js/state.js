// Key state (available / degraded / unavailable with the reason), recent events, revoke now.
// Polls while shown; when a read fails the page says so, keeps the last known state dimmed and
// marked stale, and goes on polling until the server answers again.
import { api, accountPath, session } from './api.js';
import { $, el, text, when, say, guarded, human, confirmDialog, ListView } from './dom.js';

const EVENTS = 200;
const POLL_MS = 3000;
let timer = null;
let active = false;
let lastGood = null;
let kmsIds = new Map();
let events;

function kmsKey(customerKeyId) {
  if (!customerKeyId) return '';
  const k = kmsIds.get(customerKeyId);
  return k ? k.provider + ' ' + k.keyId : customerKeyId;
}

function renderStatus(s) {
  text('key-state', s.state);
  $('key-state').className = 'badge state-' + s.state.toLowerCase();
  $('key-revoked').hidden = !s.revoked;
  text('key-reason', s.reason);
  text('state-key', s.customerKeyId ? kmsKey(s.customerKeyId) : 'none registered');
  text('state-key-internal', s.customerKeyId || '');
  text('state-cause', s.cause);
  text('state-detail', s.detail);
  text('state-changed', when(s.changedAt));
  text('state-checked', when(s.checkedAt));
  text('state-fallback', s.fallbackEnabled ? 'on' + (s.fallbackMode ? ' (' + s.fallbackMode + ')' : '') : 'off');
  // a server whose revocations hold until lifted reports refusedSlices (and offers the lift)
  const holds = Array.isArray(s.refusedSlices);
  text('state-revoked', s.revoked
    ? 'yes, ' + when(s.revokedAt) + (s.revokedBy ? ' by ' + s.revokedBy : '')
      + (holds ? ': every node refuses content under your key until lifted' : '')
    : 'no');
  $('lift-box').hidden = !(s.revoked && holds);
  $('state-slices-term').hidden = !holds;
  $('state-slices').hidden = !holds;
  const slices = s.refusedSlices || [];
  text('state-slices', slices.length === 0 ? 'none'
    : slices.map((x) => 'service ' + x.serviceId + ' day ' + x.period + ' (' + x.reason + ')').join('; '));
  $('revoke-text').hidden = holds;
  $('revoke-text-holds').hidden = !holds;
}

async function lift(ev) {
  const ok = await confirmDialog({
    title: 'Lift the revocation?',
    body: 'Content under your key becomes readable again as soon as the key answers. Fallback stays off until it is turned on again.',
    action: 'Lift the revocation',
  });
  if (!ok) return;
  const r = await guarded(ev.target, () => api('POST', accountPath('revoke', 'lift')));
  if (r) {
    say('revoke-status', 'Revocation lifted at ' + when(r.liftedAt)
      + ': content under your key is served again wherever your key answers; fallback stays off.', 'ok');
    await refresh();
  }
}

function stale(e) {
  const since = lastGood ? ' since ' + lastGood.toLocaleTimeString() : '';
  $('key-state').className = 'badge stale';
  $('key-state').setAttribute('aria-label', 'last known state ' + $('key-state').textContent + ', not current');
  $('state-facts').classList.add('stale-data');
  say('state-stale', 'Not current: the state could not be read' + since + '. ' + human(e) + ' Retrying every '
    + POLL_MS / 1000 + ' s.', 'warn');
}

function fresh() {
  lastGood = new Date();
  $('key-state').removeAttribute('aria-label');
  $('state-facts').classList.remove('stale-data');
  say('state-stale', '');
}

/** Reads state and events; while the page is shown, again every few seconds, errors or not. */
async function refresh() {
  clearTimeout(timer);
  try {
    await read();
    fresh();
  } catch (e) {
    if (!active) return;
    stale(e);
  } finally {
    if (active) timer = setTimeout(refresh, POLL_MS);
  }
}

export function stop() {
  active = false;
  clearTimeout(timer);
  timer = null;
}

async function read() {
  const [status, list, keys] = await Promise.all([
    api('GET', accountPath('key-status')),
    api('GET', accountPath('key-events') + '?limit=' + EVENTS),
    api('GET', accountPath('keys')),
  ]);
  kmsIds = new Map(keys.map((k) => [k.id, k]));
  renderStatus(status);
  const kinds = [...new Set(list.map((e) => e.kind))].sort();
  const filter = $('event-filter');
  if (filter.dataset.kinds !== kinds.join(',')) { // rebuilt only when new kinds appear
    const chosen = filter.value;
    filter.replaceChildren(el('option', { value: '' }, 'all'), ...kinds.map((k) => el('option', { value: k }, k)));
    filter.value = kinds.includes(chosen) ? chosen : '';
    filter.dataset.kinds = kinds.join(',');
  }
  events.set(list, true);
}

function eventRow(e) {
  return el('tr', { data: { kind: e.kind } },
    el('td', {}, when(e.at)), el('td', {}, e.kind), el('td', { class: 'mono event-key' }, kmsKey(e.customerKeyId)),
    el('td', {}, e.from || e.to ? (e.from || '') + ' → ' + (e.to || '') : ''),
    el('td', {}, e.cause), el('td', {}, e.reason), el('td', {}, e.source), el('td', {}, e.detail));
}

function confirmed() {
  return $('revoke-confirm').value.trim() === session.account();
}

async function revoke(ev) {
  ev.preventDefault();
  if (!confirmed()) return;
  const r = await guarded(ev.submitter, () => api('POST', accountPath('revoke')));
  $('revoke-confirm').value = '';
  $('revoke-button').disabled = true;
  if (r) {
    say('revoke-status', 'Revoked at ' + when(r.revokedAt) + ': every node dropped its cached keys; fallback is off.', 'warn');
    await refresh();
  }
}

export async function load() {
  stop();
  active = true;
  lastGood = null;
  text('revoke-expected', session.account());
  say('revoke-status', '');
  say('state-stale', '');
  $('state-facts').classList.remove('stale-data');
  $('revoke-confirm').value = '';
  $('revoke-button').disabled = true;
  for (const id of ['key-state', 'key-reason', 'state-key', 'state-key-internal', 'state-cause', 'state-detail',
    'state-changed', 'state-checked', 'state-fallback', 'state-revoked']) text(id, '');
  $('key-state').className = 'badge';
  $('key-revoked').hidden = true;
  $('lift-box').hidden = true;
  $('event-filter').value = '';
  events.set([]);
  await refresh();
}

export function init() {
  events = new ListView({
    body: 'event-rows', count: 'event-count', pager: 'event-pager', noun: 'events', pageSize: 20,
    empty: 'no key events yet', row: eventRow,
    match: (e) => !$('event-filter').value || e.kind === $('event-filter').value,
  });
  $('event-filter').addEventListener('change', () => events.refilter());
  $('state-refresh').addEventListener('click', (ev) => guarded(ev.target, refresh));
  $('revoke-confirm').addEventListener('input', () => {
    $('revoke-button').disabled = !confirmed();
  });
  $('revoke-form').addEventListener('submit', revoke);
  $('lift-button').addEventListener('click', lift);
}
