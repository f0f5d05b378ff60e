import { html, nothing } from '../ui/lit.js';
import { ago, compact, count, dateTime, label, money, tone } from '../lib/format.js';
import { planPhases, projectBudget, statusCounts } from '../lib/project-model.js';
import { buildGraph, criticalPath, fitsFlow, layout } from '../lib/dag.js';
import { LiveStream } from '../lib/sse.js';
import { badge, bar, confirmAction, dialog, empty, errorBox, loading, panel, stat } from '../ui/components.js';
import { dagView } from '../ui/dag-view.js';
import { dagre as loadDagre } from '../ui/vendor.js';
import { Page } from './base.js';
import { allPages, cloneProject, deleteProject, exportProject, projectBody, projectForm } from './projects.js';

const LOG_SIZE = 200;
const REFRESH_AFTER_EVENT_MS = 2000;
const PAGE_SIZE = 50;
const TASK_STATUSES = ['pending', 'blocked', 'queued', 'running', 'completed', 'needs_review', 'failed', 'cancelled'];

/** What an event says about its task's status, for live colours before the next fetch. */
const STATUS_BY_EVENT = {
  task_start: 'running', task_complete: 'completed', task_failed: 'failed', task_retry: 'pending',
  task_verification_retry: 'pending', task_needs_review: 'needs_review', checkpoint: 'needs_review',
};
const EVENT_TONE = {
  task_start: 'run', task_complete: 'ok', task_failed: 'bad', task_retry: 'warn', task_verification_retry: 'warn',
  task_needs_review: 'warn', checkpoint: 'warn', tool_call: 'muted', budget_warning: 'bad', wave_checkpoint: 'warn',
  project_complete: 'ok', project_failed: 'bad', git_commit: 'ok', git_merge: 'ok', git_conflict: 'bad', git_push: 'ok', pr_opened: 'ok',
  resource_waiting: 'warn',
};

export default class Project extends Page {
  title = 'Project';
  log = [];
  live = { status: 'idle', failures: 0 };
  groupBy = null;
  taskFilter = { status: '', query: '', page: 0 };
  busy = new Set();
  selectedPlan = null;
  layoutCache = { key: null, value: null };
  dagre = null;

  constructor(ctx, params) {
    super(ctx, params);
    const id = encodeURIComponent(params.id);
    this.id = params.id;
    this.project = this.resource(() => this.api.get(`/api/projects/${id}`));
    this.plans = this.resource(() => this.api.get(`/api/projects/${id}/plans?limit=100`));
    this.coverage = this.resource(() => this.api.get(`/api/projects/${id}/coverage`));
    this.tasks = this.resource(() => allPages(this.api, `/api/tasks/project/${id}?exclude_output=true&sort=wave`, 500));
    this.checkpoints = this.resource(() => this.api.get(`/api/checkpoints/project/${id}?limit=200`));
    this.knowledge = this.resource(() => this.api.get(`/api/projects/${id}/knowledge?limit=200`));
    this.usage = this.resource(() => this.api.get(`/api/usage/summary?project_id=${id}`));
  }

  async load() {
    await this.project.load();
    if (this.project.error) return;
    this.title = this.project.data.name;
    document.title = `${this.title} · Orch`;
    await Promise.all([this.plans.load(), this.coverage.load(), this.tasks.load(), this.checkpoints.load(),
      this.knowledge.load(), this.usage.load()]);
    this.startStream();
  }

  destroy() {
    this.stream?.stop();
    clearTimeout(this.refreshTimer);
  }

  // ---- live events ----

  startStream() {
    if (this.stream) {
      this.stream.resume();
      return;
    }
    this.stream = new LiveStream({
      projectId: this.id,
      lastEventId: 0, // replay the project's history into the log, then live events
      token: async () => (await this.api.post(`/api/events/${encodeURIComponent(this.id)}/token`)).token,
      EventSource: window.EventSource,
      onEvent: (e) => this.onEvent(e),
      onState: (s) => {
        this.live = s;
        if (s.status === 'ended') this.refresh();
        this.ctx.update();
      },
    });
    this.stream.start();
  }

  onEvent(e) {
    this.log.push(e);
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
    const status = STATUS_BY_EVENT[e.type];
    if (status && e.task_id && Array.isArray(this.tasks.data)) {
      const t = this.tasks.data.find((x) => x.id === e.task_id);
      if (t && t.status !== status) {
        // A new array, so the graph's memo sees the change.
        this.tasks.data = this.tasks.data.map((x) => (x.id === e.task_id ? { ...x, status } : x));
      }
    }
    if (e.type === 'checkpoint') this.checkpoints.load();
    this.scheduleRefresh();
    this.ctx.update();
  }

  /** Refetches what events change, at most every 2 s while they keep coming (API.md §6.5). */
  scheduleRefresh() {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refresh();
    }, REFRESH_AFTER_EVENT_MS);
  }

  async refresh() {
    await Promise.all([this.project.load(), this.tasks.load(), this.usage.load(), this.checkpoints.load(), this.knowledge.load()]);
    const p = this.project.data;
    // The stream ended at a final event but the project runs again (a task was retried): follow it.
    if (this.live.status === 'ended' && p && ['executing', 'paused'].includes(p.status)) this.stream?.resume();
  }

  // ---- actions ----

  async run(key, fn, success) {
    this.busy.add(key);
    this.ctx.update();
    try {
      return await this.ctx.act(fn, success);
    } finally {
      this.busy.delete(key);
      this.ctx.update();
    }
  }

  async generatePlan() {
    const res = await this.run('plan', () => this.api.post(`/api/projects/${encodeURIComponent(this.id)}/plan`), 'Plan ready for review');
    if (res) {
      this.selectedPlan = res.plan_id;
      await Promise.all([this.plans.load(), this.project.load(), this.usage.load()]);
    }
  }

  async approve(plan) {
    const res = await this.run('approve', () => this.api.post(`/api/projects/${encodeURIComponent(this.id)}/plans/${plan.id}/approve`),
      null);
    if (res) {
      this.ctx.toast(`Plan approved: ${res.tasks_created} tasks in ${res.total_waves} waves, about ${money(res.estimated_cost_usd)}`, 'success');
      await Promise.all([this.plans.load(), this.project.load(), this.tasks.load(), this.coverage.load()]);
    }
  }

  async control(action, success) {
    const res = await this.run(action, () => this.api.post(`/api/projects/${encodeURIComponent(this.id)}/${action}`), success);
    if (res) {
      await Promise.all([this.project.load(), this.tasks.load()]);
      if (action === 'execute') this.startStream();
    }
  }

  async cancel() {
    if (!await confirmAction('Cancel this project?', 'Tasks that have not finished are cancelled. Finished work and recorded spend are kept.', 'Cancel project', true)) return;
    await this.control('cancel', 'Project cancelled');
  }

  async edit() {
    const p = this.project.data;
    const values = await dialog({ title: 'Edit project', body: projectForm(p), confirm: 'Save changes' });
    if (!values) return;
    const body = projectBody(values, p.config || {});
    const res = await this.ctx.act(() => this.api.patch(`/api/projects/${encodeURIComponent(this.id)}`, body), 'Project saved');
    if (res) {
      this.project.data = res;
      this.coverage.load();
    }
  }

  async resolve(cp, action, form) {
    const values = Object.fromEntries(new FormData(form).entries());
    const res = await this.run(`cp:${cp.id}`, () => this.api.post(`/api/checkpoints/${cp.id}/resolve`,
      { action, guidance: values.guidance || '', gotcha: values.gotcha || '' }),
    { retry: 'Task sent back to the queue with your guidance', skip: 'Task skipped', fail: 'Task marked failed' }[action]);
    if (res) await Promise.all([this.checkpoints.load(), this.tasks.load(), this.project.load()]);
  }

  async deleteFinding(f) {
    const res = await this.ctx.act(() => this.api.delete(`/api/projects/${encodeURIComponent(this.id)}/knowledge/${f.id}`), 'Finding removed');
    if (res !== undefined) this.knowledge.load();
  }

  // ---- views ----

  view() {
    if (this.project.error) {
      return html`<div class="page"><div class="crumbs"><a href="/">Projects</a></div>
        <h1>Project unavailable</h1>${errorBox(this.project.error, () => this.load())}
        <p><a href="/">Back to your projects</a></p></div>`;
    }
    if (!this.project.data) return html`<div class="page">${loading('Loading the project…')}</div>`;
    const p = this.project.data;
    const tasks = this.tasks.data || [];
    return html`<div class="page">
      ${this.head(p)}
      ${this.stats(p, tasks)}
      ${this.checkpointPanel()}
      <div class="grid">
        <div class="span-8 stack-gap">
          ${tasks.length ? this.graphPanel(tasks) : nothing}
          ${this.planPanel(p)}
          ${tasks.length ? this.taskPanel(tasks) : nothing}
        </div>
        <div class="span-4 stack-gap">
          ${this.logPanel(p)}
          ${this.requirementsPanel()}
          ${this.knowledgePanel()}
        </div>
      </div>
    </div>`;
  }

  head(p) {
    const s = p.status;
    const hasPending = (this.tasks.data || []).some((t) => t.status === 'pending' || t.status === 'blocked');
    const canRun = s === 'ready' || s === 'paused' || ((s === 'failed' || s === 'completed') && hasPending);
    const runLabel = s === 'ready' ? 'Start' : 'Resume';
    return html`<div class="page-head">
      <div>
        <div class="crumbs"><a href="/">Projects</a><span aria-hidden="true">/</span></div>
        <h1>${p.name}</h1>
        <div class="project-meta">
          ${badge(s)}
          <span class="chip" title="Planning rigor">Rigor ${p.planning_rigor}</span>
          <span class="chip">${label(p.config?.execution_mode || 'auto')} execution</span>
          ${p.config?.economy ? html`<span class="chip accent" title="Batch requests at half price">Economy</span>` : nothing}
          ${p.git_project_branch ? html`<span class="chip" title="Git branch"><code>${p.git_project_branch}</code></span>` : nothing}
          <span class="muted">Updated ${ago(p.updated_at)}</span>
        </div>
      </div>
      <div class="page-actions">
        ${canRun ? html`<button class="btn primary" ?disabled=${this.busy.has('execute')}
          @click=${() => this.control('execute', s === 'ready' ? 'Execution started' : 'Execution resumed')}>${runLabel}</button>` : nothing}
        ${s === 'executing' ? html`<button class="btn" ?disabled=${this.busy.has('pause')}
          @click=${() => this.control('pause', 'Paused: running tasks finish, no new ones start')}>Pause</button>` : nothing}
        ${!['cancelled', 'completed'].includes(s) ? html`<button class="btn ghost danger-text" @click=${() => this.cancel()}>Cancel</button>` : nothing}
        <button class="btn ghost" @click=${() => this.edit()}>Edit</button>
        <button class="btn ghost" @click=${() => cloneProject(this.ctx, p)}>Clone</button>
        <button class="btn ghost" @click=${() => exportProject(this.ctx, p)}>Export</button>
        <button class="btn ghost danger-text" @click=${async () => { if (await deleteProject(this.ctx, p)) this.ctx.navigate('/'); }}>Delete</button>
      </div>
    </div>`;
  }

  stats(p, tasks) {
    const c = statusCounts(tasks);
    const total = tasks.length;
    const done = c.completed || 0;
    const cost = this.usage.data?.total_cost_usd ?? 0;
    const budget = projectBudget(p);
    const waves = total ? Math.max(...tasks.map((t) => t.wave || 0)) + 1 : 0;
    return html`<div class="stats">
      ${stat('Progress', total ? `${done}/${total}` : '—', total ? bar(done, total, { name: 'Tasks done', toneName: c.failed ? 'bad' : 'ok' }) : 'No tasks yet')}
      ${stat('Running', count(c.running || 0), `${count((c.pending || 0) + (c.blocked || 0) + (c.queued || 0))} waiting`)}
      ${stat('Attention', count((c.failed || 0) + (c.needs_review || 0)), `${c.failed || 0} failed · ${c.needs_review || 0} to review`)}
      ${stat('Cost', money(cost), budget ? bar(cost, budget, { name: 'Spend against budget', text: html`of ${money(budget)} budget` })
        : `${count(this.usage.data?.api_call_count ?? 0)} model calls`)}
      ${stat('Waves', waves || '—', total ? `${total} tasks` : '')}
    </div>`;
  }

  // -- checkpoints --

  checkpointPanel() {
    const open = (this.checkpoints.data || []).filter((c) => !c.resolved_at);
    if (!open.length) return nothing;
    const titles = new Map((this.tasks.data || []).map((t) => [t.id, t.title]));
    return html`<div class="stack-gap">${panel(`Needs your decision (${open.length})`, () => open.map((cp) => html`
      <form class="checkpoint" @submit=${(e) => e.preventDefault()} aria-label=${`Checkpoint: ${cp.summary}`}>
        <div><strong>${cp.summary}</strong>
          ${cp.task_id ? html` · <a href=${`/project/${this.id}/task/${cp.task_id}`}>${titles.get(cp.task_id) || 'Open task'}</a>` : nothing}</div>
        <p>${cp.question}</p>
        ${cp.attempts?.length ? html`<details><summary>${cp.attempts.length} failed attempt${cp.attempts.length === 1 ? '' : 's'}</summary>
          <ol class="attempts">${cp.attempts.map((a) => html`<li><span class="muted">${dateTime(a.timestamp)}</span> ${a.message}</li>`)}</ol></details>` : nothing}
        <label class="form"><span>Guidance for the retry</span>
          <textarea name="guidance" rows="2" maxlength="10000" placeholder="What should the next attempt do differently?"></textarea></label>
        <details><summary class="muted">Record a gotcha for later tasks</summary>
          <label class="form"><span class="sr-only">Gotcha</span><input name="gotcha" maxlength="2000" placeholder="e.g. the payments sandbox rejects amounts under 50 cents"></label></details>
        <div class="page-actions">
          <button class="btn primary" type="button" ?disabled=${this.busy.has(`cp:${cp.id}`)}
            @click=${(e) => this.resolve(cp, 'retry', e.target.form)}>Retry with guidance</button>
          <button class="btn" type="button" ?disabled=${this.busy.has(`cp:${cp.id}`)} @click=${(e) => this.resolve(cp, 'skip', e.target.form)}>Skip task</button>
          <button class="btn ghost danger-text" type="button" ?disabled=${this.busy.has(`cp:${cp.id}`)} @click=${(e) => this.resolve(cp, 'fail', e.target.form)}>Mark failed</button>
        </div>
      </form>`), { id: 'checkpoints', cls: 'attention' })}</div>`;
  }

  // -- graph --

  graphModel(tasks, groupBy) {
    const key = `${groupBy}|${tasks.map((t) => `${t.id}:${t.wave}:${t.phase}:${(t.depends_on || []).join(',')}`).join(';')}`;
    const graph = buildGraph(tasks);
    if (this.layoutCache.key !== key) {
      this.layoutCache = { key, value: { layout: layout(graph, { groupBy, dagre: this.dagre }), critical: criticalPath(graph) } };
    }
    return { graph, ...this.layoutCache.value };
  }

  graphPanel(tasks) {
    const small = fitsFlow(buildGraph(tasks));
    const groupBy = this.groupBy || (small ? 'flow' : 'wave');
    if (groupBy === 'flow' && !this.dagre) {
      loadDagre().then((d) => { this.dagre = d; this.ctx.update(); })
        .catch(() => { this.groupBy = 'wave'; this.ctx.update(); });
    }
    const modes = [['flow', 'Flow'], ['wave', 'By wave'], ['phase', 'By phase']].filter(([m]) => m !== 'flow' || small);
    const actions = html`<div class="btn-group" role="group" aria-label="Group the graph">
      ${modes.map(([m, t]) => html`<button class="btn small" type="button" aria-pressed=${groupBy === m ? 'true' : 'false'}
        @click=${() => { this.groupBy = m; this.ctx.update(); }}>${t}</button>`)}</div>`;
    return panel('Task graph', () => {
      if (groupBy === 'flow' && !this.dagre) return loading('Laying out the graph…');
      const model = this.graphModel(tasks, groupBy);
      return html`<div class="dag-wrap">${dagView(model, (taskId) => this.ctx.navigate(`/project/${this.id}/task/${taskId}`))}</div>
        <div class="legend" aria-hidden="true">
          ${['completed', 'running', 'pending', 'needs_review', 'failed'].map((s) => html`<span><i class="dot tone-${tone(s)}"></i>${label(s)}</span>`)}
          <span><i class="crit"></i>Critical path (${model.critical.length} tasks)</span>
          <span>Scroll to zoom, drag to pan${model.layout.engine !== 'dagre' ? ` · grid layout for ${count(tasks.length)} tasks` : ''}</span>
        </div>`;
    }, { id: 'graph', actions });
  }

  // -- tasks table --

  taskPanel(tasks) {
    const f = this.taskFilter;
    const q = f.query.trim().toLowerCase();
    const list = tasks.filter((t) => (!f.status || t.status === f.status)
      && (!q || t.title.toLowerCase().includes(q) || (t.phase || '').toLowerCase().includes(q)));
    const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
    const pageNo = Math.min(f.page, pages - 1);
    const rows = list.slice(pageNo * PAGE_SIZE, (pageNo + 1) * PAGE_SIZE);
    const set = (k, v) => { this.taskFilter = { ...this.taskFilter, [k]: v, page: k === 'page' ? v : 0 }; this.ctx.update(); };
    const actions = html`<label><span class="sr-only">Filter tasks by status</span><select @change=${(e) => set('status', e.target.value)}>
        <option value="">All statuses</option>
        ${TASK_STATUSES.map((s) => html`<option value=${s} ?selected=${f.status === s}>${label(s)}</option>`)}</select></label>
      <label><span class="sr-only">Search tasks</span><input type="search" placeholder="Search tasks" .value=${f.query}
        @input=${(e) => set('query', e.target.value)}></label>`;
    return panel(`Tasks (${list.length === tasks.length ? count(tasks.length) : `${count(list.length)} of ${count(tasks.length)}`})`, () => html`
      ${list.length ? html`<div class="table-wrap"><table class="table responsive" id="task-table">
        <thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Wave</th><th scope="col">Tier</th>
          <th scope="col" class="num">Tokens</th><th scope="col" class="num">Cost</th></tr></thead>
        <tbody>${rows.map((t) => html`<tr data-task=${t.id} data-status=${t.status}>
          <td data-label="Task" class="cell-main"><a href=${`/project/${this.id}/task/${t.id}`}>${t.title}</a>
            ${t.phase ? html`<div class="muted clamp">${t.phase}</div>` : nothing}</td>
          <td data-label="Status">${badge(t.status)}</td>
          <td data-label="Wave">${t.wave}</td>
          <td data-label="Tier">${t.model_tier}</td>
          <td data-label="Tokens" class="num">${compact((t.prompt_tokens || 0) + (t.completion_tokens || 0))}</td>
          <td data-label="Cost" class="num">${money(t.cost_usd, { precise: true })}</td>
        </tr>`)}</tbody></table></div>
        ${pages > 1 ? html`<div class="pager"><span class="muted">Page ${pageNo + 1} of ${pages}</span><span>
          <button class="btn small" ?disabled=${pageNo === 0} @click=${() => set('page', pageNo - 1)}>Previous</button>
          <button class="btn small" ?disabled=${pageNo >= pages - 1} @click=${() => set('page', pageNo + 1)}>Next</button></span></div>` : nothing}`
      : empty('No task matches', 'Change the status filter or the search.')}`, { id: 'tasks', actions });
  }

  // -- plan --

  planPanel(p) {
    return panel('Plan', () => this.plans.view((plans) => {
      const canPlan = ['draft', 'planning', 'ready', 'paused', 'failed'].includes(p.status);
      const planning = this.busy.has('plan') || p.status === 'planning';
      const planButton = canPlan ? html`<button class="btn ${plans.length ? '' : 'primary'}" ?disabled=${planning} @click=${() => this.generatePlan()}>
        ${planning ? html`<span class="spinner" aria-hidden="true"></span>Planning… (up to a minute)` : plans.length ? 'Generate a new plan' : 'Generate plan'}</button>` : nothing;
      if (!plans.length) {
        return empty('No plan yet', 'Orch reads the requirements and proposes phases and tasks for your approval. Nothing runs before you approve.', planButton);
      }
      const selected = plans.find((x) => x.id === this.selectedPlan) || plans[0];
      return html`
        <div class="plan-versions" role="group" aria-label="Plan versions">
          ${plans.map((pl) => html`<button class="version" type="button" aria-pressed=${pl.id === selected.id ? 'true' : 'false'}
            @click=${() => { this.selectedPlan = pl.id; this.ctx.update(); }}>
            v${pl.version} ${badge(pl.status)}<small>${pl.model_used} · ${money(pl.cost_usd, { precise: true })} · ${dateTime(pl.created_at)}</small></button>`)}
        </div>
        <div class="page-actions">
          ${selected.status === 'draft' ? html`<button class="btn primary" ?disabled=${this.busy.has('approve')} @click=${() => this.approve(selected)}>
            ${this.busy.has('approve') ? 'Approving…' : `Approve v${selected.version} and create tasks`}</button>` : nothing}
          ${planButton}
        </div>
        ${this.planTree(selected.plan)}`;
    }), { id: 'plan' });
  }

  planTree(plan) {
    const phases = planPhases(plan);
    const titles = phases.flatMap((ph) => ph.tasks).map((t) => t.title || `Task ${t.index + 1}`);
    return html`<div class="plan-tree">
      ${plan?.summary ? html`<p>${plan.summary}</p>` : nothing}
      ${phases.map((ph) => html`<div class="phase">
        ${ph.name ? html`<h3>${ph.name} <span class="muted">${ph.tasks.length} task${ph.tasks.length === 1 ? '' : 's'}</span></h3>` : nothing}
        ${ph.description ? html`<p class="muted">${ph.description}</p>` : nothing}
        <ol start=${(ph.tasks[0]?.index ?? 0) + 1}>${ph.tasks.map((t) => html`<li><div class="task-line">
          <strong>${t.title || `Task ${t.index + 1}`}</strong>
          ${t.task_type ? html`<span class="chip">${t.task_type}</span>` : nothing}
          ${t.complexity ? html`<span class="chip">${t.complexity}</span>` : nothing}
          ${(t.requirement_ids || []).map((r) => html`<span class="chip accent">${r}</span>`)}
          ${(t.depends_on || []).length ? html`<span class="muted deps">after ${(t.depends_on).map((d) => titles[Number(d)] || `#${Number(d) + 1}`).join(', ')}</span>` : nothing}
        </div>${t.description ? html`<div class="muted">${t.description}</div>` : nothing}</li>`)}</ol>
      </div>`)}
      <div class="plan-extra">
        ${plan?.open_questions?.length ? html`<div><h3>Open questions</h3><ul>${plan.open_questions.map((q) => html`<li>
          <strong>${q.question}</strong>${q.proposed_answer ? html`<div>Proposed: ${q.proposed_answer}</div>` : nothing}
          ${q.impact ? html`<div class="muted">Impact: ${q.impact}</div>` : nothing}</li>`)}</ul></div>` : nothing}
        ${plan?.risk_assessment?.length ? html`<div><h3>Risks</h3><ul>${plan.risk_assessment.map((r) => html`<li>
          <strong>${r.risk}</strong> ${r.likelihood ? html`<span class="chip">likelihood ${r.likelihood}</span>` : nothing}
          ${r.impact ? html`<span class="chip">impact ${r.impact}</span>` : nothing}
          ${r.mitigation ? html`<div class="muted">${r.mitigation}</div>` : nothing}</li>`)}</ul></div>` : nothing}
        ${plan?.test_strategy ? html`<div><h3>Test strategy</h3><p>${plan.test_strategy.approach}</p>
          ${plan.test_strategy.test_tasks?.length ? html`<ul>${plan.test_strategy.test_tasks.map((t) => html`<li>${t}</li>`)}</ul>` : nothing}
          ${plan.test_strategy.coverage_notes ? html`<p class="muted">${plan.test_strategy.coverage_notes}</p>` : nothing}</div>` : nothing}
      </div>
    </div>`;
  }

  // -- side column --

  logPanel(p) {
    const s = this.live;
    const text = {
      idle: 'Idle', connecting: 'Connecting…', live: 'Live', ended: 'Finished', stopped: 'Stopped',
      reconnecting: s.retryInMs ? `Reconnecting in ${Math.round(s.retryInMs / 1000)} s` : 'Reconnecting…', offline: 'Offline',
    }[s.status] || s.status;
    const actions = html`<span class="conn ${s.status}" role="status" aria-live="polite" id="live-badge" data-status=${s.status}>${text}</span>
      ${s.status === 'offline' ? html`<button class="btn small" @click=${() => this.stream?.resume()}>Reconnect</button>` : nothing}`;
    const titles = new Map((this.tasks.data || []).map((t) => [t.id, t.title]));
    return panel('Live log', () => (this.log.length
      ? html`<ol class="log" id="event-log" aria-label="Events, newest first">${[...this.log].reverse().map((e) => html`<li data-type=${e.type} data-id=${e.id ?? ''}>
          <time datetime=${new Date(e.timestamp * 1000).toISOString()}>${new Date(e.timestamp * 1000).toLocaleTimeString('en', { hour12: false })}</time>
          <i class="dot tone-${EVENT_TONE[e.type] || 'muted'}" aria-hidden="true"></i>
          <span class="msg">${e.task_id && titles.has(e.task_id) ? html`<a href=${`/project/${this.id}/task/${e.task_id}`}>${e.message}</a>` : e.message}
            ${e.cost_usd != null ? html` <span class="muted">${money(e.cost_usd, { precise: true })}</span>` : nothing}</span>
        </li>`)}</ol>`
      : empty('No events yet', p.status === 'executing' ? 'Waiting for the first task to start…' : 'Events appear here as tasks run.')), { id: 'log', actions });
  }

  requirementsPanel() {
    return panel('Requirements', () => this.coverage.view((c) => html`
      <p class="muted">${c.covered_count} of ${c.total_requirements} covered by tasks${c.uncovered_count ? html` · <strong class="bad-text">${c.uncovered_count} not covered</strong>` : ''}</p>
      <ul class="req-list">${c.requirements.map((r) => html`<li class="req ${r.covered ? '' : 'uncovered'}">
        <span class="req-id">${r.id}</span><span class="req-text">${r.text}</span>
        ${r.covered ? html`<span class="badge tone-ok">Covered</span>` : html`<span class="badge tone-warn">Not covered</span>`}</li>`)}</ul>`), { id: 'requirements' });
  }

  knowledgePanel() {
    return panel('Knowledge', () => this.knowledge.view((items) => (items.length
      ? items.map((f) => html`<div class="finding"><div class="task-line"><span class="chip">${f.category}</span>
          ${f.source_task_title ? html`<span class="muted">from ${f.source_task_title}</span>` : nothing}
          <button class="btn small ghost" aria-label="Remove this finding" @click=${() => this.deleteFinding(f)}>Remove</button></div>
          <div>${f.content}</div></div>`)
      : empty('No findings yet', 'Constraints, decisions and gotchas that tasks discover are collected here and shared with later tasks.'))), { id: 'knowledge' });
  }
}
