import { html, nothing } from '../ui/lit.js';
import { ago, count, duration, label, money } from '../lib/format.js';
import { empty, panel, stat } from '../ui/components.js';
import { chart } from '../ui/charts.js';
import { Page } from './base.js';

const TABS = [['users', 'Users'], ['system', 'System'], ['analytics', 'Analytics']];

function statusBars(map, name) {
  const entries = Object.entries(map || {}).sort((a, z) => z[1] - a[1]);
  if (!entries.length) return empty('Nothing yet');
  return chart({
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: entries.map(([k]) => label(k)), inverse: true },
    series: [{ type: 'bar', name, data: entries.map(([, v]) => v), barMaxWidth: 18 }],
  }, { label: `${name}: ${entries.map(([k, v]) => `${label(k)} ${v}`).join(', ')}`, cls: 'chart small' });
}

export default class Admin extends Page {
  title = 'Admin';
  days = 30;

  constructor(ctx, params) {
    super(ctx, params);
    this.tab = TABS.some(([t]) => t === params.query.get('tab')) ? params.query.get('tab') : params.tab || 'users';
    this.users = this.resource(() => this.api.get('/api/admin/users?limit=200'));
    this.stats = this.resource(() => this.api.get('/api/admin/stats'));
    this.cost = this.resource(() => this.api.get(`/api/admin/analytics/cost-breakdown?days=${this.days}`));
    this.outcomes = this.resource(() => this.api.get('/api/admin/analytics/task-outcomes'));
    this.efficiency = this.resource(() => this.api.get('/api/admin/analytics/efficiency'));
    this.overview = this.resource(() => this.api.get(`/api/admin/analytics/usage-overview?days=${this.days}`));
    this.escalation = this.resource(() => this.api.get('/api/admin/analytics/escalation'));
  }

  get admin() {
    return this.ctx.user?.role === 'admin';
  }

  load() {
    if (!this.admin) return null;
    if (this.tab === 'users') return this.users.load();
    if (this.tab === 'system') return this.stats.load();
    return Promise.all([this.cost.load(), this.outcomes.load(), this.efficiency.load(), this.overview.load(),
      this.escalation.load()]);
  }

  select(tab) {
    this.tab = tab;
    history.replaceState(null, '', tab === 'users' ? '/admin' : `/admin?tab=${tab}`);
    this.load();
    this.ctx.update();
  }

  async patchUser(u, body) {
    const res = await this.ctx.act(() => this.api.patch(`/api/admin/users/${u.id}`, body), `Updated ${u.email}`);
    await this.users.load();
    return res;
  }

  view() {
    if (!this.admin) {
      return html`<div class="page"><h1>Admin</h1>${empty('Administrators only', 'Ask an administrator if you need access to these pages.')}</div>`;
    }
    return html`<div class="page">
      <div class="page-head"><div><h1>Admin</h1><p class="muted">Accounts, the whole system, and where the money goes.</p></div></div>
      <div class="tabs" role="tablist" aria-label="Admin sections">${TABS.map(([t, text]) => html`<button role="tab" id=${`tab-${t}`}
        aria-selected=${this.tab === t ? 'true' : 'false'} aria-controls="admin-panel" tabindex=${this.tab === t ? 0 : -1}
        @click=${() => this.select(t)} @keydown=${(e) => this.arrows(e)}>${text}</button>`)}</div>
      <div id="admin-panel" role="tabpanel" aria-labelledby=${`tab-${this.tab}`}>
        ${this.tab === 'users' ? this.usersView() : this.tab === 'system' ? this.systemView() : this.analyticsView()}
      </div>
    </div>`;
  }

  arrows(e) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = TABS.findIndex(([t]) => t === this.tab);
    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length][0];
    this.select(next);
    requestAnimationFrame(() => document.getElementById(`tab-${next}`)?.focus());
  }

  usersView() {
    const me = this.ctx.user?.id;
    return this.users.view((users) => html`<div class="table-wrap"><table class="table responsive" id="users">
      <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Active</th><th scope="col" class="num">Projects</th>
        <th scope="col">Joined</th><th scope="col">Last sign-in</th></tr></thead>
      <tbody>${users.map((u) => html`<tr>
        <td data-label="User" class="cell-main"><strong>${u.display_name || u.email}</strong><div class="muted">${u.email}</div></td>
        <td data-label="Role"><label><span class="sr-only">Role of ${u.email}</span><select ?disabled=${u.id === me}
          @change=${(e) => this.patchUser(u, { role: e.target.value })}>
          ${['user', 'admin'].map((r) => html`<option value=${r} ?selected=${u.role === r}>${label(r)}</option>`)}</select></label></td>
        <td data-label="Active"><label class="check"><input type="checkbox" ?checked=${u.is_active} ?disabled=${u.id === me}
          aria-label=${`${u.email} is active`} @change=${(e) => this.patchUser(u, { is_active: e.target.checked })}>
          ${u.is_active ? 'Active' : 'Disabled'}</label></td>
        <td data-label="Projects" class="num">${u.project_count}</td>
        <td data-label="Joined" class="nowrap">${ago(u.created_at)}</td>
        <td data-label="Last sign-in" class="nowrap">${ago(u.last_login_at)}</td></tr>`)}</tbody></table></div>`);
  }

  systemView() {
    return this.stats.view((s) => html`
      <div class="stats">
        ${stat('Users', count(s.total_users), `${count(s.active_users)} active`)}
        ${stat('Projects', count(s.total_projects))}
        ${stat('Tasks', count(s.total_tasks), `${(s.task_completion_rate * 100).toFixed(1)}% of finished tasks succeeded`)}
        ${stat('Total spend', money(s.total_spend_usd))}
      </div>
      <div class="grid">
        <div class="span-6">${panel('Projects by status', () => statusBars(s.projects_by_status, 'Projects by status'))}</div>
        <div class="span-6">${panel('Tasks by status', () => statusBars(s.tasks_by_status, 'Tasks by status'))}</div>
        <div class="span-12">${panel('Spend by model', () => {
          const rows = Object.entries(s.spend_by_model || {}).sort((a, z) => z[1] - a[1]);
          return rows.length ? html`<table class="table"><thead><tr><th scope="col">Model</th><th scope="col" class="num">Spend</th></tr></thead>
            <tbody>${rows.map(([m, v]) => html`<tr><td>${m}</td><td class="num">${money(v, { precise: true })}</td></tr>`)}</tbody></table>` : empty('No spend yet');
        })}</div>
      </div>`);
  }

  analyticsView() {
    const days = html`<label>Window <select @change=${(e) => { this.days = Number(e.target.value); this.load(); }}>
      ${[7, 30, 90].map((d) => html`<option value=${d} ?selected=${this.days === d}>Last ${d} days</option>`)}</select></label>`;
    return html`<div class="toolbar">${days}</div>
      <div class="grid">
        <div class="span-12">${panel('Cost of finished tasks per day', () => this.cost.view((c) => (c.daily_trend.length ? chart({
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'category', data: c.daily_trend.map((d) => d.date) },
          yAxis: { type: 'value' },
          series: [{ type: 'line', name: 'Cost (USD)', smooth: true, areaStyle: { opacity: 0.15 }, data: c.daily_trend.map((d) => d.cost_usd) }],
        }, { label: `Cost per day: ${money(c.total_cost_usd, { precise: true })} in the window` }) : empty('No finished task spent anything in this window'))))}</div>
        <div class="span-6">${panel('Cost by tier', () => this.cost.view((c) => (c.by_model_tier.length ? html`<table class="table">
          <thead><tr><th scope="col">Tier</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Tasks</th><th scope="col" class="num">Per task</th></tr></thead>
          <tbody>${c.by_model_tier.map((r) => html`<tr><td>${r.model_tier}</td><td class="num">${money(r.cost_usd, { precise: true })}</td>
            <td class="num">${r.task_count}</td><td class="num">${money(r.avg_cost_per_task, { precise: true })}</td></tr>`)}</tbody></table>` : empty('No data yet'))))}</div>
        <div class="span-6">${panel('Outcomes by tier', () => this.outcomes.view((o) => (o.by_tier.length ? chart({
          tooltip: { trigger: 'axis' },
          legend: { top: 0, textStyle: { color: 'inherit' } },
          grid: { top: 32 },
          xAxis: { type: 'category', data: o.by_tier.map((r) => r.model_tier) },
          yAxis: { type: 'value', minInterval: 1 },
          series: [['completed', 'Completed'], ['failed', 'Failed'], ['needs_review', 'Needs review']].map(([k, n]) => ({
            type: 'bar', stack: 'outcome', name: n, data: o.by_tier.map((r) => r[k]), barMaxWidth: 28 })),
        }, { label: `Outcomes by tier: ${o.by_tier.map((r) => `${r.model_tier} ${(r.success_rate * 100).toFixed(0)}% succeeded`).join(', ')}`, cls: 'chart small' })
          : empty('No finished tasks yet'))))}</div>
        <div class="span-6">${panel('Retries and checkpoints', () => this.efficiency.view((e) => html`
          <div class="stats">${stat('Checkpoints', count(e.checkpoint_count), `${count(e.unresolved_checkpoint_count)} open`)}</div>
          ${e.retries_by_tier.length ? html`<table class="table"><thead><tr><th scope="col">Tier</th><th scope="col" class="num">Tasks</th>
            <th scope="col" class="num">Retried</th><th scope="col" class="num">Retry rate</th></tr></thead>
            <tbody>${e.retries_by_tier.map((r) => html`<tr><td>${r.model_tier}</td><td class="num">${r.total_tasks}</td>
              <td class="num">${r.tasks_with_retries}</td><td class="num">${(r.retry_rate * 100).toFixed(1)}%</td></tr>`)}</tbody></table>` : nothing}`))}</div>
        <div class="span-6">${panel('Verify, then escalate', () => this.escalation.view((x) => (x.by_tier.length ? html`
          <div class="stats">${stat('Escalated tasks', count(x.escalated_tasks), `${count(x.escalated_passed)} then passed`)}
            ${stat('Spent before climbing', money(x.cost_before_escalation_usd, { precise: true }), `of ${money(x.escalated_cost_usd, { precise: true })} on escalated tasks`)}</div>
          <table class="table"><thead><tr><th scope="col">Tier</th><th scope="col" class="num">Judged attempts</th>
            <th scope="col" class="num">Enough</th><th scope="col" class="num">Gaps</th><th scope="col" class="num">Cost</th></tr></thead>
            <tbody>${x.by_tier.map((r) => html`<tr><td>${r.model_tier}</td><td class="num">${r.attempts}</td>
              <td class="num">${(r.enough_rate * 100).toFixed(1)}%</td><td class="num">${r.gaps_found}</td>
              <td class="num">${money(r.cost_usd, { precise: true })}</td></tr>`)}</tbody></table>`
          : empty('No verified attempts yet'))))}</div>
        <div class="span-6">${panel('Where the money goes', () => this.overview.view((u) => (u.by_purpose.length ? html`${chart({
          tooltip: { trigger: 'item' },
          series: [{ type: 'pie', radius: ['45%', '72%'], name: 'Spend by purpose', label: { color: 'inherit', formatter: '{b}' },
            data: u.by_purpose.map((r) => ({ name: label(r.purpose), value: r.cost_usd })) }],
        }, { label: `Spend by purpose: ${u.by_purpose.map((r) => `${label(r.purpose)} ${r.pct_of_total}%`).join(', ')}`, cls: 'chart small' })}
          <p class="muted">${money(u.summary.total_cost_usd, { precise: true })} over ${count(u.summary.total_api_calls)} calls in ${count(u.summary.active_projects)} projects.</p>`
          : empty('No spend in this window'))))}</div>
        <div class="span-12">${panel('Wave throughput', () => this.efficiency.view((e) => (e.wave_throughput.length ? html`<div class="table-wrap"><table class="table">
          <thead><tr><th scope="col">Project</th><th scope="col" class="num">Wave</th><th scope="col" class="num">Tasks</th><th scope="col" class="num">Mean duration</th></tr></thead>
          <tbody>${e.wave_throughput.slice(0, 50).map((r) => html`<tr><td>${r.project_name}</td><td class="num">${r.wave}</td><td class="num">${r.task_count}</td>
            <td class="num">${duration(r.avg_duration_seconds)}</td></tr>`)}</tbody></table></div>` : empty('No finished waves yet'))))}</div>
      </div>`;
  }
}

