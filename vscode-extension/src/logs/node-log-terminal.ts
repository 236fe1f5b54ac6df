// A node's live log in a terminal (a Pseudoterminal): terminals render the tasks' ANSI colours as they are and
// follow the tail. The log topic sends what is stored from offset 0, then live appends; after a reconnect the
// shared live client resumes from the byte after the last chunk (DESIGN §8 "Live API"), so nothing shows twice.
import type { LiveConnection, LiveSubscription, RunDetail } from '@floe/shared';
import * as vscode from 'vscode';
import { LogGroupFolder } from './fold-log-groups.js';

export interface NodeLogTarget {
  runId: string;
  node: string;
  /** "#12 build / compile", the terminal's name. */
  title: string;
}

export class NodeLogTerminal implements vscode.Disposable {
  readonly terminal: vscode.Terminal;
  /** Everything received so far, as received (for tests and for "copy"). */
  text = '';
  complete = false;
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<void>();
  private readonly received = new vscode.EventEmitter<void>();
  /** Fires after every chunk and at the end of the log. */
  readonly onDidReceive = this.received.event;
  private subscription: LiveSubscription | undefined;
  private opened = false;
  private pending = '';
  private readonly folder = new LogGroupFolder();
  /** Fires at the end of the log, once what the task reported is stored. */
  private readonly ended = new vscode.EventEmitter<void>();
  readonly onDidEnd = this.ended.event;

  /** `loadRun`: the run, read at the end of the log for the node's test counts and summary. */
  constructor(
    readonly target: NodeLogTarget,
    live: LiveConnection,
    private readonly loadRun?: () => Promise<RunDetail>,
  ) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.written.event,
      onDidClose: this.closed.event,
      open: () => {
        this.opened = true;
        this.written.fire(`\x1b[2m── ${target.title} ──\x1b[0m\r\n${this.pending}`);
        this.pending = '';
      },
      close: () => this.dispose(),
    };
    this.terminal = vscode.window.createTerminal({
      name: `Floe: ${target.title}`,
      pty,
      iconPath: new vscode.ThemeIcon('output'),
    });
    this.subscription = live.subscribe(
      { topic: 'log', runId: target.runId, node: target.node, from: 0 },
      (message) => {
        if (message.type === 'log') this.append(message.text);
        if (message.type === 'log-end') {
          this.write(this.folder.end().replace(/\r?\n/g, '\r\n'));
          this.write('\r\n\x1b[2m── end of log ──\x1b[0m\r\n');
          void this.showReports().finally(() => {
            this.complete = true;
            this.ended.fire();
            this.received.fire();
          });
        }
      },
      (error) => this.write(`\r\n\x1b[31m${error.message}\x1b[0m\r\n`),
    );
  }

  private append(text: string): void {
    this.text += text;
    // A terminal needs \r\n; a lone \n would only move down a line.
    this.write(this.folder.push(text).replace(/\r?\n/g, '\r\n'));
    this.received.fire();
  }

  /** The node's test counts and summary (Markdown as written: a terminal runs none of it), after its log. */
  private async showReports(): Promise<void> {
    const run = await this.loadRun?.().catch(() => undefined);
    const lines: string[] = [];
    for (const { node, report } of run?.reports ?? []) {
      if (node !== this.target.node) continue;
      if (report.type === 'tests') {
        const passed = report.tests - report.failures - report.errors - report.skipped;
        lines.push(
          `\x1b[1mtests:\x1b[0m ${report.tests} (${passed} passed, ${report.failures} failed, ${report.errors} errors, ${report.skipped} skipped)`,
        );
        for (const test of report.failed)
          lines.push(
            `  ✖ ${[test.classname, test.name].filter(Boolean).join(' ')}${test.message ? `: ${test.message.split('\n')[0]}` : ''}`,
          );
      } else if (report.type === 'summary') {
        // Escapes and other control bytes out: a summary must not drive the terminal.
        lines.push(
          '\x1b[1msummary:\x1b[0m',
          ...report.markdown.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '').split('\n'),
        );
      }
    }
    if (lines.length > 0) {
      const text = `${lines.join('\n')}\n`;
      this.text += text;
      this.write(text.replace(/\r?\n/g, '\r\n'));
    }
  }

  private write(data: string): void {
    if (this.opened) this.written.fire(data);
    else this.pending += data;
  }

  /** Resolves once the text received contains `needle` (tests, and "jump to" features). */
  waitFor(needle: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.text.includes(needle)) return resolve();
      const timer = setTimeout(() => {
        listener.dispose();
        reject(new Error(`log of ${this.target.title} did not show "${needle}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = this.onDidReceive(() => {
        if (!this.text.includes(needle)) return;
        clearTimeout(timer);
        listener.dispose();
        resolve();
      });
    });
  }

  dispose(): void {
    this.subscription?.close();
    this.subscription = undefined;
    this.written.dispose();
    this.received.dispose();
    this.ended.dispose();
    this.closed.dispose();
  }
}
