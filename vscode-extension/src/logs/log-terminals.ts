// One log terminal per (run, node): showing a node's log again brings its terminal forward.
import * as vscode from 'vscode';
import type { HubSession } from '../hub/hub-session.js';
import { type NodeLogTarget, NodeLogTerminal } from './node-log-terminal.js';

export class LogTerminals implements vscode.Disposable {
  private readonly open = new Map<string, NodeLogTerminal>();
  private readonly closing: vscode.Disposable;

  constructor(private readonly session: HubSession) {
    this.closing = vscode.window.onDidCloseTerminal((terminal) => {
      for (const [key, log] of this.open) {
        if (log.terminal !== terminal) continue;
        log.dispose();
        this.open.delete(key);
      }
    });
  }

  show(target: NodeLogTarget): NodeLogTerminal {
    const key = `${target.runId}/${target.node}`;
    let log = this.open.get(key);
    if (log === undefined) {
      const live = this.session.live;
      if (live === undefined) throw new Error('Floe is not connected to a hub: logs stream through its live API.');
      log = new NodeLogTerminal(target, live);
      this.open.set(key, log);
    }
    log.terminal.show(true);
    return log;
  }

  dispose(): void {
    this.closing.dispose();
    for (const log of this.open.values()) {
      log.terminal.dispose();
      log.dispose();
    }
    this.open.clear();
  }
}
