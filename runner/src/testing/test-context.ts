// Test helper (not a test): a TaskContext for one task in a fresh temporary workspace, recording its log.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Env,
  type LogChunk,
  type ResolvedFlow,
  type ResolvedTask,
  type ResolvedTrigger,
  TaskSchema,
  TriggerSchema,
} from '@floe/shared';
import type { TaskContext } from '../executors/task-context.js';

export interface TestContext {
  ctx: TaskContext;
  logs: LogChunk[];
  /** Everything logged on `stream` (all streams when absent), concatenated. */
  text(stream?: LogChunk['stream']): string;
  cancel(): void;
}

let runs = 0;

export async function testContext(
  task: Record<string, unknown>,
  options: {
    flowEnv?: Env;
    /** The flow's triggers, as written (each needs an `id`). */
    triggers?: Record<string, unknown>[];
    run?: Partial<TaskContext['run']>;
    workspace?: string;
  } & Partial<Omit<TaskContext, 'run' | 'task' | 'flow'>> = {},
): Promise<TestContext> {
  const parsed = TaskSchema.parse({ id: 't1', ...task });
  const resolved = { ...parsed, id: parsed.id ?? 't1', name: parsed.name ?? 't1' } as ResolvedTask;
  const flow: ResolvedFlow = {
    id: 'flow1',
    name: 'flow1',
    ver: 1,
    'reuse-space': false,
    'host-tags': [],
    'resource-tags': [],
    env: options.flowEnv,
    triggers: (options.triggers ?? []).map((t) => ({ ...TriggerSchema.parse(t), class: 'trigger' }) as ResolvedTrigger),
    tasks: [resolved],
    timeout: '6h',
    'cancel-superseded': false,
    'requeue-lost': false,
  };
  const root = await mkdtemp(join(tmpdir(), 'floe-exec-'));
  const logs: LogChunk[] = [];
  const abort = new AbortController();
  const { flowEnv: _flowEnv, triggers: _triggers, run, workspace, ...rest } = options;
  const ctx: TaskContext = {
    flow,
    task: resolved,
    attempt: 1,
    run: { id: `run-${process.pid}-${++runs}-${Date.now()}`, number: 7, data: {}, trust: 'trusted', ...run },
    workspace: workspace ?? root,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? root },
    runnerEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? root },
    cacheDir: join(root, '.cache'),
    signal: abort.signal,
    killGraceMs: 1_000,
    onLog: (chunk) => logs.push(chunk),
    ...rest,
  };
  return {
    ctx,
    logs,
    text: (stream) =>
      logs
        .filter((chunk) => !stream || chunk.stream === stream)
        .map((chunk) => chunk.text)
        .join(''),
    cancel: () => abort.abort(),
  };
}
