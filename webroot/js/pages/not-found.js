import { html } from '../ui/lit.js';
import { Page } from './base.js';

export default class NotFound extends Page {
  title = 'Not found';

  view() {
    return html`<div class="page narrow center-page">
      <p class="big-code" aria-hidden="true">404</p>
      <h1>This page does not exist</h1>
      <p class="muted">The address <code>${location.pathname}</code> matches nothing in Orch. It may have been a project that was deleted.</p>
      <p><a class="btn primary" href="/">Go to your projects</a></p>
    </div>`;
  }
}
