import { html, nothing } from '../ui/lit.js';
import { count, dateTime, duration, label, money } from '../lib/format.js';
import { badge, copyButton, dialog, empty, errorBox, facts, loading, panel } from '../ui/components.js';
import { markdown } from '../ui/markdown.js';
import { Page } from './base.js';

const TIERS = ['haiku', 'sonnet', 'opus', 'ollama'];
const MAX_FORWARDED = 12;

/** A unified diff with its lines coloured by kind. */
export function diffView(text) {
  return html`<pre class="diff" tabindex="0" aria-label="Diff">${String(text).split('\n').map((line) => {
    const cls = line.startsWith('+') && !line.startsWith('+++') ? 'add'
      : line.startsWith('-') && !line.startsWith('---') ? 'del' : line.startsWith('@@') ? 'hunk' : '';
    return html`<span class=${cls}>${line}</span>\n`;
  })}</pre>`;
}

export default class Task extends Page {
  title = 'Task';
  busy = false;

  constructor(ctx, params) {
    super(ctx, params);
    this.task = this.resource(() => this.api.get(`/api/tasks/${encodeURIComponent(params.taskId)}`));
    this.project = this.resource(() => this.api.get(`/api/projects/${encodeURIComponent(params.id)}`));
    this.deps = this.resource(async () => {
      const ids = (this.task.data?.depends_on || []).slice(0, MAX_FORWARDED);
      return Promise.all(ids.map((id) => this.api.get(`/api/tasks/${encodeURIComponent(id)}`).catch(() => null)));
    });
    this.diff = this.resource(() => this.api.get(`/api/tasks/${encodeURIComponent(params.taskId)}/diff`), { optional: true });
    this.attempts = this.resource(() => this.api.get(`/api/tasks/${encodeURIComponent(params.taskId)}/attempts`), { optional: true });
  }

  async load() {
    await Promise.all([this.task.load(), this.project.load()]);
    const t = this.task.data;
    if (!t) return;
    this.title = t.title;
    document.title = `${t.title} · Orch`;
    await Promise.all([this.deps.load(), t.git_commit_sha ? this.diff.load() : null,
      t.verification_status ? this.attempts.load() : null]);
  }

  async act(fn, success) {
    this.busy = true;
    this.ctx.update();
    const res = await this.ctx.act(fn, success);
    this.busy = false;
    if (res) this.task.data = res;
    this.ctx.update();
    return res;
  }

  path(suffix = '') {
    return `/api/tasks/${encodeURIComponent(this.params.taskId)}${suffix}`;
  }

  review(action, form) {
    const feedback = new FormData(form).get('feedback') || '';
    return this.act(() => this.api.post(this.path('/review'), { action, feedback }),
      action === 'approve' ? 'Output approved' : 'Sent back with your feedback');
  }

  async edit({ thenRetry = false } = {}) {
    const t = this.task.data;
    const values = await dialog({
      title: thenRetry ? 'Edit and retry' : 'Edit task',
      confirm: thenRetry ? 'Save and retry' : 'Save',
      body: html`<div class="form">
        <label>Title<input name="title" required maxlength="200" .value=${t.title} autofocus></label>
        <label>Description<textarea name="description" required maxlength="50000" rows="8" .value=${t.description}></textarea></label>
        <div class="form-row">
          <label>Model tier<select name="model_tier">${TIERS.map((x) => html`<option value=${x} ?selected=${t.model_tier === x}>${x}</option>`)}</select></label>
          <label>Priority <span class="muted">(lower runs first)</span><input name="priority" type="number" min="0" max="1000" .value=${String(t.priority)}></label>
        </div>
      </div>`,
    });
    if (!values) return;
    const body = { title: values.title.trim(), description: values.description, model_tier: values.model_tier, priority: Number(values.priority) };
    const saved = await this.act(() => this.api.patch(this.path(), body), thenRetry ? null : 'Task saved');
    if (saved && thenRetry) await this.act(() => this.api.post(this.path('/retry')), 'Saved and queued for another attempt');
  }

  view() {
    if (this.task.error) {
      return html`<div class="page"><div class="crumbs"><a href="/">Projects</a></div><h1>Task unavailable</h1>
        ${errorBox(this.task.error, () => this.load())}</div>`;
    }
    const t = this.task.data;
    if (!t) return html`<div class="page">${loading('Loading the task…')}</div>`;
    const p = this.project.data;
    const ran = t.started_at && t.completed_at ? t.completed_at - t.started_at : null;
    return html`<div class="page">
      <div class="page-head">
        <div>
          <div class="crumbs"><a href="/">Projects</a><span aria-hidden="true">/</span>
            <a href=${`/project/${this.params.id}`}>${p?.name || 'Project'}</a><span aria-hidden="true">/</span></div>
          <h1>${t.title}</h1>
          <div class="project-meta">${badge(t.status)}
            ${t.verification_status ? badge(t.verification_status, `Verification: ${label(t.verification_status)}`) : nothing}
            <span class="chip">${t.task_type}</span><span class="chip">${t.model_tier}</span>
            ${t.phase ? html`<span class="muted">${t.phase}</span>` : nothing}</div>
        </div>
        <div class="page-actions">
          ${t.status === 'failed' ? html`<button class="btn primary" ?disabled=${this.busy}
            @click=${() => this.act(() => this.api.post(this.path('/retry')), 'Queued for another attempt')}>Retry</button>
            <button class="btn" ?disabled=${this.busy} @click=${() => this.edit({ thenRetry: true })}>Edit and retry</button>` : nothing}
          ${['pending', 'blocked', 'queued'].includes(t.status) ? html`<button class="btn ghost danger-text" ?disabled=${this.busy}
            @click=${() => this.act(() => this.api.post(this.path('/cancel')), 'Task cancelled')}>Cancel task</button>` : nothing}
          ${!['running', 'completed'].includes(t.status) && t.status !== 'failed' ? html`<button class="btn ghost" ?disabled=${this.busy} @click=${() => this.edit()}>Edit</button>` : nothing}
          <button class="btn ghost" @click=${() => this.load()}>Refresh</button>
        </div>
      </div>
      ${t.status === 'needs_review' ? this.reviewPanel(t) : nothing}
      <div class="grid">
        <div class="span-8 stack-gap">
          ${panel('Output', () => (t.output_text
            ? markdown(t.output_text)
            : empty(t.status === 'running' ? 'Running…' : 'No output yet', t.status === 'running' ? 'The output appears when the task finishes.' : '')),
          { id: 'output', actions: t.output_text ? copyButton(t.output_text, 'output') : nothing })}
          ${t.error ? panel('Error', () => html`<pre class="error-text">${t.error}</pre>`, { id: 'error', actions: copyButton(t.error, 'error') }) : nothing}
          ${t.verification_notes ? panel('Verification', () => html`<p>${badge(t.verification_status || 'skipped')}</p>${markdown(t.verification_notes)}`, { id: 'verification' }) : nothing}
          ${panel('Description', () => markdown(t.description), { id: 'description', actions: copyButton(t.description, 'description') })}
          ${t.git_commit_sha ? panel('Commit', () => html`${facts([['Branch', html`<code>${t.git_branch || '—'}</code>`], ['Commit', html`<code>${t.git_commit_sha}</code>`]])}
            <div class="section-title">Diff</div>
            ${this.diff.view((d) => diffView(typeof d === 'string' ? d : d?.diff ?? ''), { missing: html`<p class="muted">This server does not offer diffs.</p>` })}`, { id: 'commit' }) : nothing}
        </div>
        <div class="span-4 stack-gap">
          ${panel('Details', () => facts([
            ['Model', t.model_used || html`<span class="muted">not run yet</span>`],
            ['Tokens', `${count(t.prompt_tokens)} in · ${count(t.completion_tokens)} out`],
            ['Cost', money(t.cost_usd, { precise: true })],
            ['Wave', t.wave], ['Priority', t.priority],
            ['Started', dateTime(t.started_at)], ['Finished', dateTime(t.completed_at)],
            ran != null && ['Ran for', duration(ran)],
            t.requirement_ids?.length && ['Requirements', t.requirement_ids.join(', ')],
          ]), { id: 'details' })}
          ${this.attempts.data?.attempts?.length ? panel('Attempts', () => html`<table class="table">
            <thead><tr><th scope="col">#</th><th scope="col">Tier</th><th scope="col">Verdict</th><th scope="col" class="num">Cost</th></tr></thead>
            <tbody>${this.attempts.data.attempts.map((a) => html`<tr><td>${a.attempt + 1}</td><td>${a.model_tier}</td>
              <td>${badge(a.verdict || 'skipped')}</td><td class="num">${money(a.cost_usd, { precise: true })}</td></tr>`)}</tbody></table>`,
            { id: 'attempts' }) : nothing}
          ${panel('Tools', () => (t.tools?.length ? html`<div class="task-line">${t.tools.map((x) => html`<code class="chip">${x}</code>`)}</div>`
            : html`<p class="muted">No tools: the model answers from its context alone.</p>`), { id: 'tools' })}
          ${panel('Forwarded context', () => this.deps.view((deps) => (deps.filter(Boolean).length
            ? html`<div class="context-list">${deps.filter(Boolean).map((d) => html`<details>
                <summary>${d.title} ${badge(d.status)}</summary>
                <p><a href=${`/project/${this.params.id}/task/${d.id}`}>Open ${d.title}</a></p>
                ${d.output_text ? markdown(d.output_text.length > 4000 ? `${d.output_text.slice(0, 4000)}\n\n…` : d.output_text) : html`<p class="muted">No output yet.</p>`}
              </details>`)}</div>`
            : html`<p class="muted">This task depends on no other task; it starts from the plan and the requirements.</p>`)), { id: 'context' })}
        </div>
      </div>
    </div>`;
  }

  reviewPanel(t) {
    return html`<div class="stack-gap">${panel('Review this output', () => html`<form class="form" @submit=${(e) => e.preventDefault()}>
      <p>${t.verification_status === 'human_needed' ? 'The verifier asks for a person to look at this output.' : 'This task needs your review before its dependants can run.'}</p>
      <label>Feedback for a retry <span class="muted">(optional)</span><textarea name="feedback" rows="3" maxlength="10000"
        placeholder="What is missing or wrong?"></textarea></label>
      <div class="page-actions">
        <button class="btn primary" type="button" ?disabled=${this.busy} @click=${(e) => this.review('approve', e.target.form)}>Approve output</button>
        <button class="btn" type="button" ?disabled=${this.busy} @click=${(e) => this.review('retry', e.target.form)}>Retry with feedback</button>
      </div></form>`, { id: 'review', cls: 'attention' })}</div>`;
  }
}
