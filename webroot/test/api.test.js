// The REST client's token handling: one refresh for many 401s, one retry, a clean sign-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, ApiError, tokenExpiry } from '../js/lib/api.js';

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (exp, tag = '') => `${b64({ alg: 'HS256' })}.${b64({ sub: 'u1', type: 'access', exp, tag })}.sig`;
const NOW = 1_800_000_000_000;
const fresh = (tag) => jwt(NOW / 1000 + 1800, tag);

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

function json(status, body) {
  return { status, ok: status >= 200 && status < 300, text: async () => JSON.stringify(body), json: async () => body };
}

/** A server: `routes(path, token, body)` answers; every call is recorded. */
function server(routes) {
  const calls = [];
  const fetch = async (path, init) => {
    const token = init.headers.Authorization?.replace('Bearer ', '') ?? null;
    const body = init.body ? JSON.parse(init.body) : undefined;
    calls.push({ path, token, body });
    await new Promise((r) => setTimeout(r, 1));
    return routes(path, token, body);
  };
  return { fetch, calls };
}

function client(fetch, extra = {}) {
  const storage = new MemoryStorage();
  let signedOut = 0;
  const api = new ApiClient({ fetch, storage, now: () => NOW, onSignedOut: () => { signedOut++; }, ...extra });
  api.signedInWith({ access_token: fresh('old'), refresh_token: 'r1', user: { email: 'a@example.com' } });
  return { api, storage, signedOut: () => signedOut };
}

test('a 401 gets one refresh and the request is sent again once, with the new token', async () => {
  const s = server((path, token) => {
    if (path === '/api/auth/refresh') return json(200, { access_token: fresh('new'), refresh_token: 'r2', token_type: 'bearer' });
    return token === fresh('new') ? json(200, { ok: true }) : json(401, { detail: 'Invalid or expired token' });
  });
  const { api } = client(s.fetch);
  assert.deepEqual(await api.get('/api/projects'), { ok: true });
  assert.deepEqual(s.calls.map((c) => c.path), ['/api/projects', '/api/auth/refresh', '/api/projects']);
  assert.equal(s.calls[1].body.refresh_token, 'r1');
  assert.equal(api.session.refresh_token, 'r2', 'the rotated refresh token is kept');
});

test('requests that fail with 401 at the same time share one refresh (a second would be taken for token theft)', async () => {
  const s = server((path, token) => {
    if (path === '/api/auth/refresh') return json(200, { access_token: fresh('new'), refresh_token: 'r2' });
    return token === fresh('new') ? json(200, path) : json(401, { detail: 'Invalid or expired token' });
  });
  const { api } = client(s.fetch);
  const results = await Promise.all(['/api/a', '/api/b', '/api/c'].map((p) => api.get(p)));
  assert.deepEqual(results, ['/api/a', '/api/b', '/api/c']);
  assert.equal(s.calls.filter((c) => c.path === '/api/auth/refresh').length, 1);
  assert.equal(s.calls.length, 7);
});

test('when the refresh is refused the session ends once and the request is not retried', async () => {
  const s = server((path) => (path === '/api/auth/refresh'
    ? json(401, { detail: 'Token has been revoked — all sessions revoked. Please log in again.' })
    : json(401, { detail: 'Invalid or expired token' })));
  const { api, signedOut } = client(s.fetch);
  await assert.rejects(api.get('/api/projects'), (e) => e instanceof ApiError && e.status === 401);
  assert.deepEqual(s.calls.map((c) => c.path), ['/api/projects', '/api/auth/refresh']);
  assert.equal(signedOut(), 1);
  assert.equal(api.signedIn, false);
});

test('a request refused again after a successful refresh is not retried a second time', async () => {
  const s = server((path) => (path === '/api/auth/refresh'
    ? json(200, { access_token: fresh('new'), refresh_token: 'r2' })
    : json(401, { detail: 'User not found or disabled' })));
  const { api, signedOut } = client(s.fetch);
  await assert.rejects(api.get('/api/projects'), { status: 401, message: 'User not found or disabled' });
  assert.equal(s.calls.length, 3);
  assert.equal(signedOut(), 1);
});

test('a token about to expire is refreshed before the request leaves', async () => {
  const s = server((path, token) => (path === '/api/auth/refresh'
    ? json(200, { access_token: fresh('new'), refresh_token: 'r2' })
    : json(200, token === fresh('new'))));
  const { api } = client(s.fetch);
  api.session = { ...api.session, access_token: jwt(NOW / 1000 + 10) };
  assert.equal(await api.get('/api/projects'), true);
  assert.deepEqual(s.calls.map((c) => c.path), ['/api/auth/refresh', '/api/projects']);
});

test('a token another tab already rotated is used instead of refreshing again', async () => {
  const s = server((path, token) => (path === '/api/auth/refresh' ? json(500, {}) : json(token === fresh('other') ? 200 : 401, {})));
  let api;
  // The lock is where another tab would have finished its refresh.
  const lock = async (name, fn) => {
    api.session = { ...api.session, access_token: fresh('other'), refresh_token: 'r9' };
    return fn();
  };
  ({ api } = client(s.fetch, { lock }));
  await api.get('/api/projects');
  assert.equal(s.calls.filter((c) => c.path === '/api/auth/refresh').length, 0);
  assert.equal(s.calls.at(-1).token, fresh('other'));
});

test('errors carry the server detail; a 422 list reads as field messages', async () => {
  const s = server(() => json(422, { detail: [{ type: 'missing', loc: ['body', 'name'], msg: 'Field required' }] }));
  const { api } = client(s.fetch);
  await assert.rejects(api.post('/api/projects', {}), { status: 422, message: 'name: Field required' });
  const offline = client(async () => { throw new TypeError('Failed to fetch'); });
  await assert.rejects(offline.api.get('/api/projects'), { status: 0, message: 'The server cannot be reached.' });
});

test('the expiry of a JWT is read from its payload', () => {
  assert.equal(tokenExpiry(jwt(1234)), 1_234_000);
  assert.equal(tokenExpiry('not a token'), 0);
});
