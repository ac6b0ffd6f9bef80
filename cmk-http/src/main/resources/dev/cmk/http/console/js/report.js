// The validation report of a key (registration, re-validation, rotation): every check, what was
// seen, what it means for activation and the exact fix the API gave.
import { $, el, rows } from './dom.js';

const NAMES = {
  key_id_format: 'Key id is well formed',
  key_exists: 'Key exists',
  key_enabled: 'Key is enabled',
  key_usage: 'Key encrypts and decrypts (symmetric)',
  region: 'Key region matches data residency',
  generate_data_key: 'Generate a data key',
  decrypt: 'Decrypt with the key',
  encrypt: 'Encrypt with the key',
  key_policy: 'Key policy readable and complete',
  replicas: 'Replica keys',
  multi_region: 'Multi-region key',
  replica_exists: 'Replica key exists',
  replica_policy: 'Replica key policy',
  replica_round_trip: 'Replica decrypts what the primary wrapped',
  search_grant: 'Search service grant',
  account_binding: 'Key serves this account only',
  replica_search_grant: 'Search service grant on the replica',
};

export function checkName(name) {
  if (NAMES[name]) return NAMES[name];
  const s = name.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** What a check's outcome means for activating the key. */
function effect(c) {
  if (c.outcome === 'PASS') return 'passed';
  if (c.outcome === 'SKIPPED') return 'not applicable';
  return c.required ? 'blocks activation' : 'warning only';
}

/** Renders a report into the host element (its own heading and table). */
export function showReport(hostId, title, report, ok) {
  const host = $(hostId);
  const bodyId = hostId + '-rows';
  const titleId = hostId + '-title';
  host.replaceChildren(
    el('h3', { id: titleId, class: ok ? 'ok' : 'bad', tabindex: -1 }, title),
    el('table', { class: 'grid' },
      el('caption', { class: 'sr-only' }, 'Validation checks'),
      el('thead', {}, el('tr', {}, ['Check', 'Result', 'Effect on activation', 'Evidence', 'Fix'].map((h) =>
        el('th', { scope: 'col' }, h)))),
      el('tbody', { id: bodyId })));
  host.hidden = false;
  rows(bodyId, report.checks, (c) =>
    el('tr', { class: 'check ' + c.outcome.toLowerCase(), data: { check: c.name } },
      el('td', { class: 'check-name', title: c.name }, checkName(c.name)),
      el('td', { class: 'check-outcome' }, c.outcome),
      el('td', { class: 'check-effect' }, effect(c)),
      el('td', { class: 'check-evidence' }, c.evidence),
      el('td', { class: 'check-fix' }, c.fix)),
  'no checks');
  if (!ok) $(titleId).focus();
}

export function hideReport(hostId) {
  $(hostId).hidden = true;
  $(hostId).replaceChildren();
}

/** A failed validation is an API error whose details carry the report: show it; true if shown. */
export function reportOf(hostId, e) {
  if (e && e.details && e.details.report) {
    showReport(hostId, 'Validation failed: fix the checks that block activation, then try again', e.details.report, false);
    return true;
  }
  return false;
}
