// "Approve…" on a `data` task waiting for input: asks for its form's fields (when the workspace's FLOE.yaml has
// them) and sends them; the node goes good and the run goes on.
import type { FormValues } from '@floe/shared';
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import type { RunNodeItem } from '../views/nodes/run-node-item.js';
import { showCommandError } from './command-error.js';
import { dataTaskForm } from './data-task-form.js';
import { promptForm } from './prompt-form.js';

export function registerApproveNode({ context, session, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(
      'floe.approveNode',
      async (item: RunNodeItem, given?: FormValues): Promise<boolean> => {
        try {
          let values = given;
          if (values === undefined) {
            const form = await dataTaskForm(item.run.flowId, item.node.id);
            values = form && form.fields.length > 0 ? await promptForm(form, `Approve ${item.node.id}`) : {};
            if (values === undefined) return false;
          }
          await session.requireClient().submitData(item.run.id, item.node.id, { values });
          return true;
        } catch (err) {
          showCommandError(log, `cannot approve ${item.node.id}`, err);
          return false;
        }
      },
    ),
  );
}
