import { html } from '../ui/lit.js';
import { safeNext } from '../lib/router.js';
import { Page } from './base.js';
import { authCard, OIDC_KEY } from './login.js';

/** The provider sent the browser back here with a code (API.md §5.7, step 2). */
export default class OidcCallback extends Page {
  title = 'Signing in';
  error = null;

  async load() {
    const q = this.params.query;
    let pending = null;
    try {
      pending = JSON.parse(sessionStorage.getItem(OIDC_KEY) || 'null');
    } catch {
      pending = null;
    }
    sessionStorage.removeItem(OIDC_KEY);
    if (q.get('error')) {
      this.error = `The provider refused the sign-in: ${q.get('error_description') || q.get('error')}`;
      return;
    }
    if (!pending || !q.get('code') || !q.get('state')) {
      this.error = 'This sign-in link is incomplete or was already used. Please start again.';
      return;
    }
    try {
      const login = await this.api.request('POST', `/api/auth/oidc/${encodeURIComponent(pending.provider)}/callback`, {
        code: q.get('code'), state: q.get('state'), state_token: pending.state_token,
        redirect_uri: `${location.origin}/auth/oidc/callback`,
      }, { auth: false });
      this.api.signedInWith(login);
      this.ctx.navigate(safeNext(pending.next), { replace: true });
    } catch (err) {
      this.error = err.message;
    }
  }

  view() {
    return authCard('Signing you in', this.error
      ? html`<p class="notice bad" role="alert">${this.error}</p><p><a class="btn block" href="/login">Back to sign in</a></p>`
      : html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Checking with your provider…</div>`,
    html`<a href="/login">Use another way to sign in</a>`);
  }
}
