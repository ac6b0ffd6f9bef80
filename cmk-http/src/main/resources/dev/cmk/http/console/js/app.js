// Boot, sign-in, the hash router. Each page is a module with init() (wire the forms once), load()
// (reset the page and read the API when shown) and optionally stop() (end its polling).
import { api, ApiError, session, whenSessionLost } from './api.js';
import { $, el, guarded, showError, clearError, text, fieldError, clearFieldErrors } from './dom.js';
import * as dashboard from './dashboard.js';
import * as overview from './overview.js';
import * as keys from './keys.js';
import * as state from './state.js';
import * as coverage from './coverage.js';
import * as jobs from './jobs.js';
import * as licenses from './licenses.js';
import * as audit from './audit.js';
import * as usage from './usage.js';
import * as tokens from './tokens.js';
import * as webhooks from './webhooks.js';

const PAGES = {
  dashboard: { module: dashboard, title: 'Dashboard', operator: true },
  overview: { module: overview, title: 'Account', account: true },
  keys: { module: keys, title: 'Key', account: true },
  state: { module: state, title: 'Key state', account: true },
  coverage: { module: coverage, title: 'Coverage', account: true },
  jobs: { module: jobs, title: 'Jobs', account: true },
  licenses: { module: licenses, title: 'Licenses', account: true },
  audit: { module: audit, title: 'Audit log', account: true },
  usage: { module: usage, title: 'Key usage', account: true },
  webhooks: { module: webhooks, title: 'Webhooks', account: true },
  tokens: { module: tokens, title: 'Tokens', operator: true },
};
let current = null;
let signedIn = false;

/** Finds out what the token may do: operators can list accounts, admins read their own. */
async function signIn(token, accountId) {
  try {
    const accounts = await api('GET', '/v1/accounts', undefined, token);
    const known = accounts.some((a) => a.id === accountId);
    return { role: 'operator', account: known ? accountId : (accounts[0] && accounts[0].id) || '' };
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
  clearFieldErrors('sign-in-form');
  const token = $('token').value.trim();
  if (!token) {
    fieldError('token', 'Paste an API token.');
    return;
  }
  await guarded(ev.submitter, async () => {
    let who;
    try {
      who = await signIn(token, $('account-id').value.trim());
    } catch (e) {
      if (e.code === 'account_required' || e.code === 'forbidden' || e.code === 'account_not_found') {
        fieldError('account-id', e.message);
      } else if (e.code === 'unauthenticated') {
        fieldError('token', 'This token is unknown or revoked.');
      }
      throw e;
    }
    session.set(token, who.account, who.role);
    $('token').value = '';
    $('notice').hidden = true;
    await enter(true);
  });
}

/** Back to the sign-in form, with a message saying why. */
function leave(message) {
  if (current && current.module.stop) current.module.stop();
  current = null;
  signedIn = false;
  session.clear();
  if ($('confirm').open) $('confirm').close();
  for (const id of Object.keys(PAGES)) $(id).hidden = true;
  $('no-account').hidden = true;
  $('nav').hidden = true;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  document.body.classList.remove('operator');
  history.replaceState(null, '', location.pathname);
  document.title = 'Sign in · CMK console';
  clearError();
  $('notice').hidden = !message;
  text('notice', message || '');
  $('sign-in-title').focus();
}

async function fillAccountPicker(select) {
  const picker = $('account-picker');
  picker.hidden = !session.operator();
  if (!session.operator()) return;
  const accounts = await api('GET', '/v1/accounts');
  if (select) session.setAccount(select);
  // a remembered account that is gone (or none yet): the first one, so the picker never shows blank
  if (!accounts.some((a) => a.id === session.account())) session.setAccount(accounts[0] ? accounts[0].id : '');
  const box = $('account-select');
  box.replaceChildren(...accounts.map((a) => el('option', { value: a.id }, a.name + ' (' + a.id + ')')));
  if (accounts.length === 0) box.append(el('option', { value: '' }, 'no account yet'));
  box.value = session.account();
}

async function enter(focus) {
  signedIn = true;
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  document.body.classList.toggle('operator', session.operator());
  text('who-role', session.operator() ? 'Operator' : 'Account admin · ' + session.account());
  await fillAccountPicker();
  await coverage.detect().then((ok) => { $('nav-coverage').parentElement.hidden = !ok; }).catch(() => {});
  await route(focus);
}

function pageName() {
  const name = location.hash.slice(1);
  const fallback = session.operator() ? 'dashboard' : 'overview';
  if (!PAGES[name]) return fallback;
  if (PAGES[name].operator && !session.operator()) return fallback;
  return name;
}

/** Shows the page the URL names; Back, Forward and links all come through here. */
async function route(focus = true) {
  if (!signedIn) return;
  const name = pageName();
  const page = PAGES[name];
  if (current && current.module.stop) current.module.stop();
  clearError();
  if (location.hash.slice(1) !== name) history.replaceState(null, '', '#' + name);
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.section === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  for (const id of Object.keys(PAGES)) $(id).hidden = true;
  document.title = page.title + ' · CMK console';
  const noAccount = page.account && !session.account();
  $('no-account').hidden = !noAccount;
  current = page;
  if (noAccount) {
    current = null;
    text('no-account-text', session.operator()
      ? 'There is no account yet: create one on the dashboard, then pick it at the top.'
      : 'No account is selected.');
    if (focus) $('no-account-title').focus();
    return;
  }
  $(name).hidden = false;
  if (focus) $(name + '-title').focus();
  try {
    await page.module.load();
  } catch (e) {
    showError(e);
  }
}

function init() {
  $('sign-in-form').addEventListener('submit', onSignIn);
  $('sign-out').addEventListener('click', () => leave('You are signed out.'));
  $('error-close').addEventListener('click', clearError);
  $('skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', () => route(true));
  $('account-select').addEventListener('change', (ev) => {
    session.setAccount(ev.target.value);
    route(false);
  });
  document.addEventListener('cmk:accounts-changed', (ev) =>
    fillAccountPicker(ev.detail && ev.detail.select).catch(showError));
  whenSessionLost(() => {
    if (signedIn) leave('Your session ended: the token was revoked or has expired. Sign in with a valid token.');
  });
  for (const page of Object.values(PAGES)) page.module.init();
  window.addEventListener('unhandledrejection', (ev) => showError(ev.reason));
  document.body.dataset.ready = 'true';
  if (session.token()) {
    enter(false).catch(showError);
  } else {
    $('sign-in').hidden = false;
  }
}

init();
