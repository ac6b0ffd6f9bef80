// The console's only way to the server: the /v1 API with the signed-in bearer token.
// The token lives in sessionStorage (this tab only), never in the URL or localStorage.

const TOKEN = 'cmk.console.token';
const ACCOUNT = 'cmk.console.account';
const ROLE = 'cmk.console.role';

/** An API failure: the stable code and message of the API's error body. */
export class ApiError extends Error {
  constructor(status, code, message, requestId, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId || '';
    this.details = details || null;
  }
}

export const session = {
  token: () => sessionStorage.getItem(TOKEN),
  account: () => sessionStorage.getItem(ACCOUNT) || '',
  role: () => sessionStorage.getItem(ROLE),
  operator: () => sessionStorage.getItem(ROLE) === 'operator',
  set(token, account, role) {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(ROLE, role);
    if (account) sessionStorage.setItem(ACCOUNT, account);
    else sessionStorage.removeItem(ACCOUNT);
  },
  setAccount(account) {
    if (account) sessionStorage.setItem(ACCOUNT, account);
    else sessionStorage.removeItem(ACCOUNT);
  },
  clear() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ACCOUNT);
    sessionStorage.removeItem(ROLE);
  },
};

let onSessionLost = () => {};

/** What to do when the server no longer accepts the session's token (revoked or expired). */
export function whenSessionLost(handler) {
  onSessionLost = handler;
}

/** The path of an account's resource, every segment URL-encoded; never /v1/accounts/null. */
export function accountPath(...segments) {
  const account = session.account();
  if (!account) throw new ApiError(0, 'no_account', 'no account is selected');
  const parts = [account, ...segments].map((s) => encodeURIComponent(s));
  return '/v1/accounts/' + parts.join('/');
}

/** Sends a request; resolves to the fetch Response of a 2xx, rejects with an ApiError. */
export async function request(method, path, { body, token = session.token(), type, accept } = {}) {
  const headers = { Accept: accept || 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = type || 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, {
      method, headers, body: payload, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    throw new ApiError(0, 'network_error', 'the CMK server did not answer (' + e.message + ')');
  }
  if (res.ok) return res;
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  const err = json && json.error;
  const error = err && err.code
    ? new ApiError(res.status, err.code, err.message || '', err.requestId, err.details)
    : new ApiError(res.status, 'http_' + res.status, text.slice(0, 200) || res.statusText);
  // the session's own token refused: sign out cleanly (a sign-in attempt passes its own token)
  if (res.status === 401 && token && token === session.token()) onSessionLost(error);
  throw error;
}

/** Calls the API; resolves to the parsed JSON body, rejects with an ApiError. */
export async function api(method, path, body, token = session.token()) {
  const res = await request(method, path, { body, token });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** Like api(), but resolves to null when this server has no such route (a newer feature). */
export async function optional(method, path) {
  try {
    return await api(method, path);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'route_not_found') return null;
    throw e;
  }
}

/** Reads a JSON-lines export (audit log, key usage) into a list of objects. */
export async function jsonl(path) {
  const res = await request('GET', path, { accept: 'application/x-ndjson' });
  const text = await res.text();
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}
