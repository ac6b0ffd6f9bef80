// Coverage: how much of the account's content is under its key, the platform key or the backup
// key, by asset type (GET …/coverage; the page hides itself on a server without that route).
import { optional, accountPath, session } from './api.js';
import { $, el, rows, text, say, bytes } from './dom.js';
import { stackedBars } from './chart.js';

const KINDS = [
  { key: 'CMK', name: 'your key (CMK)', cls: 'p-cmk' },
  { key: 'PLATFORM', name: 'platform key', cls: 'p-platform' },
  { key: 'FALLBACK', name: 'backup key (fallback)', cls: 'p-fallback' },
];

/** Whether this server reports coverage (a 404 route_not_found means it does not, yet). */
export async function detect() {
  if (!session.account()) return true;
  return (await optional('GET', accountPath('coverage'))) !== null;
}

function render(c) {
  const t = c.totals || {};
  const n = (k) => (t[k] ? t[k].objects : 0);
  text('cov-cmk', n('CMK'));
  text('cov-platform', n('PLATFORM'));
  text('cov-fallback', n('FALLBACK'));
  text('cov-backfillable', c.backfillable ? c.backfillable.objects : 0);
  if (c.allEligibleUnderCmk) {
    say('coverage-verdict', 'Everything that can be under your key is under your key.', 'ok');
  } else if (c.backfillable && c.backfillable.objects > 0) {
    say('coverage-verdict', c.backfillable.objects + ' object(s) (' + bytes(c.backfillable.bytes)
      + ') could move under your key: start a backfill on the Jobs page.', 'info');
  } else {
    say('coverage-verdict', 'Some content is under the backup key; recovery moves it back when the key is available.', 'info');
  }
  const assets = [...new Set(c.rows.map((r) => r.assetType))].sort();
  stackedBars($('coverage-chart'), {
    title: 'Objects by asset type and protection',
    unit: 'objects',
    series: KINDS.map((k) => ({ name: k.name, cls: k.cls })),
    buckets: assets.map((a) => ({
      label: a,
      values: KINDS.map((k) => c.rows.filter((r) => r.assetType === a && r.protection === k.key).reduce((s, r) => s + r.objects, 0)),
    })),
  });
  rows('coverage-rows', c.rows, (r) => el('tr', { data: { protection: r.protection, asset: r.assetType } },
    el('td', {}, r.protection), el('td', {}, r.assetType), el('td', { class: 'mono' }, r.keyId || ''),
    el('td', {}, r.objects), el('td', {}, bytes(r.bytes))), 'no content yet');
}

export async function load() {
  $('coverage-body').hidden = true;
  say('coverage-status', 'Loading…', 'info');
  const c = await optional('GET', accountPath('coverage'));
  if (c === null) {
    say('coverage-status', 'This server does not report coverage yet.', 'info');
    return;
  }
  say('coverage-status', 'As of ' + new Date(c.generatedAt).toLocaleString() + '.', 'info');
  $('coverage-body').hidden = false;
  render(c);
}

export function init() {}
