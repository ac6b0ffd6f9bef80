// DOM helpers. API data only ever becomes text nodes or form values: nothing here parses HTML.

export const $ = (id) => document.getElementById(id);

/** Builds an element; children are nodes or strings (strings become text nodes). */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'data') Object.assign(e.dataset, v);
    else if (k === 'onclick') e.addEventListener('click', v);
    else if (k.startsWith('aria-') || k === 'role' || k === 'scope') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function text(id, value) {
  $(id).textContent = value === null || value === undefined ? '' : String(value);
}

/** A status line: its text and its kind (ok, info, warn, bad) as its colour. */
export function say(id, value, kind = 'ok') {
  const e = $(id);
  e.textContent = value || '';
  e.className = 'status ' + (value ? kind : '');
}

/** Labels each cell with its column's header, for the stacked layout of narrow screens. */
function label(body, tr) {
  const heads = [...body.parentElement.querySelectorAll('thead th')].map((th) => th.textContent);
  [...tr.children].forEach((td, i) => {
    if (heads[i] && td.colSpan === 1) td.dataset.label = heads[i];
  });
  return tr;
}

/** Replaces a table body's rows; an empty list shows one row saying so. */
export function rows(tbodyId, items, toRow, empty) {
  const body = $(tbodyId);
  body.replaceChildren();
  if (items.length === 0) {
    const cols = body.parentElement.querySelectorAll('thead th').length;
    body.append(el('tr', {}, el('td', { colSpan: cols, class: 'muted' }, empty)));
    return;
  }
  for (const item of items) body.append(label(body, toRow(item)));
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

export function bytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return (u === 0 ? String(v) : v.toFixed(1)) + ' ' + units[u];
}

/** What an error means for the person at the screen; the code stays visible, small. */
const HUMAN = {
  network_error: 'The CMK server did not answer. It may be down or unreachable; try again in a moment.',
  unauthenticated: 'This token is not accepted: it is unknown, revoked or expired.',
  forbidden: 'This token may not do that.',
  key_validation_failed: 'The key failed validation; the report shows each check and its fix.',
  invalid_request: 'The server could not accept this input.',
  route_not_found: 'This server does not offer that yet.',
  account_not_found: 'That account does not exist.',
  no_account: 'Select or create an account first.',
  account_required: 'An account id is needed.',
  job_running: 'Another job of this account is still running; wait for it to finish.',
  key_unavailable: 'The customer key cannot be used right now.',
  rate_limited: 'Too many requests; try again in a moment.',
};

export function human(e) {
  if (!e || !e.code) return 'Something went wrong in the console.';
  if (HUMAN[e.code]) return HUMAN[e.code];
  if (e.status >= 500) return 'The server failed to complete this request.';
  if (e.status === 404) return 'Not found.';
  if (e.status === 409) return 'That conflicts with the current state.';
  return 'The request was refused.';
}

/** Shows an error: what it means, the API's message, its stable code and the request id. */
export function showError(e) {
  const code = e && e.code ? e.code : 'console_error';
  const message = e && e.message ? e.message : String(e);
  text('error-title', human(e));
  text('error-code', code);
  text('error-message', message);
  text('error-request', e && e.requestId ? ', request ' + e.requestId : '');
  $('error').hidden = false;
  if (!(e && e.code)) console.error(e);
}

export function clearError() {
  $('error').hidden = true;
}

/** Runs an async action with the button disabled; failures go to the error banner. */
export async function guarded(button, action) {
  clearError();
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Marks a field invalid with a message tied to it (aria-invalid, aria-describedby). */
export function fieldError(inputId, message) {
  const input = $(inputId);
  const errId = inputId + '-error';
  let err = $(errId);
  if (!err) {
    err = el('span', { id: errId, class: 'field-error' });
    const host = input.closest('label') || input;
    host.after(err);
  }
  err.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', errId);
  input.focus();
}

/** Clears every field error inside a form or section. */
export function clearFieldErrors(root) {
  const r = typeof root === 'string' ? $(root) : root;
  for (const i of r.querySelectorAll('[aria-invalid=true]')) {
    i.removeAttribute('aria-invalid');
    i.removeAttribute('aria-describedby');
  }
  for (const s of r.querySelectorAll('.field-error')) s.remove();
}

/**
 * Asks before something that cannot be undone. Resolves true only on the confirm button;
 * with `typed`, the button waits until that exact text is typed.
 */
export function confirmDialog({ title, body, action, warning, typed }) {
  const d = $('confirm');
  text('confirm-title', title);
  text('confirm-text', body);
  text('confirm-ok', action);
  $('confirm-warning').hidden = !warning;
  text('confirm-warning', warning || '');
  $('confirm-type-box').hidden = !typed;
  text('confirm-expected', typed || '');
  $('confirm-type').value = '';
  const ok = $('confirm-ok');
  ok.disabled = !!typed;
  const previous = document.activeElement;
  return new Promise((resolve) => {
    const onType = () => {
      ok.disabled = $('confirm-type').value.trim() !== typed;
    };
    const done = (answer) => {
      $('confirm-type').removeEventListener('input', onType);
      $('confirm-form').removeEventListener('submit', onSubmit);
      $('confirm-cancel').removeEventListener('click', onCancel);
      d.removeEventListener('cancel', onCancel);
      if (d.open) d.close();
      if (previous && previous.isConnected) previous.focus();
      resolve(answer);
    };
    const onSubmit = (ev) => {
      ev.preventDefault();
      if (!ok.disabled) done(true);
    };
    const onCancel = (ev) => {
      ev.preventDefault();
      done(false);
    };
    $('confirm-type').addEventListener('input', onType);
    $('confirm-form').addEventListener('submit', onSubmit);
    $('confirm-cancel').addEventListener('click', onCancel);
    d.addEventListener('cancel', onCancel);
    d.showModal();
    (typed ? $('confirm-type') : $('confirm-cancel')).focus();
  });
}

/** Copies a pre's text; without clipboard access, selects it for a manual copy. */
export async function copyText(preId, statusId) {
  const value = $(preId).textContent;
  try {
    await navigator.clipboard.writeText(value);
    say(statusId, 'Copied to the clipboard.', 'ok');
  } catch (e) {
    const range = document.createRange();
    range.selectNodeContents($(preId));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    say(statusId, 'Selected: press Ctrl+C (or ⌘C) to copy.', 'info');
  }
}

/** Offers bytes as a file download (a blob URL: nothing inline, nothing from elsewhere). */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * A client-side list: search, filter, counts and pages over a table body.
 * match(item) decides what is shown; row(item) makes a table row.
 */
export class ListView {
  refocus(i) {
    const buttons = [...$(this.pager).querySelectorAll('button')];
    const b = buttons[i] && !buttons[i].disabled ? buttons[i] : buttons.find((x) => !x.disabled);
    if (b) b.focus();
  }

  constructor({ body, count, pager, noun, pageSize = 25, match = () => true, row, empty, summary }) {
    Object.assign(this, { body, count, pager, noun, pageSize, match, row, empty, summary });
    this.items = [];
    this.page = 0;
  }

  set(items, keepPage = false) {
    this.items = items;
    if (!keepPage) this.page = 0;
    this.render();
  }

  refilter() {
    this.page = 0;
    this.render();
  }

  render() {
    const shown = this.items.filter(this.match);
    const pages = Math.max(1, Math.ceil(shown.length / this.pageSize));
    this.page = Math.min(this.page, pages - 1);
    const from = this.page * this.pageSize;
    const slice = shown.slice(from, from + this.pageSize);
    rows(this.body, slice, this.row, this.items.length === 0 ? this.empty : 'nothing matches the filter');
    const extra = this.summary ? this.summary(this.items) : '';
    const range = shown.length === 0 ? 'none shown' : 'showing ' + (from + 1) + '–' + (from + slice.length) + ' of ' + shown.length;
    const filtered = shown.length !== this.items.length ? ' matching' : '';
    text(this.count, this.items.length + ' ' + this.noun + (extra ? ' · ' + extra : '') + ' · ' + range + filtered);
    const p = $(this.pager);
    p.replaceChildren();
    if (pages > 1) {
      const prev = el('button', { type: 'button', class: 'secondary', disabled: this.page === 0 }, 'Previous page');
      const next = el('button', { type: 'button', class: 'secondary', disabled: this.page >= pages - 1 }, 'Next page');
      // keyboard users stay on the pager: the button they used (or its twin) keeps the focus
      prev.addEventListener('click', () => { this.page -= 1; this.render(); this.refocus(0); });
      next.addEventListener('click', () => { this.page += 1; this.render(); this.refocus(1); });
      p.append(prev, el('span', {}, 'Page ' + (this.page + 1) + ' of ' + pages), next);
    }
  }
}
