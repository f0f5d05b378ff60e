// Small building blocks shared by the pages.
import { html, nothing, render } from './lit.js';
import { label, tone } from '../lib/format.js';

/**
 * A titled card. `body` is a function so that a panel that throws while rendering shows its own
 * error instead of blanking the page (the error boundary of each panel).
 */
export function panel(title, body, { actions = nothing, id = null, cls = '' } = {}) {
  let content;
  try {
    content = body();
  } catch (err) {
    console.error(`panel "${title}" failed`, err);
    content = html`<div class="notice bad" role="alert">This panel could not be shown: ${err.message}</div>`;
  }
  const headingId = id ? `${id}-title` : null;
  return html`<section class="panel ${cls}" id=${id ?? nothing} aria-labelledby=${headingId ?? nothing}>
    <header class="panel-head"><h2 id=${headingId ?? nothing}>${title}</h2><div class="panel-actions">${actions}</div></header>
    <div class="panel-body">${content}</div>
  </section>`;
}

export function badge(status, text = null) {
  return html`<span class="badge tone-${tone(status)}">${text ?? label(status)}</span>`;
}

/** A horizontal bar; `value` of `max`, with an accessible name. */
export function bar(value, max, { name = '', toneName = null, text = null } = {}) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  const t = toneName ?? (pct >= 100 ? 'bad' : pct >= 80 ? 'warn' : 'ok');
  return html`<div class="bar-wrap">
    <div class="bar" role="progressbar" aria-label=${name} aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${Math.round(pct)}><span class="bar-fill tone-${t}" data-pct=${pct.toFixed(1)}></span></div>
    ${text == null ? nothing : html`<span class="bar-text">${text}</span>`}
  </div>`;
}

/** Sets bar widths after render: style attributes are not allowed by the CSP, the CSSOM is. */
export function sizeBars(root) {
  for (const el of root.querySelectorAll('.bar-fill[data-pct]')) el.style.width = `${el.dataset.pct}%`;
}

export function empty(title, text = '', action = nothing) {
  return html`<div class="empty"><p class="empty-title">${title}</p>${text ? html`<p class="muted">${text}</p>` : nothing}${action}</div>`;
}

export function loading(text = 'Loading…') {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${text}</div>`;
}

export function errorBox(err, retry = null) {
  return html`<div class="notice bad" role="alert">
    <span>${err?.message || String(err)}</span>
    ${retry ? html`<button class="btn small" @click=${retry}>Try again</button>` : nothing}
  </div>`;
}

export function stat(name, value, hint = nothing) {
  return html`<div class="stat"><div class="stat-label">${name}</div><div class="stat-value">${value}</div>
    ${hint === nothing ? nothing : html`<div class="stat-hint">${hint}</div>`}</div>`;
}

export function copyButton(text, what = 'text') {
  return html`<button class="btn small ghost" type="button" aria-label=${`Copy ${what}`}
    @click=${async (e) => {
      const btn = e.currentTarget;
      try {
        await navigator.clipboard.writeText(typeof text === 'function' ? text() : text);
        btn.textContent = 'Copied';
      } catch {
        btn.textContent = 'Copy failed';
      }
      setTimeout(() => { btn.textContent = 'Copy'; }, 1500);
    }}>Copy</button>`;
}

/** Key-value list. */
export function facts(pairs) {
  return html`<dl class="facts">${pairs.filter(Boolean).map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

// ---- toasts ----

let toastRoot = null;
export function toast(message, kind = 'info') {
  if (!toastRoot) {
    toastRoot = document.createElement('div');
    toastRoot.className = 'toasts';
    toastRoot.setAttribute('role', 'status');
    toastRoot.setAttribute('aria-live', 'polite');
    document.body.append(toastRoot);
  }
  const el = document.createElement('div');
  el.className = `toast tone-${kind === 'error' ? 'bad' : kind === 'success' ? 'ok' : 'muted'}`;
  el.textContent = message;
  toastRoot.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

// ---- dialogs ----

/**
 * A modal built on <dialog> (focus trap and Escape come with it). `body` is a template; resolves
 * with the form's values when confirmed, or null.
 */
export function dialog({ title, body, confirm = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const el = document.createElement('dialog');
    el.className = 'modal';
    el.setAttribute('aria-labelledby', 'modal-title');
    document.body.append(el);
    const done = (value) => {
      el.close();
      el.remove();
      resolve(value);
    };
    const submit = (e) => {
      e.preventDefault();
      const values = Object.fromEntries(new FormData(e.currentTarget).entries());
      done(values);
    };
    render(html`<form method="dialog" @submit=${submit}>
      <h2 id="modal-title">${title}</h2>
      <div class="modal-body">${body}</div>
      <div class="modal-actions">
        <button type="button" class="btn ghost" @click=${() => done(null)}>Cancel</button>
        <button type="submit" class="btn ${danger ? 'danger' : 'primary'}">${confirm}</button>
      </div>
    </form>`, el);
    el.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(null);
    });
    el.showModal();
    (el.querySelector('[autofocus]') || el.querySelector('input, textarea, select, button[type=submit]'))?.focus();
  });
}

export async function confirmAction(title, text, confirm = 'Confirm', danger = false) {
  return (await dialog({ title, body: html`<p>${text}</p>`, confirm, danger })) !== null;
}
