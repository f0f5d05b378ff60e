import { html, nothing } from '../ui/lit.js';
import { count, label } from '../lib/format.js';
import { badge, empty, facts, loading, panel } from '../ui/components.js';
import { Page } from './base.js';

const PAGE = 50;

function size(bytes) {
  if (!bytes) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  return `${(bytes / 1024 ** i).toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** The RAG databases the server searches (API.md §3.11), their sources and documents. Read-only. */
export default class Rag extends Page {
  title = 'Knowledge bases';
  selected = null;
  source = '';
  offset = 0;

  constructor(ctx, params) {
    super(ctx, params);
    this.databases = this.resource(() => this.api.get('/api/rag/databases'), { optional: true });
    this.documents = this.resource(() => this.api.get(`/api/rag/databases/${encodeURIComponent(this.selected)}/documents?limit=${PAGE}&offset=${this.offset}${this.source ? `&source=${encodeURIComponent(this.source)}` : ''}`));
  }

  async load() {
    const dbs = await this.databases.load();
    if (dbs?.length && !this.selected) this.open(dbs[0].name);
  }

  open(name, source = '', offset = 0) {
    this.selected = name;
    this.source = source;
    this.offset = offset;
    this.documents.data = undefined;
    this.documents.load();
  }

  view() {
    return html`<div class="page">
      <div class="page-head"><div><h1>Knowledge bases</h1><p class="muted">The documents tasks can search with <code>search_knowledge</code> and <code>lookup_type</code>.</p></div></div>
      ${this.databases.view((dbs) => (dbs.length ? html`
        <div class="cards">${dbs.map((d) => html`<article class="card" aria-label=${`Database ${d.name}`}>
          <div class="card-head"><h3>${d.name}</h3>${d.exists ? badge(d.index_status, `Index ${label(d.index_status)}`) : badge('offline', 'Missing file')}</div>
          ${facts([['Chunks', count(d.chunk_count)], ['Sources', count(d.source_count)], ['Size', size(d.file_size_bytes)]])}
          <button class="btn small" type="button" aria-pressed=${this.selected === d.name ? 'true' : 'false'} @click=${() => this.open(d.name)}>Browse documents</button>
        </article>`)}</div>
        ${this.selected ? this.browser(dbs.find((d) => d.name === this.selected)) : nothing}`
      : empty('No knowledge bases configured', 'An operator lists RAG databases under rag.databases in the server configuration.')),
      { missing: empty('Knowledge bases are not available on this server', 'This server version does not offer the RAG endpoints.') })}
    </div>`;
  }

  browser(db) {
    if (!db) return nothing;
    const actions = html`<label><span class="sr-only">Source</span><select @change=${(e) => this.open(db.name, e.target.value)}>
      <option value="">All sources</option>
      ${(db.sources || []).map((s) => html`<option value=${s.source} ?selected=${this.source === s.source}>${s.source} (${count(s.count)})</option>`)}</select></label>`;
    return html`<h2 class="section-title">${db.name}</h2>${panel('Documents', () => {
      const d = this.documents.data;
      if (d === undefined) return loading('Loading documents…');
      if (!d.items.length) return empty('No documents', this.source ? 'This source has no chunks.' : 'The database is empty.');
      const pages = Math.ceil(d.total / PAGE);
      const page = Math.floor(this.offset / PAGE);
      return html`<div class="table-wrap"><table class="table responsive"><thead><tr><th scope="col">Source</th><th scope="col">File</th><th scope="col">Type</th><th scope="col">Preview</th></tr></thead>
        <tbody>${d.items.map((c) => html`<tr><td data-label="Source">${c.source || html`<span class="muted">none</span>`}</td>
          <td data-label="File"><code>${c.file_path || '—'}</code></td><td data-label="Type">${c.type_name || '—'}</td>
          <td data-label="Preview" class="cell-main">${c.text_preview}</td></tr>`)}</tbody></table></div>
        <div class="pager"><span class="muted">${count(d.total)} chunks · page ${page + 1} of ${pages}</span><span>
          <button class="btn small" ?disabled=${page === 0} @click=${() => this.open(db.name, this.source, this.offset - PAGE)}>Previous</button>
          <button class="btn small" ?disabled=${page >= pages - 1} @click=${() => this.open(db.name, this.source, this.offset + PAGE)}>Next</button></span></div>`;
    }, { id: 'documents', actions })}`;
  }
}
