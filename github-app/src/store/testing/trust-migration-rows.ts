// Test helper (not exported): runs as a hub stored them before migration 006 (run trust), and the trust each must
// have after it — for the SQLite and PostgreSQL tests alike.
type OldRun = { id: string; trigger: Record<string, unknown>; ref: string | null; retryOf: string | null };

export const RUNS_BEFORE_TRUST: OldRun[] = [
  // A fork's run, started by a writer's /floe run: it had noSecrets.
  { id: 'r1', trigger: { type: 'comment', data: {}, noSecrets: true }, ref: 'refs/pull/6/head', retryOf: null },
  // Its retry: no flag any more (the bug), but still a refs/pull/ ref.
  { id: 'r2', trigger: { type: 'retry', data: {} }, ref: 'refs/pull/6/head', retryOf: 'r1' },
  // A push: trusted.
  { id: 'r3', trigger: { type: 'push', data: {} }, ref: 'refs/heads/main', retryOf: null },
  // Flagged on a branch ref, and a retry of it, and a retry of that: only the chain says what they are.
  { id: 'r4', trigger: { type: 'comment', data: { a: '1' }, noSecrets: true }, ref: 'refs/heads/x', retryOf: null },
  { id: 'r5', trigger: { type: 'retry', data: { a: '1' } }, ref: 'refs/heads/x', retryOf: 'r4' },
  { id: 'r6', trigger: { type: 'retry', data: { a: '1' } }, ref: 'refs/heads/x', retryOf: 'r5' },
  // A manual run at a pull request's ref, never flagged: untrusted too.
  { id: 'r7', trigger: { type: 'manual', data: {} }, ref: 'refs/pull/9/head', retryOf: null },
  // A run without a ref (a timer): trusted.
  { id: 'r8', trigger: { type: 'timer', data: {} }, ref: null, retryOf: null },
];

export const TRUST_AFTER: Record<string, 'trusted' | 'untrusted'> = {
  r1: 'untrusted',
  r2: 'untrusted',
  r3: 'trusted',
  r4: 'untrusted',
  r5: 'untrusted',
  r6: 'untrusted',
  r7: 'untrusted',
  r8: 'trusted',
};

/** The INSERT of one old run, with `?` or `$n` placeholders, and its values. */
export function insertOldRun(run: OldRun, index: number, placeholder: (n: number) => string): [string, unknown[]] {
  const values = [
    run.id,
    'acme',
    'f',
    index + 1,
    JSON.stringify(run.trigger),
    run.ref,
    '{"id":"f"}',
    index,
    run.retryOf,
  ];
  return [
    `INSERT INTO runs (id, repo, flow_id, number, state, trigger, ref, flow, created_at, retry_of)
       VALUES (${[1, 2, 3, 4].map(placeholder).join(', ')}, 'archived', ${[5, 6, 7, 8, 9].map(placeholder).join(', ')})`,
    values,
  ];
}
