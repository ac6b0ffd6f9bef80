// Tokens (operator only): list, create one for the selected account, revoke.
import { api, session } from './api.js';
import { $, el, rows, text, when, guarded } from './dom.js';

export async function load() {
  $('token-secret-box').hidden = true;
  text('token-secret', '');
  const tokens = await api('GET', '/v1/tokens');
  rows('token-rows', tokens, (t) => {
    const b = el('button', { type: 'button', disabled: !!t.revokedAt }, 'Revoke');
    b.addEventListener('click', async () => {
      if (await guarded(b, () => api('DELETE', '/v1/tokens/' + encodeURIComponent(t.id)))) await load();
    });
    return el('tr', { data: { token: t.id } },
      el('td', { class: 'mono' }, t.id), el('td', {}, t.role), el('td', {}, t.accountId || 'all'),
      el('td', {}, (t.services || []).join(', ')), el('td', {}, t.label || ''),
      el('td', {}, when(t.createdAt)), el('td', {}, when(t.revokedAt)), el('td', {}, b));
  }, 'no tokens');
}

export function init() {
  $('token-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const services = $('token-services').value.split(',').map((s) => s.trim()).filter((s) => s);
    const body = { role: $('token-role').value, accountId: session.account(), services, label: $('token-label').value.trim() || null };
    const created = await guarded(ev.submitter, () => api('POST', '/v1/tokens', body));
    if (created) {
      await load();
      $('token-secret-box').hidden = false;
      text('token-secret', created.secret);
    }
  });
}
