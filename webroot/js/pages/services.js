import { html, nothing } from '../ui/lit.js';
import { label } from '../lib/format.js';
import { badge, empty, facts, panel } from '../ui/components.js';
import { Page } from './base.js';

const GROUPS = [
  { title: 'Model providers and hosts', match: (r) => r.category === 'ai' || r.category === 'api' },
  { title: 'Command-line agents', match: (r) => r.category === 'cli' },
  { title: 'Plugins and other resources', match: (r) => !['ai', 'api', 'cli'].includes(r.category) },
];

/** A details value as text: lists joined, nested objects as "key: value" pairs, never raw JSON. */
export function describe(value) {
  if (value == null) return '—';
  if (Array.isArray(value)) return value.length ? value.map(describe).join(', ') : 'none';
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${label(k)}: ${describe(v)}`).join(' · ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** JSON-Schema properties as a readable parameter list. */
export function parameters(schema) {
  const props = schema?.properties || {};
  const required = new Set(schema?.required || []);
  return Object.entries(props).map(([name, p]) => ({
    name, type: p.type || (p.enum ? 'enum' : 'any'), required: required.has(name), description: p.description || '',
    values: Array.isArray(p.enum) ? p.enum : null,
  }));
}

export default class Services extends Page {
  title = 'Services';
  refreshing = false;

  constructor(ctx, params) {
    super(ctx, params);
    this.resources = this.resource(() => this.api.get(`/api/services${this.refreshing ? '?refresh=true' : ''}`));
    this.tools = this.resource(() => this.api.get('/api/tools'), { optional: true });
  }

  load() {
    return Promise.all([this.resources.load(), this.tools.load()]);
  }

  async refresh() {
    this.refreshing = true;
    this.ctx.update();
    await this.load();
    this.refreshing = false;
    this.ctx.toast('Health checked just now', 'success');
    this.ctx.update();
  }

  card(r) {
    const details = Object.entries(r.details || {}).filter(([k]) => k !== 'tools' && k !== 'hint');
    return html`<article class="card" aria-label=${r.name}>
      <div class="card-head"><h3>${r.name}</h3>${badge(r.status)}</div>
      ${r.details?.hint ? html`<p class="muted">${r.details.hint}</p>` : nothing}
      ${facts([['Checked by', r.method || '—'], ...details.map(([k, v]) => [label(k), describe(v)])])}
      ${Array.isArray(r.details?.tools) && r.details.tools.length ? html`<div class="task-line">${r.details.tools.map((t) => html`<code class="chip">${typeof t === 'string' ? t : t.name}</code>`)}</div>` : nothing}
    </article>`;
  }

  toolsPanel() {
    return panel('Tools', () => this.tools.view((tools) => {
      if (!tools.length) return empty('No tools loaded', 'Drop a tool plugin jar into the plugins folder; it is picked up without a restart.');
      const byPlugin = new Map();
      for (const t of tools) {
        const key = t.plugin || 'built in';
        if (!byPlugin.has(key)) byPlugin.set(key, []);
        byPlugin.get(key).push(t);
      }
      return html`<div class="cards">${[...byPlugin].map(([plugin, list]) => html`<article class="card" aria-label=${`Plugin ${plugin}`}>
        <div class="card-head"><h3>${plugin}</h3>${list[0].version ? html`<span class="chip">v${list[0].version}</span>` : nothing}</div>
        <ul class="tools">${list.map((t) => html`<li><code>${t.name}</code><div class="muted">${t.description}</div>
          ${parameters(t.parameters).length ? html`<div class="task-line">${parameters(t.parameters).map((p) => html`<span class="chip"
            title=${p.description}>${p.name}${p.required ? '' : '?'}: ${p.values ? p.values.join(' | ') : p.type}</span>`)}</div>` : nothing}</li>`)}</ul>
      </article>`)}</div>`;
    }, { missing: html`<p class="muted">This server does not list its tools.</p>` }), { id: 'tools' });
  }

  view() {
    return html`<div class="page">
      <div class="page-head"><div><h1>Services and tools</h1><p class="muted">What tasks can run on, and whether it answers.</p></div>
        <button class="btn" ?disabled=${this.refreshing} @click=${() => this.refresh()}>${this.refreshing ? 'Checking…' : 'Check now'}</button></div>
      ${this.resources.view((list) => (list.length ? GROUPS.map((g) => {
        const items = list.filter(g.match);
        return items.length ? html`<h2 class="section-title">${g.title}</h2><div class="cards">${items.map((r) => this.card(r))}</div>` : nothing;
      }) : empty('No services configured')), { text: 'Checking services…' })}
      <div class="section-gap"></div>
      ${this.toolsPanel()}
    </div>`;
  }
}
