// Key registration with its validation report, the registered keys, the policy template.
import { api, accountPath } from './api.js';
import { $, el, rows, text, when, guarded, showError } from './dom.js';

const POLICY_PROVIDERS = ['aws', 'azure', 'oci'];

/** Shows every check: pass/fail/skipped, what was seen and the exact fix the API gave. */
function showReport(title, report, ok) {
  $('report').hidden = false;
  text('report-title', title);
  $('report-title').className = ok ? 'ok' : 'bad';
  rows('report-rows', report.checks, (c) =>
    el('tr', { class: 'check ' + c.outcome.toLowerCase(), data: { check: c.name } },
      el('td', { class: 'check-name' }, c.name),
      el('td', { class: 'check-outcome' }, c.outcome),
      el('td', {}, c.required ? 'required' : 'optional'),
      el('td', { class: 'check-evidence' }, c.evidence),
      el('td', { class: 'check-fix' }, c.fix)),
  'no checks');
}

async function registered(result, verb) {
  showReport('Key ' + result.key.keyId + ' ' + verb + ': every required check passed', result.validation, true);
  await loadKeys();
}

/** A failed validation is an API error whose details carry the report: show both. */
function failed(e) {
  showError(e);
  if (e.details && e.details.report) {
    showReport('Validation failed (' + e.code + '): fix the failed checks and try again', e.details.report, false);
  }
}

async function register(ev) {
  ev.preventDefault();
  const replicas = $('reg-replicas').value.split(',').map((s) => s.trim()).filter((s) => s);
  const body = { provider: $('reg-provider').value, keyId: $('reg-key').value.trim(), replicaKeyIds: replicas };
  $('report').hidden = true;
  await guarded(ev.submitter, async () => {
    try {
      await registered(await api('PUT', accountPath('key'), body), 'registered and active');
    } catch (e) {
      failed(e);
    }
  });
}

async function revalidate(button, key) {
  await guarded(button, async () => {
    try {
      await registered(await api('POST', accountPath('keys', key.id, 'validate')), 'validated again');
    } catch (e) {
      failed(e);
    }
  });
}

async function loadKeys() {
  const keys = await api('GET', accountPath('keys'));
  rows('key-rows', keys, (k) => {
    const again = el('button', { type: 'button' }, 'Validate again');
    again.addEventListener('click', () => revalidate(again, k));
    return el('tr', { data: { key: k.id } },
      el('td', {}, k.id), el('td', {}, k.provider), el('td', { class: 'mono' }, k.keyId),
      el('td', { class: 'mono' }, (k.replicaKeyIds || []).join(', ')),
      el('td', { class: 'key-status' }, k.status), el('td', {}, when(k.createdAt)), el('td', {}, again));
  }, 'no key registered yet');
  const active = keys.find((k) => k.status === 'ACTIVE');
  if (active && POLICY_PROVIDERS.includes(active.provider)) $('pol-provider').value = active.provider;
}

/** The policy as the admin pastes it: the JSON document, or OCI's statements one per line. */
function policyText(t) {
  if (t.statements && t.statements.length > 0) return t.statements.join('\n');
  return JSON.stringify(t.document, null, 2);
}

async function showPolicy(ev) {
  ev.preventDefault();
  const q = new URLSearchParams({ provider: $('pol-provider').value, search: String($('pol-search').checked) });
  const aws = $('pol-aws').value.trim();
  if (aws) q.set('awsAccountId', aws);
  const t = await guarded(ev.submitter, () => api('GET', accountPath('key-policy') + '?' + q));
  if (!t) return;
  $('policy').hidden = false;
  text('policy-copied', '');
  text('policy-text', policyText(t));
  $('policy-notes').replaceChildren(...(t.notes || []).map((n) => el('li', {}, n)));
}

async function copyPolicy() {
  const value = $('policy-text').textContent;
  try {
    await navigator.clipboard.writeText(value);
    text('policy-copied', 'Copied to the clipboard.');
  } catch (e) {
    // no clipboard access (e.g. permission denied): select the text for a manual copy
    const range = document.createRange();
    range.selectNodeContents($('policy-text'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    text('policy-copied', 'Selected: press Ctrl+C (or ⌘C) to copy.');
  }
}

export async function load() {
  const account = await api('GET', accountPath());
  $('pol-search').checked = account.searchEncryption;
  await loadKeys();
}

export function init() {
  $('register-form').addEventListener('submit', register);
  $('policy-form').addEventListener('submit', showPolicy);
  $('policy-copy').addEventListener('click', copyPolicy);
}
