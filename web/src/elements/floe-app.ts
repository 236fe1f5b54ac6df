import type { LiveStatus } from '@floe/shared';
import { ContextProvider } from '@lit/context';
import { css, html, LitElement, nothing } from 'lit';
import { navigate, parseRoute, ROUTE_CHANGED, type Route } from '../router.js';
import { forgetToken, may, savedToken, saveToken, servicesContext, signIn } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-flow-page.js';
import './floe-flows-page.js';
import './floe-run-page.js';
import './floe-runners-page.js';
import './floe-secrets.js';
import './floe-audit-page.js';
import './floe-tokens-page.js';
import './floe-runs-page.js';
import './floe-sign-in.js';
import './floe-spinner.js';

/**
 * The dashboard: sign-in, the header with who is signed in, and the page the URL names. It provides the
 * services (API client, live connection, who we are) to every element below it.
 */
export class FloeApp extends LitElement {
  static override properties = {
    route: { state: true },
    signingIn: { state: true },
    signInError: { state: true },
    liveStatus: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 1rem;
        align-items: center;
        padding: 0.5rem 1rem;
        border-bottom: 1px solid var(--floe-border);
        background: var(--floe-bg-alt);
      }
      .logo {
        font-weight: 700;
        font-size: 1.15rem;
        color: var(--floe-fg);
        text-decoration: none;
      }
      nav {
        display: flex;
        flex-wrap: wrap;
        gap: 0.2rem;
      }
      nav a {
        padding: 0.3rem 0.6rem;
        border-radius: 6px;
        text-decoration: none;
        color: var(--floe-fg);
      }
      nav a[aria-current='page'] {
        background: var(--floe-bg);
        border: 1px solid var(--floe-border);
      }
      .me {
        margin-left: auto;
        display: flex;
        gap: 0.6rem;
        align-items: center;
        font-size: 0.9rem;
      }
      .dot {
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 50%;
        display: inline-block;
        background: var(--floe-waiting);
      }
      .dot.open {
        background: var(--floe-good);
      }
      .dot.reconnecting,
      .dot.connecting {
        background: var(--floe-running);
      }
      .skip {
        position: absolute;
        left: -999px;
      }
      .skip:focus {
        left: 0.5rem;
        z-index: 1;
      }
      main:focus {
        outline: none;
      }
      main {
        padding: 1rem;
        max-width: 84rem;
        margin: 0 auto;
      }
      @media (max-width: 600px) {
        main {
          padding: 0.6rem;
        }
        .me {
          margin-left: 0;
          width: 100%;
        }
      }
    `,
  ];
  declare private route: Route;
  declare private signingIn: boolean;
  declare private signInError: unknown;
  declare private liveStatus: LiveStatus;
  private readonly services = new ContextProvider(this, { context: servicesContext });

  constructor() {
    super();
    this.route = parseRoute(new URL(location.href));
    this.signingIn = false;
    this.liveStatus = 'closed';
  }

  private readonly onRoute = () => {
    this.route = parseRoute(new URL(location.href));
  };

  /** Links inside shadow roots are followed by the router, not by a page load. */
  private readonly onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const anchor = event
      .composedPath()
      .find((target): target is HTMLAnchorElement => target instanceof HTMLAnchorElement);
    if (anchor === undefined) return;
    if (anchor.target !== '' || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
    event.preventDefault();
    if (anchor.href !== location.href) navigate(anchor.pathname + anchor.search);
  };

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('popstate', this.onRoute);
    window.addEventListener(ROUTE_CHANGED, this.onRoute);
    document.addEventListener('click', this.onClick);
    const token = savedToken();
    if (token !== undefined) void this.signIn(token);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onRoute);
    window.removeEventListener(ROUTE_CHANGED, this.onRoute);
    document.removeEventListener('click', this.onClick);
    this.services.value?.live.close();
  }

  /** The signed-in token was replaced (the admin token rotated): sign in with the new one, then drop the old socket. */
  private async useToken(token: string) {
    const previous = this.services.value;
    await this.signIn(token);
    if (this.services.value !== previous) previous?.live.close();
  }

  private async signIn(token: string) {
    this.signingIn = true;
    this.signInError = undefined;
    try {
      const services = await signIn(location.origin, token, (status) => {
        this.liveStatus = status;
      });
      saveToken(token);
      this.services.value = services;
      // The live API refusing the token later (it was revoked) signs the person out, saying why.
      services.live.ready.catch((error: { status?: number }) => {
        if (error.status === 401 && this.services.value === services) this.signOut(error);
      });
    } catch (error) {
      // A refused token is forgotten; an unreachable hub keeps it for the next try.
      if ((error as { status?: number }).status === 401) forgetToken();
      this.signInError = error;
    } finally {
      this.signingIn = false;
    }
  }

  private signOut(reason?: unknown) {
    forgetToken();
    this.services.value?.live.close();
    this.services.value = undefined;
    this.signInError = reason;
    this.requestUpdate();
  }

  override render() {
    const services = this.services.value;
    if (services === undefined) {
      return html`<floe-sign-in
        ?busy=${this.signingIn}
        .error=${this.signInError}
        @floe-sign-in=${(e: CustomEvent<{ token: string }>) => this.signIn(e.detail.token)}
      ></floe-sign-in>`;
    }
    const page = this.route.page;
    const current = (name: string) => (name === page || (name === 'runs' && page === 'run') ? 'page' : 'false');
    return html`<header>
        <button class="skip" @click=${this.skipToContent}>Skip to content</button>
        <a class="logo" href="/">floe</a>
        <nav aria-label="Main">
          <a href="/runs" aria-current=${current('runs')}>Runs</a>
          <a href="/flows" aria-current=${current('flows') === 'page' || page === 'flow' ? 'page' : 'false'}>Flows</a>
          <a href="/runners" aria-current=${current('runners')}>Runners</a>
          <a href="/secrets" aria-current=${current('secrets')}>Secrets</a>
          ${
            may(services, 'admin')
              ? html`<a href="/tokens" aria-current=${current('tokens')}>Tokens</a>
                  <a href="/audit" aria-current=${current('audit')}>Audit</a>`
              : nothing
          }
        </nav>
        <div class="me">
          <span class="dot ${this.liveStatus}" title="Live updates: ${this.liveStatus}"></span>
          <span class="sr-only">Live updates: ${this.liveStatus}</span>
          ${
            this.liveStatus === 'reconnecting' || this.liveStatus === 'connecting'
              ? html`<floe-spinner label=${this.liveStatus === 'connecting' ? 'Connecting…' : 'Reconnecting…'}></floe-spinner>`
              : nothing
          }
          <span data-testid="me"><strong>${services.me.name}</strong> <span class="badge muted">${services.me.role}</span></span>
          <button @click=${() => this.signOut()}>Sign out</button>
        </div>
      </header>
      <main tabindex="-1" @floe-use-token=${(e: CustomEvent<{ token: string }>) => this.useToken(e.detail.token)}>
        ${this.renderPage()}
      </main>`;
  }

  private skipToContent() {
    (this.renderRoot.querySelector('main') as HTMLElement).focus();
  }

  override updated() {
    const titles: Record<Route['page'], string> = {
      runs: 'Runs',
      run: 'Run',
      flows: 'Flows',
      flow: 'Flow',
      runners: 'Runners',
      secrets: 'Secrets',
      tokens: 'Tokens',
      audit: 'Audit',
      'not-found': 'Not found',
    };
    // The run page names its run once it has loaded (floe-run-page); every other page is named here.
    if (this.route.page !== 'run') document.title = `${titles[this.route.page]} · floe`;
  }

  private renderPage() {
    const route = this.route;
    switch (route.page) {
      case 'runs':
        return html`<floe-runs-page .query=${route.query}></floe-runs-page>`;
      case 'run':
        return html`<floe-run-page .runId=${route.runId} .node=${route.node} .line=${route.line}></floe-run-page>`;
      case 'flows':
        return html`<floe-flows-page></floe-flows-page>`;
      case 'flow':
        return html`<floe-flow-page .repo=${route.repo} .flowId=${route.flowId}></floe-flow-page>`;
      case 'runners':
        return html`<floe-runners-page></floe-runners-page>`;
      case 'secrets':
        return html`<floe-secrets></floe-secrets>`;
      case 'tokens':
        return html`<floe-tokens-page></floe-tokens-page>`;
      case 'audit':
        return html`<floe-audit-page></floe-audit-page>`;
      case 'not-found':
        return html`<h1>Not found</h1>
          <p>Nothing lives at <code>${route.path}</code>. <a href="/runs">See the runs.</a></p>`;
    }
  }
}

customElements.define('floe-app', FloeApp);
declare global {
  interface HTMLElementTagNameMap {
    'floe-app': FloeApp;
  }
}
