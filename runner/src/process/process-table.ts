import { existsSync, readdirSync } from 'node:fs';
import { readProcFile } from './read-proc-file.js';

const HAS_PROC = existsSync('/proc/self/stat');

/** One live process as /proc shows it. */
export interface ProcessEntry {
  pid: number;
  /** Process group id. */
  pgid: number;
  /** The kernel's one-letter state; zombies ('Z') are left out of the table. */
  state: string;
  /** The executable's name as the kernel keeps it (at most 15 characters). */
  name: string;
  /** When it started, in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks: number;
}

/**
 * The processes of this machine that are still alive, read from /proc (Linux). Zombies are left out: an
 * orphan that has exited stays a zombie for ever under an init that does not reap (as in some containers), and
 * it must count as gone. Returns undefined where there is no /proc, so callers fall back to `kill(pid, 0)`.
 */
export function readProcessTable(): ProcessEntry[] | undefined {
  const pids = listPids();
  return pids && liveEntries(pids);
}

/**
 * The live processes whose pid the kernel handed out after `pid`, like readProcessTable but reading only those;
 * undefined when it cannot tell (no /proc; too many processes created since). Pids are handed out in a circle
 * up to pid_max, skipping the ones in use, so every process born after `pid` lies between it and the last pid
 * handed out (/proc/loadavg) as long as the cursor has not gone a whole circle: fewer than pid_max processes
 * created (`forks`, fork-count.ts) plus alive (pids it skipped).
 */
export function processesBornAfter(pid: number, forks: number | undefined): ProcessEntry[] | undefined {
  if (forks === undefined || PID_MAX === undefined) return undefined;
  const pids = listPids();
  if (!pids) return undefined;
  // Read after the listing, so that every process listed was born by then. "0.31 0.67 0.53 2/163 26955": the
  // last two fields are all threads alive and the last pid handed out.
  const fields = readProcFile('/proc/loadavg')?.trim().split(/[ /]/);
  const alive = Number(fields?.[4]);
  const last = Number(fields?.[5]);
  if (!Number.isInteger(alive) || !Number.isInteger(last) || forks + alive >= PID_MAX - RESERVED_PIDS) return undefined;
  const newer = last >= pid ? (p: number) => p > pid && p <= last : (p: number) => p > pid || p <= last;
  return liveEntries(pids.filter(newer));
}

/** The pids /proc lists now; undefined where there is no /proc. */
function listPids(): number[] | undefined {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return undefined;
  }
}

/** The entries of those pids that are still alive and not zombies. */
function liveEntries(pids: number[]): ProcessEntry[] {
  const table: ProcessEntry[] = [];
  for (const pid of pids) {
    const entry = readStat(pid);
    if (entry && entry.state !== 'Z' && entry.state !== 'X') table.push(entry);
  }
  return table;
}

/** `pid` as /proc shows it when it is alive and not a zombie; undefined otherwise (or without /proc). */
export function processEntry(pid: number): ProcessEntry | undefined {
  const entry = readStat(pid);
  return entry && entry.state !== 'Z' && entry.state !== 'X' ? entry : undefined;
}

/** Whether `pid` is alive and not a zombie. */
export function isProcessAlive(pid: number): boolean {
  const entry = readStat(pid);
  if (entry) return entry.state !== 'Z' && entry.state !== 'X';
  if (HAS_PROC) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The executable's name of `pid` as the kernel keeps it; undefined when it is gone or there is no /proc. */
export function processName(pid: number): string | undefined {
  return readStat(pid)?.name;
}

/** When `pid` started, in clock ticks since boot; undefined when it is gone or there is no /proc. */
export function processStartTicks(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

/** `KEY=value` entries of a process's environment at its start; undefined when it cannot be read. */
export function readProcessEnviron(pid: number): string[] | undefined {
  return readProcFile(`/proc/${pid}/environ`)?.split('\0');
}

function readStat(pid: number): ProcessEntry | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // "pid (name) state ppid pgrp ..." — the name may hold spaces and parentheses, so split after the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    pid,
    name: stat.slice(stat.indexOf('(') + 1, close),
    state: fields[0] ?? '?',
    pgid: Number(fields[2]),
    startTicks: Number(fields[19]),
  };
}

/** Pids below this are never handed out again after the first circle (the kernel's RESERVED_PIDS). */
const RESERVED_PIDS = 300;
const PID_MAX = ((): number | undefined => {
  const max = Number(readProcFile('/proc/sys/kernel/pid_max'));
  return Number.isInteger(max) && max > RESERVED_PIDS ? max : undefined;
})();
