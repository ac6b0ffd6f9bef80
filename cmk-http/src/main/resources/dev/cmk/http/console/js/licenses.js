// Users' CMK licenses: grant and revoke one at a time.
import { api, accountPath } from './api.js';
import { $, el, rows, guarded } from './dom.js';

async function set(button, userId, licensed) {
  const path = accountPath('users', userId, 'license');
  const done = await guarded(button, () =>
    licensed ? api('PUT', path, { cmkLicensed: true }) : api('DELETE', path));
  if (done) await load();
  return done;
}

export async function load() {
  const users = await api('GET', accountPath('licenses'));
  rows('license-rows', users, (u) => {
    const b = el('button', { type: 'button' }, u.cmkLicensed ? 'Revoke license' : 'Grant license');
    b.addEventListener('click', () => set(b, u.userId, !u.cmkLicensed));
    return el('tr', { data: { user: u.userId } },
      el('td', {}, u.userId), el('td', { class: 'licensed' }, u.cmkLicensed ? 'yes' : 'no'), el('td', {}, b));
  }, 'no users yet');
}

export function init() {
  $('license-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const user = $('license-user').value.trim();
    if (await set(ev.submitter, user, true)) $('license-user').value = '';
  });
}
