// The task graph: critical path, layouts, and the time a 1,000-task plan takes to lay out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { buildGraph, criticalPath, fitsFlow, gridLayout, layout, NODE_H, NODE_W } from '../js/lib/dag.js';

/** dagre from its WebJar, unpacked by Maven; its path comes in DAGRE_JS. */
function dagre() {
  return process.env.DAGRE_JS ? createRequire(import.meta.url)(process.env.DAGRE_JS) : null;
}

/** A plan like the planner's: waves from dependencies, five phases, up to two dependencies per task. */
export function plan(n, seed = 7) {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const tasks = [];
  const wave = new Map();
  for (let i = 0; i < n; i++) {
    const deps = i < 5 ? [] : [...new Set([`t${Math.floor(rnd() * i)}`, `t${Math.max(0, i - 1 - Math.floor(rnd() * 8))}`])];
    const w = deps.length ? 1 + Math.max(...deps.map((d) => wave.get(d))) : 0;
    wave.set(`t${i}`, w);
    tasks.push({ id: `t${i}`, title: `Task ${i}`, status: 'pending', wave: w, phase: `Phase ${Math.floor((i * 5) / n) + 1}`, depends_on: deps });
  }
  return tasks;
}

function overlaps(positions) {
  const boxes = [...positions.values()];
  const cells = new Set();
  for (const p of boxes) {
    const key = `${Math.round(p.x / NODE_W)}:${Math.round(p.y / NODE_H)}`;
    if (cells.has(key)) return true;
    cells.add(key);
  }
  return false;
}

test('the critical path is the longest dependency chain', () => {
  const g = buildGraph([
    { id: 'a', title: 'a', depends_on: [] }, { id: 'b', title: 'b', depends_on: ['a'] },
    { id: 'c', title: 'c', depends_on: ['a'] }, { id: 'd', title: 'd', depends_on: ['c'] },
    { id: 'e', title: 'e', depends_on: ['b', 'd', 'gone'] },
  ]);
  assert.equal(g.edges.length, 5, 'a dependency outside the list draws no edge');
  const cp = criticalPath(g);
  assert.deepEqual([...cp.nodes].sort(), ['a', 'c', 'd', 'e']);
  assert.deepEqual([...cp.edges].sort(), ['a>c', 'c>d', 'd>e']);
  assert.equal(cp.length, 4);
});

test('the grid puts each wave in its own column, dependencies to the left, no two tasks on one spot', () => {
  const tasks = plan(120);
  const g = buildGraph(tasks);
  for (const by of ['wave', 'phase']) {
    const l = gridLayout(g, by);
    assert.equal(l.positions.size, 120);
    assert.equal(overlaps(l.positions), false, by);
    for (const t of tasks) {
      for (const d of t.depends_on) assert.ok(l.positions.get(d).x < l.positions.get(t.id).x, `${d} left of ${t.id}`);
    }
    if (by === 'phase') assert.deepEqual(l.groups.filter((x) => x.band).map((x) => x.label), ['Phase 1', 'Phase 2', 'Phase 3', 'Phase 4', 'Phase 5']);
  }
});

test('a 1,000-task plan is laid out, with its critical path, in under a second', () => {
  const tasks = plan(1000);
  for (const groupBy of ['flow', 'wave', 'phase']) {
    const started = performance.now();
    const g = buildGraph(tasks);
    const cp = criticalPath(g);
    const l = layout(g, { groupBy, dagre: dagre() });
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `${groupBy}: ${ms.toFixed(0)} ms`);
    assert.notEqual(l.engine, 'dagre', 'dagre is not used for graphs this large');
    assert.equal(l.positions.size, 1000);
    assert.ok(cp.length > 10);
  }
});

test('dagre lays out a plan of the size planners write, and the largest it is given, in under a second', { skip: !process.env.DAGRE_JS && 'DAGRE_JS not set (Maven sets it)' }, () => {
  let largest = 15;
  while (fitsFlow(buildGraph(plan(largest + 1)))) largest++;
  assert.ok(largest >= 30, `dagre still draws plans of ${largest} tasks`);
  for (const n of [15, largest]) {
    const g = buildGraph(plan(n));
    const started = performance.now();
    const l = layout(g, { groupBy: 'flow', dagre: dagre() });
    const ms = performance.now() - started;
    assert.equal(l.engine, 'dagre');
    assert.equal(l.positions.size, n);
    assert.ok(ms < 1000, `${n} tasks: ${ms.toFixed(0)} ms`);
  }
});
