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
export function dagView(model, open, { name = 'Task graph' } = {}) {
  const option = (el) => {
    const { graph, layout, critical } = model;
    const width = el?.clientWidth || el?.parentElement?.clientWidth || 900;
    const height = el?.clientHeight || 480;
    const scale = Math.min(1, width / Math.max(1, layout.width + 40), height / Math.max(1, layout.height + 80));
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
        symbol: 'roundRect',
        symbolSize: [NODE_W * scale, NODE_H * scale],
        itemStyle: { color: cssVar(TONE_VAR[tone(n.status)]), borderColor: onPath ? crit : 'transparent', borderWidth: onPath ? 3 : 0 },
        label: { show: scale > 0.45, color: text, formatter: truncate(n.title, Math.max(8, Math.floor(26 * scale))) },
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
        scaleLimit: { min: 0.2, max: 12 },
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: Math.max(3, 7 * scale),
        labelLayout: { hideOverlap: true },
        emphasis: { focus: 'adjacency', lineStyle: { width: 2.5 } },
        data: [...groups, ...nodes],
        links,
        left: 20, right: 20, top: 40, bottom: 20,
      }],
    };
  };
  return chart(option, {
    label: `${name}: ${model.graph.nodes.length} tasks, ${model.graph.edges.length} dependencies; critical path of ${model.critical.length} tasks`,
    cls: 'chart dag-canvas',
    merge: true,
    onReady: (instance) => instance.on('click', (params) => {
      if (params.dataType === 'node' && !String(params.data.id).startsWith('group:')) open(params.data.id);
    }),
  });
}
