// Key state (available / degraded / unavailable with the reason), recent events, revoke now.
import { api, accountPath, session } from './api.js';
import { $, el, rows, text, when, guarded, showError } from './dom.js';

const EVENTS = 20;
const POLL_MS = 5000;
let timer = null;
let active = false;

function renderStatus(s) {
  text('key-state', s.state);
  $('key-state').className = 'badge state-' + s.state.toLowerCase();
  $('key-revoked').hidden = !s.revoked;
  text('key-reason', s.reason);
  text('state-key', s.customerKeyId || 'none registered');
  text('state-cause', s.cause);
  text('state-detail', s.detail);
  text('state-changed', when(s.changedAt));
  text('state-checked', when(s.checkedAt));
  text('state-fallback', s.fallbackEnabled ? 'on (' + s.fallbackMode + ')' : 'off');
  text('state-revoked', s.revoked
    ? 'yes, ' + when(s.revokedAt) + (s.revokedBy ? ' by ' + s.revokedBy : '') +
      ': every node refuses content under your key until lifted'
    : 'no');
  const slices = s.refusedSlices || [];
  text('state-slices', slices.length === 0 ? 'none'
    : slices.map((x) => 'service ' + x.serviceId + ' day ' + x.period + ' (' + x.reason + ')').join('; '));
  $('lift-button').hidden = !s.revoked;
}

/** Reads state and events; while the page is shown, again every few seconds. */
async function refresh() {
  clearTimeout(timer);
  await read();
  if (active) timer = setTimeout(() => refresh().catch(showError), POLL_MS);
}

export function stop() {
  active = false;
  clearTimeout(timer);
  timer = null;
}

async function read() {
  renderStatus(await api('GET', accountPath('key-status')));
  const events = await api('GET', accountPath('key-events') + '?limit=' + EVENTS);
  rows('event-rows', events, (e) =>
    el('tr', { data: { kind: e.kind } },
      el('td', {}, when(e.at)), el('td', {}, e.kind),
      el('td', {}, e.from || e.to ? (e.from || '') + ' → ' + (e.to || '') : ''),
      el('td', {}, e.cause), el('td', {}, e.reason), el('td', {}, e.source), el('td', {}, e.detail)),
  'no key events yet');
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
    text('revoke-status', 'Revoked at ' + when(r.revokedAt) + ': every node dropped its cached keys; fallback is off.');
    await refresh();
  }
}

export async function load() {
  active = true;
  text('revoke-expected', session.account());
  text('revoke-status', '');
  $('revoke-confirm').value = '';
  $('revoke-button').disabled = true;
  await refresh();
}

async function lift(ev) {
  const r = await guarded(ev.target, () => api('POST', accountPath('revoke', 'lift')));
  if (r) {
    text('revoke-status', 'Revocation lifted at ' + when(r.liftedAt) +
      ': content under your key is served again wherever your key answers; fallback stays off.');
    await refresh();
  }
}

export function init() {
  $('state-refresh').addEventListener('click', (ev) => guarded(ev.target, refresh));
  $('lift-button').addEventListener('click', lift);
  $('revoke-confirm').addEventListener('input', () => {
    $('revoke-button').disabled = !confirmed();
  });
  $('revoke-form').addEventListener('submit', revoke);
}
