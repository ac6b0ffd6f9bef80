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
  account: () => sessionStorage.getItem(ACCOUNT),
  role: () => sessionStorage.getItem(ROLE),
  set(token, account, role) {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(ROLE, role);
    if (account) sessionStorage.setItem(ACCOUNT, account);
  },
  setAccount: (account) => sessionStorage.setItem(ACCOUNT, account),
  clear() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ACCOUNT);
    sessionStorage.removeItem(ROLE);
  },
};

/** The path of an account's resource, every segment URL-encoded. */
export function accountPath(...segments) {
  const parts = [session.account(), ...segments].map((s) => encodeURIComponent(s));
  return '/v1/accounts/' + parts.join('/');
}

/** Calls the API; resolves to the parsed JSON body, rejects with an ApiError. */
export async function api(method, path, body, token = session.token()) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    throw new ApiError(0, 'network_error', 'the CMK server did not answer: ' + e.message);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!res.ok) {
    const err = json && json.error;
    if (err && err.code) {
      throw new ApiError(res.status, err.code, err.message || '', err.requestId, err.details);
    }
    throw new ApiError(res.status, 'http_' + res.status, text.slice(0, 200) || res.statusText);
  }
  return json;
}
