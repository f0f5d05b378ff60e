// Task output as a person reads it: Markdown rendered by marked, sanitised by DOMPurify (model
// output is untrusted), code highlighted by highlight.js, each code block with a copy button.
import { html, ref } from './lit.js';
import { hljs as loadHljs, marked as loadMarked, purify as loadPurify } from './vendor.js';

let tools = null;
async function load() {
  if (!tools) {
    const [m, purify, hljs] = await Promise.all([loadMarked(), loadPurify(), loadHljs()]);
    tools = { marked: m.marked, purify, hljs };
  }
  return tools;
}

/** Sanitised HTML of a Markdown text (inline styles dropped: the CSP would refuse them anyway). */
export async function toHtml(text) {
  const { marked, purify } = await load();
  const raw = marked.parse(String(text ?? ''), { gfm: true, breaks: false, async: false });
  return purify.sanitize(raw, { FORBID_ATTR: ['style'], FORBID_TAGS: ['style', 'form', 'input', 'button'] });
}

/** A <div> that fills itself with the rendered Markdown of `text`. */
export function markdown(text, { cls = 'prose' } = {}) {
  return html`<div class=${cls} ${ref((el) => fill(el, text))}></div>`;
}

const filled = new WeakMap();
async function fill(el, text) {
  if (!el || filled.get(el) === text) return;
  filled.set(el, text);
  el.textContent = '';
  el.setAttribute('aria-busy', 'true');
  try {
    const safe = await toHtml(text);
    if (filled.get(el) !== text) return;
    el.innerHTML = safe;
    for (const a of el.querySelectorAll('a[href]')) {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
    }
    const { hljs } = tools;
    for (const code of el.querySelectorAll('pre > code')) {
      hljs.highlightElement(code);
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'btn small ghost code-copy';
      btn.textContent = 'Copy';
      btn.setAttribute('aria-label', 'Copy code');
      btn.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(code.textContent);
          btn.textContent = 'Copied';
        } catch {
          btn.textContent = 'Copy failed';
        }
        setTimeout(() => { btn.textContent = 'Copy'; }, 1500);
      });
      code.parentElement.classList.add('has-copy');
      code.parentElement.append(btn);
      code.parentElement.tabIndex = 0;
    }
  } catch (err) {
    el.textContent = String(text ?? '');
    el.classList.add('plain');
    console.warn('markdown rendering failed', err);
  } finally {
    el.removeAttribute('aria-busy');
  }
}
