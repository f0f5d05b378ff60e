import { html, nothing } from '../ui/lit.js';
import { safeNext } from '../lib/router.js';
import { Page } from './base.js';

export const OIDC_KEY = 'orch.oidc';

/** The sign-in card, shared by sign-in and registration. */
export function authCard(title, body, footer) {
  return html`<div class="auth">
    <div class="auth-brand"><span class="logo" aria-hidden="true"></span><span>Orch</span></div>
    <div class="auth-card">
      <h1>${title}</h1>
      ${body}
    </div>
    <p class="auth-foot">${footer}</p>
  </div>`;
}

export default class Login extends Page {
  title = 'Sign in';
  error = null;
  busy = false;
  providers = [];

  async load() {
    try {
      this.providers = await this.api.request('GET', '/api/auth/oidc/providers', undefined, { auth: false });
    } catch {
      this.providers = [];
    }
  }

  get next() {
    return safeNext(this.params.query.get('next'));
  }

  async submit(e) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    this.busy = true;
    this.error = null;
    this.ctx.update();
    try {
      const login = await this.api.request('POST', '/api/auth/login',
        { email: String(form.get('email')).trim(), password: String(form.get('password')) }, { auth: false });
      this.api.signedInWith(login);
      this.ctx.navigate(this.next, { replace: true });
    } catch (err) {
      this.error = err.message;
      this.busy = false;
      this.ctx.update();
    }
  }

  async oidc(provider) {
    const redirect = `${location.origin}/auth/oidc/callback`;
    try {
      const res = await this.api.request('GET',
        `/api/auth/oidc/${encodeURIComponent(provider.name)}/login?redirect_uri=${encodeURIComponent(redirect)}`, undefined, { auth: false });
      sessionStorage.setItem(OIDC_KEY, JSON.stringify({ provider: provider.name, state_token: res.state_token, next: this.next }));
      location.assign(res.authorization_url);
    } catch (err) {
      this.error = err.message;
      this.ctx.update();
    }
  }

  view() {
    const expired = this.params.query.get('expired');
    return authCard('Sign in', html`
      ${expired ? html`<p class="notice">Your session has ended. Please sign in again.</p>` : nothing}
      ${this.error ? html`<p class="notice bad" role="alert">${this.error}</p>` : nothing}
      <form class="form" @submit=${(e) => this.submit(e)}>
        <label>Email<input name="email" type="email" autocomplete="username" required autofocus></label>
        <label>Password<input name="password" type="password" autocomplete="current-password" required maxlength="128"></label>
        <button class="btn primary block" type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      ${this.providers.length ? html`<div class="divider"><span>or</span></div>
        <div class="stack">${this.providers.map((p) => html`<button class="btn block" type="button"
          @click=${() => this.oidc(p)}>Continue with ${p.display_name || p.name}</button>`)}</div>` : nothing}
    `, html`New to Orch? <a href=${`/register${this.next !== '/' ? `?next=${encodeURIComponent(this.next)}` : ''}`}>Create an account</a>`);
  }
}
