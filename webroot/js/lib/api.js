// The REST client: JSON in and out, bearer tokens, and a silent refresh.
//
// Refresh tokens rotate and the server treats a reused one as theft (API.md §5.2: the whole family
// is revoked). So refreshes are single-flight: requests that get a 401 at the same time share one
// refresh, and across tabs a lock serialises them; inside the lock the stored session is read again,
// because another tab may already have rotated the token we hold. A request is retried once after a
// successful refresh, never more.
//
// No DOM here: fetch, storage and the lock are passed in, so node's test runner drives this module.

const SESSION_KEY = 'orch.session';
/** Refresh ahead of expiry by this much, so a request never leaves with an almost-dead token. */
const EXPIRY_MARGIN_MS = 30_000;

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : ApiError.describe(status, detail));
    this.status = status;
    this.detail = detail;
  }

  /** A readable message for a 422's list of field errors, or for a status alone. */
  static describe(status, detail) {
    if (Array.isArray(detail) && detail.length) {
      return detail.map((e) => {
        const field = Array.isArray(e.loc) ? e.loc.filter((p) => p !== 'body' && p !== 'query').join('.') : '';
        return field ? `${field}: ${e.msg}` : e.msg;
      }).join('; ');
    }
    if (status === 0) return 'The server cannot be reached.';
    return `Request failed (${status})`;
  }
}

/** The expiry of a JWT in epoch milliseconds, or 0 when it cannot be read. */
export function tokenExpiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(globalThis.atob(payload + '='.repeat((4 - (payload.length % 4)) % 4)));
    return typeof json.exp === 'number' ? json.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

export class ApiClient {
  /**
   * @param {object} deps
   * @param {typeof fetch} deps.fetch
   * @param {Storage} deps.storage where the session lives (localStorage in the browser)
   * @param {(name: string, fn: () => Promise<any>) => Promise<any>} [deps.lock] a cross-tab lock
   * @param {() => number} [deps.now]
   * @param {() => void} [deps.onSignedOut] called once when the session ends without the user asking
   */
  constructor({ fetch, storage, lock, now, onSignedOut }) {
    this.fetchImpl = fetch;
    this.storage = storage;
    this.lock = lock || ((name, fn) => fn());
    this.now = now || (() => Date.now());
    this.onSignedOut = onSignedOut || (() => {});
    this.refreshing = null;
  }

  /** {access_token, refresh_token, user} or null. */
  get session() {
    try {
      return JSON.parse(this.storage.getItem(SESSION_KEY) || 'null');
    } catch {
      return null;
    }
  }

  set session(value) {
    if (value) this.storage.setItem(SESSION_KEY, JSON.stringify(value));
    else this.storage.removeItem(SESSION_KEY);
  }

  get signedIn() {
    return !!this.session?.access_token;
  }

  get user() {
    return this.session?.user || null;
  }

  /** Stores a LoginResponse (password or OIDC sign-in). */
  signedInWith(login) {
    this.session = { access_token: login.access_token, refresh_token: login.refresh_token, user: login.user };
  }

  updateUser(user) {
    const s = this.session;
    if (s) this.session = { ...s, user };
  }

  signOut() {
    this.session = null;
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body); }
  patch(path, body) { return this.request('PATCH', path, body); }
  delete(path) { return this.request('DELETE', path); }

  /**
   * Sends one request; resolves to the parsed JSON body (null for 204), rejects with an ApiError.
   * `raw: true` resolves to the Response instead (downloads).
   */
  async request(method, path, body, { raw = false, auth = true } = {}) {
    let token = auth ? await this.freshToken() : null;
    let res = await this.send(method, path, body, token);
    if (res.status === 401 && auth && token) {
      token = await this.refresh(token);
      if (token) res = await this.send(method, path, body, token);
      if (res.status === 401) this.expire();
    }
    if (raw && res.ok) return res;
    return ApiClient.read(res);
  }

  async send(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, null);
    }
  }

  static async read(res) {
    if (res.status === 204) return null;
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) throw new ApiError(res.status, json && 'detail' in json ? json.detail : null);
    return json;
  }

  /** The access token, refreshed first when it is about to expire. */
  async freshToken() {
    const s = this.session;
    if (!s?.access_token) return null;
    const exp = tokenExpiry(s.access_token);
    if (exp && exp - this.now() < EXPIRY_MARGIN_MS && s.refresh_token) {
      return (await this.refresh(s.access_token)) || s.access_token;
    }
    return s.access_token;
  }

  /**
   * Gets a new access token after `rejected` stopped working. Concurrent callers share one refresh;
   * returns the new token, or null when the session is over.
   */
  refresh(rejected) {
    if (!this.refreshing) {
      this.refreshing = this.lock('orch-refresh', () => this.rotate(rejected))
        .finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  async rotate(rejected) {
    const s = this.session;
    if (!s?.refresh_token) return null;
    // Another tab refreshed while we waited: its token is ours too.
    if (s.access_token !== rejected && tokenExpiry(s.access_token) - this.now() > EXPIRY_MARGIN_MS) {
      return s.access_token;
    }
    let res;
    try {
      res = await this.send('POST', '/api/auth/refresh', { refresh_token: s.refresh_token }, null);
    } catch {
      return null; // offline: keep the session, the next request tries again
    }
    if (!res.ok) {
      if (res.status === 401) this.expire();
      return null;
    }
    const body = await res.json();
    this.session = { ...this.session, access_token: body.access_token, refresh_token: body.refresh_token };
    return body.access_token;
  }

  expire() {
    if (this.session) {
      this.signOut();
      this.onSignedOut();
    }
  }
}
