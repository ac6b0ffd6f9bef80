// Webhooks of the selected account: add one (URL, event filter; the signing secret shown once,
// with Copy), list, delete (confirmed), and a webhook's recent deliveries with their status,
// attempts and last error, each re-sendable.
import { api, accountPath } from './api.js';
import { $, el, text, when, say, guarded, copyText, confirmDialog, fieldError, clearFieldErrors, rows, ListView } from './dom.js';

let deliveries;
let selected = null;

async function remove(button, w) {
  const ok = await confirmDialog({
    title: 'Delete webhook ' + w.id + '?',
    body: 'Key events are no longer sent to ' + w.url + ', and its deliveries are deleted. This cannot be undone.',
    action: 'Delete webhook',
  });
  if (!ok) return;
  const deleted = await guarded(button, async () => {
    await api('DELETE', accountPath('webhooks', w.id)); // 204, no body
    return true;
  });
  if (deleted) {
    say('webhook-status', 'Webhook ' + w.id + ' deleted.', 'ok');
    if (selected && selected.id === w.id) {
      selected = null;
      $('deliveries-box').hidden = true;
    }
    await reload();
  }
}

function webhookRow(w) {
  const show = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Deliveries of webhook ' + w.id }, 'Deliveries');
  show.addEventListener('click', () => guarded(show, () => select(w, true)));
  const del = el('button', { type: 'button', class: 'danger', 'aria-label': 'Delete webhook ' + w.id }, 'Delete');
  del.addEventListener('click', () => remove(del, w));
  return el('tr', { data: { webhook: w.id }, class: selected && selected.id === w.id ? 'current' : '' },
    el('td', { class: 'mono' }, w.id), el('td', { class: 'mono webhook-url' }, w.url),
    el('td', {}, (w.events || []).join(', ')), el('td', {}, when(w.createdAt)),
    el('td', {}, el('div', { class: 'row' }, show, del)));
}

async function resend(button, d) {
  const done = await guarded(button, () =>
    api('POST', accountPath('webhooks', d.webhookId, 'deliveries', d.id, 'resend')));
  if (done) {
    say('delivery-status', 'Delivery of event ' + d.eventSeq + ' (' + d.eventType + ') queued again.', 'ok');
    await reloadDeliveries();
  }
}

function deliveryRow(d) {
  const again = el('button', { type: 'button', class: 'secondary', disabled: d.status === 'PENDING' && d.attempts === 0,
    'aria-label': 'Re-send the delivery of event ' + d.eventSeq }, 'Re-send');
  again.addEventListener('click', () => resend(again, d));
  const status = d.status === 'DELIVERED' ? 'ok' : d.status === 'DEAD' ? 'bad' : 'warn';
  return el('tr', { data: { delivery: d.id }, class: 'delivery' },
    el('td', {}, String(d.eventSeq)), el('td', { class: 'delivery-type' }, d.eventType),
    el('td', {}, el('span', { class: 'delivery-status status ' + status }, d.status)),
    el('td', { class: 'delivery-attempts' }, String(d.attempts)),
    el('td', {}, d.lastStatus ? String(d.lastStatus) : ''), el('td', { class: 'delivery-error' }, d.lastError || ''),
    el('td', {}, d.deliveredAt ? when(d.deliveredAt) : d.status === 'PENDING' ? 'next ' + when(d.nextAttemptAt) : ''),
    el('td', {}, again));
}

async function reloadDeliveries() {
  if (!selected) return;
  const r = await api('GET', accountPath('webhooks', selected.id, 'deliveries') + '?limit=100');
  deliveries.set(r.items, true);
}

async function select(w, focus) {
  selected = w;
  $('deliveries-box').hidden = false;
  say('delivery-status', '');
  text('deliveries-title', 'Recent deliveries to ' + w.url);
  for (const tr of $('webhook-rows').querySelectorAll('tr')) {
    tr.classList.toggle('current', tr.dataset.webhook === w.id);
  }
  deliveries.set([], false);
  await reloadDeliveries();
  if (focus) $('deliveries-title').focus();
}

async function reload() {
  const r = await api('GET', accountPath('webhooks'));
  rows('webhook-rows', r.items, webhookRow, 'no webhooks');
}

export async function load() {
  selected = null;
  $('deliveries-box').hidden = true;
  $('webhook-secret-box').hidden = true;
  text('webhook-secret', '');
  say('webhook-copied', '');
  say('webhook-status', '');
  clearFieldErrors('webhooks');
  $('webhook-url').value = '';
  $('webhook-events').value = '';
  await reload();
}

export function init() {
  deliveries = new ListView({
    body: 'delivery-rows', count: 'delivery-count', pager: 'delivery-pager', noun: 'deliveries',
    empty: 'no deliveries yet: events recorded after the webhook was added appear here',
    row: deliveryRow,
    summary: (all) => all.filter((d) => d.status === 'DEAD').length + ' dead, '
      + all.filter((d) => d.status === 'PENDING').length + ' pending',
  });
  $('deliveries-refresh').addEventListener('click', (ev) => guarded(ev.target, reloadDeliveries));
  $('webhook-copy').addEventListener('click', () => copyText('webhook-secret', 'webhook-copied'));
  $('webhook-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors('webhook-form');
    const url = $('webhook-url').value.trim();
    if (!url) {
      fieldError('webhook-url', 'Enter the https URL that receives the events.');
      return;
    }
    const events = $('webhook-events').value.split(',').map((s) => s.trim()).filter((s) => s);
    const created = await guarded(ev.submitter, async () => {
      try {
        return await api('POST', accountPath('webhooks'), { url, events: events.length ? events : ['*'] });
      } catch (e) {
        if (e.code === 'invalid_webhook_url') fieldError('webhook-url', e.message);
        else if (e.status === 400) fieldError('webhook-events', e.message);
        throw e;
      }
    });
    if (created) {
      $('webhook-url').value = '';
      $('webhook-events').value = '';
      await reload();
      say('webhook-status', 'Webhook ' + created.id + ' added.', 'ok');
      $('webhook-secret-box').hidden = false;
      say('webhook-copied', '');
      text('webhook-secret', created.secret);
      $('webhook-copy').focus();
    }
  });
}
