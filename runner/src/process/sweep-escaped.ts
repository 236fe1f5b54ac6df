import { processesBornAfter, readProcessEnviron, readProcessTable } from './process-table.js';

export interface EscapedProcess {
  pid: number;
  name: string;
}

/**
 * Kills (SIGKILL) every process that carries `FLOE_EXEC_ID=<execId>` in its environment, or, without an
 * `execId`, `FLOE_RUN_ID=<runId>` and `FLOE_NODE_ID=<nodeId>`: the ones that left the task's process group
 * (`setsid`, daemons) and so escaped `killTree`. DESIGN §5 "No process of a run survives its end". The execution
 * id is unique, so two runs that happen to share ids on one machine (local runs, tests) never kill each other's
 * processes; and it alone is in the environment of what a warm shell forks without an exec (warm-shell.ts).
 * Linux only (it reads /proc/<pid>/environ; a process that rewrote its environment is not found); elsewhere it
 * returns []. Returns what it killed, for the log.
 *
 * `since` describes the task's first process (read right after spawn): an environment is inherited at fork, so
 * a process older than it cannot carry the marks. Its start time skips older processes; its pid, with `forks`
 * (how many processes the kernel created since), narrows the processes read to those born after it, so that a
 * sweep costs what the task started rather than what the machine runs (2 ms with 100 processes here, and it
 * grows with every process of a busy CI machine).
 */
export function sweepEscapedProcesses(
  runId: string,
  nodeId: string,
  execId?: string,
  since?: { leaderPid: number; leaderStartTicks: number; forks: number | undefined },
): EscapedProcess[] {
  const table = (since && processesBornAfter(since.leaderPid, since.forks)) ?? readProcessTable();
  if (!table) return [];
  const minTicks = since?.leaderStartTicks ?? 0;
  const runMark = `FLOE_RUN_ID=${runId}`;
  const nodeMark = `FLOE_NODE_ID=${nodeId}`;
  const execMark = execId === undefined ? undefined : `FLOE_EXEC_ID=${execId}`;
  const killed: EscapedProcess[] = [];
  for (const entry of table) {
    if (entry.pid === process.pid || entry.startTicks < minTicks) continue;
    const environ = readProcessEnviron(entry.pid);
    if (!environ) continue;
    if (execMark ? !environ.includes(execMark) : !environ.includes(runMark) || !environ.includes(nodeMark)) continue;
    try {
      process.kill(entry.pid, 'SIGKILL');
      killed.push({ pid: entry.pid, name: entry.name });
    } catch {
      // Gone already, or not ours to kill.
    }
  }
  return killed;
}
