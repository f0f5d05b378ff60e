// Projects, plans and requirements as the pages show them. Pure functions.

export const ACTIVE = new Set(['executing', 'paused', 'planning']);

/** Requirement blocks as the server numbers them (API.md §3.4): split at blank lines. */
export function requirements(text) {
  return String(text || '').split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean)
    .map((block, i) => ({ id: `R${i + 1}`, text: block }));
}

/** The plan JSON's phases, each with its tasks and their global 0-based indices (§9.4). */
export function planPhases(plan) {
  if (!plan || typeof plan !== 'object') return [];
  let index = 0;
  const phases = Array.isArray(plan.phases) && plan.phases.length
    ? plan.phases.filter((p) => p && typeof p === 'object')
    : [{ name: null, description: null, tasks: plan.tasks }];
  return phases.map((p) => ({
    name: p.name ?? (phases.length > 1 ? 'Unnamed Phase' : null),
    description: p.description || null,
    tasks: (Array.isArray(p.tasks) ? p.tasks : []).filter((t) => t && typeof t === 'object')
      .map((t) => ({ ...t, index: index++ })),
  }));
}

/** The last moment something happened to a project. */
export function lastActivity(p) {
  return Math.max(p.updated_at || 0, p.completed_at || 0, p.created_at || 0);
}

/** Done share of a project's tasks, 0-100. */
export function progress(p) {
  const s = p.task_summary;
  return s && s.total ? Math.round((s.completed / s.total) * 100) : 0;
}

/**
 * Filters and sorts the project list. `costs` maps project id → spend.
 * sort: activity | name | cost | progress | created.
 */
export function viewProjects(projects, { query = '', status = '', sort = 'activity' } = {}, costs = new Map()) {
  const q = query.trim().toLowerCase();
  const list = projects.filter((p) => (!status || p.status === status)
    && (!q || p.name.toLowerCase().includes(q) || (p.requirements || '').toLowerCase().includes(q)));
  const by = {
    activity: (a, b) => lastActivity(b) - lastActivity(a),
    created: (a, b) => (b.created_at || 0) - (a.created_at || 0),
    name: (a, b) => a.name.localeCompare(b.name),
    cost: (a, b) => (costs.get(b.id) || 0) - (costs.get(a.id) || 0),
    progress: (a, b) => progress(b) - progress(a),
  }[sort] || (() => 0);
  return list.sort(by);
}

/** The budget a project set for itself (`config.budget_usd`), or null. */
export function projectBudget(p) {
  const v = Number(p?.config?.budget_usd);
  return Number.isFinite(v) && v > 0 ? v : null;
}

/** Task counts by status. */
export function statusCounts(tasks) {
  const counts = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] || 0) + 1;
  return counts;
}
