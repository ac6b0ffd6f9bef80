// Tokens (operator only): create one for the selected account (secret shown once, with Copy),
// list with search, filter, counts and pages, revoke (confirmed; loudly for this session's own).
import { api, session } from './api.js';
import { $, el, text, when, say, guarded, copyText, confirmDialog, fieldError, clearFieldErrors, ListView } from './dom.js';

let list;

async function revoke(button, t) {
  const own = t.current === true;
  const ok = await confirmDialog({
    title: 'Revoke token ' + t.id + '?',
    body: 'Whoever holds this token (' + (t.label || t.role) + ') loses access at once. This cannot be undone.',
    warning: own ? 'This is the token of this console session: revoking it signs you out immediately, and you need another operator token to sign in again.' : '',
    typed: own ? t.id : '',
    action: own ? 'Revoke my own token' : 'Revoke token',
  });
  if (!ok) return;
  if (await guarded(button, () => api('DELETE', '/v1/tokens/' + encodeURIComponent(t.id)))) {
    say('token-status', 'Token ' + t.id + ' revoked.', 'ok');
    await reload();
  }
}

function tokenRow(t) {
  const b = el('button', { type: 'button', class: 'danger', disabled: !!t.revokedAt, 'aria-label': 'Revoke token ' + t.id + (t.label ? ' (' + t.label + ')' : '') }, 'Revoke');
  b.addEventListener('click', () => revoke(b, t));
  const id = el('td', { class: 'mono' }, t.id);
  if (t.current) id.append(' ', el('span', { class: 'badge this-session' }, 'this session'));
  return el('tr', { data: { token: t.id }, class: t.current ? 'current' : '' },
    id, el('td', {}, t.role), el('td', {}, t.accountId || 'all'),
    el('td', {}, (t.services || []).join(', ')), el('td', {}, t.label || ''),
    el('td', {}, when(t.createdAt)), el('td', { class: 'token-used' }, t.lastUsedAt ? when(t.lastUsedAt) : 'never'),
    el('td', {}, when(t.revokedAt)), el('td', {}, b));
}

async function reload(keepPage = true) {
  list.set(await api('GET', '/v1/tokens'), keepPage);
}

export async function load() {
  $('token-secret-box').hidden = true;
  text('token-secret', '');
  say('token-copied', '');
  say('token-status', '');
  clearFieldErrors('tokens');
  $('token-label').value = '';
  $('token-services').value = '';
  $('token-search').value = '';
  $('token-filter').value = 'active';
  await reload(false);
}

export function init() {
  list = new ListView({
    body: 'token-rows', count: 'token-count', pager: 'token-pager', noun: 'tokens', empty: 'no tokens',
    row: tokenRow,
    match: (t) => {
      const q = $('token-search').value.trim().toLowerCase();
      const f = $('token-filter').value;
      const hay = [t.id, t.label || '', t.accountId || '', t.role].join(' ').toLowerCase();
      return (!q || hay.includes(q)) && (!f || (f === 'active') === !t.revokedAt);
    },
    summary: (all) => all.filter((t) => !t.revokedAt).length + ' active',
  });
  $('token-search').addEventListener('input', () => list.refilter());
  $('token-filter').addEventListener('change', () => list.refilter());
  $('token-copy').addEventListener('click', () => copyText('token-secret', 'token-copied'));
  $('token-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors('token-form');
    const role = $('token-role').value;
    const services = $('token-services').value.split(',').map((s) => s.trim()).filter((s) => s);
    if (role === 'service' && services.length === 0) {
      fieldError('token-services', 'A service token needs its services, e.g. chat,meetings.');
      return;
    }
    if (!session.account()) {
      fieldError('token-label', 'Select an account first (top of the page).');
      return;
    }
    const body = { role, accountId: session.account(), services, label: $('token-label').value.trim() || null };
    const created = await guarded(ev.submitter, async () => {
      try {
        return await api('POST', '/v1/tokens', body);
      } catch (e) {
        if (e.status === 400) fieldError(role === 'service' ? 'token-services' : 'token-label', e.message);
        throw e;
      }
    });
    if (created) {
      await reload();
      $('token-secret-box').hidden = false;
      say('token-copied', '');
      text('token-secret', created.secret);
      $('token-copy').focus();
    }
  });
}
