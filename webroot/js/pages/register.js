import { html, nothing } from '../ui/lit.js';
import { safeNext } from '../lib/router.js';
import { Page } from './base.js';
import { authCard } from './login.js';

export default class Register extends Page {
  title = 'Create an account';
  error = null;
  busy = false;

  async submit(e) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email')).trim();
    const password = String(form.get('password'));
    this.busy = true;
    this.error = null;
    this.ctx.update();
    try {
      await this.api.request('POST', '/api/auth/register',
        { email, password, display_name: String(form.get('display_name') || '').trim() }, { auth: false });
      const login = await this.api.request('POST', '/api/auth/login', { email, password }, { auth: false });
      this.api.signedInWith(login);
      this.ctx.navigate(safeNext(this.params.query.get('next')), { replace: true });
    } catch (err) {
      this.error = err.status === 403 ? 'Registration is closed on this server. Ask an administrator for an account.' : err.message;
      this.busy = false;
      this.ctx.update();
    }
  }

  view() {
    return authCard('Create your account', html`
      ${this.error ? html`<p class="notice bad" role="alert">${this.error}</p>` : nothing}
      <form class="form" @submit=${(e) => this.submit(e)}>
        <label>Email<input name="email" type="email" autocomplete="email" required autofocus></label>
        <label>Display name <span class="muted">(optional)</span><input name="display_name" autocomplete="name" maxlength="100"></label>
        <label>Password<input name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="128"
          aria-describedby="pw-hint"></label>
        <p class="hint" id="pw-hint">At least 8 characters.</p>
        <button class="btn primary block" type="submit" ?disabled=${this.busy}>${this.busy ? 'Creating…' : 'Create account'}</button>
      </form>
    `, html`Already have an account? <a href="/login">Sign in</a>`);
  }
}
