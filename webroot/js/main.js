// The shell: session, routing, the frame around every page, theme, and the app-wide error boundary.
import { html, nothing, render } from './ui/lit.js';
import { ApiClient, ApiError } from './lib/api.js';
import { match, safeNext } from './lib/router.js';
import { sizeBars, toast } from './ui/components.js';
import { retheme } from './ui/charts.js';
import { applyTheme, nextTheme, storedTheme } from './theme.js';

const root = document.getElementById('app');
root.textContent = ''; // the boot placeholder: lit renders next to what it did not create

const api = new ApiClient({
  fetch: (...args) => window.fetch(...args),
  storage: window.localStorage,
  lock: navigator.locks ? (name, fn) => navigator.locks.request(name, fn) : undefined,
  onSignedOut: () => {
    toast('Your session has ended. Please sign in again.');
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  },
});

const NAV = [
  { href: '/', text: 'Projects', pages: ['projects', 'project', 'task'] },
  { href: '/usage', text: 'Usage', pages: ['usage'] },
  { href: '/services', text: 'Services', pages: ['services'] },
  { href: '/rag', text: 'Knowledge', pages: ['rag'] },
  { href: '/admin', text: 'Admin', pages: ['admin'], admin: true },
];

let current = null; // { route, page }
let renderQueued = false;
let navigation = 0;

const ctx = {
  api,
  navigate,
  toast,
  get user() { return api.user; },
  update: () => scheduleRender(),
  /** Runs an action, shows its error as a toast; resolves to its result or undefined. */
  async act(fn, success = null) {
    try {
      const result = await fn();
      if (success) toast(success, 'success');
      return result;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) toast(err.message, 'error');
      return undefined;
    } finally {
      scheduleRender();
    }
  },
};

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

async function route() {
  const seq = ++navigation;
  const r = match(location.pathname);
  const params = { ...r.params, query: new URLSearchParams(location.search) };
  if (!r.public && !api.signedIn) {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    return;
  }
  if ((r.page === 'login' || r.page === 'register') && api.signedIn) {
    navigate(safeNext(params.query.get('next')), { replace: true });
    return;
  }
  if (current?.page?.destroy) {
    try { current.page.destroy(); } catch (err) { console.error(err); }
  }
  current = { route: r, page: null, error: null };
  scheduleRender();
  try {
    const module = await import(`./pages/${r.page}.js`);
    if (seq !== navigation) return;
    const page = new module.default(ctx, params);
    current.page = page;
    document.title = page.title ? `${page.title} · Orch` : 'Orch';
    scheduleRender();
    focusMain();
    await page.load?.();
    if (seq === navigation) scheduleRender();
  } catch (err) {
    if (seq !== navigation) return;
    console.error('page failed', err);
    current.error = err;
    scheduleRender();
  }
}

function focusMain() {
  requestAnimationFrame(() => {
    const h1 = root.querySelector('main h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
  });
}

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    draw();
  });
}

function pageView() {
  if (current?.error) {
    return html`<div class="page"><h1>Something went wrong</h1>
      <div class="notice bad" role="alert">${current.error.message}</div>
      <p><button class="btn" @click=${() => route()}>Reload this page</button> <a href="/">Back to projects</a></p></div>`;
  }
  if (!current?.page) return html`<div class="page"><div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</div></div>`;
  try {
    return current.page.view();
  } catch (err) {
    console.error('page render failed', err);
    return html`<div class="page"><h1>Something went wrong</h1><div class="notice bad" role="alert">${err.message}</div></div>`;
  }
}

function themeButton() {
  const t = storedTheme();
  const text = { light: 'Light', dark: 'Dark', system: 'Auto' }[t];
  return html`<button class="btn ghost small theme-toggle" type="button" aria-label=${`Theme: ${text}. Change theme`}
    title="Change theme" @click=${() => { applyTheme(nextTheme(t)); retheme(); scheduleRender(); }}>
    <span class="theme-icon theme-${t}" aria-hidden="true"></span>${text}</button>`;
}

function frame(content) {
  const r = current?.route;
  if (!r || r.public || !api.signedIn) {
    return html`<main id="main" class="bare" tabindex="-1">${content}</main>`;
  }
  const user = api.user;
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="topbar">
      <a class="brand" href="/" aria-label="Orch, all projects"><span class="logo" aria-hidden="true"></span>Orch</a>
      <nav class="mainnav" aria-label="Main">
        ${NAV.filter((n) => !n.admin || user?.role === 'admin').map((n) => html`<a href=${n.href}
          aria-current=${n.pages.includes(r.page) ? 'page' : nothing}>${n.text}</a>`)}
      </nav>
      <div class="topbar-end">
        ${themeButton()}
        <span class="who" title=${user?.email ?? ''}>${user?.display_name || user?.email || ''}</span>
        <button class="btn ghost small" type="button" @click=${signOut}>Sign out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">${content}</main>`;
}

function draw() {
  render(frame(pageView()), root);
  sizeBars(root);
}

function signOut() {
  api.signOut();
  navigate('/login');
}

// Same-origin links navigate inside the app.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.dataset.external != null) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => route());
window.addEventListener('unhandledrejection', (e) => {
  console.error('unhandled', e.reason);
  if (!(e.reason instanceof ApiError && e.reason.status === 401)) toast(e.reason?.message || 'Something went wrong', 'error');
});
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  if (storedTheme() === 'system') {
    applyTheme('system');
    retheme();
    scheduleRender();
  }
});

// The role may have changed since the last visit: read it once per load.
if (api.signedIn) {
  api.get('/api/auth/me').then((me) => { api.updateUser(me); scheduleRender(); }).catch(() => {});
}
route();
