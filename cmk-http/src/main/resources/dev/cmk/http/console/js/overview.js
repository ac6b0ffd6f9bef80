// Account overview: residency, fallback (and its mode, when the server has modes), search
// encryption, drop-calls (operator option). A failed change shows the stored value again.
import { api, accountPath, session } from './api.js';
import { $, text, when, say, guarded, confirmDialog, fieldError, clearFieldErrors } from './dom.js';

let hasModes = false;

function render(a) {
  text('acct-name', a.name);
  text('acct-id', a.id);
  text('acct-region', a.region);
  text('acct-created', when(a.createdAt));
  $('region-input').value = a.region;
  $('opt-fallback').checked = a.fallbackEnabled;
  $('opt-search').checked = a.searchEncryption;
  $('opt-drop').checked = a.dropCallsOnKeyUnavailable;
  hasModes = typeof a.fallbackMode === 'string' && a.fallbackMode !== '';
  $('fallback-mode-box').hidden = !hasModes;
  if (hasModes) $('opt-fallback-mode').value = a.fallbackMode;
  $('opt-drop').disabled = !session.operator();
  $('drop-note').hidden = session.operator();
}

export async function load() {
  say('options-status', '');
  clearFieldErrors('overview');
  render(await api('GET', accountPath()));
}

const ASK = {
  fallback: {
    title: 'Turn fallback off?',
    body: 'While your key is unavailable, new content will be refused instead of being protected under the platform\'s backup key.',
    action: 'Turn fallback off',
  },
};

/** Sends an option change; on failure the box shows its previous value again. */
function toggle(id, path, label) {
  const box = $(id);
  box.addEventListener('change', async () => {
    const wanted = box.checked;
    if (!wanted && ASK[path] && !(await confirmDialog(ASK[path]))) {
      box.checked = true;
      return;
    }
    say('options-status', 'Saving…', 'info');
    const body = { enabled: wanted };
    if (path === 'fallback' && hasModes) body.mode = $('opt-fallback-mode').value;
    const a = await guarded(box, () => api('PUT', accountPath(path), body));
    if (a) {
      render(a);
      say('options-status', label + ' is now ' + (wanted ? 'on' : 'off') + '.', 'ok');
    } else {
      box.checked = !wanted; // never show a value the server does not have
      await load().catch(() => {});
      say('options-status', label + ' was not changed: it is still ' + (wanted ? 'off' : 'on') + '.', 'bad');
    }
  });
}

export function init() {
  toggle('opt-fallback', 'fallback', 'Fallback');
  toggle('opt-search', 'search-encryption', 'Search-data encryption');
  toggle('opt-drop', 'drop-calls', 'Dropping calls on key loss');
  $('opt-fallback-mode').addEventListener('change', async (ev) => {
    const a = await guarded(ev.target, () =>
      api('PUT', accountPath('fallback'), { enabled: $('opt-fallback').checked, mode: ev.target.value }));
    if (a) {
      render(a);
      say('options-status', 'Fallback mode is now ' + a.fallbackMode + ': '
        + (a.fallbackMode === 'ANY_REASON' ? 'any reason.' : 'outages only.'), 'ok');
    } else {
      await load().catch(() => {});
    }
  });
  $('region-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors('region-form');
    const region = $('region-input').value.trim();
    if (!region) {
      fieldError('region-input', 'Enter a region, e.g. eu-central-1.');
      return;
    }
    const a = await guarded(ev.submitter, async () => {
      try {
        return await api('PATCH', accountPath(), { region });
      } catch (e) {
        if (e.status === 400) fieldError('region-input', e.message);
        throw e;
      }
    });
    if (a) {
      render(a);
      say('options-status', 'Data residency is now ' + a.region + '.', 'ok');
    }
  });
}
