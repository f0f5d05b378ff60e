// ECharts, themed from the page's CSS variables. A chart is a <div> with a ref: the chart is created
// on first render, updated when its option changes, resized with its box and disposed when the
// element leaves the page. Tooltips render as rich text inside the canvas: ECharts' HTML tooltips
// carry inline style attributes, which the Content-Security-Policy refuses.
import { html, ref } from './lit.js';
import { echarts as loadECharts } from './vendor.js';

const charts = new WeakMap();
let lib = null;

export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function palette() {
  return ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6'].map(cssVar);
}

function base() {
  const text = cssVar('--text');
  const muted = cssVar('--muted');
  const line = cssVar('--border');
  return {
    color: palette(),
    textStyle: { color: text, fontFamily: cssVar('--font') },
    aria: { enabled: true },
    animationDuration: 300,
    tooltip: { renderMode: 'richText', backgroundColor: cssVar('--surface-2'), borderColor: line, textStyle: { color: text } },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: { axisLine: { lineStyle: { color: line } }, axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } } },
    yAxis: { axisLine: { lineStyle: { color: line } }, axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } } },
  };
}

function merge(a, b) {
  if (Array.isArray(b) || typeof b !== 'object' || b === null) return b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out && typeof out[k] === 'object' && !Array.isArray(out[k]) ? merge(out[k], v) : v;
  return out;
}

/** The themed option: axes get the theme's colours whether given as an object or a list. */
export function themed(option) {
  const b = base();
  const o = merge({ color: b.color, textStyle: b.textStyle, aria: b.aria, animationDuration: b.animationDuration, tooltip: b.tooltip, grid: b.grid }, option);
  for (const axis of ['xAxis', 'yAxis']) {
    if (Array.isArray(option[axis])) o[axis] = option[axis].map((x) => merge(b[axis], x));
    else if (option[axis]) o[axis] = merge(b[axis], option[axis]);
  }
  return o;
}

/**
 * A chart element. `label` names it for screen readers; `option` is an ECharts option (or a function
 * returning one); `onReady(chart)` gets the instance, e.g. to listen to clicks.
 */
export function chart(option, { label, cls = 'chart', onReady = null, merge = false } = {}) {
  return html`<div class=${cls} role="img" aria-label=${label} ${ref((el) => attach(el, option, onReady, merge, label))}></div>`;
}

/**
 * `merge`: later options are merged into the chart instead of replacing it, so a graph keeps the
 * user's zoom and pan while its data changes.
 */
function attach(el, option, onReady, merge, label) {
  if (!el) return;
  const state = charts.get(el) || { key: null, instance: null, observer: null, pending: null };
  charts.set(el, state);
  const given = typeof option === 'function' ? option(el) : option;
  // ECharts writes its own aria-label from the data; ours says what the chart means.
  const opt = label ? { ...given, aria: { enabled: true, label: { description: label } } } : given;
  const key = JSON.stringify(opt);
  if (key === state.key) return;
  state.key = key;
  const apply = (ec) => {
    if (!el.isConnected && state.instance) return;
    const fresh = !state.instance;
    if (fresh) {
      state.instance = ec.init(el, null, { renderer: 'canvas' });
      state.observer = new ResizeObserver(() => state.instance && !state.instance.isDisposed() && state.instance.resize());
      state.observer.observe(el);
      watchRemoval(el, state);
      onReady?.(state.instance);
    }
    state.instance.setOption(themed(opt), { notMerge: fresh || !merge, lazyUpdate: true });
  };
  if (lib) apply(lib);
  else loadECharts().then((m) => { lib = m; apply(m); }).catch((err) => {
    el.textContent = `Chart unavailable: ${err.message}`;
  });
}

/** Disposes the chart when its element leaves the document. */
function watchRemoval(el, state) {
  const check = () => {
    if (!el.isConnected) {
      state.observer?.disconnect();
      state.instance?.dispose();
      state.instance = null;
      charts.delete(el);
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { childList: true, subtree: true });
}

/** Re-applies every chart's option after a theme change. */
export function retheme() {
  document.querySelectorAll('.chart, .dag-canvas').forEach((el) => {
    const state = charts.get(el);
    if (state) state.key = null;
  });
}

export { charts as chartStates };
