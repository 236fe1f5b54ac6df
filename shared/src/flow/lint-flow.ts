// The graph and option checks of one resolved flow (DESIGN §8 "Lint severities": error = it cannot run as
// written; warning = it runs but something is dead or doubtful). `parseFloeFile` runs this on every flow that
// passed the schema, so its caller gets the complete list; the hub and VS Code may also call it directly.
import { parseCacheKey } from './cache-key.js';
import type { Cache } from './cache-schema.js';
import { cronProblem } from './cron.js';
import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { durationMs } from './duration.js';
import { canEmit, emittableTags, parseTag, TRIGGER_GOOD } from './event-tags.js';
import { flowFileDiagnostics } from './flow-file-ref.js';
import { MAX_FLOW_NODES, MIN_TRIGGER_PERIOD_MS } from './flow-limits.js';
import type { Env, Form, ResolvedFlow, ResolvedNode } from './flow-schema.js';
import { diagnosticMaker, type FlowSource } from './flow-source.js';
import { lintComingFromFloe } from './lint-coming-from-floe.js';
import type { Matrix } from './matrix-schema.js';
import { notifyDiagnostics } from './notify-target.js';
import { expandMatrix, MATRIX_REF } from './resolve-matrix.js';
import type { DataPath } from './yaml-locator.js';

/**
 * Every finding about `flow`. `source` turns paths inside the flow into ranges of its file; without it every
 * finding points at line 1 of `FLOE.yaml`. Never throws.
 */
export function lintFlow(resolved: ResolvedFlow, source?: FlowSource): Diagnostic[] {
  const make = diagnosticMaker(source, resolved.id);
  const out: Diagnostic[] = [];
  // The combinations of matrix tasks come after the tasks as written (resolve-flow.ts); they are checked through
  // their matrix task, whose position they share, so `flow.tasks[i]` is the i-th task of the file.
  const flow = { ...resolved, tasks: resolved.tasks.filter((node) => node.class === 'merge' || !node.combination) };
  const nodes = flow.tasks;
  const nodePath = (index: number): DataPath => ['tasks', index];

  // A flow over the limit is refused whole, before its graph is walked: walking a huge one is the cost we limit.
  // Combinations count: each is a node of a run.
  const nodeCount = resolved.triggers.length + resolved.tasks.length;
  if (nodeCount > MAX_FLOW_NODES) {
    const combinations = resolved.tasks.length - nodes.length;
    return [
      make(
        'too-many-nodes',
        `Flow \`${flow.id}\` has ${nodeCount} triggers and tasks${combinations > 0 ? ` (${combinations} of them combinations of matrix tasks)` : ''}; a flow may have at most ${MAX_FLOW_NODES}.`,
        [source?.has?.(['tasks']) === false ? 'triggers' : 'tasks'],
        'key',
        'split it into several flows',
      ),
    ];
  }

  // Ids are one namespace across triggers and tasks (as in the original; docs/floe-yaml.md "Ids and names").
  const seen = new Map<string, string>();
  const checkId = (section: 'triggers' | 'tasks', index: number, id: string) => {
    const first = seen.get(id);
    if (first) {
      out.push(
        make(
          'duplicate-id',
          `The id \`${id}\` is used twice in flow \`${flow.id}\` (first by ${first}).`,
          [section, index, source?.has?.([section, index, 'id']) === false ? 'name' : 'id'],
          'value',
          'ids of triggers and tasks must be unique within a flow',
        ),
      );
    } else {
      seen.set(id, `${section === 'triggers' ? 'trigger' : 'task'} ${index + 1}`);
    }
  };
  for (const [index, trigger] of flow.triggers.entries()) checkId('triggers', index, trigger.id);
  for (const [index, node] of nodes.entries()) checkId('tasks', index, node.id);
  const indexOf = new Map(nodes.map((node, index) => [node.id, index]));
  for (const node of resolved.tasks) {
    if (node.class === 'merge' || !node.combination) continue;
    const first = seen.get(node.id);
    const index = indexOf.get(node.combination.of) ?? 0;
    if (first) {
      out.push(
        make(
          'duplicate-id',
          `The combination \`${node.id}\` of task \`${node.combination.of}\` has the id of ${first}.`,
          ['tasks', index, 'matrix'],
          'key',
          'ids of triggers, tasks and combinations must be unique within a flow: rename the task',
        ),
      );
    } else {
      seen.set(node.id, `a combination of task ${index + 1}`);
    }
  }

  checkEnv(flow.env, ['env'], make, out);
  checkMatrixRefs(flow.env, ['env'], undefined, 'the flow', make, out);
  out.push(...flowFileDiagnostics(flow, make));
  out.push(...notifyDiagnostics(flow, make));
  flow.triggers.forEach((trigger, index) => {
    const at = ['triggers', index];
    if (trigger.type === 'timer') {
      const { period, cron, timezone } = trigger.opts;
      if ((period === undefined) === (cron === undefined)) {
        const both = period !== undefined;
        out.push(
          make(
            'timer-period-or-cron',
            both
              ? 'A timer trigger has both `period` and `cron`; give one.'
              : 'A timer trigger needs `period` or `cron`.',
            [...at, 'opts'],
            'key',
            'e.g. `period: 10m` or `cron: "0 3 * * *"`',
          ),
        );
      }
      const problem = cron === undefined ? undefined : cronProblem(cron);
      if (problem)
        out.push(
          make('invalid-cron', `The cron expression \`${cron}\` is not valid: ${problem}.`, [...at, 'opts', 'cron']),
        );
      if (timezone !== undefined && !validTimeZone(timezone)) {
        out.push(
          make(
            'invalid-timezone',
            `\`${timezone}\` is not a time zone name.`,
            [...at, 'opts', 'timezone'],
            'value',
            'use an IANA name such as `Europe/London` or `UTC`',
          ),
        );
      }
    }
    if ((trigger.type === 'timer' || trigger.type === 'poll-git') && trigger.opts.period !== undefined) {
      const ms = durationMs(trigger.opts.period);
      if (ms !== undefined && ms > 0 && ms < MIN_TRIGGER_PERIOD_MS) {
        out.push(
          make(
            'period-too-short',
            `A ${trigger.type} trigger's \`period\` of ${ms / 1000} s is under the 10 s floor; the hub waits 10 s.`,
            [...at, 'opts', 'period'],
            'value',
            'use `period: 10s` or longer',
          ),
        );
      }
    }
    if (trigger.type === 'poll-git' && trigger.opts.exclude !== undefined) {
      try {
        new RegExp(trigger.opts.exclude);
      } catch (error) {
        out.push(
          make('invalid-regex', `\`exclude\` is not a regular expression: ${(error as Error).message}.`, [
            ...at,
            'opts',
            'exclude',
          ]),
        );
      }
    }
    if (trigger.type === 'data') checkForm(trigger.opts.form, [...at, 'opts', 'form'], make, out);
  });

  /** Artifact name → the task that makes it: a run keeps one artifact per name. */
  const artifactNames = new Map<string, string>();
  nodes.forEach((node, index) => {
    const at = nodePath(index);
    if (node.class === 'merge') {
      if (node.wait.length === 0)
        out.push(make('empty-wait', `Merge \`${node.id}\` waits for nothing, so it never fires.`, [...at, 'wait']));
      node.wait.forEach((tag, j) => {
        if (node.wait.indexOf(tag) !== j) {
          out.push(
            make(
              'duplicate-wait',
              `Merge \`${node.id}\` waits twice for \`${tag}\`; an \`all\` merge like that never fires.`,
              [...at, 'wait', j],
              'value',
              'list each tag once',
            ),
          );
        }
      });
      return;
    }
    if (node.listen === undefined || node.listen.trim() === '') {
      out.push(
        make(
          'no-listen',
          `Task \`${node.id}\` has no \`listen\`, so nothing starts it.`,
          at,
          'head',
          'add e.g. `listen: trigger.good`',
        ),
      );
    }
    if (node['ignore-fail'] && node['use-status']) {
      out.push(
        make(
          'ignore-fail-with-use-status',
          `Task \`${node.id}\` has both \`ignore-fail\` and \`use-status\`; they contradict each other.`,
          [...at, 'use-status'],
          'key',
          'ignore-fail always emits good; use-status emits the exit code: keep one',
        ),
      );
    }
    switch (node.type) {
      case 'exec': {
        const { cmd, shell } = node.opts;
        if (cmd !== undefined && shell !== undefined) {
          out.push(
            make(
              'cmd-and-shell',
              `Task \`${node.id}\` has both \`cmd\` and \`shell\`; give one.`,
              [...at, 'opts', 'shell'],
              'key',
            ),
          );
        } else if (!cmd?.trim() && !shell?.trim()) {
          out.push(
            make(
              'no-command',
              `Exec task \`${node.id}\` has neither \`cmd\` nor \`shell\`.`,
              [...at, 'opts'],
              'key',
              'add `cmd:` (run without a shell) or `shell:` (a bash script)',
            ),
          );
        }
        checkPath(node.opts['sub-dir'], [...at, 'opts', 'sub-dir'], make, out);
        checkEnv(node.opts.env, [...at, 'opts', 'env'], make, out);
        if (node.cache) checkCache(node.cache, [...at, 'cache'], make, out);
        break;
      }
      case 'git-checkout':
      case 'git-merge':
        checkPath(node.opts['sub-dir'], [...at, 'opts', 'sub-dir'], make, out);
        break;
      case 'fetch':
        checkPath(node.opts.location, [...at, 'opts', 'location'], make, out);
        if ((node.opts.url === undefined) === (node.opts.artifact === undefined)) {
          out.push(
            make(
              'fetch-source',
              `Fetch task \`${node.id}\` needs exactly one of \`url\` and \`artifact\`.`,
              [...at, 'opts'],
              'key',
              "give `url:` to download a file, or `artifact: {flow, name}` to take another run's artifact",
            ),
          );
        }
        if (node.opts.artifact?.ref !== undefined && node.opts.artifact.run !== undefined) {
          out.push(
            make(
              'fetch-source',
              `Fetch task \`${node.id}\` names both \`ref\` and \`run\`; give one.`,
              [...at, 'opts', 'artifact', 'run'],
              'key',
            ),
          );
        }
        break;
      case 'data':
        checkForm(node.opts.form, [...at, 'opts', 'form'], make, out);
        break;
    }
    checkSecretsOutsideEnv(node.opts, [...at, 'opts'], make, out);
    checkMatrix(node, at, make, out);
    (node.artifacts ?? []).forEach((artifact, i) => {
      for (const [j, path] of artifact.paths.entries()) checkPath(path, [...at, 'artifacts', i, 'paths', j], make, out);
      const name = artifact.name ?? node.id;
      const first = artifactNames.get(name);
      if (first === undefined) artifactNames.set(name, node.id);
      else
        out.push(
          make(
            'duplicate-artifact',
            `Artifact \`${name}\` of task \`${node.id}\` is also made by task \`${first}\`: a run keeps one artifact per name.`,
            [...at, 'artifacts', i, artifact.name === undefined ? 'paths' : 'name'],
            artifact.name === undefined ? 'key' : 'value',
            'give each artifact a `name:` of its own',
          ),
        );
    });
  });

  if (nodes.length === 0 && flow['flow-file'] === undefined) {
    out.push(
      make(
        'no-tasks',
        `Flow \`${flow.id}\` has no tasks, so its runs do nothing.`,
        ['tasks'],
        'key',
        'add `tasks:`, or `flow-file:` to read them from another file',
      ),
    );
  }

  lintGraph(flow, make, out, resolved.tasks);
  lintComingFromFloe(flow, make, out);
  return out;
}

type Make = ReturnType<typeof diagnosticMaker>;

/** Tags checked against what the flow can emit: task `listen`s and merge `wait`s. */
function lintGraph(flow: ResolvedFlow, make: Make, out: Diagnostic[], all: readonly ResolvedNode[]): void {
  const nodes = flow.tasks;
  const ids = nodes.map((node) => node.id);
  // Who emits what, indexed once: an editor lints on every keystroke, and a flow may have thousands of nodes.
  const finite = new Map<string, number[]>();
  const statusEmitters = new Map<string, number[]>();
  const byId = new Map<string, ResolvedNode>();
  const add = (map: Map<string, number[]>, key: string, index: number) => {
    const list = map.get(key);
    if (list) list.push(index);
    else map.set(key, [index]);
  };
  nodes.forEach((node, index) => {
    if (!byId.has(node.id)) byId.set(node.id, node);
    const { tags, statusCodes } = emittableTags(node);
    for (const tag of tags) add(finite, tag, index);
    if (statusCodes) add(statusEmitters, node.id, index);
  });
  // A combination's events come from its matrix task's place in the graph (it runs when that task runs).
  const matrixIndex = new Map(nodes.map((node, index) => [node.id, index]));
  for (const node of all) {
    if (node.class === 'merge' || !node.combination) continue;
    const index = matrixIndex.get(node.combination.of);
    if (index === undefined) continue;
    if (!byId.has(node.id)) byId.set(node.id, node);
    for (const tag of emittableTags(node).tags) add(finite, tag, index);
  }
  /** The nodes that can emit `tag` (as `canEmit` decides). */
  const emitters = (tag: string): number[] => {
    const parsed = parseTag(tag);
    const status = parsed.kind === 'task-status' ? (statusEmitters.get(parsed.node) ?? []) : [];
    return [...(finite.get(tag) ?? []), ...status];
  };
  // trigger.good is always emittable: a flow without triggers is still started through the API (DESIGN §8
  // "Starting runs").
  const emittable = (tag: string) => tag === TRIGGER_GOOD || emitters(tag).length > 0;

  // Tags of each node (listen, or the wait list), with their paths.
  const inputs = nodes.map((node, index) =>
    node.class === 'merge'
      ? node.wait.map((tag, j) => ({ tag, path: ['tasks', index, 'wait', j] as DataPath }))
      : node.listen?.trim()
        ? [{ tag: node.listen, path: ['tasks', index, 'listen'] as DataPath }]
        : [],
  );
  const silenced = new Set<number>(); // nodes that already have a finding explaining why they never run

  nodes.forEach((node, index) => {
    for (const { tag, path } of inputs[index] ?? []) {
      if (emittable(tag)) continue;
      silenced.add(index);
      const parsed = parseTag(tag);
      const target =
        parsed.kind === 'task' || parsed.kind === 'task-status' || parsed.kind === 'merge'
          ? byId.get(parsed.node)
          : undefined;
      if (
        parsed.kind === 'task' &&
        parsed.outcome === 'good' &&
        target &&
        target.class !== 'merge' &&
        target['use-status'] &&
        !target['ignore-fail']
      ) {
        out.push(
          make(
            'listen-good-of-use-status',
            `\`${tag}\` never happens: task \`${target.id}\` has \`use-status\`, so it emits \`task.${target.id}.<exit-code>\`.`,
            path,
            'value',
            `listen to \`task.${target.id}.0\``,
          ),
        );
        continue;
      }
      const codeName = node.class === 'merge' ? 'wait-never-emitted' : 'listen-never-emitted';
      const [reason, hint] = whyNever(tag, parsed, target, ids);
      out.push(make(codeName, `No node of flow \`${flow.id}\` emits \`${tag}\`: ${reason}.`, path, 'value', hint));
    }
  });

  // Which nodes can run at all, from trigger.good forward (every node runs at most once: DESIGN §3 rule 1).
  const runs = new Set<number>();
  const reachableTag = (tag: string) => tag === TRIGGER_GOOD || emitters(tag).some((i) => runs.has(i));
  const impossibleAll = new Map<number, string>();
  nodes.forEach((node, index) => {
    if (node.class !== 'merge' || node.type !== 'all') return;
    const byNode = new Map<string, string>();
    for (const tag of node.wait) {
      const parsed = parseTag(tag);
      if (parsed.kind !== 'task' && parsed.kind !== 'task-status') continue;
      const other = byNode.get(parsed.node);
      if (other && other !== tag) impossibleAll.set(index, `\`${other}\` and \`${tag}\``);
      byNode.set(parsed.node, tag);
    }
  });
  // Edges of the event graph: `feeds[a]` holds the nodes that listen to (or wait for) a tag node a can emit.
  const feeds: number[][] = nodes.map(() => []);
  inputs.forEach((list, to) => {
    for (const { tag } of list) {
      for (const from of emitters(tag)) if (!feeds[from]?.includes(to)) feeds[from]?.push(to);
    }
  });
  const ready = (index: number): boolean => {
    const node = nodes[index] as ResolvedNode;
    const tags = (inputs[index] ?? []).map((input) => input.tag);
    if (tags.length === 0 || impossibleAll.has(index)) return false;
    return node.class === 'merge' && node.type === 'any' ? tags.some(reachableTag) : tags.every(reachableTag);
  };
  const queue: number[] = [];
  const consider = (index: number) => {
    if (!runs.has(index) && ready(index)) {
      runs.add(index);
      queue.push(index);
    }
  };
  for (let index = 0; index < nodes.length; index++) consider(index);
  for (let from = queue.pop(); from !== undefined; from = queue.pop()) {
    for (const to of feeds[from] ?? []) consider(to);
  }

  const cycles = findCycles(feeds);
  for (const cycle of cycles) {
    const first = Math.min(...cycle);
    const start = cycle.indexOf(first);
    const ordered = [...cycle.slice(start), ...cycle.slice(0, start)];
    const loop = [...ordered, first].map((i) => `\`${nodes[i]?.id}\``);
    const names =
      loop.length > 8
        ? [...loop.slice(0, 6), `… (${loop.length - 7} more)`, loop[loop.length - 1]].join(' → ')
        : loop.join(' → ');
    const previous = ordered[ordered.length - 1] as number;
    const input = (inputs[first] ?? []).find((candidate) => canEmit(nodes[previous] as ResolvedNode, candidate.tag));
    out.push(
      make(
        'event-cycle',
        `Nodes start each other in a loop: ${names}. Each runs at most once, so the loop never repeats.`,
        input?.path ?? ['tasks', first],
        'value',
        'to repeat work, use `retry` (the original crashed showing a run of such a flow)',
      ),
    );
  }
  const inCycle = new Set(cycles.flat());

  nodes.forEach((node, index) => {
    if (runs.has(index) || inCycle.has(index)) return;
    const at: DataPath = ['tasks', index];
    const impossible = impossibleAll.get(index);
    if (impossible) {
      out.push(
        make(
          'merge-never-fires',
          `Merge \`${node.id}\` waits for all of ${impossible}, but a task emits one outcome per run.`,
          [...at, 'wait'],
          'key',
          'use `type: any`, or wait for one outcome',
        ),
      );
      return;
    }
    if (silenced.has(index) || (inputs[index] ?? []).length === 0) return;
    const blocking = (inputs[index] ?? []).find((input) => !reachableTag(input.tag)) ?? inputs[index]?.[0];
    const path = blocking?.path ?? at;
    if (node.class !== 'merge' && node.type === 'end') {
      out.push(
        make(
          'end-unreachable',
          `End node \`${node.id}\` can never be reached: \`${blocking?.tag}\` never happens in a run.`,
          path,
        ),
      );
    } else {
      out.push(
        make(
          'node-never-runs',
          `${node.class === 'merge' ? 'Merge' : 'Task'} \`${node.id}\` never runs: \`${blocking?.tag}\` never happens in a run.`,
          path,
          'value',
          'the node that emits it never runs itself',
        ),
      );
    }
  });

  // A good event nobody listens to ended the original's run as good, whatever else was running; here the run goes
  // on (DESIGN §3 rule 2), so a flow with an end node that relied on it now ends bad. Said where it happens.
  const ends = nodes.filter((node) => node.class !== 'merge' && node.type === 'end').map((node) => node.id);
  if (ends.length === 0) return;
  const heard = new Set(inputs.flat().map((input) => input.tag));
  nodes.forEach((node, index) => {
    if (!runs.has(index)) return;
    const good = emittableTags(node).tags.find((tag) => tag.endsWith('.good') && parseTag(tag).kind !== 'unknown');
    if (!good || heard.has(good)) return;
    out.push(
      make(
        'dangling-good',
        `Nothing listens to \`${good}\`: the original ended the run there as good; floe lets the run go on, and it ends bad unless it reaches end node \`${ends[0]}\`.`,
        ['tasks', index],
        'head',
        'listen to it, or wait for it in a merge',
      ),
    );
  });
}

function whyNever(
  tag: string,
  parsed: ReturnType<typeof parseTag>,
  target: ResolvedNode | undefined,
  ids: string[],
): [string, string | undefined] {
  if (parsed.kind === 'unknown') {
    return [
      'it is not an event tag',
      'tags are `trigger.good`, `task.<id>.good|bad|error|<exit-code>` and `merge.<id>.good`',
    ];
  }
  if (parsed.kind === 'trigger') return ['', undefined];
  if (!target) {
    const guess = didYouMean(parsed.node, ids);
    return [
      `there is no node \`${parsed.node}\``,
      guess ? `did you mean \`${tag.replace(parsed.node, guess)}\`?` : undefined,
    ];
  }
  const { tags } = emittableTags(target);
  const can = tags.length === 0 ? 'nothing' : tags.map((t) => `\`${t}\``).join(', ');
  if (target.class !== 'merge' && target.type === 'end')
    return [`\`${target.id}\` is an end node, which emits nothing`, undefined];
  return [`\`${target.id}\` emits only ${can}`, undefined];
}

/**
 * Strongly connected components with more than one node, or a node feeding itself (Tarjan's algorithm, with an
 * explicit stack so that a chain of thousands of nodes cannot overflow the call stack).
 */
function findCycles(feeds: number[][]): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const cycles: number[][] = [];
  let counter = 0;
  for (let root = 0; root < feeds.length; root++) {
    if (index.has(root)) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; next: number };
      const v = frame.node;
      const edges = feeds[v] ?? [];
      if (frame.next < edges.length) {
        const w = edges[frame.next++] as number;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(v) as number));
      if (low.get(v) !== index.get(v)) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop() as number;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.includes(v)) cycles.push(component.reverse());
    }
  }
  return cycles;
}

/**
 * `{{secret.NAME}}` is replaced only in `env` values (DESIGN §3): written in `cmd`, `shell`, a URL or any other
 * option it would reach the task as literal text, which is never what was meant.
 */
function checkSecretsOutsideEnv(opts: unknown, path: DataPath, make: Make, out: Diagnostic[]): void {
  const visit = (value: unknown, at: DataPath, depth: number): void => {
    if (depth > 8) return;
    if (typeof value === 'string') {
      const secret = /\{\{\s*secrets?\.([^}\s]*)\s*\}\}/.exec(value);
      if (!secret) return;
      const name = secret[1] || 'NAME';
      out.push(
        make(
          'secret-outside-env',
          `\`${secret[0]}\` is replaced only in \`env\` values; here it would stay as written.`,
          at,
          'value',
          `set \`env: {${name}: "{{secret.${name}}}"}\` and use \`$${name}\``,
        ),
      );
      return;
    }
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, [...at, i], depth + 1);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) if (key !== 'env') visit(item, [...at, key], depth + 1);
    }
  };
  visit(opts, path, 0);
}

/**
 * A matrix task's matrix (docs/floe-yaml.md "Matrices"), through the expansion that makes its combinations, and
 * every `{{matrix.AXIS}}` of its opts: an axis the matrix does not have, or any on a task without a matrix, would
 * reach the task as written.
 */
function checkMatrix(node: ResolvedNode, at: DataPath, make: Make, out: Diagnostic[]): void {
  if (node.class === 'merge') return;
  const matrix = node.matrix;
  if (matrix) {
    if (node.type === 'data' || node.type === 'end' || node['use-status']) {
      const why = node['use-status'] ? 'has `use-status`' : `is a \`${node.type}\` task`;
      out.push(
        make(
          'matrix-not-allowed',
          `Task \`${node.id}\` ${why}, so it cannot have a matrix: only executed tasks have combinations, each good or bad.`,
          [...at, 'matrix'],
          'key',
          node['use-status'] ? 'remove `use-status`, and list exit codes counted as good in `good`' : undefined,
        ),
      );
    }
    for (const problem of expandMatrix(matrix, node.id).problems) {
      out.push(make(problem.code, problem.message, [...at, ...problem.path], problem.part, problem.hint));
    }
  }
  checkMatrixRefs(node.opts, [...at, 'opts'], matrix, `task \`${node.id}\``, make, out);
}

/** Every `{{matrix.AXIS}}` in `value` that names no axis of `matrix` (all of them without one): it would stay. */
function checkMatrixRefs(
  value: unknown,
  path: DataPath,
  matrix: Matrix | undefined,
  where: string,
  make: Make,
  out: Diagnostic[],
): void {
  const axes = Object.keys(matrix?.axes ?? {});
  const visit = (item: unknown, at: DataPath, depth: number): void => {
    if (depth > 8) return;
    if (typeof item === 'string') {
      for (const [ref, axis] of item.matchAll(MATRIX_REF)) {
        if (axes.includes(axis as string)) continue;
        out.push(
          make(
            'matrix-unknown-axis',
            matrix
              ? `\`${ref}\` names no axis of the matrix of ${where}; it would stay as written.`
              : `\`${ref}\` is in ${where}, which has no matrix; it would stay as written.`,
            at,
            'value',
            matrix
              ? axisHint(axis as string, axes)
              : where.startsWith('task')
                ? 'add `matrix:` to the task'
                : 'use it in the opts of a task with `matrix:`',
          ),
        );
      }
    } else if (Array.isArray(item)) {
      for (const [i, entry] of item.entries()) visit(entry, [...at, i], depth + 1);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, entry] of Object.entries(item)) visit(entry, [...at, key], depth + 1);
    }
  };
  visit(value, path, 0);
}

function axisHint(axis: string, axes: readonly string[]): string {
  const close = didYouMean(axis, axes);
  if (close) return `did you mean \`{{matrix.${close}}}\`?`;
  return axes.length > 0 ? `the axes are ${axes.map((name) => `\`${name}\``).join(', ')}` : 'the matrix has no axes';
}

function checkEnv(env: Env | undefined, path: DataPath, make: Make, out: Diagnostic[]): void {
  if (!env) return;
  const names: [string, DataPath, 'key' | 'value'][] = [];
  if (Array.isArray(env)) {
    env.forEach((entry, i) => {
      const eq = entry.indexOf('=');
      if (eq < 0) {
        out.push(
          make(
            'env-missing-equals',
            `The env entry \`${entry}\` has no \`=\`.`,
            [...path, i],
            'value',
            `write \`${entry}=value\``,
          ),
        );
      } else {
        names.push([entry.slice(0, eq), [...path, i], 'value']);
      }
    });
  } else {
    for (const key of Object.keys(env)) names.push([key, [...path, key], 'key']);
  }
  for (const [name, at, part] of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      const message =
        name === '' ? 'An env entry has an empty name.' : `\`${name}\` is not a usable environment variable name.`;
      out.push(make('env-invalid-name', message, at, part, 'use letters, digits and `_`, not starting with a digit'));
    }
  }
}

/**
 * "No path leaves the workspace" (DESIGN §3 rule 4, §8 "Expansion"): `{{ws}}`, a leading `./` and `.` mean the
 * workspace; an absolute path or `..` climbing above it is an error.
 */
/** A cache's key and restore-keys parse (cache-key.ts), and its paths stay inside the workspace. */
function checkCache(cache: Cache, path: DataPath, make: Make, out: Diagnostic[]): void {
  const keys = [
    { key: cache.key, at: [...path, 'key'] },
    ...asList(cache['restore-keys'] ?? []).map((key, i) => ({
      key,
      at: typeof cache['restore-keys'] === 'string' ? [...path, 'restore-keys'] : [...path, 'restore-keys', i],
    })),
  ];
  for (const { key, at } of keys) {
    const parsed = parseCacheKey(key);
    if ('error' in parsed)
      out.push(make('invalid-cache-key', `The cache key \`${key.slice(0, 80)}\` ${parsed.error}.`, at, 'value'));
  }
  const paths = cache.paths;
  if (typeof paths === 'string') checkPath(paths, [...path, 'paths'], make, out);
  else
    paths.forEach((entry, i) => {
      checkPath(entry, [...path, 'paths', i], make, out);
    });
}

const asList = (value: string | string[]): string[] => (typeof value === 'string' ? [value] : value);

function checkPath(value: string | undefined, path: DataPath, make: Make, out: Diagnostic[]): void {
  if (value === undefined) return;
  let rest = value.trim();
  if (rest.startsWith('{{ws}}')) rest = rest.slice('{{ws}}'.length).replace(/^[/\\]+/, '');
  else if (/^([/\\~]|[A-Za-z]:)/.test(rest)) {
    out.push(
      make(
        'unsafe-path',
        `\`${value}\` is an absolute path; it must stay inside the workspace.`,
        path,
        'value',
        'write a path relative to the workspace, e.g. `./build`',
      ),
    );
    return;
  }
  let depth = 0;
  for (const part of rest.split(/[/\\]+/)) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) {
      out.push(
        make(
          'unsafe-path',
          `\`${value}\` leaves the workspace through \`..\`.`,
          path,
          'value',
          'paths must stay inside the workspace',
        ),
      );
      return;
    }
  }
}

function checkForm(form: Form | undefined, path: DataPath, make: Make, out: Diagnostic[]): void {
  if (!form) return;
  const ids = new Set<string>();
  form.fields.forEach((field, i) => {
    const at = [...path, 'fields', i];
    if (field.type === 'select' && (field.options?.length ?? 0) === 0) {
      out.push(
        make(
          'select-without-options',
          `The select field \`${field.id}\` has no \`options\` to choose from.`,
          [...at, 'type'],
          'value',
          'add `options: [a, b]`',
        ),
      );
    }
    const key = field.id.toUpperCase();
    if (ids.has(key))
      out.push(
        make(
          'duplicate-field',
          `The form has two fields with the id \`${field.id}\`.`,
          [...at, 'id'],
          'value',
          'field ids must differ (case aside: they become FLOE_DATA_<ID>)',
        ),
      );
    ids.add(key);
  });
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
