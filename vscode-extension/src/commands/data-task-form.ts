// The form of a `data` task, read from the workspace's FLOE.yaml (the API's node view carries no form): asking for
// its fields before approving. Undefined when the file or the task is not there — then nothing is asked.
import { type Form, parseFloeFile } from '@floe/shared';
import * as vscode from 'vscode';

export async function dataTaskForm(flowId: string, nodeId: string): Promise<Form | undefined> {
  const files = await vscode.workspace.findFiles('{FLOE,floe}.yaml', undefined, 1);
  const file = files[0];
  if (!file) return undefined;
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
  const flow = parseFloeFile(text).flows.find((candidate) => candidate.id === flowId);
  const task = flow?.tasks.find((candidate) => candidate.id === nodeId);
  if (!task || task.class === 'merge' || task.type !== 'data') return undefined;
  return (task.opts as { form?: Form }).form;
}
