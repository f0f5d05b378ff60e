// Path → page. Pure: the shell does the history and the rendering.

export const ROUTES = [
  { path: '/login', page: 'login', public: true },
  { path: '/register', page: 'register', public: true },
  { path: '/auth/oidc/callback', page: 'oidc', public: true },
  { path: '/', page: 'projects' },
  { path: '/project/:id', page: 'project' },
  { path: '/project/:id/task/:taskId', page: 'task' },
  { path: '/usage', page: 'usage' },
  { path: '/services', page: 'services' },
  { path: '/rag', page: 'rag' },
  { path: '/admin', page: 'admin' },
  { path: '/analytics', page: 'admin', params: { tab: 'analytics' } },
];

/** {page, params, public} for a path, or the not-found page. */
export function match(pathname) {
  const parts = split(pathname);
  for (const r of ROUTES) {
    const pattern = split(r.path);
    if (pattern.length !== parts.length) continue;
    const params = { ...(r.params || {}) };
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      if (pattern[i].startsWith(':')) params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
      else ok = pattern[i] === parts[i];
    }
    if (ok) return { page: r.page, params, public: !!r.public };
  }
  return { page: 'not-found', params: {}, public: true };
}

function split(path) {
  return path.replace(/\/+$/, '').split('/').filter(Boolean);
}

/** Where to go after signing in: a same-origin path only, never another site. */
export function safeNext(next) {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')
    ? next : '/';
}
