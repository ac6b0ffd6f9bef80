// The audit log: rows with filters, export (JSONL, CSV), verification against the head in the
// browser, and the archive's segments (download each).
import { api, accountPath, request, jsonl, session } from './api.js';
import { $, el, rows, text, when, say, bytes, guarded, download, fieldError, clearFieldErrors, ListView } from './dom.js';
import { verify, ZERO } from './auditchain.js';

const PAGE_ROWS = 1000;
let list;
let anchor = { seq: 0, hash: ZERO };

function iso(id) {
  const v = $(id).value;
  return v ? new Date(v).toISOString() : '';
}

/** The time window of the form as query parameters; invalid input marks its field. */
function windowQuery(extra = {}) {
  const q = new URLSearchParams(extra);
  const from = iso('audit-from');
  const to = iso('audit-to');
  if (from && to && from >= to) {
    fieldError('audit-to', '"To" must be after "From".');
    return null;
  }
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  return q;
}

function actor(r) {
  return r.actorKind + (r.actorId ? ' ' + r.actorId : '');
}

function detailText(d) {
  return Object.entries(d || {}).map(([k, v]) => k + '=' + v).join(', ');
}

function auditRow(r) {
  return el('tr', { data: { seq: r.seq, action: r.action } },
    el('td', {}, r.seq), el('td', {}, when(r.at)), el('td', {}, actor(r)), el('td', { class: 'audit-action' }, r.action),
    el('td', { class: 'mono' }, r.keyId ? r.keyProvider + ' ' + r.keyId : ''),
    el('td', {}, [r.asset, r.objectId, r.user].filter(Boolean).join(' · ')),
    el('td', {}, r.result), el('td', {}, detailText(r.details)));
}

async function show(ev) {
  if (ev) ev.preventDefault();
  clearFieldErrors('audit-form');
  const q = windowQuery({ format: 'jsonl', limit: String(PAGE_ROWS) });
  if (!q) return;
  const rowsRead = await guarded(ev && ev.submitter, () => jsonl(accountPath('audit') + '?' + q));
  if (!rowsRead) return;
  const actions = [...new Set(rowsRead.map((r) => r.action))].sort();
  $('audit-actions').replaceChildren(...actions.map((a) => el('option', { value: a })));
  list.set(rowsRead);
  say('audit-status', rowsRead.length === PAGE_ROWS
    ? 'Showing the first ' + PAGE_ROWS + ' rows of this period: narrow the dates, or export for all of them.' : '', 'info');
}

/** Every row of the window, paging with afterSeq until a short page. */
async function allRows(format) {
  const out = [];
  let after = 0;
  for (;;) {
    const q = windowQuery({ format, limit: '10000', afterSeq: String(after) });
    if (!q) return null;
    const page = await jsonl(accountPath('audit') + '?' + q);
    out.push(...page);
    if (page.length < 10000) return out;
    after = page[page.length - 1].seq;
  }
}

async function exportAs(button, format) {
  clearFieldErrors('audit-form');
  await guarded(button, async () => {
    const name = session.account() + '-audit.' + format;
    if (format === 'jsonl') {
      const all = await allRows('jsonl');
      if (!all) return;
      download(new Blob(all.map((r) => JSON.stringify(r) + '\n'), { type: 'application/x-ndjson' }), name);
      say('audit-status', 'Exported ' + all.length + ' rows as JSON lines (' + name + ').', 'ok');
    } else {
      const q = windowQuery({ format: 'csv', limit: '10000' });
      if (!q) return;
      const res = await request('GET', accountPath('audit') + '?' + q, { accept: 'text/csv' });
      const blob = await res.blob();
      download(blob, name);
      say('audit-status', 'Exported the period as CSV (' + name + ', ' + bytes(blob.size) + ').', 'ok');
    }
  });
}

async function verifyHead(button) {
  say('audit-verify-status', 'Verifying…', 'info');
  if (!(window.crypto && crypto.subtle)) {
    say('audit-verify-status', 'This browser offers no WebCrypto here (the console must be served over HTTPS or from localhost).', 'bad');
    return;
  }
  await guarded(button, async () => {
    // the head first: the export that follows reaches it and goes on past it (its own read row)
    const head = await api('GET', accountPath('audit', 'head'));
    const archived = await api('GET', accountPath('audit', 'archive'));
    const start = archived.anchor && archived.anchor.seq > 0 ? archived.anchor : { seq: 0, hash: ZERO };
    const all = [];
    let after = start.seq;
    for (;;) {
      const page = await jsonl(accountPath('audit') + '?format=jsonl&limit=10000&afterSeq=' + after);
      all.push(...page);
      if (page.length < 10000 || page[page.length - 1].seq >= head.seq) break;
      after = page[page.length - 1].seq;
    }
    const r = await verify(all, start.hash, head);
    if (r.ok) {
      say('audit-verify-status', 'Chain intact: ' + r.rows + ' rows (seq ' + r.firstSeq + '–' + r.lastSeq + ') recomputed in this browser; '
        + 'it reaches the head seq ' + head.seq + ' (hash ' + head.hash.slice(0, 16) + '…)'
        + (start.seq > 0 ? ', continuing the archive from seq ' + start.seq : '') + '.', 'ok');
    } else {
      say('audit-verify-status', 'Chain broken at seq ' + r.brokenAt + ': ' + r.why + '.', 'bad');
    }
  });
}

async function loadArchive() {
  const a = await api('GET', accountPath('audit', 'archive'));
  anchor = a.anchor;
  text('archive-anchor', a.anchor.segments > 0
    ? a.anchor.segments + ' segment(s), ' + a.anchor.rows + ' rows archived; the database continues from seq ' + a.anchor.seq + '.'
    : 'Nothing archived yet: every row is in the database.');
  rows('archive-rows', a.segments, (s) => {
    const b = el('button', { type: 'button', class: 'secondary', 'aria-label': 'Download segment ' + s.firstSeq + ' to ' + s.lastSeq }, 'Download');
    b.addEventListener('click', () => guarded(b, async () => {
      const res = await request('GET', accountPath('audit', 'archive', String(s.firstSeq)), { accept: 'application/x-ndjson' });
      download(await res.blob(), session.account() + '-audit-' + s.firstSeq + '-' + s.lastSeq + '.jsonl');
    }));
    return el('tr', { data: { segment: s.firstSeq } },
      el('td', {}, s.firstSeq + '–' + s.lastSeq), el('td', {}, s.rows), el('td', {}, when(s.firstAt) + ' – ' + when(s.lastAt)),
      el('td', { class: 'mono' }, s.sha256), el('td', {}, when(s.archivedAt) + ' (' + bytes(s.bytes) + ')'), el('td', {}, b));
  }, 'no archive segments');
}

export async function load() {
  clearFieldErrors('audit');
  for (const id of ['audit-from', 'audit-to', 'audit-action', 'audit-actor']) $(id).value = '';
  $('audit-result').value = '';
  say('audit-status', '');
  say('audit-verify-status', '');
  list.set([]);
  await loadArchive();
  await show();
}

export function init() {
  list = new ListView({
    body: 'audit-rows', count: 'audit-count', pager: 'audit-pager', noun: 'rows', empty: 'no audit rows in this period',
    row: auditRow,
    match: (r) => {
      const action = $('audit-action').value.trim();
      const who = $('audit-actor').value.trim().toLowerCase();
      const result = $('audit-result').value;
      return (!action || r.action.startsWith(action))
        && (!who || actor(r).toLowerCase().includes(who))
        && (!result || (result === 'ok') === (r.result === 'ok' || r.result === ''));
    },
  });
  for (const id of ['audit-action', 'audit-actor']) $(id).addEventListener('input', () => list.refilter());
  $('audit-result').addEventListener('change', () => list.refilter());
  $('audit-form').addEventListener('submit', show);
  $('audit-export-jsonl').addEventListener('click', (ev) => exportAs(ev.target, 'jsonl'));
  $('audit-export-csv').addEventListener('click', (ev) => exportAs(ev.target, 'csv'));
  $('audit-verify').addEventListener('click', (ev) => verifyHead(ev.target));
}
