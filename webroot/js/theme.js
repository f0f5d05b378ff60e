// Light, dark or the system's choice; remembered per browser. theme-init.js applies it before the
// first paint, so the page never flashes the wrong colours.
const KEY = 'orch.theme';
const ORDER = ['system', 'light', 'dark'];

export function storedTheme() {
  const t = localStorage.getItem(KEY);
  return ORDER.includes(t) ? t : 'system';
}

export function nextTheme(t) {
  return ORDER[(ORDER.indexOf(t) + 1) % ORDER.length];
}

export function applyTheme(t) {
  localStorage.setItem(KEY, t);
  const dark = t === 'dark' || (t === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
