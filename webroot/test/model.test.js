// Small pure pieces the pages rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { match, safeNext } from '../js/lib/router.js';
import { planPhases, requirements, viewProjects } from '../js/lib/project-model.js';
import { money } from '../js/lib/format.js';

test('routes match the dashboard paths of the contract, anything else is not found', () => {
  assert.deepEqual(match('/project/abc/task/def'), { page: 'task', params: { id: 'abc', taskId: 'def' }, public: false });
  assert.equal(match('/analytics').params.tab, 'analytics');
  assert.equal(match('/login').public, true);
  assert.equal(match('/nope/x').page, 'not-found');
});

test('after sign-in only same-site paths are followed', () => {
  assert.equal(safeNext('/project/1'), '/project/1');
  for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', null]) assert.equal(safeNext(bad), '/');
});

test('requirements are numbered as the server numbers them, and plan tasks keep their global index', () => {
  assert.deepEqual(requirements('A.\n\n  \nB.\n \nC.').map((r) => r.id + r.text), ['R1A.', 'R2B.', 'R3C.']);
  const phases = planPhases({ phases: [{ name: 'One', tasks: [{ title: 'a' }, { title: 'b' }] }, { tasks: [{ title: 'c' }] }] });
  assert.deepEqual(phases.map((p) => [p.name, p.tasks.map((t) => t.index)]), [['One', [0, 1]], ['Unnamed Phase', [2]]]);
  assert.deepEqual(planPhases({ tasks: [{ title: 'x' }] })[0].tasks.map((t) => t.index), [0]);
});

test('projects filter by text and status and sort by cost', () => {
  const ps = [{ id: '1', name: 'Shop', requirements: 'pay', status: 'draft' }, { id: '2', name: 'Blog', requirements: 'write', status: 'completed' }];
  assert.deepEqual(viewProjects(ps, { query: 'PAY' }).map((p) => p.id), ['1']);
  assert.deepEqual(viewProjects(ps, { status: 'completed' }).map((p) => p.id), ['2']);
  assert.deepEqual(viewProjects(ps, { sort: 'cost' }, new Map([['2', 3]])).map((p) => p.id), ['2', '1']);
  assert.equal(money(0.0156), '$0.02');
  assert.equal(money(0.0003, { precise: true }), '$0.0003');
});
