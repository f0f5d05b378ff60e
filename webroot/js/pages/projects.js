import { html, nothing } from '../ui/lit.js';
import { ago, label, money } from '../lib/format.js';
import { lastActivity, projectBudget, viewProjects } from '../lib/project-model.js';
import { badge, bar, confirmAction, dialog, empty } from '../ui/components.js';
import { Page } from './base.js';

const STATUSES = ['draft', 'planning', 'ready', 'executing', 'paused', 'completed', 'failed', 'cancelled'];
const SORTS = { activity: 'Last activity', created: 'Newest', name: 'Name', cost: 'Cost', progress: 'Progress' };

/** All pages of a paginated list. */
export async function allPages(api, path, limit) {
  const out = [];
  for (let offset = 0; ; offset += limit) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api.get(`${path}${sep}limit=${limit}&offset=${offset}`);
    out.push(...page);
    if (page.length < limit) return out;
  }
}

/** Downloads a project's export (an authenticated GET, so not a plain link). */
export async function exportProject(ctx, p) {
  await ctx.act(async () => {
    const res = await ctx.api.request('GET', `/api/projects/${p.id}/export`, undefined, { raw: true });
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `project_${p.id}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }, 'Export downloaded');
}

export async function cloneProject(ctx, p) {
  const clone = await ctx.act(() => ctx.api.post(`/api/projects/${p.id}/clone`), `Cloned “${p.name}”`);
  if (clone) ctx.navigate(`/project/${clone.id}`);
}

export async function deleteProject(ctx, p) {
  const ok = await confirmAction(`Delete “${p.name}”?`,
    'Its plans, tasks, events, checkpoints and findings are deleted for good. Spend already recorded stays in the usage totals.',
    'Delete project', true);
  if (!ok) return false;
  return (await ctx.act(() => ctx.api.delete(`/api/projects/${p.id}`), `Deleted “${p.name}”`)) !== undefined;
}

export function projectForm(p = null) {
  const cfg = p?.config || {};
  return html`<div class="form">
    <label>Name<input name="name" required maxlength="200" autofocus .value=${p?.name ?? ''}></label>
    <label>Requirements<textarea name="requirements" required maxlength="50000" rows="7" aria-describedby="req-hint"
      .value=${p?.requirements ?? ''}
      placeholder=${'Customers browse products by category.\n\nCustomers pay by card.'}></textarea></label>
    <p class="hint" id="req-hint">One requirement per paragraph: a blank line between them. They become R1, R2, … and the plan says which task covers which.</p>
    <div class="form-row">
      <label>Planning rigor<select name="planning_rigor">
        ${[['L1', 'L1 · quick task list'], ['L2', 'L2 · phases and open questions'], ['L3', 'L3 · plus risks and a test strategy']]
          .map(([v, t]) => html`<option value=${v} ?selected=${(p?.planning_rigor ?? 'L2') === v}>${t}</option>`)}
      </select></label>
      <label>Execution<select name="execution_mode">
        ${[['auto', 'Automatic: Orch runs every task'], ['hybrid', 'Hybrid: local models here, the rest by agents'], ['external', 'External agents claim tasks']]
          .map(([v, t]) => html`<option value=${v} ?selected=${(cfg.execution_mode ?? 'auto') === v}>${t}</option>`)}
      </select></label>
    </div>
    <div class="form-row">
      <label>Budget target (USD) <span class="muted">(optional)</span><input name="budget_usd" type="number" min="0" step="0.01"
        inputmode="decimal" .value=${cfg.budget_usd != null ? String(cfg.budget_usd) : ''} aria-describedby="budget-hint"></label>
      <label class="check"><input type="checkbox" name="economy" ?checked=${cfg.economy === true}>
        Economy mode <span class="muted">batch requests at half price, slower</span></label>
    </div>
    <p class="hint" id="budget-hint">Shown against the project's spend. The server's own per-project limit still applies.</p>
    <details class="advanced"><summary>Git repository</summary>
      <label>Repository path<input name="repo_path" placeholder="/srv/repos/shop" .value=${p?.repo_path ?? ''}></label>
      <label>Base branch<input name="git_base_branch" placeholder="main" .value=${p?.git_base_branch ?? ''}></label>
    </details>
  </div>`;
}

/** The create/edit form's values as a request body; `config` keeps the keys the form does not show. */
export function projectBody(values, base = {}) {
  const config = { ...base, execution_mode: values.execution_mode };
  const budget = Number(values.budget_usd);
  if (values.budget_usd !== '' && Number.isFinite(budget) && budget > 0) config.budget_usd = budget;
  else delete config.budget_usd;
  if (values.economy === 'on') config.economy = true;
  else delete config.economy;
  delete config.planning_rigor;
  const body = { name: values.name.trim(), requirements: values.requirements, planning_rigor: values.planning_rigor, config };
  if (values.repo_path?.trim()) body.repo_path = values.repo_path.trim();
  if (values.git_base_branch?.trim()) body.git_base_branch = values.git_base_branch.trim();
  return body;
}

export default class Projects extends Page {
  title = 'Projects';
  filter = { query: '', status: '', sort: 'activity' };

  constructor(ctx, params) {
    super(ctx, params);
    this.projects = this.resource(() => allPages(this.api, '/api/projects', 200));
    this.costs = this.resource(async () => new Map((await allPages(this.api, '/api/usage/by-project', 200))
      .map((r) => [r.project_id, r.cost_usd])));
  }

  load() {
    return Promise.all([this.projects.load(), this.costs.load()]);
  }

  async create() {
    const values = await dialog({ title: 'New project', body: projectForm(), confirm: 'Create project' });
    if (!values) return;
    const p = await this.ctx.act(() => this.api.post('/api/projects', projectBody(values)), `Created “${values.name.trim()}”`);
    if (p) this.ctx.navigate(`/project/${p.id}`);
  }

  set(key, value) {
    this.filter = { ...this.filter, [key]: value };
    this.ctx.update();
  }

  row(p, costs) {
    const s = p.task_summary || { total: 0, completed: 0, running: 0, failed: 0 };
    const cost = costs.get(p.id) || 0;
    const budget = projectBudget(p);
    return html`<tr>
      <td data-label="Project" class="cell-main">
        <a class="strong" href=${`/project/${p.id}`}>${p.name}</a>
        <div class="muted clamp">${(p.requirements || '').split('\n')[0]}</div>
      </td>
      <td data-label="Status">${badge(p.status)}${p.config?.economy ? html` <span class="chip">Economy</span>` : nothing}</td>
      <td data-label="Progress" class="cell-progress">
        ${s.total ? bar(s.completed, s.total, { name: `${p.name} progress`, toneName: s.failed ? 'bad' : 'ok',
          text: html`${s.completed}/${s.total} done${s.running ? html` · <span class="run-text">${s.running} running</span>` : nothing}${s.failed ? html` · <span class="bad-text">${s.failed} failed</span>` : nothing}` })
          : html`<span class="muted">No tasks yet</span>`}
      </td>
      <td data-label="Cost" class="num">
        ${budget ? bar(cost, budget, { name: `${p.name} spend against budget`, text: html`${money(cost)} <span class="muted">of ${money(budget)}</span>` }) : money(cost)}
      </td>
      <td data-label="Rigor">${p.planning_rigor}</td>
      <td data-label="Last activity" class="nowrap">${ago(lastActivity(p))}</td>
      <td class="row-actions">
        <button class="btn small ghost" type="button" aria-label=${`Clone ${p.name}`} @click=${() => cloneProject(this.ctx, p)}>Clone</button>
        <button class="btn small ghost" type="button" aria-label=${`Export ${p.name}`} @click=${() => exportProject(this.ctx, p)}>Export</button>
        <button class="btn small ghost danger-text" type="button" aria-label=${`Delete ${p.name}`}
          @click=${async () => { if (await deleteProject(this.ctx, p)) this.load(); }}>Delete</button>
      </td>
    </tr>`;
  }

  table(projects, costs) {
    const list = viewProjects(projects, this.filter, costs);
    if (!projects.length) {
      return empty('No projects yet', 'Write down what you need; Orch plans it, you approve the plan, and it runs.',
        html`<button class="btn primary" @click=${() => this.create()}>Create your first project</button>`);
    }
    if (!list.length) return empty('No project matches', 'Change the search or the status filter.');
    return html`<div class="table-wrap"><table class="table responsive">
      <caption class="sr-only">Your projects, ${this.filter.sort === 'activity' ? 'most recently active first' : `sorted by ${SORTS[this.filter.sort].toLowerCase()}`}</caption>
      <thead><tr><th scope="col">Project</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col" class="num">Cost</th>
        <th scope="col">Rigor</th><th scope="col">Last activity</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${list.map((p) => this.row(p, costs))}</tbody>
    </table></div>`;
  }

  view() {
    const n = this.projects.data?.length;
    return html`<div class="page">
      <div class="page-head">
        <div><h1>Projects</h1><p class="muted">${n == null ? '' : `${n} project${n === 1 ? '' : 's'}`}</p></div>
        <button class="btn primary" @click=${() => this.create()}>New project</button>
      </div>
      <div class="toolbar" role="search">
        <label class="grow"><span class="sr-only">Search projects</span>
          <input type="search" placeholder="Search by name or requirement" .value=${this.filter.query}
            @input=${(e) => this.set('query', e.target.value)}></label>
        <label><span class="sr-only">Status</span><select @change=${(e) => this.set('status', e.target.value)}>
          <option value="">All statuses</option>
          ${STATUSES.map((s) => html`<option value=${s} ?selected=${this.filter.status === s}>${label(s)}</option>`)}
        </select></label>
        <label><span class="sr-only">Sort by</span><select @change=${(e) => this.set('sort', e.target.value)}>
          ${Object.entries(SORTS).map(([k, t]) => html`<option value=${k} ?selected=${this.filter.sort === k}>Sort: ${t}</option>`)}
        </select></label>
      </div>
      ${this.projects.view((projects) => this.table(projects, this.costs.data || new Map()), { text: 'Loading projects…' })}
    </div>`;
  }
}
