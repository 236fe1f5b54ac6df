// The extension inside a real VS Code (1.100.3 through code-server, test/vscode/code-shim.mjs) against a real hub
// and runner (test/vscode/run-vscode-tests.mjs starts them and writes the workspace): activation, diagnostics at
// the linter's ranges, completion of the file's event tags, a run started from the command in the runs tree, its
// live log, and cancel. Screenshots of the view, the diagnostics and the log go to docs/screenshots/ when asked.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFloeFile } from '@floe/shared';
import * as vscode from 'vscode';
import type { FloeExtensionApi } from '../extension.js';
import { toEditorDiagnostics } from '../language/diagnostic-adapter.js';
import type { NodeLogTerminal } from '../logs/node-log-terminal.js';
import type { ArtifactItem } from '../views/nodes/artifact-item.js';
import type { RunGroupItem } from '../views/nodes/run-group-item.js';
import type { RunItem } from '../views/nodes/run-item.js';
import type { RunsTreeItem } from '../views/runs-tree.js';

// This suite is a bundle of its own: the extension's classes here are copies, so items are told apart by their
// `kind`, never by instanceof.
const isGroup = (item: RunsTreeItem): item is RunGroupItem => item.kind === 'group';
const isRun = (item: RunsTreeItem): item is RunItem => item.kind === 'run';
const isArtifact = (item: RunsTreeItem): item is ArtifactItem => item.kind === 'artifact';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with node test/vscode/run-vscode-tests.mjs`);
  return value;
}

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Asks the shim (the Playwright side) for a screenshot or the window's visible text. */
async function shim(path: string): Promise<string> {
  const base = process.env.FLOE_SHIM_URL;
  if (!base) return '';
  const response = await fetch(`${base}${path}`);
  return response.text();
}

/** Answers the quick input (quick pick or input box) titled `title` in the window, as a person would. */
async function answer(title: string, text: string): Promise<void> {
  const response = await fetch(
    `${env('FLOE_SHIM_URL')}/quick-input?title=${encodeURIComponent(title)}&text=${encodeURIComponent(text)}`,
  );
  assert.equal(response.status, 200, await response.text());
}

/** A screenshot once the workbench has painted; `frameText`: also wait until a webview shows that text. */
const screenshot = async (name: string, frameText?: string) => {
  await new Promise((resolve) => setTimeout(resolve, 700));
  await shim(`/screenshot?name=${name}${frameText ? `&frameText=${encodeURIComponent(frameText)}` : ''}`);
};

export function registerFloeSuite(): void {
  const hubUrl = env('FLOE_TEST_HUB_URL');
  const token = env('FLOE_TEST_TOKEN');
  const folder = () => {
    const first = vscode.workspace.workspaceFolders?.[0];
    if (!first) throw new Error('no workspace folder open');
    return first.uri;
  };
  let api: FloeExtensionApi;
  let runId: string;
  let log: NodeLogTerminal;
  let runGraphPanel: vscode.WebviewPanel;

  describe('Floe in VS Code', () => {
    it('activates on a workspace with FLOE.yaml and connects to the hub', async () => {
      const extension = vscode.extensions.getExtension<FloeExtensionApi>('floe.floe-vscode');
      assert.ok(extension, 'the extension is installed');
      api = await extension.activate();
      assert.equal(extension.isActive, true);
      // Not configured yet: the Runs view shows its welcome text instead of an empty tree.
      await waitFor(() => api.services.session.state === 'notConfigured', 'the not-configured state');
      await vscode.commands.executeCommand('workbench.view.extension.floe');
      await waitFor(
        async () => !process.env.FLOE_SHIM_URL || (await shim('/text')).includes('Floe is not connected to a hub yet.'),
        'the welcome view in the window',
        10_000,
      );
      await screenshot('vscode-welcome');
      if (process.env.FLOE_SHIM_URL) {
        // As a person does it: the URL, then "Sign In", which asks for the token in an input box.
        await vscode.commands.executeCommand('floe.setHubUrl', hubUrl);
        const signingIn = vscode.commands.executeCommand('floe.signIn');
        await answer('Floe: hub API token', token);
        await signingIn;
      } else {
        await vscode.commands.executeCommand('floe.signIn', token, hubUrl);
      }
      // The token went to secret storage, never to the settings.
      assert.equal(await api.services.context.secrets.get('floe.hubToken'), token);
      assert.equal(JSON.stringify(vscode.workspace.getConfiguration('floe')).includes(token), false);
      await waitFor(() => api.services.session.state === 'connected', 'the hub connection');
      const flows = await waitFor(() => {
        const items = api.flowsTree.getChildren();
        return items.length > 0 ? items : undefined;
      }, 'the flows view');
      assert.deepEqual(flows.map((item) => item.flow.id).sort(), ['annotated', 'gate', 'keep', 'release', 'slow']);
      await waitFor(() => api.runnersTree.getChildren().find((item) => item.runner.connected), 'a connected runner');
    });

    it('puts diagnostics of a broken FLOE.yaml at the linter’s ranges', async () => {
      const uri = vscode.Uri.joinPath(folder(), 'broken', 'FLOE.yaml');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const diagnostics = await waitFor(() => {
        const found = vscode.languages.getDiagnostics(uri);
        return found.length > 0 ? found : undefined;
      }, 'diagnostics');
      const unknown = diagnostics.find((diagnostic) => diagnostic.code === 'unknown-key');
      assert.ok(unknown, 'an unknown-key diagnostic');
      assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
      assert.deepEqual(
        [unknown.range.start.line, unknown.range.start.character, unknown.range.end.line, unknown.range.end.character],
        [4, 4, 4, 9],
      );
      assert.match(unknown.message, /did you mean `listen`\?/);
      // Every finding of the shared linter, and nothing else, at the same place.
      const expected = toEditorDiagnostics(parseFloeFile(document.getText()).diagnostics);
      assert.deepEqual(
        diagnostics.map((d) => [
          d.code,
          d.range.start.line,
          d.range.start.character,
          d.range.end.line,
          d.range.end.character,
        ]),
        expected.map((d) => [d.code, d.start.line, d.start.character, d.end.line, d.end.character]),
      );
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await screenshot('vscode-diagnostics');
    });

    it('documents keys on hover and goes from a listen tag to its node', async () => {
      const uri = vscode.Uri.joinPath(folder(), 'completion', 'FLOE.yaml');
      const document = await vscode.workspace.openTextDocument(uri);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        uri,
        new vscode.Position(4, 6),
      );
      const text = hovers
        .flatMap((hover) => hover.contents.map((part) => (typeof part === 'string' ? part : part.value)))
        .join('\n');
      assert.match(text, /\*\*listen\*\*/);
      assert.match(text, /The one event tag that starts this node/);
      const listenLine = document.getText().split('\n').indexOf('    listen: task.compile.good');
      const locations = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
        'vscode.executeDefinitionProvider',
        uri,
        new vscode.Position(listenLine, 20),
      );
      const target = locations[0];
      assert.ok(target, 'a definition');
      const range = 'targetRange' in target ? target.targetRange : target.range;
      assert.equal(document.lineAt(range.start.line).text, '  - id: compile');
    });

    it('draws the flow graph', async () => {
      const uri = vscode.Uri.joinPath(folder(), 'FLOE.yaml');
      const panel = await vscode.commands.executeCommand<vscode.WebviewPanel | undefined>('floe.showGraph', uri);
      assert.ok(panel, 'the graph panel');
      assert.equal((panel.webview.html.match(/<svg /g) ?? []).length, 5, 'one graph per flow');
      assert.match(panel.webview.html, />count<\/text>/);
      await screenshot('vscode-graph', 'release');
      panel.dispose();
    });

    it('offers the file’s event tags after listen:', async () => {
      const uri = vscode.Uri.joinPath(folder(), 'completion', 'FLOE.yaml');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const line = document.lineCount - 2;
      assert.equal(document.lineAt(line).text, '    listen: ');
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        uri,
        new vscode.Position(line, 12),
      );
      const labels = list.items
        .filter((item) => item.kind === vscode.CompletionItemKind.Event)
        .map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      assert.deepEqual(labels.sort(), [
        'task.approve.bad',
        'task.approve.good',
        'task.compile.bad',
        'task.compile.error',
        'task.compile.good',
        'trigger.good',
      ]);
    });

    it('shows a run started from the command in the runs tree, on the current branch too', async () => {
      const started = await vscode.commands.executeCommand<string | undefined>('floe.startRun', { flowId: 'slow' });
      assert.ok(started, 'the command returns the run id');
      runId = started;
      const tree = api.services.runsTree;
      const runItem = await waitFor(async () => {
        const groups = (await tree.getChildren()).filter(isGroup);
        const all = groups.find((group) => group.group === 'all');
        const branch = groups.find((group) => group.group === 'branch');
        if (!all || !branch) return undefined;
        const inAll = (await tree.getChildren(all)).filter(isRun).find((item) => item.run.id === runId);
        const inBranch = (await tree.getChildren(branch)).filter(isRun).find((item) => item.run.id === runId);
        return inAll && inBranch ? inAll : undefined;
      }, 'the run in both groups');
      assert.equal(runItem.label, '#1 slow');
      assert.equal(String(branchLabel(await tree.getChildren())), 'Current branch (main)');
      // What a person sees: the view in the window shows the run.
      await vscode.commands.executeCommand('workbench.view.extension.floe');
      await waitFor(
        async () => (await shim('/text')).includes('#1 slow') || !process.env.FLOE_SHIM_URL,
        'the run in the window',
        10_000,
      );
    });

    it('streams the node’s log lines live, with their colours', async () => {
      await waitFor(() => api.services.session.run(runId)?.state === 'active', 'the run to be active');
      const shown = await vscode.commands.executeCommand<NodeLogTerminal | undefined>('floe.showNodeLog', {
        runId,
        node: 'count',
      });
      assert.ok(shown, 'the log terminal');
      log = shown;
      await log.waitFor('line 3', 20_000);
      assert.match(log.text, /\x1b\[32mline 1\x1b\[0m\n/);
      assert.equal(log.complete, false, 'the node is still running');
      const item = (await api.services.runsTree.getChildren())
        .filter(isGroup)
        .find((group) => group.group === 'branch');
      const run =
        item &&
        (await api.services.runsTree.getChildren(item)).filter(isRun).find((candidate) => candidate.run.id === runId);
      assert.ok(run, 'the run item');
      // A tidy window for the screenshots: the flows file alone, the run expanded, its log below.
      await vscode.commands.executeCommand('workbench.action.closeAllGroups');
      await vscode.window.showTextDocument(vscode.Uri.joinPath(folder(), 'FLOE.yaml'), { preview: false });
      await api.runsView.reveal(run, { expand: true, select: true });
      await waitFor(
        async () => !process.env.FLOE_SHIM_URL || (await shim('/text')).includes('running on vscode-runner'),
        'the run expanded',
      );
      await screenshot('vscode-runs');
      await vscode.commands.executeCommand('workbench.action.terminal.focus');
      await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');
      await screenshot('vscode-log');
      await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');
      const panel = await vscode.commands.executeCommand<vscode.WebviewPanel | undefined>('floe.showRunGraph', {
        runId,
      });
      assert.ok(panel, 'the run graph');
      runGraphPanel = panel;
      assert.match(runGraphPanel.webview.html, /<g class="node task state-running">/);
      await screenshot('vscode-run-graph', 'exec · running');
    });

    it('cancels the run', async () => {
      const accepted = await vscode.commands.executeCommand<boolean>('floe.cancelRun', { runId });
      assert.equal(accepted, true);
      const run = await waitFor(() => {
        const current = api.services.session.run(runId);
        return current?.state === 'archived' ? current : undefined;
      }, 'the run to end');
      assert.equal(run.result, 'cancelled');
      // The run graph heard it too (the live run topic), without being asked again.
      await waitFor(() => runGraphPanel.webview.html.includes('state-cancelled'), 'the run graph to show the cancel');
      runGraphPanel.dispose();
      await waitFor(() => log.complete, 'the end of the log');
      const lines = log.text.split('\n').filter((line) => line.includes('line ')).length;
      assert.ok(lines < 40, `the task stopped early (${lines} lines of 40)`);
      // A run started here tells how it ended.
      await waitFor(
        async () => !process.env.FLOE_SHIM_URL || (await shim('/text')).includes('#1 slow ended cancelled'),
        'the run-end notification in the window',
        10_000,
      );
    });

    it('copies the run’s dashboard link', async () => {
      const link = await vscode.commands.executeCommand<string | undefined>('floe.copyRunLink', { runId });
      assert.equal(link, `${hubUrl}/runs/${runId}`);
      assert.equal(await vscode.env.clipboard.readText(), link);
    });

    it('retries the cancelled run as a new run of the same flow', async () => {
      const retried = await vscode.commands.executeCommand<string | undefined>('floe.retryRun', { runId });
      assert.ok(retried && retried !== runId, 'a new run id');
      const run = await waitFor(() => api.services.session.run(retried), 'the retry in the list');
      assert.equal(run.flowId, 'slow');
      assert.equal(run.retryOf, runId);
      assert.equal(await vscode.commands.executeCommand('floe.cancelRun', { runId: retried }), true);
      await waitFor(() => api.services.session.run(retried)?.state === 'archived', 'the retry to end');
    });

    it('lists a run’s artifacts under it, downloads one to a folder and opens it, checked by sha256', async () => {
      const kept = await vscode.commands.executeCommand<string | undefined>('floe.startRun', { flowId: 'keep' });
      assert.ok(kept);
      await waitFor(() => api.services.session.run(kept)?.state === 'archived', 'the keep run to end', 30_000);
      const tree = api.services.runsTree;
      const item = await waitFor(async () => {
        const all = (await tree.getChildren()).filter(isGroup).find((group) => group.group === 'all');
        const run = all && (await tree.getChildren(all)).filter(isRun).find((candidate) => candidate.run.id === kept);
        return run && (await tree.getChildren(run)).filter(isArtifact)[0];
      }, 'the artifact under the run');
      assert.equal(item.label, 'notes');
      assert.equal(item.description, '1 file, 13 bytes');
      const folder = mkdtempSync(join(tmpdir(), 'floe-vscode-artifact-'));
      const saved = await vscode.commands.executeCommand<string[]>('floe.downloadArtifact', item, folder);
      assert.deepEqual(saved, [join(folder, 'notes', 'out', 'notes.txt')]);
      assert.equal(readFileSync(join(folder, 'notes', 'out', 'notes.txt'), 'utf8'), 'kept-by-floe\n');
      const opened = await vscode.commands.executeCommand<string[]>('floe.openArtifact', item);
      assert.equal(opened?.length, 1);
      await waitFor(() => vscode.window.activeTextEditor?.document.getText() === 'kept-by-floe\n', 'the artifact open');
    });

    it('shows a run’s annotations as diagnostics while its log is open, its groups and its summary', async () => {
      const annotated = await vscode.commands.executeCommand<string | undefined>('floe.startRun', {
        flowId: 'annotated',
      });
      assert.ok(annotated, 'the run id');
      await waitFor(() => api.services.session.run(annotated)?.state === 'archived', 'the annotated run to end');
      const shown = await vscode.commands.executeCommand<NodeLogTerminal | undefined>('floe.showNodeLog', {
        runId: annotated,
        node: 'lint',
      });
      assert.ok(shown, 'the log terminal');
      await waitFor(() => shown.complete, 'the end of the log');
      assert.match(shown.text, /summary:\x1b\[0m\nAll \*\*good\*\*\n/);
      const readme = vscode.Uri.joinPath(folder(), 'README.md');
      const found = await waitFor(() => {
        const list = vscode.languages.getDiagnostics(readme).filter((d) => d.source?.includes('lint'));
        return list.length > 0 ? list : undefined;
      }, 'the annotation on README.md');
      assert.equal(found[0]?.message, 'style: say hello properly');
      assert.equal(found[0]?.severity, vscode.DiagnosticSeverity.Warning);
      assert.deepEqual([found[0]?.range.start.line, found[0]?.range.start.character], [0, 2]);
      // Closing the run's last log takes its diagnostics away.
      shown.terminal.dispose();
      await waitFor(
        () => vscode.languages.getDiagnostics(readme).every((d) => !d.source?.includes('lint')) || undefined,
        'the diagnostics to go',
      );
    });

    it('approves a data task waiting for input, and the run goes on', async () => {
      const gateRun = await vscode.commands.executeCommand<string | undefined>('floe.startRun', { flowId: 'gate' });
      assert.ok(gateRun);
      const client = api.services.session.requireClient();
      const waiting = await waitFor(async () => {
        const detail = await client.run(gateRun);
        const node = detail.nodes.find((candidate) => candidate.id === 'approve');
        return node?.state === 'awaiting-input' ? { run: detail, node } : undefined;
      }, 'the data task to wait for input');
      const accepted = await vscode.commands.executeCommand<boolean>('floe.approveNode', waiting, {});
      assert.equal(accepted, true);
      const ended = await waitFor(() => {
        const current = api.services.session.run(gateRun);
        return current?.state === 'archived' ? current : undefined;
      }, 'the gate run to end');
      assert.equal(ended.result, 'good');
      const detail = await client.run(gateRun);
      assert.equal(detail.nodes.find((node) => node.id === 'after')?.state, 'good');
    });

    it('retries from a node: upstream replayed, that node executed again', async () => {
      const client = api.services.session.requireClient();
      const gate = (await client.runs({ flow: 'gate' })).runs[0];
      assert.ok(gate);
      const detail = await client.run(gate.id);
      const after = detail.nodes.find((node) => node.id === 'after');
      assert.ok(after);
      const retried = await vscode.commands.executeCommand<string | undefined>('floe.retryFromNode', {
        run: detail,
        node: after,
      });
      assert.ok(retried, 'a new run id');
      const ended = await waitFor(() => {
        const current = api.services.session.run(retried);
        return current?.state === 'archived' ? current : undefined;
      }, 'the retry to end');
      assert.equal(ended.result, 'good', ended.reason);
      const nodes = (await client.run(retried)).nodes;
      assert.equal(nodes.find((node) => node.id === 'approve')?.replayed, true);
      assert.equal(nodes.find((node) => node.id === 'after')?.state, 'good');
    });

    it('asks for a start form’s fields in the window and starts the run with them', async function () {
      if (!process.env.FLOE_SHIM_URL) this.skip();
      const pending = vscode.commands.executeCommand<string | undefined>('floe.startRun');
      await answer('start a run of', 'release');
      await answer('Release: Version', '1.2.3');
      await answer('Release: Notify the team?', 'true');
      const started = await pending;
      assert.ok(started, 'the run id');
      const ended = await waitFor(() => {
        const current = api.services.session.run(started);
        return current?.state === 'archived' ? current : undefined;
      }, 'the release run to end');
      assert.equal(ended.result, 'good', ended.reason);
      const log = await api.services.session.requireClient().logs(started, 'show');
      assert.match(log.text, /releasing 1\.2\.3, notify=true/);
    });

    it('resumes a live log after the hub restarts, without a gap or a repeat', async function () {
      this.timeout(60_000);
      const resumed = await vscode.commands.executeCommand<string | undefined>('floe.startRun', { flowId: 'slow' });
      assert.ok(resumed);
      await waitFor(() => api.services.session.run(resumed)?.state === 'active', 'the run to be active');
      const shown = await vscode.commands.executeCommand<NodeLogTerminal | undefined>('floe.showNodeLog', {
        runId: resumed,
        node: 'count',
      });
      assert.ok(shown);
      await shown.waitFor('line 2', 20_000);
      const states: string[] = [];
      const watcher = api.services.session.onDidChange(() => states.push(api.services.session.state));
      const restart = await fetch(`${env('FLOE_TEST_CONTROL_URL')}/restart-hub`, { method: 'POST' });
      assert.equal(restart.status, 200, await restart.text());
      await shown.waitFor('line 12', 40_000);
      const numbers = [...shown.text.matchAll(/line (\d+)/g)].map((match) => Number(match[1]));
      assert.deepEqual(
        numbers,
        numbers.map((_, index) => index + 1),
        'every line once, in order',
      );
      await waitFor(() => api.services.session.state === 'connected', 'the extension to reconnect', 20_000);
      watcher.dispose();
      // The view said the hub was unreachable while it was down, and recovered by itself.
      assert.ok(states.indexOf('unreachable') >= 0, `states seen: ${states.join(', ')}`);
      assert.ok(states.lastIndexOf('connected') > states.indexOf('unreachable'), `states seen: ${states.join(', ')}`);
      assert.equal(await vscode.commands.executeCommand('floe.cancelRun', { runId: resumed }), true);
      await waitFor(() => api.services.session.run(resumed)?.state === 'archived', 'the run to end', 20_000);
    });

    it('runs the open FLOE.yaml locally with floe run in a terminal', async () => {
      await vscode.workspace
        .getConfiguration('floe')
        .update('floeCommand', env('FLOE_TEST_FLOE_MAIN'), vscode.ConfigurationTarget.Workspace);
      const uri = vscode.Uri.joinPath(folder(), 'local', 'FLOE.yaml');
      const terminal = await vscode.commands.executeCommand<vscode.Terminal | undefined>('floe.runLocally', uri);
      assert.ok(terminal, 'the terminal');
      assert.equal(terminal.name, 'Floe run');
      const status = await waitFor(() => terminal.exitStatus, '`floe run` to finish', 20_000);
      assert.equal(status.code, 0, '`floe run` exits 0 when the run is good');
      assert.ok(existsSync(join(folder().fsPath, 'local', '.floe')), 'the local run made its work folder');
    });
  });
}

function branchLabel(items: readonly RunsTreeItem[]): string | vscode.TreeItemLabel | undefined {
  return items.filter(isGroup).find((item) => item.group === 'branch')?.label;
}
