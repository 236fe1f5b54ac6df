// "Floe: Start Run": a manual run of a flow (DESIGN §8 "Starting runs"). A flow with a `data` trigger asks for its
// form's fields first; the hub checks the values. From the Flows view the flow is the clicked item; from the
// palette a quick pick. Returns the new run's id (tests call it with `{flowId, repo?, data?}`).
import { type FlowSummary, FormSchema, type FormValues } from '@floe/shared';
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { FlowItem } from '../views/nodes/flow-item.js';
import { showCommandError } from './command-error.js';
import { promptForm } from './prompt-form.js';

interface StartRunArgs {
  flowId: string;
  repo?: string;
  data?: FormValues;
}

export function registerStartRun({ context, session, workspace, startedHere, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(
      'floe.startRun',
      async (arg?: FlowItem | StartRunArgs): Promise<string | undefined> => {
        try {
          const client = session.requireClient();
          let flow: FlowSummary | undefined;
          let data: FormValues | undefined;
          if (arg instanceof FlowItem) flow = arg.flow;
          else if (arg !== undefined) {
            flow = session.flows.find(
              (candidate) => candidate.id === arg.flowId && (!arg.repo || candidate.repo === arg.repo),
            );
            data = arg.data;
            if (flow === undefined) throw new Error(`the hub knows no flow ${arg.flowId}`);
          } else {
            const names = workspace.names;
            const flows = [...session.flows].sort(
              (a, b) => Number(names.includes(b.repo)) - Number(names.includes(a.repo)),
            );
            const picked = await vscode.window.showQuickPick(
              flows.map((candidate) => ({ label: candidate.id, description: candidate.repo, flow: candidate })),
              { title: 'Floe: start a run of…' },
            );
            flow = picked?.flow;
          }
          if (flow === undefined) return undefined;
          if (data === undefined) {
            const trigger = flow.triggers.find((candidate) => candidate.type === 'data');
            const form = FormSchema.safeParse(trigger?.opts?.form ?? { fields: [] });
            if (form.success && form.data.fields.length > 0) {
              data = await promptForm(form.data, form.data.title ?? `Start ${flow.id}`);
              if (data === undefined) return undefined;
            }
          }
          const { runId } = await client.startRun(flow.id, { repo: flow.repo, ...(data ? { data } : {}) });
          startedHere.add(runId);
          log.info('run started', flow.id, runId);
          vscode.window.setStatusBarMessage(`Floe: started ${flow.id}`, 4000);
          return runId;
        } catch (err) {
          showCommandError(log, 'cannot start the run', err);
          return undefined;
        }
      },
    ),
  );
}
