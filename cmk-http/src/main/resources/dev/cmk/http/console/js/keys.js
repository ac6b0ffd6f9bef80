// Key: the policy template (applied first), registration with its validation report, the
// registered keys and what still uses each of them.
import { api, accountPath, optional } from './api.js';
import { $, el, rows, text, when, bytes, say, guarded, showError, copyText, fieldError, clearFieldErrors } from './dom.js';
import { showReport, hideReport, reportOf } from './report.js';
import { fillProviders } from './providers.js';

const POLICY_PROVIDERS = ['aws', 'azure', 'oci'];
let dependentsRoute = true;

async function registered(result, verb) {
  showReport('report', 'Key ' + result.key.keyId + ' ' + verb + ': every required check passed', result.validation, true);
  await loadKeys();
}

async function register(ev) {
  ev.preventDefault();
  clearFieldErrors('register-form');
  hideReport('report');
  const keyId = $('reg-key').value.trim();
  if (!keyId) {
    fieldError('reg-key', 'Enter the key id as your KMS shows it.');
    return;
  }
  const replicas = $('reg-replicas').value.split(',').map((s) => s.trim()).filter((s) => s);
  const body = { provider: $('reg-provider').value, keyId, replicaKeyIds: replicas };
  await guarded(ev.submitter, async () => {
    try {
      await registered(await api('PUT', accountPath('key'), body), 'registered and active');
    } catch (e) {
      showError(e);
      if (!reportOf('report', e) && e.status === 400) fieldError('reg-key', e.message);
    }
  });
}

async function revalidate(button, key) {
  hideReport('report');
  await guarded(button, async () => {
    try {
      await registered(await api('POST', accountPath('keys', key.id, 'validate')), 'validated again');
    } catch (e) {
      showError(e);
      reportOf('report', e);
    }
  });
}

/** GET …/keys/{id}/dependents: what this key still protects (hidden if the server lacks it). */
async function dependents(button, key) {
  const d = await guarded(button, () => optional('GET', accountPath('keys', key.id, 'dependents')));
  if (d === undefined) return;
  if (d === null) {
    dependentsRoute = false;
    await loadKeys();
    return;
  }
  $('dependents').hidden = false;
  text('dependents-title', 'What still uses ' + (d.kmsKeyId || key.keyId));
  const facts = [
    ['KMS key', d.kmsKeyId || key.keyId], ['State', d.state], ['Key-encryption keys', d.keks],
    ['Objects', d.objects], ['Bytes', bytes(d.bytes)], ['Search grants', d.searchGrants],
    ['Live sessions', d.liveSessions],
  ];
  $('dependents-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { data: { fact: k } }, String(v))]));
  if (d.protectsContent) {
    say('dependents-verdict', 'This key still protects content: disabling or deleting it makes that content unreadable. Rotate first.', 'warn');
  } else {
    say('dependents-verdict', 'Nothing is protected by this key any more: it can be retired.', 'info');
  }
  $('dependents-title').setAttribute('tabindex', '-1');
  $('dependents-title').focus();
}

async function loadKeys() {
  const keys = await api('GET', accountPath('keys'));
  rows('key-rows', keys, (k) => {
    const again = el('button', { type: 'button', 'aria-label': 'Validate again (' + k.keyId + ')' }, 'Validate again');
    again.addEventListener('click', () => revalidate(again, k));
    const actions = el('td', {}, again);
    if (dependentsRoute) {
      const uses = el('button', { type: 'button', class: 'secondary', 'aria-label': 'What uses it (' + k.keyId + ')' }, 'What uses it');
      uses.addEventListener('click', () => dependents(uses, k));
      actions.append(' ', uses);
    }
    return el('tr', { data: { key: k.id } },
      el('td', { class: 'mono' }, k.id), el('td', {}, k.provider), el('td', { class: 'mono' }, k.keyId),
      el('td', { class: 'mono' }, (k.replicaKeyIds || []).join(', ')),
      el('td', { class: 'key-status' }, k.status), el('td', {}, when(k.createdAt)), actions);
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
  clearFieldErrors('policy-form');
  const aws = $('pol-aws').value.trim();
  if (aws && !/^[0-9]{12}$/.test(aws)) {
    fieldError('pol-aws', 'An AWS account id is 12 digits.');
    return;
  }
  const q = new URLSearchParams({ provider: $('pol-provider').value, search: String($('pol-search').checked) });
  if (aws) q.set('awsAccountId', aws);
  const t = await guarded(ev.submitter, () => api('GET', accountPath('key-policy') + '?' + q));
  if (!t) return;
  $('policy').hidden = false;
  say('policy-copied', '');
  text('policy-text', policyText(t));
  $('policy-notes').replaceChildren(...(t.notes || []).map((n) => el('li', {}, n)));
}

export async function load() {
  // a revisit starts clean: no old report, policy, dependents or failed input
  hideReport('report');
  $('policy').hidden = true;
  $('dependents').hidden = true;
  clearFieldErrors('keys');
  $('reg-key').value = '';
  $('reg-replicas').value = '';
  await fillProviders($('reg-provider'));
  const account = await api('GET', accountPath());
  $('pol-search').checked = account.searchEncryption;
  await loadKeys();
}

export function init() {
  $('register-form').addEventListener('submit', register);
  $('policy-form').addEventListener('submit', showPolicy);
  $('policy-copy').addEventListener('click', () => copyText('policy-text', 'policy-copied'));
}
