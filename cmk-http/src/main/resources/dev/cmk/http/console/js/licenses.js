// Users' CMK licenses: grant one, revoke one (confirmed), many from a CSV file; search, filter,
// counts and pages over the list.
import { api, accountPath, request } from './api.js';
import { $, el, rows, say, guarded, confirmDialog, fieldError, clearFieldErrors, ListView } from './dom.js';

let list;

async function set(button, userId, licensed) {
  if (!licensed) {
    const ok = await confirmDialog({
      title: 'Revoke the CMK license of ' + userId + '?',
      body: 'Content ' + userId + ' writes from now on is protected under the platform key, not the account\'s key. Existing content stays where it is.',
      action: 'Revoke license',
    });
    if (!ok) return undefined;
  }
  const path = accountPath('users', userId, 'license');
  const done = await guarded(button, () =>
    licensed ? api('PUT', path, { cmkLicensed: true }) : api('DELETE', path));
  if (done) await reload();
  return done;
}

function userRow(u) {
  const b = el('button', { type: 'button', class: u.cmkLicensed ? 'secondary' : '',
    'aria-label': (u.cmkLicensed ? 'Revoke license of ' : 'Grant license to ') + u.userId },
  u.cmkLicensed ? 'Revoke license' : 'Grant license');
  b.addEventListener('click', () => set(b, u.userId, !u.cmkLicensed));
  return el('tr', { data: { user: u.userId } },
    el('td', {}, u.userId), el('td', { class: 'licensed' }, u.cmkLicensed ? 'yes' : 'no'), el('td', {}, b));
}

async function reload() {
  list.set(await api('GET', accountPath('licenses')), true);
}

async function bulk(ev) {
  ev.preventDefault();
  clearFieldErrors('bulk-form');
  say('bulk-status', '');
  $('bulk-table').hidden = true;
  const file = $('bulk-file').files[0];
  if (!file) {
    fieldError('bulk-file', 'Choose a CSV file with lines userId,licensed (true or false).');
    return;
  }
  const csv = await file.text();
  const r = await guarded(ev.submitter, async () => {
    try {
      const res = await request('POST', accountPath('licenses', 'bulk'), { body: csv, type: 'text/csv' });
      return await res.json();
    } catch (e) {
      if (e.status === 400) fieldError('bulk-file', e.message);
      throw e;
    }
  });
  if (!r) return;
  say('bulk-status', r.applied + ' row(s) applied, ' + r.failed + ' failed.', r.failed > 0 ? 'warn' : 'ok');
  const bad = r.rows.filter((x) => !x.ok);
  $('bulk-table').hidden = bad.length === 0;
  rows('bulk-rows', bad, (x) => el('tr', {}, el('td', {}, x.row), el('td', {}, x.userId), el('td', {}, x.message || x.code)), '');
  $('bulk-file').value = '';
  await reload();
}

export async function load() {
  clearFieldErrors('licenses');
  $('license-user').value = '';
  $('license-search').value = '';
  $('license-filter').value = '';
  $('bulk-file').value = '';
  $('bulk-table').hidden = true;
  say('bulk-status', '');
  list.set(await api('GET', accountPath('licenses')));
}

export function init() {
  list = new ListView({
    body: 'license-rows', count: 'license-count', pager: 'license-pager', noun: 'users', empty: 'no users yet',
    row: userRow,
    match: (u) => {
      const q = $('license-search').value.trim().toLowerCase();
      const f = $('license-filter').value;
      return (!q || u.userId.toLowerCase().includes(q)) && (!f || (f === 'yes') === u.cmkLicensed);
    },
    summary: (all) => all.filter((u) => u.cmkLicensed).length + ' licensed',
  });
  $('license-search').addEventListener('input', () => list.refilter());
  $('license-filter').addEventListener('change', () => list.refilter());
  $('bulk-form').addEventListener('submit', bulk);
  $('license-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors('license-form');
    const user = $('license-user').value.trim();
    if (!user) {
      fieldError('license-user', 'Enter the user id.');
      return;
    }
    const done = await set(ev.submitter, user, true);
    if (done) $('license-user').value = '';
    else if (!$('error').hidden) fieldError('license-user', $('error-message').textContent);
  });
}
