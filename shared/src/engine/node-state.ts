// The words for where a node and a run stand, the same everywhere: engine, store, API, dashboard, VS Code
// (DESIGN §3, rule 3; §8 "Why a run ended").
import { z } from 'zod';

export const NodeStateSchema = z.enum([
  'waiting', // not reached (yet)
  'running', // executing; retries happen inside this state (DESIGN §8 "Retry")
  'awaiting-input', // a `data` node waiting for a person
  'good',
  'bad', // finished bad; `exitCode` kept
  'error', // could not execute at all
  'cancelled', // was running (or awaiting input) when the run ended
  'skipped', // never reached by the end of the run
]);
export type NodeState = z.infer<typeof NodeStateSchema>;
/** `NodeState.running`, `NodeState['awaiting-input']`, … */
export const NodeState = NodeStateSchema.enum;

export const RunResultSchema = z.enum(['good', 'bad', 'cancelled']);
export type RunResult = z.infer<typeof RunResultSchema>;
export const RunResult = RunResultSchema.enum;

/**
 * Why a run ended (DESIGN §8): `end` an end node was reached; `no-end` nothing was left to run; `unhandled-failure`
 * a bad/error event nobody listens to; `timeout` the run's deadline passed; `cancelled` by a person; `lost` its
 * runner vanished.
 */
export const ReasonCodeSchema = z.enum([
  'end',
  'no-end',
  'unhandled-failure',
  'timeout',
  'cancelled',
  'lost',
  'refused',
]);
export type ReasonCode = z.infer<typeof ReasonCodeSchema>;
export const ReasonCode = ReasonCodeSchema.enum;
