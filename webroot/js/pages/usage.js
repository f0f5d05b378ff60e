import { html, nothing } from '../ui/lit.js';
import { compact, count, money, percent } from '../lib/format.js';
import { bar, empty, panel, stat } from '../ui/components.js';
import { chart } from '../ui/charts.js';
import { Page } from './base.js';
import { allPages } from './projects.js';

/** The last `days` UTC dates, oldest first, with the spend of each (0 when absent). */
export function dailySeries(rows, days = 30, now = new Date()) {
  const byDate = new Map(rows.map((r) => [r.date, r]));
  const out = [];
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - i));
    const key = d.toISOString().slice(0, 10);
    out.push({ date: key, cost_usd: byDate.get(key)?.cost_usd ?? 0, api_calls: byDate.get(key)?.api_calls ?? 0 });
  }
  return out;
}

/** Sums per-project UsageSummary objects into one (what a non-admin may see). */
export function mergeSummaries(summaries) {
  const total = { total_cost_usd: 0, total_prompt_tokens: 0, total_completion_tokens: 0, api_call_count: 0, by_model: {}, by_provider: {} };
  for (const s of summaries) {
    total.total_cost_usd += s.total_cost_usd;
    total.total_prompt_tokens += s.total_prompt_tokens;
    total.total_completion_tokens += s.total_completion_tokens;
    total.api_call_count += s.api_call_count;
    for (const [m, v] of Object.entries(s.by_model)) {
      const t = total.by_model[m] ||= { cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, calls: 0 };
      t.cost_usd += v.cost_usd; t.prompt_tokens += v.prompt_tokens; t.completion_tokens += v.completion_tokens; t.calls += v.calls;
    }
    for (const [p, v] of Object.entries(s.by_provider)) {
      const t = total.by_provider[p] ||= { cost_usd: 0, calls: 0 };
      t.cost_usd += v.cost_usd; t.calls += v.calls;
    }
  }
  return total;
}

export default class Usage extends Page {
  title = 'Usage';

  constructor(ctx, params) {
    super(ctx, params);
    const admin = ctx.user?.role === 'admin';
    this.admin = admin;
    this.byProject = this.resource(() => allPages(this.api, '/api/usage/by-project', 200));
    this.budget = this.resource(() => (admin ? this.api.get('/api/usage/budget') : null));
    this.daily = this.resource(() => (admin ? this.api.get('/api/usage/daily?days=30') : null));
    this.summary = this.resource(async () => {
      if (admin) return this.api.get('/api/usage/summary');
      const projects = (await this.byProject.load()) || [];
      const parts = await Promise.all(projects.slice(0, 50).map((p) => this.api.get(`/api/usage/summary?project_id=${encodeURIComponent(p.project_id)}`).catch(() => null)));
      return mergeSummaries(parts.filter(Boolean));
    });
  }

  load() {
    return Promise.all([this.byProject.load(), this.budget.load(), this.daily.load(), this.summary.load()]);
  }

  view() {
    const s = this.summary.data;
    const b = this.budget.data;
    return html`<div class="page">
      <div class="page-head"><div><h1>Usage</h1><p class="muted">${this.admin ? 'Spend of every project on this server.' : 'Spend of your projects.'}</p></div>
        <button class="btn ghost" @click=${() => this.load()}>Refresh</button></div>
      <div class="stats">
        ${b ? stat('Today', money(b.daily_spent_usd), bar(b.daily_spent_usd, b.daily_limit_usd, { name: 'Daily budget used', text: `${b.daily_pct}% of ${money(b.daily_limit_usd)}` })) : nothing}
        ${b ? stat('This month', money(b.monthly_spent_usd), bar(b.monthly_spent_usd, b.monthly_limit_usd, { name: 'Monthly budget used', text: `${b.monthly_pct}% of ${money(b.monthly_limit_usd)}` })) : nothing}
        ${stat('Total spend', s ? money(s.total_cost_usd) : '…', s ? `${count(s.api_call_count)} model calls` : '')}
        ${stat('Tokens', s ? compact(s.total_prompt_tokens + s.total_completion_tokens) : '…', s ? `${compact(s.total_prompt_tokens)} in · ${compact(s.total_completion_tokens)} out` : '')}
      </div>
      <div class="grid">
        ${this.admin ? html`<div class="span-12">${panel('Spend per day (UTC, last 30 days)', () => this.daily.view((rows) => {
          const series = dailySeries(rows || []);
          return series.some((d) => d.cost_usd > 0) ? chart({
            tooltip: { trigger: 'axis' },
            xAxis: { type: 'category', data: series.map((d) => d.date.slice(5)) },
            yAxis: { type: 'value', axisLabel: { formatter: (v) => `$${v}` } },
            series: [{ type: 'bar', name: 'Spend (USD)', data: series.map((d) => Number(d.cost_usd.toFixed(4))), barMaxWidth: 22 }],
          }, { label: `Spend per day over the last 30 days: ${money(series.reduce((a, d) => a + d.cost_usd, 0))} in all` })
            : empty('No spend in the last 30 days');
        }), { id: 'daily' })}</div>` : nothing}
        <div class="span-7">${panel('By project', () => this.byProject.view((rows) => {
          if (!rows.length) return empty('No spend yet', 'Costs appear once a plan is generated or a task runs.');
          const max = Math.max(...rows.map((r) => r.cost_usd), 0.000001);
          return html`<div class="table-wrap"><table class="table responsive" id="usage-by-project">
            <thead><tr><th scope="col">Project</th><th scope="col" class="num">Cost</th><th scope="col">Share</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Tokens</th></tr></thead>
            <tbody>${rows.map((r) => html`<tr>
              <td data-label="Project" class="cell-main">${r.project_name === 'Unknown' ? html`<span class="muted">Deleted project</span>` : html`<a href=${`/project/${r.project_id}`}>${r.project_name}</a>`}</td>
              <td data-label="Cost" class="num">${money(r.cost_usd, { precise: true })}</td>
              <td data-label="Share">${bar(r.cost_usd, max, { name: `${r.project_name} share of spend`, toneName: 'run' })}</td>
              <td data-label="Calls" class="num">${count(r.api_calls)}</td>
              <td data-label="Tokens" class="num">${compact(r.prompt_tokens + r.completion_tokens)}</td></tr>`)}</tbody></table></div>`;
        }), { id: 'by-project' })}</div>
        <div class="span-5">${panel('By model', () => this.summary.view((sum) => {
          const models = Object.entries(sum.by_model).sort((a, z) => z[1].cost_usd - a[1].cost_usd);
          if (!models.length) return empty('No model calls yet');
          return html`${chart({
            tooltip: { trigger: 'item' },
            series: [{ type: 'pie', radius: ['45%', '72%'], name: 'Spend by model', label: { color: 'inherit', formatter: '{b}' },
              data: models.map(([m, v]) => ({ name: m, value: Number(v.cost_usd.toFixed(6)) })) }],
          }, { label: `Spend by model: ${models.map(([m, v]) => `${m} ${money(v.cost_usd, { precise: true })}`).join(', ')}`, cls: 'chart small' })}
            <table class="table"><thead><tr><th scope="col">Model</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Calls</th></tr></thead>
            <tbody>${models.map(([m, v]) => html`<tr><td>${m}</td><td class="num">${money(v.cost_usd, { precise: true })}</td><td class="num">${count(v.calls)}</td></tr>`)}</tbody></table>`;
        }), { id: 'by-model' })}</div>
        <div class="span-12">${panel('By provider', () => this.summary.view((sum) => {
          const providers = Object.entries(sum.by_provider).sort((a, z) => z[1].cost_usd - a[1].cost_usd);
          if (!providers.length) return empty('No model calls yet');
          return html`<div class="stats">${providers.map(([p, v]) => stat(p, money(v.cost_usd, { precise: true }),
            html`${count(v.calls)} calls · ${percent(v.cost_usd, sum.total_cost_usd).toFixed(0)}% of spend`))}</div>`;
        }), { id: 'by-provider' })}</div>
      </div>
    </div>`;
  }
}
