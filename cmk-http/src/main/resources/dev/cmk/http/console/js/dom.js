// DOM helpers. API data only ever becomes text nodes or form values: nothing here parses HTML.

export const $ = (id) => document.getElementById(id);

/** Builds an element; children are nodes or strings (strings become text nodes). */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'data') Object.assign(e.dataset, v);
    else if (k === 'onclick') e.addEventListener('click', v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function text(id, value) {
  $(id).textContent = value === null || value === undefined ? '' : String(value);
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
  for (const item of items) body.append(toRow(item));
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
}

/** Shows an API error: its stable code, its message and the request id to quote. */
export function showError(e) {
  const code = e && e.code ? e.code : 'console_error';
  const message = e && e.message ? e.message : String(e);
  text('error-code', code);
  text('error-message', message);
  text('error-request', e && e.requestId ? 'request ' + e.requestId : '');
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
