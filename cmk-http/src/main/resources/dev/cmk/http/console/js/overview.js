// Account overview: residency, fallback, search encryption, drop-calls (operator option).
import { api, accountPath, session } from './api.js';
import { $, text, when, guarded } from './dom.js';

function render(a) {
  text('acct-name', a.name);
  text('acct-id', a.id);
  text('acct-region', a.region);
  text('acct-created', when(a.createdAt));
  $('region-input').value = a.region;
  $('opt-fallback').checked = a.fallbackEnabled;
  $('opt-fallback-mode').value = a.fallbackMode || 'ANY_REASON';
  $('opt-search').checked = a.searchEncryption;
  $('opt-drop').checked = a.dropCallsOnKeyUnavailable;
  const operator = session.role() === 'operator';
  $('opt-drop').disabled = !operator;
  $('drop-note').hidden = operator;
}

export async function load() {
  text('options-status', '');
  render(await api('GET', accountPath()));
}

/** Sends an option change; on failure the box shows the stored value again. */
function toggle(id, path, label, extra = () => ({})) {
  const box = $(id);
  box.addEventListener('change', async () => {
    const wanted = box.checked;
    text('options-status', 'saving…');
    const a = await guarded(box, () =>
      api('PUT', accountPath(path), { enabled: wanted, ...extra() }));
    if (a) {
      render(a);
      text('options-status', label + ' is now ' + (wanted ? 'on' : 'off') + '.');
    } else {
      text('options-status', '');
      await load().catch(() => {});
    }
  });
}

export function init() {
  const mode = () => ({ mode: $('opt-fallback-mode').value });
  toggle('opt-fallback', 'fallback', 'Fallback', mode);
  $('opt-fallback-mode').addEventListener('change', async (ev) => {
    text('options-status', 'saving…');
    const a = await guarded(ev.target, () =>
      api('PUT', accountPath('fallback'), { enabled: $('opt-fallback').checked, ...mode() }));
    if (a) {
      render(a);
      text('options-status', 'Fallback mode is now ' + a.fallbackMode + '.');
    } else {
      await load().catch(() => {});
    }
  });
  toggle('opt-search', 'search-encryption', 'Search-data encryption');
  toggle('opt-drop', 'drop-calls', 'Dropping calls on key loss');
  $('region-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = await guarded(ev.submitter, () =>
      api('PATCH', accountPath(), { region: $('region-input').value.trim() }));
    if (a) {
      render(a);
      text('options-status', 'Data residency is now ' + a.region + '.');
    }
  });
}
