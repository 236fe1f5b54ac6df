// One log terminal per (run, node): showing a node's log again brings its terminal forward.
import * as vscode from 'vscode';
import type { HubSession } from '../hub/hub-session.js';
import type { OutputLog } from '../output-log.js';
import { type NodeLogTarget, NodeLogTerminal } from './node-log-terminal.js';
import { RunDiagnostics } from './run-diagnostics.js';

export class LogTerminals implements vscode.Disposable {
  private readonly open = new Map<string, NodeLogTerminal>();
  private readonly closing: vscode.Disposable;
  /** The annotations of the runs whose logs are open, on the workspace's files. */
  readonly diagnostics: RunDiagnostics;

  constructor(
    private readonly session: HubSession,
    log: OutputLog,
  ) {
    this.diagnostics = new RunDiagnostics(log);
    this.closing = vscode.window.onDidCloseTerminal((terminal) => {
      for (const [key, log] of this.open) {
        if (log.terminal !== terminal) continue;
        log.dispose();
        this.open.delete(key);
        const runId = log.target.runId;
        if (![...this.open.values()].some((other) => other.target.runId === runId)) this.diagnostics.forget(runId);
      }
    });
  }

  show(target: NodeLogTarget): NodeLogTerminal {
    const key = `${target.runId}/${target.node}`;
    let log = this.open.get(key);
    if (log === undefined) {
      const live = this.session.live;
      if (live === undefined) throw new Error('Floe is not connected to a hub: logs stream through its live API.');
      const client = this.session.requireClient();
      log = new NodeLogTerminal(target, live, () => client.run(target.runId));
      this.open.set(key, log);
      // Annotations come in as tasks end: read them again at the end of each log.
      void this.diagnostics.show(target.runId, client);
      log.onDidEnd(() => void this.diagnostics.show(target.runId, client));
    }
    log.terminal.show(true);
    return log;
  }

  dispose(): void {
    this.closing.dispose();
    this.diagnostics.dispose();
    for (const log of this.open.values()) {
      log.terminal.dispose();
      log.dispose();
    }
    this.open.clear();
  }
}
