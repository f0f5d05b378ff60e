// The task graph: its critical path and node positions.
//
// Two layouts. For graphs that fit (fitsFlow), dagre (the maintained layered-graph library) lays out the
// graph with few crossings. Beyond that dagre gets slow: measured in node on the 2-core test machine
// with random plans of two dependencies per task, 0.2-0.4 s at 60 tasks, 0.6 s at 100, 6 s at 500 and 29 s at
// 1,000 (long edges become chains of dummy nodes). So larger graphs are laid out on a grid: one column per wave,
// or one column per wave inside one band per phase, each column ordered by where its dependencies
// sit (a single barycenter pass). That costs O(n log n + e) and keeps 1,000 tasks well under a second.
//
// No DOM here; dagre is passed in, so node's test runner can time both layouts.

export const FLOW_LIMIT = 60;
/** dagre's work grows with the tasks plus the dummy nodes of long edges: one per wave an edge skips. */
export const FLOW_COST_LIMIT = 220;

/** Whether dagre lays this graph out fast enough (measured: about 0.2 s at cost 190, 0.3-0.6 s at 360). */
export function fitsFlow(graph, limit = FLOW_LIMIT) {
  if (graph.nodes.length > limit) return false;
  const wave = new Map(graph.nodes.map((n) => [n.id, n.wave]));
  let cost = graph.nodes.length;
  for (const e of graph.edges) cost += Math.max(0, wave.get(e.target) - wave.get(e.source) - 1);
  return cost <= FLOW_COST_LIMIT;
}
export const NODE_W = 180;
export const NODE_H = 44;
const GAP_X = 70;
const GAP_Y = 16;
const BAND_GAP = 48;

/**
 * Builds the graph of a task list: nodes in input order, edges dependency → dependant, limited to
 * tasks in the list (a filtered list has no dangling edges).
 */
export function buildGraph(tasks) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const nodes = tasks.map((t) => ({
    id: t.id, title: t.title, status: t.status, wave: t.wave ?? 0, phase: t.phase ?? null,
  }));
  const edges = [];
  for (const t of tasks) {
    for (const dep of new Set(t.depends_on || [])) {
      if (byId.has(dep)) edges.push({ source: dep, target: t.id });
    }
  }
  return { nodes, edges };
}

/** Nodes in topological order (Kahn); nodes in a cycle, which approval forbids, are left out. */
export function topoOrder(graph) {
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  const out = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) {
    indegree.set(e.target, indegree.get(e.target) + 1);
    out.get(e.source).push(e.target);
  }
  const queue = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    order.push(id);
    for (const next of out.get(id)) {
      indegree.set(next, indegree.get(next) - 1);
      if (indegree.get(next) === 0) queue.push(next);
    }
  }
  return order;
}

/**
 * The longest dependency chain, counted in tasks (the engine dispatches along it first). Returns
 * the ids of its nodes and the `source>target` keys of its edges.
 */
export function criticalPath(graph) {
  const preds = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) preds.get(e.target).push(e.source);
  const length = new Map();
  const via = new Map();
  let end = null;
  for (const id of topoOrder(graph)) {
    let best = 0;
    let from = null;
    for (const p of preds.get(id)) {
      if (length.get(p) > best) {
        best = length.get(p);
        from = p;
      }
    }
    length.set(id, best + 1);
    via.set(id, from);
    if (end === null || length.get(id) > length.get(end)) end = id;
  }
  const nodes = new Set();
  const edges = new Set();
  for (let id = end; id != null; id = via.get(id)) {
    nodes.add(id);
    if (via.get(id) != null) edges.add(`${via.get(id)}>${id}`);
  }
  return { nodes, edges, length: nodes.size };
}

/**
 * Positions for every node: `{positions: Map(id → {x, y}), groups: [{label, x, y}], width, height,
 * engine}`. `groupBy` is `flow` (dagre when the graph is small enough), `wave` or `phase`.
 */
export function layout(graph, { groupBy = 'flow', dagre = null, flowLimit = FLOW_LIMIT } = {}) {
  if (groupBy === 'flow' && dagre && fitsFlow(graph, flowLimit)) return flowLayout(graph, dagre);
  return gridLayout(graph, groupBy === 'phase' ? 'phase' : 'wave');
}

/** dagre's layered layout, left to right. */
export function flowLayout(graph, dagre) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: GAP_Y, ranksep: GAP_X, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of graph.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const positions = new Map(graph.nodes.map((n) => {
    const p = g.node(n.id);
    return [n.id, { x: p.x, y: p.y }];
  }));
  const info = g.graph();
  return { positions, groups: [], width: info.width || 0, height: info.height || 0, engine: 'dagre' };
}

/**
 * Columns by wave; with `phase`, one horizontal band per phase (in order of first appearance). In
 * each column nodes are sorted by the mean row of their dependencies, so edges run mostly straight.
 */
export function gridLayout(graph, by) {
  const preds = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) preds.get(e.target).push(e.source);
  const bandOf = (n) => (by === 'phase' ? (n.phase || 'No phase') : '');
  const bands = [];
  const bandIndex = new Map();
  for (const n of graph.nodes) {
    const b = bandOf(n);
    if (!bandIndex.has(b)) {
      bandIndex.set(b, bands.length);
      bands.push(b);
    }
  }
  const maxWave = graph.nodes.reduce((m, n) => Math.max(m, n.wave), 0);
  // cells[band][wave] = node list
  const cells = bands.map(() => Array.from({ length: maxWave + 1 }, () => []));
  for (const n of graph.nodes) cells[bandIndex.get(bandOf(n))][n.wave].push(n);

  const row = new Map();
  const positions = new Map();
  const groups = [];
  let top = 0;
  for (let b = 0; b < bands.length; b++) {
    let rows = 0;
    for (let w = 0; w <= maxWave; w++) {
      const cell = cells[b][w];
      const key = new Map(cell.map((n, i) => {
        const ps = preds.get(n.id).filter((p) => row.has(p));
        return [n.id, ps.length ? ps.reduce((s, p) => s + row.get(p), 0) / ps.length : i];
      }));
      cell.sort((a, c) => key.get(a.id) - key.get(c.id));
      cell.forEach((n, i) => {
        row.set(n.id, top + i);
        positions.set(n.id, { x: w * (NODE_W + GAP_X) + NODE_W / 2, y: 0 });
      });
      rows = Math.max(rows, cell.length);
    }
    const offset = by === 'phase' ? BAND_GAP * (b + 1) : 0;
    if (by === 'phase') groups.push({ label: bands[b], x: 0, y: top * (NODE_H + GAP_Y) + offset - BAND_GAP / 2, band: true });
    for (let w = 0; w <= maxWave; w++) {
      for (const n of cells[b][w]) positions.get(n.id).y = row.get(n.id) * (NODE_H + GAP_Y) + NODE_H / 2 + offset;
    }
    top += rows;
  }
  for (let w = 0; w <= maxWave; w++) {
    groups.push({ label: `Wave ${w}`, x: w * (NODE_W + GAP_X) + NODE_W / 2, y: -NODE_H, band: false });
  }
  const width = (maxWave + 1) * (NODE_W + GAP_X);
  const height = top * (NODE_H + GAP_Y) + (by === 'phase' ? BAND_GAP * bands.length : 0);
  return { positions, groups, width, height, engine: by };
}
