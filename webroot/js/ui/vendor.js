// The heavier libraries, loaded the first time a page needs them. Versions match the WebJars in the
// pom (the URLs carry them, so the server caches them as immutable).

const loaded = new Map();

/** Loads a classic script once; resolves with the global it defines. */
function script(src, global) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((resolve, reject) => {
      const el = document.createElement('script');
      el.src = src;
      el.onload = () => resolve(window[global]);
      el.onerror = () => {
        loaded.delete(src);
        reject(new Error(`Could not load ${src}`));
      };
      document.head.append(el);
    }));
  }
  return loaded.get(src);
}

export const echarts = () => import('/webjars/echarts/5.3.1/dist/echarts.esm.min.js');
export const dagre = () => script('/webjars/dagre/0.8.4/dist/dagre.min.js', 'dagre');
export const hljs = () => script('/webjars/highlightjs/11.10.0/highlight.min.js', 'hljs');
export const marked = () => import('/webjars/marked/15.0.7/lib/marked.esm.js');
export const purify = () => import('/webjars/dompurify/3.2.4/dist/purify.es.mjs').then((m) => m.default);
