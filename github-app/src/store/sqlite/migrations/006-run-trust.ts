// Every run has a trust level (docs/security.md), replacing the trigger's `noSecrets` flag of fork runs. Stored runs
// become `untrusted` when they had `noSecrets`, ran a `refs/pull/` ref, or retry (at any depth) a run that is — a
// retry of a fork's run used to lose the flag, which is how it got secrets.
export const migration006 = {
  version: 6,
  name: 'run-trust',
  sql: `
ALTER TABLE runs ADD COLUMN trust TEXT NOT NULL DEFAULT 'trusted' CHECK (trust IN ('trusted', 'untrusted'));
UPDATE runs SET trust = 'untrusted'
  WHERE json_extract(trigger, '$.noSecrets') = 1 OR ref LIKE 'refs/pull/%';
WITH RECURSIVE tainted(id) AS (
  SELECT id FROM runs WHERE trust = 'untrusted'
  UNION SELECT runs.id FROM runs JOIN tainted ON runs.retry_of = tainted.id
)
UPDATE runs SET trust = 'untrusted' WHERE id IN (SELECT id FROM tainted);
UPDATE runs SET trigger = json_remove(trigger, '$.noSecrets') WHERE json_extract(trigger, '$.noSecrets') IS NOT NULL;
`,
};
