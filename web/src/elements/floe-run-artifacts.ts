import type { ArtifactView, RunDetail } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement, nothing } from 'lit';
import { formatBytes, formatTime } from '../format.js';
import { LiveTask } from '../live-task.js';
import { servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';

/**
 * A run's artifacts (docs/floe-yaml.md "Artifacts"): each with its files, size, sha256 and expiry, and a download
 * button. Read again when the run's state changes (an artifact is kept when its task ends). A download goes through
 * the API client with the person's token, so the bytes never come from a URL that works without one.
 */
export class FloeRunArtifacts extends LitElement {
  static override properties = {
    runId: { attribute: 'run-id' },
    runState: { attribute: false },
    downloadError: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      table {
        border-collapse: collapse;
        font-size: 0.9rem;
      }
      td,
      th {
        text-align: left;
        padding: 0.2rem 0.8rem 0.2rem 0;
        vertical-align: top;
      }
      .files {
        color: var(--floe-muted);
      }
    `,
  ];
  declare runId: string;
  /** The run's state and number of ended nodes: when it changes, the list is read again. */
  declare runState: string;
  declare private downloadError: unknown;
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });

  private readonly artifacts = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value, this.runId, this.runState] as const) : undefined),
    task: ([services, runId]) => services.client.artifacts(runId),
  });

  constructor() {
    super();
    this.runId = '';
    this.runState = '';
  }

  override render() {
    return this.artifacts.render({
      pending: () => nothing,
      error: (error) => html`<floe-error-box .error=${error}></floe-error-box>`,
      complete: (artifacts) => this.renderList(artifacts),
    });
  }

  private renderList(artifacts: ArtifactView[]) {
    if (artifacts.length === 0)
      return html`<p class="muted" data-testid="no-artifacts">This run kept no artifacts.</p>`;
    return html`<floe-error-box .error=${this.downloadError}></floe-error-box>
      <table data-testid="artifacts">
        <tr><th>name</th><th>task</th><th>size</th><th>kept until</th><th></th></tr>
        ${artifacts.map(
          (artifact) => html`<tr data-testid="artifact">
            <td class="mono">${artifact.name}${artifact.trust === 'untrusted' ? html` <span class="badge untrusted">untrusted</span>` : nothing}
              <div class="files">${artifact.files.map((file) => html`<div class="mono" title=${`sha256 ${file.sha256}`}>${file.path} · ${formatBytes(file.size)}</div>`)}</div>
            </td>
            <td>${artifact.node}</td>
            <td>${formatBytes(artifact.size)}</td>
            <td>${artifact.expiresAt ? formatTime(artifact.expiresAt) : 'with the run'}</td>
            <td>${
              artifact.state === 'stored'
                ? html`<button data-testid="download" @click=${() => this.download(artifact)}>Download</button>`
                : html`<span class="muted">uploading…</span>`
            }</td>
          </tr>`,
        )}
      </table>`;
  }

  private async download(artifact: ArtifactView) {
    const services = this.services.value;
    if (!services) return;
    this.downloadError = undefined;
    try {
      const response = await services.client.downloadArtifact(this.runId, artifact.name);
      const blob = await response.blob();
      const single = artifact.files.length === 1 ? artifact.files[0] : undefined;
      const name = single ? (single.path.split('/').pop() ?? artifact.name) : `${artifact.name}.zip`;
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      this.downloadError = error;
    }
  }
}

customElements.define('floe-run-artifacts', FloeRunArtifacts);

declare global {
  interface HTMLElementTagNameMap {
    'floe-run-artifacts': FloeRunArtifacts;
  }
}

/** What makes the artifacts list worth reading again: the run's state and how many of its nodes have ended. */
export function artifactsKey(run: RunDetail): string {
  return `${run.state}:${run.nodes.filter((node) => node.endedAt !== undefined).length}`;
}
