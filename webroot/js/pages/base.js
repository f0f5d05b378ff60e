// What every page shares: data that loads, fails or is missing, each rendered in its own state.
import { html } from '../ui/lit.js';
import { errorBox, loading } from '../ui/components.js';

/**
 * One piece of data a page shows. `optional`: a 404 means the server does not offer it (an endpoint
 * from a newer version), shown as absent rather than as an error.
 */
export class Resource {
  constructor(fetcher, update, { optional = false } = {}) {
    this.fetcher = fetcher;
    this.update = update;
    this.optional = optional;
    this.data = undefined;
    this.error = null;
    this.missing = false;
    this.loading = false;
  }

  async load() {
    this.loading = true;
    this.update();
    try {
      this.data = await this.fetcher();
      this.error = null;
      this.missing = false;
    } catch (err) {
      if (this.optional && (err.status === 404 || err.status === 405 || err.status === 501)) {
        this.missing = true;
        this.data = null;
      } else {
        this.error = err;
      }
    } finally {
      this.loading = false;
      this.update();
    }
    return this.data;
  }

  /** Loading, error or missing states; `ready(data)` otherwise. */
  view(ready, { missing = null, text = 'Loading…' } = {}) {
    if (this.error && this.data === undefined) return errorBox(this.error, () => this.load());
    if (this.missing) return missing ?? html``;
    if (this.data === undefined) return loading(text);
    return ready(this.data);
  }
}

export class Page {
  constructor(ctx, params) {
    this.ctx = ctx;
    this.api = ctx.api;
    this.params = params;
  }

  resource(fetcher, options) {
    return new Resource(fetcher, () => this.ctx.update(), options);
  }
}
