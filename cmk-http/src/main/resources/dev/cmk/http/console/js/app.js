// Boot, sign-in, navigation. Each page is a module with init() (wire the forms once) and
// load() (read the API when shown).
import { api, ApiError, session } from './api.js';
import { $, el, guarded, showError, clearError, text } from './dom.js';
import * as overview from './overview.js';
import * as keys from './keys.js';
import * as state from './state.js';
import * as jobs from './jobs.js';
import * as licenses from './licenses.js';
import * as tokens from './tokens.js';

const PAGES = { overview, keys, state, jobs, licenses, tokens };
let current = null;

function isOperator() {
  return session.role() === 'operator';
}

/** Finds out what the token may do: operators can list accounts, admins read their own. */
async function signIn(token, accountId) {
  try {
    const accounts = await api('GET', '/v1/accounts', undefined, token);
    return { role: 'operator', account: accountId || (accounts[0] && accounts[0].id) || '' };
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'forbidden') throw e;
  }
  if (!accountId) {
    throw new ApiError(0, 'account_required', 'this token is not an operator token: enter the id of the account it administers');
  }
  await api('GET', '/v1/accounts/' + encodeURIComponent(accountId), undefined, token);
  return { role: 'admin', account: accountId };
}

async function onSignIn(ev) {
  ev.preventDefault();
  const button = ev.submitter;
  await guarded(button, async () => {
    const token = $('token').value.trim();
    const who = await signIn(token, $('account-id').value.trim());
    session.set(token, who.account, who.role);
    $('token').value = '';
    await enter();
  });
}

function signOut() {
  if (current && current.stop) current.stop();
  session.clear();
  location.hash = '';
  location.reload();
}

async function fillAccountPicker() {
  const picker = $('account-picker');
  picker.hidden = !isOperator();
  if (!isOperator()) return;
  const accounts = await api('GET', '/v1/accounts');
  const select = $('account-select');
  select.replaceChildren(...accounts.map((a) => el('option', { value: a.id }, a.name + ' (' + a.id + ')')));
  select.value = session.account() || '';
}

async function enter() {
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  document.body.classList.toggle('operator', isOperator());
  text('who-role', isOperator() ? 'operator' : 'account admin · ' + session.account());
  await fillAccountPicker();
  if (!session.account()) {
    showError(new ApiError(0, 'no_account', 'there is no account yet: create one with the API or the CLI'));
    return;
  }
  await show(location.hash.slice(1) || 'overview');
}

async function show(name) {
  if (!PAGES[name] || (name === 'tokens' && !isOperator())) name = 'overview';
  if (current && current.stop) current.stop();
  clearError();
  for (const id of Object.keys(PAGES)) $(id).hidden = id !== name;
  for (const b of document.querySelectorAll('#nav button')) {
    b.classList.toggle('active', b.dataset.section === name);
  }
  if (location.hash.slice(1) !== name) history.replaceState(null, '', '#' + name);
  current = PAGES[name];
  try {
    await current.load();
  } catch (e) {
    showError(e);
  }
}

function init() {
  $('sign-in-form').addEventListener('submit', onSignIn);
  $('sign-out').addEventListener('click', signOut);
  $('error-close').addEventListener('click', clearError);
  for (const b of document.querySelectorAll('#nav button')) {
    b.addEventListener('click', () => show(b.dataset.section));
  }
  $('account-select').addEventListener('change', (ev) => {
    session.setAccount(ev.target.value);
    show(current === null ? 'overview' : Object.keys(PAGES).find((k) => PAGES[k] === current));
  });
  for (const page of Object.values(PAGES)) page.init();
  window.addEventListener('unhandledrejection', (ev) => showError(ev.reason));
  document.body.dataset.ready = 'true';
  if (session.token()) {
    enter().catch(showError);
  }
}

init();
