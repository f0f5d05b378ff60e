// The task graph drawn by ECharts: status colours, the critical path, zoom and pan, group labels.
// Positions come from lib/dag.js. A click on a task opens it; the task table beside the graph is the
// keyboard's way to the same tasks.
import { html } from './lit.js';
import { chart, cssVar } from './charts.js';
import { NODE_H, NODE_W } from '../lib/dag.js';
import { tone, label } from '../lib/format.js';

const TONE_VAR = { ok: '--ok', run: '--run', warn: '--warn', bad: '--bad', wait: '--wait', muted: '--muted' };

function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * @param {{graph, layout, critical}} model from lib/dag.js
 * @param {(taskId: string) => void} open
 */
/** The layout each element last framed: a new layout (regrouped, new tasks) is framed again, live updates are not. */
const framed = new WeakMap();
/** Below this scale a task's title is unreadable: a large graph opens on its first waves instead of shrinking. */
const MIN_READABLE = 0.4;
const MARGIN = { left: 16, right: 16, top: 16, bottom: 16 };

/**
 * @param {{graph, layout, critical}} model from lib/dag.js
 * @param {(taskId: string) => void} open
 */
export function dagView(model, open, { name = 'Task graph' } = {}) {
  const option = (el) => {
    const { graph, layout, critical } = model;
    const boxW = Math.max(200, (el?.clientWidth || el?.parentElement?.clientWidth || 900) - MARGIN.left - MARGIN.right);
    const boxH = Math.max(200, (el?.clientHeight || 480) - MARGIN.top - MARGIN.bottom);
    // The extent of everything drawn: node boxes and group labels.
    let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
    for (const p of layout.positions.values()) {
      minX = Math.min(minX, p.x - NODE_W / 2); maxX = Math.max(maxX, p.x + NODE_W / 2);
      minY = Math.min(minY, p.y - NODE_H / 2); maxY = Math.max(maxY, p.y + NODE_H / 2);
    }
    for (const g of layout.groups) {
      minX = Math.min(minX, g.x - NODE_W / 2); minY = Math.min(minY, g.y - NODE_H / 2); maxY = Math.max(maxY, g.y);
    }
    const spanW = maxX - minX + 20;
    const spanH = maxY - minY + 20;
    // ECharts fits the data's bounding box into the series box; two invisible corner anchors make
    // that box the drawing's extent, padded to the box's shape, so one layout unit is `fit` pixels.
    const fit = Math.min(1, boxW / spanW, boxH / spanH);
    const cx = (minX + maxX) / 2;
    const cy = (minY + maxY) / 2;
    const halfW = boxW / fit / 2;
    const halfH = boxH / fit / 2;
    const anchors = [[cx - halfW, cy - halfH], [cx + halfW, cy + halfH]].map(([x, y], i) => ({
      id: `anchor:${i}`, x, y, symbolSize: 0, label: { show: false }, tooltip: { show: false }, silent: true,
    }));
    let view = {};
    if (framed.get(el) !== layout) {
      framed.set(el, layout);
      const zoom = fit < MIN_READABLE ? MIN_READABLE / fit : 1;
      // Too large to read whole: open on the first waves, top left; scroll and drag show the rest.
      view = zoom > 1
        ? { zoom, center: [minX + boxW / MIN_READABLE / 2, minY + boxH / MIN_READABLE / 2] }
        : { zoom: 1, center: [cx, cy] };
    }
    // How big a layout unit shows on first sight: the fit, or the readable minimum for large graphs.
    const shown = Math.max(fit, Math.min(1, MIN_READABLE));
    const crit = cssVar('--critical');
    const text = cssVar('--on-node');
    const line = cssVar('--edge');
    const nodes = graph.nodes.map((n) => {
      const p = layout.positions.get(n.id);
      const onPath = critical.nodes.has(n.id);
      return {
        id: n.id,
        name: n.title,
        x: p.x,
        y: p.y,
        symbol: 'rect',
        symbolSize: [NODE_W * fit, NODE_H * fit],
        itemStyle: { color: cssVar(TONE_VAR[tone(n.status)]), borderColor: onPath ? crit : 'transparent', borderWidth: onPath ? 2 : 0, borderRadius: 4 },
        label: { show: true, color: text, fontSize: shown >= 0.8 ? 12 : 10, formatter: truncate(n.title, 26), overflow: 'truncate', width: Math.max(30, NODE_W * shown - 8) },
        tooltip: { formatter: `${n.title}\n${label(n.status)} · wave ${n.wave}${n.phase ? ` · ${n.phase}` : ''}${onPath ? '\nOn the critical path' : ''}` },
      };
    });
    const groups = layout.groups.map((g, i) => ({
      id: `group:${i}`,
      name: g.label,
      x: g.band ? g.x - NODE_W / 2 : g.x,
      y: g.y,
      symbolSize: 1,
      itemStyle: { color: 'transparent' },
      label: { show: true, position: g.band ? 'right' : 'inside', color: cssVar('--muted'), fontWeight: 600, formatter: g.label },
      tooltip: { show: false },
      silent: true,
    }));
    const links = graph.edges.map((e) => {
      const onPath = critical.edges.has(`${e.source}>${e.target}`);
      return { source: e.source, target: e.target, lineStyle: { color: onPath ? crit : line, width: onPath ? 2.5 : 1, opacity: onPath ? 1 : 0.7 } };
    });
    return {
      animation: false,
      tooltip: { show: true },
      series: [{
        id: 'dag',
        type: 'graph',
        layout: 'none',
        roam: true,
        nodeScaleRatio: 1,
        scaleLimit: { min: 0.1, max: 20 },
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: 6,
        labelLayout: { hideOverlap: true },
        emphasis: { focus: 'adjacency', lineStyle: { width: 2.5 } },
        data: [...anchors, ...groups, ...nodes],
        links,
        ...MARGIN,
        ...view,
      }],
    };
  };
  return chart(option, {
    label: `${name}: ${model.graph.nodes.length} tasks, ${model.graph.edges.length} dependencies; critical path of ${model.critical.length} tasks`,
    cls: 'chart dag-canvas',
    merge: true,
    onReady: (instance) => instance.on('click', (params) => {
      const id = String(params.data?.id ?? '');
      if (params.dataType === 'node' && !id.startsWith('group:') && !id.startsWith('anchor:')) open(id);
    }),
  });
}
